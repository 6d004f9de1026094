"""Fixtures shared by the whole suite.

The same tests run on SQLite and on PostgreSQL (`--db`, defaulting to PostgreSQL when
TEST_DATABASE_URL is set). Each xdist worker gets its own database, built by the migrations.
Every test runs inside a transaction that is rolled back; tests marked `live` instead use a
second database with committed data, for a live server or a real Celery worker.
"""

from __future__ import annotations

import os
import re
import threading
import time
import uuid
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy.orm import scoped_session, sessionmaker

# Apps the tests make in other configurations (production) keep no beat of their own: a thread
# relaying a test database's outbox would outlive the test (and the database). The beat's own test
# turns it on for its app.
os.environ.setdefault("EMBEDDED_BEAT", "0")

from tests import clock  # noqa: E402
from webapp import create_app  # noqa: E402
from webapp.accounts.models import Organisation, OrgKind, Role, User  # noqa: E402
from webapp.extensions import db, limiter  # noqa: E402

CI = bool(os.environ.get("CI"))
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")
PASSWORD = "correct-horse-42"
# How long a test waits for work in the background (a worker, the live server after its response) before
# it gives up: far longer than the work takes on a busy machine, since a wait ends as soon as it is done.
WAIT_SECONDS = 120.0


def pytest_addoption(parser):
    parser.addoption(
        "--db",
        choices=["sqlite", "postgresql"],
        default="postgresql" if TEST_DATABASE_URL else "sqlite",
        help="database the suite runs against",
    )


def pytest_configure(config):
    missing = [
        name
        for name, value in (("TEST_DATABASE_URL", TEST_DATABASE_URL), ("TEST_REDIS_URL", TEST_REDIS_URL))
        if not value
    ]
    if CI and missing:
        raise pytest.UsageError(f"CI is set but {', '.join(missing)} is not: the suite must run on the real services")
    if config.getoption("--db") == "postgresql" and not TEST_DATABASE_URL:
        raise pytest.UsageError("--db postgresql needs TEST_DATABASE_URL")


def worker_id(config) -> str:
    return getattr(config, "workerinput", {}).get("workerid", "main")


def _postgres_database(base_url: str, name: str) -> str:
    """Create an empty database `name` next to the one in base_url; return its URL."""
    url = sa.engine.make_url(base_url.replace("postgresql://", "postgresql+psycopg://", 1))
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


_RUN_ID = uuid.uuid4().hex[:8]
_CREATED_DATABASES: list[str] = []


def run_id(config) -> str:
    """One id per test run (shared by its xdist workers), so concurrent runs never share a database."""
    return getattr(config, "workerinput", {}).get("testrunuid", _RUN_ID)[:8]


def make_database(config, tmp_path_factory, label: str) -> str:
    if config.getoption("--db") == "postgresql":
        name = f"jiebang_{label}_{run_id(config)}_{worker_id(config)}"
        _CREATED_DATABASES.append(name)
        return _postgres_database(TEST_DATABASE_URL, name)
    return f"sqlite:///{tmp_path_factory.mktemp('db') / f'{label}.sqlite3'}"


def pytest_sessionfinish(session, exitstatus):
    """Drop the PostgreSQL databases this process created."""
    if not _CREATED_DATABASES or not TEST_DATABASE_URL:
        return
    url = sa.engine.make_url(TEST_DATABASE_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for name in _CREATED_DATABASES:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def migrate(app) -> None:
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()


def redis_url_for(config) -> str | None:
    """A Redis database number per xdist worker keeps parallel workers' queues apart, and the
    SQLite and PostgreSQL runs (which `make test` runs side by side) use numbers of their own."""
    if not TEST_REDIS_URL:
        return None
    wid = worker_id(config)
    offset = 8 if config.getoption("--db") == "postgresql" else 0
    number = 1 + offset + (int(wid[2:]) if wid.startswith("gw") else 0)
    return re.sub(r"/\d*$", "", TEST_REDIS_URL.rstrip("/")) + f"/{number}"


@pytest.fixture(scope="session")
def database_url(request, tmp_path_factory) -> str:
    return make_database(request.config, tmp_path_factory, "unit")


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    app = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=database_url,
        MAIL_FOLDER=str(tmp_path_factory.mktemp("mail")),
        MATCH_INDEX_DIR=str(tmp_path_factory.mktemp("match-index")),
    )
    migrate(app)
    return app


