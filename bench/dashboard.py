"""The district dashboard at 100,000 deals and about 1,000,000 payments, served by gunicorn (2 sync
workers) and loaded from a separate process over loopback.

The ledger is generated and bulk-inserted before gunicorn starts (bench/dashboard_data.py). Two pages
through HTTP as the demo administrator: GET /dashboard/ for the current year and for a past quarter
(the same quarter last year), each first checked to show the figures (the cards and every chart).
In-process figures on the same database: the page's statistics as the view computes them (no HTTP,
no rendering), the floor under the page latency. Then with the figures shared through Redis and warmed
by a Celery worker after each change (bench/dashboard_shared.py).
"""

from __future__ import annotations

import os
import re
import time

from bench import dashboard_shared
from bench.common import LoadSpec, Options, Result, fetch, login, run_load, running_app

TITLE = "admin dashboard at 100,000 deals / 1,000,000 payments under gunicorn: this year, a past quarter"

DEALS = int(os.environ.get("BENCH_DASHBOARD_DEALS", "100000"))
REQUESTS = 300
CONCURRENCY = 2  # one connection per gunicorn worker
TIME_LIMIT = 20.0
ADMIN_EMAIL = "admin@demo.jiebang.cn"
MODES = {"uncached": "0", "cached": "1"}  # JIEBANG_DASHBOARD_CACHE
CHARTS = 8  # gauge, months, fields, institutions, tiers, agencies, funnel, stages


def _today():
    from datetime import date

    return date.today()


def _seed(env: dict[str, str]) -> None:
    from bench.dashboard_data import load_ledger

    found = load_ledger(env["DATABASE_URL"], DEALS, _today())
    env["BENCH_LEDGER"] = ", ".join(f"{k} {v:.1f}" if isinstance(v, float) else f"{k} {v:,}" for k, v in found.items())
    print(f"  ledger: {env['BENCH_LEDGER']}", flush=True)


def _check(server, path: str, cookie: str) -> int:
    status, body = fetch(server, path, {"Cookie": cookie})
    if status != 200:
        raise RuntimeError(f"GET {path} answered HTTP {status}")
    charts = len(re.findall(r'data-chart="', body))
    match = re.search(r'id="card-deals" data-count="(\d+)"', body)
    if charts < CHARTS - 1 or not match or int(match.group(1)) == 0:
        raise RuntimeError(f"GET {path}: {charts} charts, deals card {match and match.group(1)}: not the full page")
    return int(match.group(1))


def _in_process(env: dict[str, str], periods_: list[tuple[str, str]], repeat: int = 15) -> list[Result]:
    from config import database_url
    from webapp import create_app
    from webapp.dashboard import periods, stats

    # This process computes every time.
    app = create_app("development", SQLALCHEMY_DATABASE_URI=database_url(env["DATABASE_URL"]), DASHBOARD_CACHE=False)
    results = []
    for label, key in periods_:
        with app.test_request_context(f"/dashboard/?period={key}"):
            period = periods.parse({"period": key})
            latencies = []
            began = time.perf_counter()
            for _ in range(repeat):
                started = time.perf_counter()
                stats.admin_dashboard(period)
                latencies.append(time.perf_counter() - started)
            results.append(
                Result(
                    f"dashboard statistics {label} (in-process)",
                    latencies,
                    time.perf_counter() - began,
                    note=f"{repeat} runs",
                )
            )
    return results


def run(options: Options) -> list[Result]:
    from webapp.demo.accounts import DEMO_PASSWORD

    requests = options.requests or REQUESTS
    concurrency = options.concurrency or CONCURRENCY
    time_limit = options.time_limit or TIME_LIMIT
    today = _today()
    quarter = f"{today.year - 1}-Q{(today.month - 1) // 3 + 1}"
    pages = [(f"this year ({today.year})", str(today.year)), (f"past quarter ({quarter})", quarter)]
    results: list[Result] = []
    # The figures are cached by the ledger's version (webapp/dashboard/stats_turnover.py); the same pages
    # are measured with the cache off (every request computes everything) and on.
    # With REDIS_URL the figures are shared by the workers through Redis and warmed after each change by a
    # Celery worker (bench/dashboard_shared.py). BENCH_DASHBOARD_MODES picks some of the three.
    modes = os.environ.get("BENCH_DASHBOARD_MODES", "uncached,cached,shared").split(",")
    for mode in modes:
        started = time.perf_counter()
        env = dashboard_shared.extra_env() if mode == "shared" else {"JIEBANG_DASHBOARD_CACHE": MODES[mode]}
        with running_app(workers=2, setup=_seed, extra_env=env) as server:
            print(f"  {mode}: database ready in {time.perf_counter() - started:.0f}s", flush=True)
            cookie = login(server, ADMIN_EMAIL, DEMO_PASSWORD)
            if mode == "shared":
                path = f"/dashboard/?period={today.year}"
                deals = _check(server, path, cookie)
                results += dashboard_shared.run_shared(
                    server,
                    cookie,
                    path,
                    pages[0][0],
                    today,
                    ADMIN_EMAIL,
                    requests=requests,
                    concurrency=concurrency,
                    time_limit=time_limit,
                    note=f"gunicorn -w 2, {server.database}, {DEALS:,} deals ({deals:,} signed in the period)",
                )
                continue
            if mode == "uncached":
                results += _in_process(server.env, pages)
            for label, key in pages:
                path = f"/dashboard/?period={key}"
                deals = _check(server, path, cookie)
                busy = os.getloadavg()[0]
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
                        name=f"GET /dashboard/ {label}, {mode} (admin)",
                        latencies=load.latencies,
                        wall=load.wall,
                        errors=load.errors,
                        note=f"{concurrency} conn, gunicorn -w 2, {server.database}, {DEALS:,} deals "
                        f"({deals:,} signed in the period), load avg {busy:.1f}",
                        stopped_early=load.stopped_early,
                        error_samples=load.error_samples,
                    )
                )
                print(f"  {label}, {mode}: {len(load.latencies)} requests in {load.wall:.1f}s", flush=True)
    return results
