"""Work handed to Celery through the outbox is executed by a real worker on a real Redis."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import PASSWORD, Client, read_mail, wait_for
from tests.integration.conftest import Worker
from webapp import create_app
from webapp.accounts.models import Role, User
from webapp.core.db import utcnow
from webapp.core.outbox import OutboxMessage, OutboxStatus, broker_health
from webapp.extensions import db

pytestmark = [pytest.mark.live, pytest.mark.xdist_group("celery")]


def mail_to(folder, email: str):
    return [p for p in folder.glob("*.eml") if read_mail(p)[0]["To"] == email]


def outbox_rows(app, email: str) -> list[OutboxMessage]:
    with app.app_context():
        rows = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
        return [r for r in rows if r.kwargs.get("to") == email]


def post_as_served(client: Client, url: str, data: dict, when_sent):
    """POST as a WSGI server serves it: the body is taken until the client holds the whole answer
    (its Content-Length), `when_sent()` looks at what has happened by then, and only after that does
    the server finish with the body (which hands the request's work to the broker). Returns the
    response and what `when_sent` saw."""
    response = client.http.post(url, data=data, buffered=False)
    chunks = iter(response.response)
    body = b""
    while len(body) < response.content_length:
        body += next(chunks)
    seen = when_sent()
    for _rest in chunks:
        pass
    response.close()
    return response, seen


def attempts(app, email: str) -> list[tuple[OutboxStatus, int, bool]]:
    """Each outbox row for `email`: its status, how many hand-overs were tried, whether one failed."""
    return [(r.status, r.attempts, bool(r.last_error)) for r in outbox_rows(app, email)]


def diagnosis(app, worker) -> str:
    """What a failing run needs to be understood: every outbox row and the worker's complaints."""
    with app.app_context():
        rows = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
        table = "\n".join(
            f"  #{r.id} {r.task} {r.status.value} created={r.created_at:%H:%M:%S.%f} lease={r.lease_until} "
            f"attempts={r.attempts} error={r.last_error}"
            for r in rows
        )
    noted = [
        line
        for line in worker.output().splitlines()
        if "WARNING" in line or "ERROR" in line or "outbox" in line or "Connected" in line
    ]
    return f"outbox:\n{table}\nworker:\n" + "\n".join(noted[-60:]) + "\n...\n" + worker.output()[-1500:]


def test_reset_mail_is_sent_by_the_worker(redis_app, celery_worker, worker_mail, make_live_user):
    user = make_live_user("researcher")
    client = Client(redis_app)

    response = client.post("/password/forgot", {"email": user.email})

    assert response.status_code == 302
    mails = wait_for(lambda: mail_to(worker_mail, user.email))
    assert mails, "the worker did not send the mail:\n" + celery_worker.output()[-2000:]
    assert "/password/reset/" in read_mail(mails[0])[1]
    rows = outbox_rows(redis_app, user.email)
    assert [r.status for r in rows] == [OutboxStatus.SENT]
    assert "notifications.send_email" in celery_worker.output()


def add_user(app, email: str) -> User:
    from werkzeug.security import generate_password_hash

    with app.app_context():
        user = User(email=email, name="断线测试", role=Role.ENTERPRISE, password_hash=generate_password_hash(PASSWORD))
        db.session.add(user)
        db.session.commit()
        db.session.refresh(user)
        db.session.expunge(user)
    return user


def test_request_answers_quickly_with_redis_down_and_the_work_runs_when_it_is_back(
    private_database_url, private_redis, tmp_path
):
    mail = tmp_path / "mail"
    app = create_app(
        "testing", SQLALCHEMY_DATABASE_URI=private_database_url, REDIS_URL=private_redis.url, MAIL_FOLDER=str(mail)
    )
    worker = Worker(
        database_url=private_database_url, redis_url=private_redis.url, mail_folder=mail, tmp=tmp_path
    ).start()
    try:
        private_redis.stop()
        user = add_user(app, f"down-{uuid.uuid4().hex[:8]}@live.jiebang.cn")
        client = Client(app)
        token = client.csrf()

        response, when_sent = post_as_served(
            client, "/password/forgot", {"email": user.email, "csrf_token": token}, lambda: attempts(app, user.email)
        )

        assert response.status_code == 302
        # The answer was complete before the broker was tried; the try failed and the work waits.
        assert when_sent == [(OutboxStatus.PENDING, 0, False)]
        assert attempts(app, user.email) == [(OutboxStatus.PENDING, 1, True)]

        private_redis.start()
        mails = wait_for(lambda: mail_to(mail, user.email))
        assert mails, "the work did not run after Redis came back:\n" + diagnosis(app, worker)
        assert wait_for(lambda: [r.status for r in outbox_rows(app, user.email)] == [OutboxStatus.SENT])
    finally:
        worker.stop()
        broker_health.ok()


@pytest.fixture
def black_hole():
    """A TCP port that accepts connections and never answers: a hung Redis."""
    import socket
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held = []
    stop = threading.Event()

    def accept():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


def test_requests_do_not_wait_on_a_hung_redis(live_app, live_database_url, make_live_user, black_hole, tmp_path):
    app = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=live_database_url,
        REDIS_URL=black_hole,
        MAIL_FOLDER=str(tmp_path / "mail"),
        OUTBOX_BROKER_BACKOFF_SECONDS=3600,  # however slow the machine, the second request comes within it
    )
    client = Client(app)
    token = client.csrf()
    users = [make_live_user("researcher") for _ in range(2)]
    try:
        sent = []
        for user in users:
            response, when_sent = post_as_served(
                client,
                "/password/forgot",
                {"email": user.email, "csrf_token": token},
                lambda email=user.email: attempts(app, email),
            )
            assert response.status_code == 302
            sent.append(when_sent)
        # Each answer was complete before the broker was tried; the first request's try timed out,
        # and the next request left the hung broker alone (one timeout, not one per request).
        assert sent == [[(OutboxStatus.PENDING, 0, False)]] * 2
        assert [attempts(app, user.email) for user in users] == [
            [(OutboxStatus.PENDING, 1, True)],
            [(OutboxStatus.PENDING, 0, False)],
        ]
    finally:
        broker_health.ok()


def test_a_message_the_broker_cannot_take_does_not_hold_back_the_others(redis_app, celery_worker, worker_mail):
    email = f"behind-{uuid.uuid4().hex[:8]}@live.jiebang.cn"
    with redis_app.app_context():
        # Both left behind a minute ago (as when Redis was down): the relay meets the unknown one first.
        earlier = utcnow() - timedelta(minutes=1)
        stuck = OutboxMessage(task="nowhere.unknown_task", kwargs={"to": "nobody@live.jiebang.cn"}, created_at=earlier)
        db.session.add(stuck)
        db.session.flush()
        db.session.add(
            OutboxMessage(
                task="notifications.send_email",
                created_at=earlier,
                kwargs={"to": email, "subject": "排队", "body": "在未知任务之后", "message_key": f"behind-{email}"},
            )
        )
        db.session.commit()
        stuck_id = stuck.id

    mails = wait_for(lambda: mail_to(worker_mail, email))
    assert mails, "the mail behind an unknown task was not sent:\n" + diagnosis(redis_app, celery_worker)
    with redis_app.app_context():
        row = db.session.get(OutboxMessage, stuck_id)
        assert row.status == OutboxStatus.PENDING
        assert "nowhere.unknown_task" in row.last_error
        assert broker_health.available()
