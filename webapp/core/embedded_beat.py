"""The beat of the embedded set-up. Without Redis there is no Celery beat process, so the serving
process runs the beat's schedule itself, in a daemon thread started by its first request: the
challenge clock closes windows at their deadline and sends reminders, and the outbox relay tries
again the work whose task failed in-process — in `make run` as with Celery and Redis.

Commands (`flask db upgrade`, `flask demo load`) serve no request and never start it; neither do
tests, whose configuration turns it off and which run the same tasks when they choose to.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

from flask import Flask

log = logging.getLogger(__name__)


def _period(schedule) -> float:
    return schedule.total_seconds() if isinstance(schedule, timedelta) else float(schedule)


def _run(app: Flask, stop: threading.Event) -> None:
    from webapp.extensions import db

    celery_app = app.extensions["celery"]
    entries = {
        name: (entry["task"], _period(entry["schedule"])) for name, entry in celery_app.conf.beat_schedule.items()
    }
    due = {name: time.monotonic() + period for name, (_task, period) in entries.items()}
    while not stop.wait(max(0.0, min(due.values()) - time.monotonic())):
        now = time.monotonic()
        for name, (task, period) in entries.items():
            if due[name] > now:
                continue
            due[name] = now + period
            try:
                celery_app.tasks[task].apply()  # in this thread, inside an app context (FlaskTask)
            except Exception:  # noqa: BLE001 - one failed run must not stop the beat
                log.exception("embedded beat: %s failed", task)
            finally:
                with app.app_context():
                    db.session.remove()


def install(app: Flask) -> None:
    if not app.config.get("EMBEDDED_BEAT") or not app.extensions["celery"].conf.task_always_eager:
        return
    lock, started = threading.Lock(), threading.Event()
    stop = threading.Event()
    app.extensions["embedded_beat_stop"] = stop

    @app.before_request
    def start_the_beat() -> None:
        if started.is_set():
            return
        with lock:
            if started.is_set():
                return
            threading.Thread(target=_run, args=(app, stop), name="embedded-beat", daemon=True).start()
            started.set()
            log.info("embedded beat started: %s", ", ".join(app.extensions["celery"].conf.beat_schedule))
