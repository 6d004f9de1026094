"""The outbox in the embedded default (no Redis): work runs in-process after the commit."""

import sqlalchemy as sa

from tests.conftest import read_mail
from webapp.core.outbox import OutboxMessage, OutboxStatus


def test_password_reset_mail_is_written_after_the_request(client, make_user, mailbox, query):
    user = make_user("researcher")
    response = client.post("/password/forgot", {"email": user.email})
    assert response.status_code == 302

    mails = list(mailbox.glob("*.eml"))
    assert len(mails) == 1
    message, body = read_mail(mails[0])
    assert message["To"] == user.email
    assert "/password/reset/" in body
    statuses = query(lambda s: s.scalars(sa.select(OutboxMessage.status)).all())
    assert statuses == [OutboxStatus.SENT]


def test_unknown_address_gets_the_same_answer_and_no_mail(client, mailbox, query):
    response = client.post("/password/forgot", {"email": "nobody@test.jiebang.cn"})
    assert response.status_code == 302
    assert not mailbox.exists() or not list(mailbox.glob("*.eml"))
    assert query(lambda s: s.scalar(sa.select(sa.func.count(OutboxMessage.id)))) == 0


def test_in_process_a_failed_task_stays_pending_with_its_error_and_the_relay_sends_it_later(
    app, client, make_user, mailbox, query
):
    from datetime import timedelta

    from webapp.core.db import utcnow

    user = make_user("researcher")
    mailbox.parent.mkdir(parents=True, exist_ok=True)
    mailbox.write_text("a file where the mail folder should be")  # the disk refuses the mail
    assert client.post("/password/forgot", {"email": user.email}).status_code == 302

    row = query(lambda s: s.scalars(sa.select(OutboxMessage)).one())
    assert row.status is OutboxStatus.PENDING and row.sent_at is None
    assert row.last_error.startswith("FileExistsError") and row.attempts == 1
    assert row.lease_until > utcnow()  # tried again after a pause, not at once

    mailbox.unlink()  # the disk is fixed; the pause passes
    query(
        lambda s: (
            s.execute(sa.update(OutboxMessage).values(lease_until=utcnow() - timedelta(seconds=1))),
            s.execute(sa.update(OutboxMessage).values(created_at=utcnow() - timedelta(minutes=1))),
            s.commit(),
        )
    )
    with app.app_context():
        app.extensions["celery"].tasks["core.relay_outbox"].apply()  # this app's relay, as its beat runs it

    row = query(lambda s: s.scalars(sa.select(OutboxMessage)).one())
    assert (row.status, row.attempts, row.last_error) == (OutboxStatus.SENT, 2, None)
    (mail,) = mailbox.glob("*.eml")
    assert read_mail(mail)[0]["To"] == user.email


def test_bulk_jobs_the_clock_and_the_rest_go_to_queues_of_their_own(app):
    """So a worker busy with an import or a full re-match never holds up a deadline, the relay or a
    suggestion."""
    router = app.extensions["celery"].amqp.router
    queue = {name: router.route({}, name)["queue"].name for name in app.extensions["celery"].tasks if "." in name}
    assert queue["imports.run_job"] == queue["matching.rematch"] == queue["subscriptions.announce_imported"] == "bulk"
    assert queue["challenges.tick"] == queue["core.relay_outbox"] == "clock"
    assert {queue[n] for n in ("matching.match_listing", "notifications.send_email", "dashboard.warm")} == {"celery"}
    assert set(queue.values()) == {"celery", "clock", "bulk"}
