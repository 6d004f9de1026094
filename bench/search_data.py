"""Bulk loading of generated, published achievements and their search-index rows, for the search benchmark.

100,000 achievements make about 6 million index rows, so the load is built for speed: two processes
generate and segment (with the app's own `index_terms`, `parse_wan_range`, `parse_maturity`, ...)
and write their index rows themselves, never pickling millions of tuples back: on PostgreSQL by
COPY straight into `listing_terms`; on SQLite into a scratch file of their own, which the parent
then copies in with one `INSERT ... SELECT ... ORDER BY` (sorted by the primary key, the secondary
index built afterwards). Achievement rows go in with SQLAlchemy Core executemany.
"""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import sqlalchemy as sa

import webapp.models  # noqa: F401 - every mapped class, so the ORM can configure
from webapp.taxonomy.models import TechField

CHUNK = 5_000
BEIJING = timedelta(hours=8)


def _prepare(args: tuple[int, int, int, dict, str]) -> list[dict]:
    """Generate one chunk; write its index rows (see the module docstring); return the achievement rows."""
    start, count, seed, fields, target = args
    from bench.generate import achievements
    from webapp.core.money import parse_wan_range
    from webapp.listings.models import ListingStatus, modes_to_mask
    from webapp.listings.text import index_terms
    from webapp.listings.validation import parse_coop_modes, parse_maturity
    from webapp.taxonomy.services import FieldResolver

    resolver = FieldResolver([SimpleNamespace(**f) for f in fields.values()])
    now = datetime.now(UTC)
    rows, terms = [], []
    for offset, item in enumerate(achievements(count, seed=seed)):
        listing_id = start + offset
        price_min, price_max = parse_wan_range(item["price"])
        posted = date.fromisoformat(item["posted_on"])
        # Published between 09:00 and 10:00 Beijing time on the day it was posted.
        published = datetime(posted.year, posted.month, posted.day, 9, tzinfo=UTC) - BEIJING
        published += timedelta(seconds=listing_id % 3600)
        field = resolver.resolve(item["field"])
        maturity = parse_maturity(item["maturity"])
        rows.append(
            {
                "id": listing_id,
                "external_id": f"{item['external_id']}-{listing_id}",
                "title": item["title"],
                "summary": item["summary"],
                "keywords": item["keywords"],
                "status": ListingStatus.PUBLISHED.value,
                "coop_mask": modes_to_mask(parse_coop_modes(item["transfer_modes"])),
                "posted_on": posted,
                "published_at": published,
                "field_id": field.id if field else None,
                "maturity": maturity.value if maturity else None,
                "trl": item["trl"],
                "patents": [],
                "price_min": price_min,
                "price_max": price_max,
                "institution_name": item["institution"],
                "team": item["team"],
                "created_at": now,
                "updated_at": now,
            }
        )
        body = " ".join(filter(None, [item["summary"], item["team"], item["institution"]]))
        for term, weight in index_terms(item["title"], item["keywords"], body).items():
            terms.append(("a", term[:40], listing_id, weight))
    _write_terms(target, terms)
    return rows


def _write_terms(target: str, terms: list[tuple]) -> None:
    if target.startswith("postgresql"):
        import psycopg

        with (
            psycopg.connect(target.replace("postgresql+psycopg://", "postgresql://", 1)) as conn,
            conn.cursor() as cursor,
            cursor.copy("COPY listing_terms (kind, term, listing_id, weight) FROM STDIN") as copy,
        ):
            # Terms are segmenter output (no tabs, newlines or backslashes): text format as is.
            for i in range(0, len(terms), 50_000):
                copy.write("".join(f"{k}\t{t}\t{lid}\t{w}\n" for k, t, lid, w in terms[i : i + 50_000]))
    else:  # one scratch file per worker process
        with sqlite3.connect(Path(target) / f"terms-{os.getpid()}.sqlite3") as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS terms (kind TEXT, term TEXT, listing_id INTEGER, weight REAL)")
            conn.executemany("INSERT INTO terms VALUES (?, ?, ?, ?)", terms)
        conn.close()