@pytest.fixture(autouse=True)
def _isolate(request):
    """Run each test in a transaction that is rolled back (not for `live` tests)."""
    app = request.getfixturevalue("app")
    with app.app_context():
        limiter.reset()  # one storage is shared by every app in the process
    if request.node.get_closest_marker("live"):
        yield
        return
    with app.app_context():  # popped again before the test: requests must push their own
        connection = db.engine.connect()
    transaction = connection.begin()
    original = db.session
    db.session = _ThisThreadOnly(
        scoped_session(
            sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False),
            scopefunc=_app_ctx_id,
        ),
        original,
    )
    try:
        yield
    finally:
        db.session = original
        transaction.rollback()
        connection.close()


class _ThisThreadOnly:
    """`db.session` for one test: the test's thread gets the session inside the test transaction;
    any other thread (the live server of the browser tests, possibly still finishing a background
    job of an earlier test) keeps the application's own session and database."""

    def __init__(self, test_session, original):
        self._test_session = test_session
        self._original = original
        self._thread = threading.get_ident()

    def _target(self):
        return self._test_session if threading.get_ident() == self._thread else self._original

    def __call__(self, *args, **kwargs):
        return self._target()(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._target(), name)


@pytest.fixture
def app_ctx(app):
    """For tests that call services directly. Do not combine with the HTTP client: a request
    reuses an application context that is already pushed, and with it `g` and the session."""
    with app.app_context():
        yield app


@contextmanager
def changing(app):
    """An application context for a test that reads and then writes the live database while the live
    server's or the worker's tasks may commit (a test's own session is outside any request). On SQLite
    its transactions take the write lock when they begin, as a request that changes something does
    (`webapp.core.db.writing`): read first and written later, a transaction whose snapshot another
    writer made stale fails at once with "database is locked". Do not wait inside it: it holds the
    lock until it commits."""
    from webapp.core.db import writing

    with app.app_context(), writing():
        yield app


