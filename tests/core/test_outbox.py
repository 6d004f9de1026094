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
