"""The dashboard with its figures shared through Redis (REDIS_URL, database 15 of the local Redis unless
BENCH_REDIS_URL says otherwise) and warmed after each change by a real Celery worker.

On the same generated ledger as bench/dashboard.py, gunicorn (2 workers) runs with REDIS_URL set and
a `celery -A worker worker` beside it. Measured, through HTTP as the demo administrator, for this year:
- warm shared cache: the page under load once the figures are in Redis (and in each worker's memory);
- after a change: a payment recorded through the ledger's service (its outbox row reaches the worker,
  which runs `dashboard.warm`); once the warmed figures are in Redis, two simultaneous requests (one
  per worker) and two more: none should compute. The time from the commit to the warmed figures is
  reported too;
- after an unwarmed change (the baseline, as without warming): an UPDATE of a deal's updated_at that
  bypasses the services, so nothing is warmed, then the same requests: the first ones compute.
The keys are written under a prefix of this run and deleted afterwards.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from bench.common import ROOT, LoadSpec, Result, fetch, run_load

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
CHANGES = int(os.environ.get("BENCH_DASHBOARD_CHANGES", "8"))


def extra_env() -> dict[str, str]:
    return {
        "REDIS_URL": REDIS_URL,
        "JIEBANG_DASHBOARD_CACHE": "1",
        "DASHBOARD_CACHE_PREFIX": f"jiebang:bench-dashboard:{os.getpid()}",
    }


@contextmanager
def celery_worker(env: dict[str, str], tmp: Path):
    celery = shutil.which("celery", path=str(Path(sys.executable).parent)) or "celery"
    log = tmp / "worker.log"
    process = subprocess.Popen(
        [
            celery,
            "-A",
            "worker",
            "worker",
            "--queues",
            "celery,clock,bulk",
            "--loglevel",
            "INFO",
            "--concurrency",
            "1",
            "--pool",
            "solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env={**env, "PYTHONPATH": str(ROOT)},
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while b"ready." not in log.read_bytes():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("celery worker did not start:\n" + log.read_text(errors="replace")[-3000:])
            time.sleep(0.2)
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()


def _app(env: dict[str, str]):
    from config import database_url
    from webapp import create_app

    return create_app(
        "development",
        SQLALCHEMY_DATABASE_URI=database_url(env["DATABASE_URL"]),
        REDIS_URL=env["REDIS_URL"],
        DASHBOARD_CACHE_PREFIX=env["DASHBOARD_CACHE_PREFIX"],
    )


def _warmed(app, today: date) -> bool:
    """Whether every figure the warming task writes (this year's, quarter's and month's, and the year to
    date of the quarter and month) is in Redis for the ledger's current version: the task is done."""
    from webapp.dashboard import shared_cache, stats_turnover, warming
    from webapp.extensions import db

    with app.app_context():
        version = stats_turnover.ledger_version()
        wanted = [("ledger", (p.start, p.end, None)) for p in warming.periods_to_warm()]
        wanted += [("year_to_date", (p.end,)) for p in warming.periods_to_warm() if p.start != date(p.end.year, 1, 1)]
        found = all(shared_cache.has(shared_cache.key(name, args, version)) for name, args in wanted)
        db.session.rollback()
    return found


def _pay(app, email: str, today: date) -> None:
    import sqlalchemy as sa

    from webapp.accounts.models import User
    from webapp.deals import services
    from webapp.deals.models import Deal
    from webapp.extensions import db

    with app.app_context():  # no request context: the outbox hands the task over at commit
        admin = db.session.scalar(sa.select(User).where(User.email == email))
        deal = db.session.scalar(
            sa.select(Deal)
            .where(
                Deal.cancelled_at.is_(None),
                Deal.signed_on <= today,
                Deal.signed_on >= date(today.year, 1, 1),
                Deal.received_total + 1 <= Deal.contract_value,
            )
            .order_by(Deal.id)
            .limit(1)
        )
        services.record_payment(admin, deal, today, 1)
        db.session.commit()


def _touch(app) -> None:
    import sqlalchemy as sa

    from webapp.core.db import utcnow
    from webapp.extensions import db

    with app.app_context():
        db.session.execute(
            sa.text("UPDATE deals SET updated_at = :now WHERE id = (SELECT MIN(id) FROM deals)"), {"now": utcnow()}
        )
        db.session.commit()


def _first_requests(server, path: str, cookie: str) -> list[float]:
    """Two rounds of two simultaneous requests (one per worker)."""
    out: list[float] = []

    def one(barrier: threading.Barrier) -> None:
        barrier.wait()
        started = time.perf_counter()
        status, _body = fetch(server, path, {"Cookie": cookie})
        if status != 200:
            raise RuntimeError(f"GET {path} answered HTTP {status}")
        out.append(time.perf_counter() - started)

    for _round in range(2):
        barrier = threading.Barrier(2)
        threads = [threading.Thread(target=one, args=(barrier,)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return out


def _cleanup(env: dict[str, str]) -> None:
    import redis

    client = redis.Redis.from_url(env["REDIS_URL"], socket_timeout=2)
    for key in client.scan_iter(f"{env['DASHBOARD_CACHE_PREFIX']}:*"):
        client.delete(key)


def run_shared(
    server,
    cookie: str,
    path: str,
    label: str,
    today: date,
    email: str,
    *,
    requests: int,
    concurrency: int,
    time_limit: float,
    note: str,
) -> list[Result]:
    app = _app(server.env)
    results: list[Result] = []
    try:
        with celery_worker(server.env, server.tmp):
            load = run_load(
                LoadSpec(
                    host=server.host,
                    port=server.port,
                    paths=[path],
                    requests=requests,
                    concurrency=concurrency,
                    time_limit=time_limit,
                    headers={"Cookie": cookie},
                )
            )
            results.append(
                Result(
                    f"GET /dashboard/ {label}, warm shared cache (Redis)",
                    load.latencies,
                    load.wall,
                    errors=load.errors,
                    note=note,
                    stopped_early=load.stopped_early,
                    error_samples=load.error_samples,
                )
            )
            warmed, waits, began = [], [], time.perf_counter()
            for _ in range(CHANGES):
                committed = time.perf_counter()
                _pay(app, email, today)
                while not _warmed(app, today):
                    if time.perf_counter() - committed > 60:
                        raise RuntimeError("the figures were not warmed within 60 s of the change")
                    time.sleep(0.05)
                waits.append(time.perf_counter() - committed)
                warmed += _first_requests(server, path, cookie)
            results.append(
                Result(
                    f"GET /dashboard/ {label}, first requests after a payment, warmed",
                    warmed,
                    time.perf_counter() - began,
                    note=f"{CHANGES} payments, 4 requests each (2 at once); warmed "
                    f"{sorted(waits)[len(waits) // 2]:.2f}s (median) after commit; {note}",
                )
            )
            results.append(
                Result(
                    "dashboard.warm: commit to warmed figures in Redis",
                    waits,
                    sum(waits),
                    note=f"payment → outbox → Redis → worker; {note}",
                )
            )
            cold, began = [], time.perf_counter()
            for _ in range(CHANGES):
                _touch(app)
                cold += _first_requests(server, path, cookie)
            results.append(
                Result(
                    f"GET /dashboard/ {label}, first requests after an unwarmed change",
                    cold,
                    time.perf_counter() - began,
                    note=f"{CHANGES} changes without warming (baseline), 4 requests each; {note}",
                )
            )
    finally:
        _cleanup(server.env)
    return results