def wait_for(predicate, timeout: float = WAIT_SECONDS, interval: float = 0.2):
    """Ask `predicate` until it answers something true (returned), or `timeout` seconds have passed (its
    last answer is returned)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    return predicate()


@pytest.fixture(autouse=True)
def _real_time_after_the_test():
    """Whatever a test (or a factory it called) did to the application's clock, the next test starts
    on the real time."""
    yield
    clock.reset()


@pytest.fixture
def freeze_clock():
    """freeze_clock(moment) stops the application's clock at `moment` (timezone-aware) for the rest of
    the test and returns the district's date then; a live server, in this process, reads the same
    clock (tests/clock.py)."""

    def freeze(moment: datetime) -> date:
        clock.set_time(moment)
        return clock.today()

    return freeze


@pytest.fixture
def challenge_clock():
    """The application's clock stopped at T0 (a Monday, 10:00 in Beijing), for the test to move
    (`set_time`, `advance`); a live server in this process reads the same clock."""
    clock.set_time(clock.T0)
    return clock


@pytest.fixture
def mailbox(app, tmp_path) -> Path:
    """The folder development e-mail is written to, emptied for this test."""
    old = app.config["MAIL_FOLDER"]
    app.config["MAIL_FOLDER"] = str(tmp_path / "mail")
    yield tmp_path / "mail"
    app.config["MAIL_FOLDER"] = old


class Client:
    """A test client that behaves like a browser: it reads the CSRF token from the page."""

    def __init__(self, app):
        self.app = app
        self.http = app.test_client()

    def csrf(self) -> str:
        page = self.http.get("/")
        match = re.search(r'name="csrf-token" content="([^"]+)"', page.get_data(as_text=True))
        assert match, "no CSRF token in page"
        return match.group(1)

    def get(self, *args, **kwargs):
        # buffered: the body is read and closed as a server would, which runs call_on_close hooks
        return self.http.get(*args, buffered=True, **kwargs)

    def post(self, url, data=None, csrf=True, **kwargs):
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", self.csrf())
        return self.http.post(url, data=data, buffered=True, **kwargs)

    def login(self, email: str, password: str = PASSWORD, **kwargs):
        return self.post("/login", {"email": email, "password": password}, **kwargs)

    def logout(self):
        return self.post("/logout")

    def session_cookie(self) -> str | None:
        cookie = self.http.get_cookie("session")
        return cookie.value if cookie else None


@pytest.fixture
def client(app) -> Client:
    return Client(app)


@pytest.fixture
def query(app):
    """Run a function with the database session, outside any request: query(lambda s: ...)."""

    def run(fn):
        with app.app_context():
            return fn(db.session)

    return run


@pytest.fixture
def make_client(app):
    return lambda: Client(app)


@pytest.fixture
def make_org(app):
    from webapp.core.identifiers import uscc_check_char

    def make(kind: OrgKind = OrgKind.ENTERPRISE, name: str | None = None, **fields) -> Organisation:
        if kind is OrgKind.ENTERPRISE and "uscc" not in fields:
            body = "91120112MA" + "".join(c if c in "0123456789ABCDEF" else "1" for c in uuid.uuid4().hex[:7].upper())
            fields["uscc"] = body + uscc_check_char(body)
        org = Organisation(kind=kind, name=name or f"测试单位{uuid.uuid4().hex[:8]}", **fields)
        with app.app_context():
            db.session.add(org)
            db.session.commit()
        return org

    return make


@pytest.fixture
def make_user(app):
    from werkzeug.security import generate_password_hash

    hashed = generate_password_hash(PASSWORD)

    def make(role: str | Role = Role.RESEARCHER, email: str | None = None, **fields) -> User:
        role = Role(role)
        user = User(
            email=email or f"{role.value}-{uuid.uuid4().hex[:8]}@test.jiebang.cn",
            name=fields.pop("name", f"{role.value} tester"),
            role=role,
            password_hash=hashed,
            **fields,
        )
        with app.app_context():
            db.session.add(user)
            db.session.commit()
        return user

    return make


# --- live data: a second database whose commits other threads and processes can see ----------


@pytest.fixture(scope="session")
def live_database_url(request, tmp_path_factory) -> str:
    return make_database(request.config, tmp_path_factory, "live")


def make_race_app(live_database_url: str, tmp_path_factory, connections: int):
    """An app on the live database with a connection for each of `connections` simultaneous callers
    (the tests that race requests or task runs against each other)."""
    return create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=live_database_url,
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True, "pool_size": connections + 2, "max_overflow": 0},
        MAIL_FOLDER=str(tmp_path_factory.mktemp("race-mail")),
    )


@pytest.fixture(scope="session")
def live_app(app, live_database_url, tmp_path_factory):
    """An app on the live database, tasks in-process. Tests using it are marked `live` and must
    not assume an empty database: the live database keeps what earlier live tests committed."""
    live = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=live_database_url,
        MAIL_FOLDER=str(tmp_path_factory.mktemp("live-mail")),
        MATCH_INDEX_DIR=str(tmp_path_factory.mktemp("live-match-index")),
    )
    migrate(live)
    return live


@pytest.fixture(scope="session")
def live_server(live_app):
    """The live app served over HTTP on a free loopback port, in a thread."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def make_live_user(live_app):
    from werkzeug.security import generate_password_hash

    def make(role: str | Role = Role.RESEARCHER, email: str | None = None, **fields) -> User:
        role = Role(role)
        user = User(
            email=email or f"{role.value}-{uuid.uuid4().hex[:8]}@live.jiebang.cn",
            name=fields.pop("name", f"{role.value} tester"),
            role=role,
            password_hash=generate_password_hash(PASSWORD),
            **fields,
        )
        with live_app.app_context():
            db.session.add(user)
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
        return user

    return make


def read_mail(path: Path):
    """An .eml file as (message, plain-text body), decoded as a mail client would."""
    from email import message_from_bytes, policy

    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    return message, message.get_body(("plain",)).get_content()
