"""Search page latency at 100,000 achievements, served by gunicorn (2 sync workers) and loaded from a
separate process over loopback.

The database is filled before gunicorn starts (bench/search_data.py: generated, published
achievements with their search-index rows). Two figures through HTTP:

- `/achievements/?q=...` with two filters: four keyword queries in turn (锂电池 with field and
  maturity, 芯片设计 with field and transfer mode, 污水处理 with maturity and price, 深度学习 with
  field and posting date), each checked first to find something;
- page 500 of the unfiltered list (rows 9,981-10,000 by date), reached the way the Next link
  reaches it: by its cursor. The cursor is computed from the database so the benchmark does not
  have to click 499 times; the page is checked to hold 20 listings and a Next link.

In-process figures (no HTTP, no rendering) on the same database: each of the four searches as the
view runs it, a floor under the page latency that the shared machine's load does not move much;
and page 500 selected with OFFSET 9980 against the cursor, which is why lists are paged by cursor.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

from bench.common import LoadSpec, Options, Result, fetch, run_load, running_app

TITLE = "search at 100,000 achievements under gunicorn: keyword query with two filters, page 500 of the list"

ACHIEVEMENTS = int(os.environ.get("BENCH_SEARCH_ACHIEVEMENTS", "100000"))
REQUESTS = 1000
CONCURRENCY = 2  # one connection per gunicorn worker: latency without queueing behind the other client
TIME_LIMIT = 15.0  # seconds per figure, at most
PER_PAGE = 20
PAGE = 500  # or the last full page but one of a smaller run (BENCH_SEARCH_ACHIEVEMENTS)


def _seed(env: dict[str, str]) -> None:
    from bench.search_data import load_achievements

    scratch = Path(env["JIEBANG_INSTANCE"]) / "scratch"
    scratch.mkdir(exist_ok=True)
    started = time.perf_counter()
    timings = load_achievements(env["DATABASE_URL"], ACHIEVEMENTS, scratch)
    parts = ", ".join(f"{k} {v:.1f}s" if isinstance(v, float) else f"{k} {v:,}" for k, v in timings.items())
    print(f"  loaded {ACHIEVEMENTS:,} achievements in {time.perf_counter() - started:.1f}s ({parts})", flush=True)


def _database(env: dict[str, str]):
    import sqlalchemy as sa

    from config import database_url
    from webapp.core.db import configure_sqlite

    engine = sa.create_engine(database_url(env["DATABASE_URL"]))
    configure_sqlite(engine)
    return engine


def _queries(engine) -> list[str]:
    import sqlalchemy as sa

    from webapp.taxonomy.models import TechField

    with engine.connect() as conn:
        ids = dict(conn.execute(sa.select(TechField.name, TechField.id)).all())
    queries = [
        {"q": "锂电池", "field": ids["新能源汽车"], "maturity": "pilot"},
        {"q": "芯片设计", "field": ids["集成电路"], "coop": "license"},
        {"q": "污水处理", "maturity": "mass", "money_min": "50"},
        {"q": "深度学习", "field": ids["人工智能"], "posted_from": "2026-06-01"},
    ]
    return ["/achievements/?" + urlencode(q) for q in queries]


def _page_cursor(engine, page: int) -> tuple[str, object, int]:
    """The Next cursor of page-1: the date and id of the last row before the page."""
    import sqlalchemy as sa

    from webapp.achievements.models import Achievement
    from webapp.listings.models import ListingStatus
    from webapp.listings.paging import encode_cursor

    with engine.connect() as conn:
        row = conn.execute(
            sa.select(Achievement.published_at, Achievement.id)
            .where(Achievement.status == ListingStatus.PUBLISHED)
            .order_by(Achievement.published_at.desc(), Achievement.id.desc())
            .limit(1)
            .offset((page - 1) * PER_PAGE - 1)
        ).one()
    return encode_cursor("newest", row.published_at, row.id), row.published_at, row.id


def _in_process(engine, published_at, last_id: int, page: int, repeat: int = 50) -> list[Result]:
    """Page `page` chosen by OFFSET and by cursor, the listing rows read whole (as the page needs them)."""
    import sqlalchemy as sa

    from webapp.achievements.models import Achievement
    from webapp.listings.models import ListingStatus

    table = Achievement.__table__
    base = sa.select(table).where(table.c.status == ListingStatus.PUBLISHED.value)
    order = (table.c.published_at.desc(), table.c.id.desc())
    statements = {
        f"db page {page} by OFFSET {(page - 1) * PER_PAGE} (in-process)": base.order_by(*order)
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE),
        f"db page {page} by cursor (in-process)": base.where(
            sa.tuple_(table.c.published_at, table.c.id)
            < sa.tuple_(sa.bindparam(None, published_at, type_=table.c.published_at.type), sa.literal(last_id))
        )
        .order_by(*order)
        .limit(PER_PAGE + 1),
    }
    results = []
    with engine.connect() as conn:
        for label, statement in statements.items():
            latencies = []
            began = time.perf_counter()
            for _ in range(repeat):
                started = time.perf_counter()
                rows = conn.execute(statement).all()
                latencies.append(time.perf_counter() - started)
            if len(rows) < PER_PAGE:
                raise RuntimeError(f"{label}: {len(rows)} rows")
            results.append(
                Result(label, latencies, time.perf_counter() - began, note=f"{repeat} runs, {engine.dialect.name}")
            )
    return results


def _in_process_search(env: dict[str, str], paths: list[str], repeat: int = 20) -> list[Result]:
    """Each query as the view runs it (form, criteria, search), without HTTP or rendering: the
    database and Python cost of a page, apart from what the shared machine adds under load."""
    from config import database_url
    from webapp import create_app
    from webapp.listings import search, views

    app = create_app("development", SQLALCHEMY_DATABASE_URI=database_url(env["DATABASE_URL"]))
    results = []
    for path in paths:
        with app.test_request_context(path):
            criteria = views._form("a").criteria(None)
            latencies = []
            began = time.perf_counter()
            for _ in range(repeat):
                started = time.perf_counter()
                found = search.search("a", criteria)
                latencies.append(time.perf_counter() - started)
            if not found.items:
                raise RuntimeError(f"{path}: nothing found in-process")
            filters = ", ".join(k for k in parse_qs(urlsplit(path).query) if k != "q")
            label = f"db search {criteria.q} + {filters} (in-process)"
            results.append(Result(label, latencies, time.perf_counter() - began, note=f"{repeat} runs"))
    return results


def _check(server, path: str, want_next: bool = False) -> int:
    status, body = fetch(server, path)
    if status != 200:
        raise RuntimeError(f"GET {path} answered HTTP {status}")
    found = len(re.findall(r'class="card mb-2 listing-result"', body))
    total = int(re.search(r'data-total="(\d+)"', body).group(1))
    if not found:
        raise RuntimeError(f"GET {path} found nothing: the benchmark would measure an empty page")
    if want_next and (found != PER_PAGE or 'rel="next"' not in body):
        raise RuntimeError(f"GET {path}: {found} listings, expected a full page with a Next link")
    return total


def run(options: Options) -> list[Result]:
    requests = options.requests or REQUESTS
    concurrency = options.concurrency or CONCURRENCY
    time_limit = options.time_limit or TIME_LIMIT
    results: list[Result] = []
    with running_app(workers=2, setup=_seed) as server:
        engine = _database(server.env)
        try:
            queries = _queries(engine)
            page = max(2, min(PAGE, ACHIEVEMENTS // PER_PAGE - 1))
            cursor, published_at, last_id = _page_cursor(engine, page)
            results += _in_process(engine, published_at, last_id, page)
        finally:
            engine.dispose()
        for path in queries:
            print(f"  {path}: {_check(server, path):,} results", flush=True)
        results += _in_process_search(server.env, queries)
        page_path = "/achievements/?" + urlencode({"after": cursor})
        _check(server, page_path, want_next=True)
        figures = [
            (f"search: keyword + 2 filters ({len(queries)} queries in turn)", queries),
            (f"list: page {page} of {ACHIEVEMENTS:,}, no filter (cursor)", [page_path]),
        ]
        for label, paths in figures:
            busy = os.getloadavg()[0]  # the machine is shared: say how busy it was
            load = run_load(
                LoadSpec(
                    host=server.host,
                    port=server.port,
                    paths=paths,
                    requests=requests,
                    concurrency=concurrency,
                    time_limit=time_limit,
                )
            )
            results.append(
                Result(
                    name=label,
                    latencies=load.latencies,
                    wall=load.wall,
                    errors=load.errors,
                    note=f"{concurrency} conn, gunicorn -w 2, {server.database}, {ACHIEVEMENTS:,} achievements, "
                    f"load avg {busy:.1f}",
                    stopped_early=load.stopped_early,
                    error_samples=load.error_samples,
                )
            )
            print(f"  {label}: {len(load.latencies)} requests in {load.wall:.1f}s", flush=True)
    return results
