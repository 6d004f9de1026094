"""Celery entry point: `celery -A worker worker --beat` (see `make worker`)."""

from celery.signals import worker_ready

from webapp import create_app

flask_app = create_app()
celery_app = flask_app.extensions["celery"]


@worker_ready.connect
def relay_on_start(sender=None, **_kwargs) -> None:
    """Hand over whatever was committed while no worker (or no broker) was there."""
    with flask_app.app_context():
        from webapp.core.outbox import dispatch

        dispatch()
