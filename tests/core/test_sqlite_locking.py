"""SQLite (the embedded default) under concurrent writers: a request that changes something holds the
write lock from the start of its transaction, so another connection committing while it works (a
background task, another request) makes it wait instead of failing with "database is locked"."""

from __future__ import annotations

import sqlite3

import pytest
import sqlalchemy as sa

from webapp.core.db import configure_sqlite


@pytest.fixture
def engine(request, tmp_path):
    if request.config.getoption("--db") != "sqlite":
        pytest.skip("SQLite's locking")
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'locks.sqlite3'}")
    configure_sqlite(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER)")
        conn.exec_driver_sql("INSERT INTO t (n) VALUES (0)")
    yield engine, str(tmp_path / "locks.sqlite3")
    engine.dispose()


def other_writer_commits(path: str) -> None:
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("UPDATE t SET n = n + 1")
        other.execute("COMMIT")
    finally:
        other.close()


def test_a_post_reads_then_writes_although_another_connection_wrote_meanwhile(app, engine):
    engine, path = engine
    with app.test_request_context("/deals/1/payments", method="POST"), engine.connect() as conn, conn.begin():
        assert conn.exec_driver_sql("SELECT n FROM t").scalar() == 0
        # Another writer cannot slip in between the read and the write: it is told to wait…
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other_writer_commits(path)
        conn.exec_driver_sql("UPDATE t SET n = n + 10")
    other_writer_commits(path)  # …and goes ahead once the request has committed.
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT n FROM t").scalar() == 11


def test_a_page_view_reads_without_taking_the_write_lock(app, engine):
    engine, path = engine
    with app.test_request_context("/dashboard/", method="GET"), engine.connect() as conn, conn.begin():
        assert conn.exec_driver_sql("SELECT n FROM t").scalar() == 0
        other_writer_commits(path)  # not blocked by a reader
        assert conn.exec_driver_sql("SELECT n FROM t").scalar() == 0  # its snapshot


@pytest.mark.live
def test_a_message_is_handed_over_although_another_connection_wrote_while_it_was_looked_up(request, live_app):
    """The embedded default has no relay: a message not handed over after its commit would wait for
    ever (an upload's import stayed "waiting"). Another writer committing between the look-up of
    pending messages and the claim must not make the claim fail."""
    if request.config.getoption("--db") != "sqlite":
        pytest.skip("SQLite's locking")
    from webapp.core import outbox
    from webapp.core.outbox import OutboxMessage, OutboxStatus
    from webapp.extensions import db

    with live_app.app_context():
        path = db.engine.url.database
        with db.engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS scratch_writes (n INTEGER)")
        message = OutboxMessage(task="imports.run_job", kwargs={"job_id": 2**31 - 1})
        db.session.add(message)
        db.session.commit()
        message_id = message.id

        wrote = []

        def other_writer(conn, cursor, statement, *args):
            # Just before the claim's transaction begins (it takes the write lock at BEGIN, so no
            # writer can come between its BEGIN and its UPDATE).
            if statement.strip().upper() == "BEGIN IMMEDIATE" and not wrote:
                other = sqlite3.connect(path, timeout=10, isolation_level=None)
                other.execute("INSERT INTO scratch_writes (n) VALUES (1)")
                other.close()
                wrote.append(True)

        sa.event.listen(db.engine, "before_cursor_execute", other_writer)
        try:
            sent = outbox.dispatch([message_id])
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", other_writer)
        assert wrote
        assert sent == 1
        assert db.session.get(OutboxMessage, message_id).status is OutboxStatus.SENT
