"""Transactional outbox.

Work that must happen is written in the same transaction as the change that causes it; only
after that transaction commits is it handed to Celery. If Redis is down or hung the hand-over
fails quickly (or is skipped while a recent failure is remembered), the row stays pending, and
the relay task re-sends it once the broker is back. Requests never wait on the broker: inside a
request the hand-over runs after the response has been sent (`DispatchAfterResponse`).
"""

from __future__ import annotations

import enum
import logging
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_request_context, request
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column

from webapp.core.breaker import Breaker
from webapp.core.db import UTCDateTime, enum_type, utcnow, writing
from webapp.extensions import db

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)


class OutboxStatus(enum.Enum):
    PENDING = "pending"
    SENT = "sent"


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    task: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    kwargs: Mapped[dict] = mapped_column(sa.JSON, nullable=False, default=dict)
    status: Mapped[OutboxStatus] = mapped_column(
        enum_type(OutboxStatus, "outbox_status"), default=OutboxStatus.PENDING, nullable=False
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(default=0, nullable=False)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))

    __table_args__ = (
        sa.Index("ix_outbox_messages_pending", "status", "created_at"),
        sa.CheckConstraint("(status = 'sent') = (sent_at IS NOT NULL)", name="sent_has_time"),
    )


_SESSION_KEY = "outbox_new_ids"


def enqueue(task: str, **kwargs: Any) -> OutboxMessage:
    """Add a task to the current transaction; it is handed to Celery after commit."""
    message = OutboxMessage(task=task, kwargs=kwargs)
    db.session.add(message)
    db.session.flush()
    db.session.info.setdefault(_SESSION_KEY, []).append(message.id)
    return message


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    ids = session.info.pop(_SESSION_KEY, None)
    if not ids:
        return
    if has_request_context():
        request.environ.setdefault(_ENVIRON_KEY, []).extend(ids)
    else:
        # A fresh application context brings a fresh session: this one is mid-commit.
        with current_app.app_context():
            try:
                dispatch(ids)
            except Exception:  # noqa: BLE001 - the commit stands; the relay hands the rows over later
                log.exception("outbox: messages %s not handed over after their commit", ids)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_SESSION_KEY, None)


_ENVIRON_KEY = "jiebang.outbox_committed"  # the ids a request committed, for after its response


class DispatchAfterResponse:
    """WSGI middleware: hands the messages a request committed to Celery once the server has taken
    the response's whole body. It does not wait for the server to close the body: Werkzeug's server
    (`make run`) skips `close()` when the client drops the connection right after the response, and
    the work would then wait for the relay (or, without a beat, for ever)."""

    def __init__(self, wsgi_app, app) -> None:
        self.wsgi_app = wsgi_app
        self.app = app

    def __call__(self, environ, start_response):
        body = self.wsgi_app(environ, start_response)
        if not environ.get(_ENVIRON_KEY):
            return body  # nothing to hand over: the server keeps its own handling of the body (sendfile)
        return self._then_dispatch(body, environ)

    def _then_dispatch(self, body, environ):
        try:
            for chunk in body:  # noqa: UP028 - `yield from` would close the body a second time below
                yield chunk
        finally:
            try:
                close = getattr(body, "close", None)
                if close is not None:
                    close()
            finally:
                ids = environ.pop(_ENVIRON_KEY, None)
                if ids:
                    with self.app.app_context():
                        try:
                            dispatch(ids)
                        except Exception:  # noqa: BLE001 - the response is sent; the relay hands them over later
                            log.exception("outbox: messages %s not handed over after their request", ids)


def register_request_hook(app) -> None:
    app.wsgi_app = DispatchAfterResponse(app.wsgi_app, app)


# Remembers a recent failure so that later requests do not each wait on a dead broker.
broker_health = Breaker()


