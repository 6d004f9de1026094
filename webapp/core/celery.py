"""Celery wired the Flask way: every task runs inside an application context."""

from __future__ import annotations

from celery import Celery, Task
from flask import Flask

# Three queues, each served by workers of its own in production (README): bulk work (an import and its
# announcement to followers, a full re-match) waits in `bulk` and can never delay a deadline (the clock
# and the outbox relay, in `clock`) or a suggestion, a mail or a dashboard refresh (`celery`).
QUEUES = ("celery", "clock", "bulk")
ROUTES = {
    "imports.*": {"queue": "bulk"},
    "matching.rematch": {"queue": "bulk"},
    "subscriptions.announce_imported": {"queue": "bulk"},  # an import's thousands of needs, read at once
    "challenges.tick": {"queue": "clock"},
    "core.relay_outbox": {"queue": "clock"},
}


def celery_init_app(app: Flask) -> Celery:
    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    redis_url = app.config["REDIS_URL"]
    timeout = app.config["REDIS_SOCKET_TIMEOUT"]
    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.conf.update(
        broker_url=redis_url or "memory://",
        result_backend=None,
        task_ignore_result=True,
        task_always_eager=not redis_url,
        task_eager_propagates=False,
        task_default_queue="celery",
        task_routes=ROUTES,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=False,
        broker_connection_timeout=timeout,
        broker_connection_retry_on_startup=True,
        broker_transport_options={
            "socket_timeout": timeout,
            "socket_connect_timeout": timeout,
            # A job lost with its worker comes back after this long instead of kombu's hour.
            "visibility_timeout": 900,
            "health_check_interval": 10,
            # Publishing gives up after one quick retry instead of kombu's default back-off; the
            # outbox keeps the message and the relay sends it later.
            "max_retries": 1,
            "interval_start": 0,
            "interval_step": 0.2,
            "interval_max": 0.5,
        },
        redis_socket_timeout=timeout,
        redis_socket_connect_timeout=timeout,
        beat_schedule={
            "relay-outbox": {
                "task": "core.relay_outbox",
                "schedule": app.config["OUTBOX_RELAY_SECONDS"],
            },
            "challenges-tick": {
                "task": "challenges.tick",
                "schedule": 60.0,
            },
            # Sends each finished day's and week's digests once (a claimed row per person and period).
            "notification-digests": {
                "task": "subscriptions.send_digests",
                "schedule": 900.0,
            },
            "performance-remind": {
                "task": "performance.remind",
                "schedule": 3600.0,
            },
        },
        timezone="UTC",
    )
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app
