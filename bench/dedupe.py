"""Near-duplicate lookup at 100,000 generated achievements: `find_similar` and `flag` per listing.

In-process (no web server): a fresh database is migrated, then 100,000 published achievements from
bench/generate.py are bulk-loaded with SQLAlchemy Core together with their search-index rows
(`webapp.listings.text.index_terms`, segmented in two processes; COPY on PostgreSQL). Then
SAMPLES listings picked at random are looked up one after another, as a submission would:

- `find_similar`: the index query for candidates sharing the listing's rarest strong terms, the
  RapidFuzz re-scoring of up to 50 of them, and loading the matches;
- `flag`: the same plus reading and writing the listing's candidate pairs (rolled back).

The generator's vocabulary is small (about ten terms per field), so every term is common and the
index query reads up to its budget of rows: a harder case than real listings.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import shutil
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa

from bench.common import Options, Result, database_label

TITLE = "near-duplicate lookup: find_similar and flag per listing at 100,000 generated achievements"

N = 100_000
SAMPLES = 200
CHUNK = 5_000


def _prepare(args: tuple[int, int, int]) -> tuple[list[dict], list[tuple]]:
    """Rows for one chunk: (achievement rows, index rows)."""
    first_id, count, seed = args
    from bench.generate import achievements
    from webapp.listings.text import index_terms

    now = datetime.now(UTC)
    rows, terms = [], []
    for offset, item in enumerate(achievements(count, seed=seed)):
        listing_id = first_id + offset
        posted = date.fromisoformat(item["posted_on"])
        rows.append(
            {
                "id": listing_id,
                "external_id": f"{item['external_id']}-{listing_id}",
                "title": item["title"],
                "summary": item["summary"],
                "keywords": item["keywords"],
                "status": "published",
                "coop_mask": 0,
                "posted_on": posted,
                "published_at": datetime(posted.year, posted.month, posted.day, 1, tzinfo=UTC),
                "patents": [],
                "institution_name": item["institution"],
                "team": item["team"],
                "created_at": now,
                "updated_at": now,
            }
        )
        body = " ".join([item["summary"], item["team"], item["institution"]])
        terms.extend(
            ("a", t[:40], listing_id, w) for t, w in index_terms(item["title"], item["keywords"], body).items()
        )
    return rows, terms


def load(engine: sa.Engine, n: int) -> dict[str, float]:
    """Bulk-load n generated achievements and their index rows; returns what each step took (s)."""
    from webapp.achievements.models import Achievement

    timings: dict[str, float] = {}
    started = time.perf_counter()
    jobs = [(1 + i, min(CHUNK, n - i), 2000 + i // CHUNK) for i in range(0, n, CHUNK)]
    with multiprocessing.get_context("fork").Pool(2) as pool:
        parts = pool.map(_prepare, jobs)
    rows = [r for part, _ in parts for r in part]
    terms = sorted((t for _, part in parts for t in part), key=lambda t: (t[1], t[2]))
    timings["generate and segment"] = time.perf_counter() - started
    timings["index rows"] = len(terms)
    started = time.perf_counter()
    sqlite = engine.dialect.name == "sqlite"
    if sqlite:  # a throw-away database: no journal, a large cache, the second index built once at the end
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA cache_size=-400000")
            conn.exec_driver_sql("DROP INDEX ix_listing_terms_listing")
            conn.commit()
    with engine.begin() as conn:
        for i in range(0, len(rows), 10_000):
            conn.execute(Achievement.__table__.insert(), rows[i : i + 10_000])
        if not sqlite:
            with (
                conn.connection.driver_connection.cursor() as cursor,
                cursor.copy("COPY listing_terms (kind, term, listing_id, weight) FROM STDIN") as copy,
            ):
                for term in terms:
                    copy.write_row(term)
        else:  # the DB-API's executemany on tuples: Core's per-row dictionaries would triple the time
            conn.connection.driver_connection.executemany(
                "INSERT INTO listing_terms (kind, term, listing_id, weight) VALUES (?, ?, ?, ?)", terms
            )
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE achievements")
            conn.exec_driver_sql("VACUUM ANALYZE listing_terms")
    else:
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE INDEX ix_listing_terms_listing ON listing_terms (kind, listing_id)")
            conn.exec_driver_sql("ANALYZE")
    timings["insert"] = time.perf_counter() - started
    return timings


def _database(tmp: Path) -> tuple[str, str | None]:
    """(URL, PostgreSQL database to drop afterwards)."""
    admin_url = os.environ.get("BENCH_DATABASE_URL")
    if not admin_url:
        return f"sqlite:///{tmp}/dedupe.sqlite3", None
    from bench.common import _postgres_url

    name = f"jiebang_bench_dedupe_{os.getpid()}"
    return _postgres_url(admin_url, name), name


def run(options: Options) -> list[Result]:
    from flask_migrate import upgrade

    from webapp import create_app
    from webapp.achievements.models import Achievement
    from webapp.dedupe import services
    from webapp.extensions import db

    samples = options.requests or SAMPLES
    time_limit = options.time_limit or 20.0  # seconds per figure, at most
    tmp = Path(tempfile.mkdtemp(prefix="jiebang-bench-dedupe-"))
    url, pg_name = _database(tmp)
    try:
        app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, MAIL_FOLDER=str(tmp / "mail"))
        with app.app_context():
            upgrade()
            took = load(db.engine, N)
            print(
                f"   loaded {N:,} achievements and {took['index rows']:,} index rows: generated and segmented in "
                f"{took['generate and segment']:.0f}s, inserted in {took['insert']:.0f}s",
                flush=True,
            )
            ids = random.Random(5).sample(range(1, N + 1), samples)
            note = f"{N // 1000}k achievements, {database_label()}, 1 thread"
            results = []
            for name, action in (("find_similar", services.find_similar), ("flag", services.flag)):
                latencies, found = [], 0
                began = time.perf_counter()
                deadline = began + time_limit
                for listing_id in ids:
                    listing = db.session.get(Achievement, listing_id)
                    started = time.perf_counter()
                    found += len(action(listing))
                    latencies.append(time.perf_counter() - started)
                    if time.perf_counter() > deadline:
                        break
                wall = time.perf_counter() - began
                db.session.rollback()
                results.append(
                    Result(
                        name=f"dedupe {name} per listing",
                        latencies=latencies,
                        wall=wall,
                        note=f"{note}, {found / max(len(latencies), 1):.1f} found each",
                        stopped_early=len(latencies) < len(ids),
                    )
                )
            db.session.remove()
            db.engine.dispose()
        return results
    finally:
        if pg_name:
            from bench.common import _drop_postgres

            _drop_postgres(os.environ["BENCH_DATABASE_URL"], pg_name)
        shutil.rmtree(tmp, ignore_errors=True)