def _is_broker_failure(exc: BaseException) -> bool:
    """A connection problem (as opposed to a message of its own that cannot be sent, such as an
    unknown task name, which must not hold back the messages behind it)."""
    from kombu.exceptions import OperationalError

    return isinstance(exc, (OperationalError, ConnectionError, TimeoutError, OSError)) or (
        type(exc).__module__.startswith("redis")
    )


class TaskFailed(Exception):
    """A task run in-process (no broker) that raised."""

    def __init__(self, error: BaseException):
        super().__init__(str(error))
        self.error = error


def retry_after(attempts: int) -> datetime:
    """When a message whose task failed in-process is tried again: one relay period after the first
    failure, doubling each time, at most an hour."""
    period = current_app.config["OUTBOX_RELAY_SECONDS"]
    return utcnow() + timedelta(seconds=min(period * 2 ** max(attempts - 1, 0), 3600))


def dispatch(ids: list[int] | None = None, *, older_than: timedelta | None = None, limit: int = 500) -> int:
    """Hand pending messages to Celery; returns how many were accepted by the broker.

    Call it in an application context of its own (it commits the context's session): after a
    commit, from the request hook, or from the relay task. Each row is leased before sending so
    two dispatchers never send it together.
    """
    app = current_app._get_current_object()
    celery_app = app.extensions["celery"]
    eager = celery_app.conf.task_always_eager
    if not eager and not broker_health.available():
        return 0
    sent = 0
    session = db.session
    now = utcnow()
    query = sa.select(OutboxMessage.id).where(
        OutboxMessage.status == OutboxStatus.PENDING,
        sa.or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until < now),
    )
    if ids is not None:
        query = query.where(OutboxMessage.id.in_(ids))
    if older_than is not None:
        query = query.where(OutboxMessage.created_at < now - older_than)
    candidates = session.scalars(query.order_by(OutboxMessage.id).limit(limit)).all()
    # End the look-up's read snapshot: each claim below then starts a transaction of its own with
    # its write, which on SQLite waits for another writer instead of failing with "database is
    # locked" when one committed since the look-up (the embedded set-up has no relay to retry).
    session.commit()
    for message_id in candidates:
        with writing():
            claimed = session.execute(
                sa.update(OutboxMessage)
                .where(
                    OutboxMessage.id == message_id,
                    OutboxMessage.status == OutboxStatus.PENDING,
                    sa.or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until < now),
                )
                .values(lease_until=now + LEASE, attempts=OutboxMessage.attempts + 1)
            ).rowcount
            session.commit()
        if not claimed:
            continue
        message = session.get(OutboxMessage, message_id)
        name, kwargs, attempts = message.task, message.kwargs, message.attempts
        # Hold no read snapshot while the task is handed over: an in-process (eager) task writes
        # through a session of its own, and SQLite cannot turn an older snapshot into a write.
        session.commit()
        try:
            task = celery_app.tasks[name]
            result = task.apply_async(kwargs=kwargs, retry=False)
            if eager and result.failed():
                # In-process, the task ran here and failed: the work is not done, so the row stays
                # pending with its error, and the relay tries it again after a growing pause.
                raise TaskFailed(result.result)
        except Exception as exc:  # broker down or hung, a message the broker cannot take, a failed task
            log.warning("outbox %s (%s) not handed over: %s", message_id, name, exc)
            error = exc.error if isinstance(exc, TaskFailed) else exc
            lease_until = retry_after(attempts) if isinstance(exc, TaskFailed) else None
            with writing():
                message.lease_until = lease_until
                message.last_error = f"{type(error).__name__}: {error}"[:500]
                session.commit()
            if not eager and _is_broker_failure(exc):
                # Later messages would meet the same broker: stop and remember it for a while.
                broker_health.failed(app.config["OUTBOX_BROKER_BACKOFF_SECONDS"])
                break
            continue
        with writing():  # the task's own writes were committed meanwhile: this one waits its turn
            message.status = OutboxStatus.SENT
            message.sent_at = utcnow()
            message.lease_until = None
            message.last_error = None
            session.commit()
        broker_health.ok()
        sent += 1
    return sent
