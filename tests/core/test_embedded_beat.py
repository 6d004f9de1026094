"""Without Redis the serving process keeps the beat itself: after its first request it relays the
outbox on schedule, so work whose task failed in-process (the mail folder unwritable) is done once
the fault is gone, with no worker and no command."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from tests.conftest import PASSWORD, migrate, read_mail, wait_for
from webapp import create_app
from webapp.accounts.models import Role, User
from webapp.core.outbox import OutboxMessage, OutboxStatus
from webapp.extensions import db

pytestmark = pytest.mark.live


def test_the_embedded_beat_relays_work_that_failed_in_process(live_database_url, tmp_path):
    mail_folder = tmp_path / "mail"
    mail_folder.write_text("a file where the mail folder should be")
    app = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=live_database_url,
        MAIL_FOLDER=str(mail_folder),
        MATCH_INDEX_DIR=str(tmp_path / "index"),
        EMBEDDED_BEAT=True,
        OUTBOX_RELAY_SECONDS=0.2,
    )
    migrate(app)
    email = f"beat-{uuid.uuid4().hex[:8]}@test.jiebang.cn"
    with app.app_context():
        db.session.add(
            User(email=email, name="节拍测试", role=Role.RESEARCHER, password_hash=generate_password_hash(PASSWORD))
        )
        db.session.commit()
    client = app.test_client()
    try:
        page = client.get("/password/forgot")  # the first request starts the beat
        token = page.get_data(as_text=True).split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
        assert client.post("/password/forgot", data={"email": email, "csrf_token": token}).status_code == 302

        def row():
            with app.app_context():
                return db.session.scalars(
                    sa.select(OutboxMessage).where(OutboxMessage.kwargs["to"].as_string() == email)
                ).one_or_none()

        failed = wait_for(lambda: (found := row()) is not None and found.last_error and found)
        assert failed.status is OutboxStatus.PENDING and failed.last_error.startswith("FileExistsError")

        mail_folder.unlink()  # the fault is gone; nobody runs anything
        sent = wait_for(lambda: (found := row()).status is OutboxStatus.SENT and found)
        assert sent, "the beat did not relay the message"
        # The beat relays every pending row of the live database; this test's mail is among them.
        assert email in [read_mail(mail)[0]["To"] for mail in mail_folder.glob("*.eml")]
    finally:
        app.extensions["embedded_beat_stop"].set()