def load_achievements(database_url: str, n: int, scratch: Path, processes: int = 2) -> dict[str, float]:
    """Insert n published achievements with their index rows; returns timings in seconds and counts."""
    from config import database_url as normalise_url
    from webapp.achievements.models import Achievement
    from webapp.core.db import configure_sqlite

    url = normalise_url(database_url)
    engine = sa.create_engine(url)
    configure_sqlite(engine)
    postgres = engine.dialect.name == "postgresql"
    timings: dict[str, float] = {}
    try:
        with engine.begin() as conn:
            fields = {
                f.id: {"id": f.id, "name": f.name, "parent_id": f.parent_id, "aliases": f.aliases or []}
                for f in conn.execute(sa.select(TechField.id, TechField.name, TechField.parent_id, TechField.aliases))
            }
            first = (conn.scalar(sa.select(sa.func.max(Achievement.id))) or 0) + 1
        if postgres:  # a B-tree built once after COPY is much faster than one maintained row by row
            with engine.begin() as conn:
                conn.exec_driver_sql("DROP INDEX ix_listing_terms_listing")
                conn.exec_driver_sql("ALTER TABLE listing_terms DROP CONSTRAINT pk_listing_terms")
        started = time.perf_counter()
        jobs = []
        for number, i in enumerate(range(0, n, CHUNK)):
            target = url if postgres else str(scratch)
            jobs.append((first + i, min(CHUNK, n - i), 1000 + number, fields, target))
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            rows = [row for part in pool.imap(_prepare, jobs) for row in part]
        timings["generate, segment, write index rows (2 processes)"] = time.perf_counter() - started

        started = time.perf_counter()
        with engine.begin() as conn:
            for i in range(0, len(rows), 10_000):
                conn.execute(Achievement.__table__.insert(), rows[i : i + 10_000])
            if postgres:
                conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '256MB'")
                conn.exec_driver_sql(
                    "ALTER TABLE listing_terms ADD CONSTRAINT pk_listing_terms PRIMARY KEY (kind, term, listing_id) "
                    "INCLUDE (weight)"
                )
                conn.exec_driver_sql("CREATE INDEX ix_listing_terms_listing ON listing_terms (kind, listing_id)")
            else:
                _merge_sqlite(conn, sorted(str(p) for p in scratch.glob("terms-*.sqlite3")))
        timings["insert achievements, build the index"] = time.perf_counter() - started
        started = time.perf_counter()
        _analyse(engine)
        timings["analyse"] = time.perf_counter() - started
        with engine.connect() as conn:
            timings["index rows"] = conn.scalar(sa.select(sa.func.count()).select_from(sa.table("listing_terms")))
    finally:
        engine.dispose()
    return timings


def _merge_sqlite(conn, files: list[str]) -> None:
    conn.exec_driver_sql("PRAGMA cache_size = -400000")
    conn.exec_driver_sql("DROP INDEX ix_listing_terms_listing")
    for number, path in enumerate(files):
        conn.exec_driver_sql(f"ATTACH DATABASE '{path}' AS part{number}")
    union = " UNION ALL ".join(f"SELECT kind, term, listing_id, weight FROM part{i}.terms" for i in range(len(files)))
    conn.exec_driver_sql(
        f"INSERT INTO listing_terms (kind, term, listing_id, weight) {union} ORDER BY kind, term, listing_id"
    )
    conn.exec_driver_sql("CREATE INDEX ix_listing_terms_listing ON listing_terms (kind, listing_id)")


def _analyse(engine: sa.Engine) -> None:
    """What autovacuum (PostgreSQL) or `PRAGMA optimize` (SQLite) would do after a bulk import."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE achievements")
            conn.exec_driver_sql("VACUUM ANALYZE listing_terms")
    else:
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
