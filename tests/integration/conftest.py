"""A real Redis and a real Celery worker process, on the live database."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CI, redis_url_for, wait_for
from webapp import create_app

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_ping(url: str) -> bool:
    import redis

    try:
        return redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


@pytest.fixture(scope="session")
def redis_url(request) -> str:
    url = redis_url_for(request.config)
    if not url:
        if CI:
            pytest.fail("TEST_REDIS_URL is not set")
        pytest.skip("TEST_REDIS_URL is not set")
    if not redis_ping(url):
        pytest.fail(f"Redis at {url} does not answer")
    import redis

    redis.Redis.from_url(url).flushdb()
    return url


class Worker:
    """A `celery -A worker worker --beat` process with its own environment."""

    def __init__(self, *, database_url: str, redis_url: str, mail_folder: Path, tmp: Path):
        self.env = {
            **os.environ,
            "JIEBANG_ENV": "testing",
            "JIEBANG_INSTANCE": str(tmp),
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "MAIL_FOLDER": str(mail_folder),
            "OUTBOX_RELAY_SECONDS": "1",
            "PYTHONPATH": str(ROOT),
        }
        self.log = tmp / "worker.log"
        self.schedule = tmp / "beat-schedule"
        self.process: subprocess.Popen | None = None

    def start(self) -> Worker:
        celery = shutil.which("celery", path=str(Path(sys.executable).parent)) or "celery"
        self.process = subprocess.Popen(
            [
                celery,
                "-A",
                "worker",
                "worker",
                "--beat",
                "--queues",
                "celery,clock,bulk",
                "--loglevel",
                "INFO",
                "--concurrency",
                "1",
                "--without-gossip",
                "--without-mingle",
                "--schedule",
                str(self.schedule),
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
        )
        ready = wait_for(lambda: b"ready." in self.log.read_bytes() or self.process.poll() is not None)
        if not ready or self.process.poll() is not None:
            raise RuntimeError("worker did not start:\n" + self.log.read_text(errors="replace")[-3000:])
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture(scope="session")
def worker_mail(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("worker-mail")


@pytest.fixture(scope="session")
def celery_worker(live_app, live_database_url, redis_url, worker_mail, tmp_path_factory):
    worker = Worker(
        database_url=live_database_url,
        redis_url=redis_url,
        mail_folder=worker_mail,
        tmp=tmp_path_factory.mktemp("worker"),
    ).start()
    yield worker
    worker.stop()


@pytest.fixture(scope="session")
def redis_app(live_app, live_database_url, redis_url, worker_mail):
    """The web app with Celery on Redis (no eager mode), on the live database."""
    return create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=live_database_url,
        REDIS_URL=redis_url,
        MAIL_FOLDER=str(worker_mail),
        MATCH_INDEX_DIR=live_app.config["MATCH_INDEX_DIR"],
    )


class RedisServer:
    """A private redis-server, so a test can stop and restart it without disturbing others."""

    def __init__(self, port: int, tmp: Path):
        self.port = port
        self.tmp = tmp
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.tmp),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        assert wait_for(lambda: redis_ping(self.url)), "private redis-server did not start"

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


@pytest.fixture
def private_database_url(request, tmp_path, live_app):
    """A database of its own, for a test whose outbox rows no other worker may relay (the session's
    worker relays every pending row of the live database to the shared Redis)."""
    from tests.conftest import make_database, migrate

    url = make_database(request.config, _TmpFactory(tmp_path), f"private{os.getpid()}{next(_PRIVATE)}")
    migrate(create_app("testing", SQLALCHEMY_DATABASE_URI=url))
    return url


class _TmpFactory:
    def __init__(self, path: Path):
        self.path = path

    def mktemp(self, name: str) -> Path:
        folder = self.path / name
        folder.mkdir(exist_ok=True)
        return folder


_PRIVATE = iter(range(1_000_000))


@pytest.fixture
def private_redis(tmp_path):
    if not shutil.which("redis-server"):
        if CI:
            pytest.fail("redis-server is not installed")
        pytest.skip("redis-server is not installed")
    server = RedisServer(free_port(), tmp_path)
    server.start()
    yield server
    server.stop()
