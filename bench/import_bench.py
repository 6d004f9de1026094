"""Import of generated achievements into a fresh database, through the importer the CLI uses.

bench/generate.py writes ROWS achievements (realistic lengths: titles 10-30 characters, summaries
100-400) in the import format to a temporary .jsonl; the file is imported in-process with the same
code as `flask --app wsgi import achievements FILE` (read, validate, resolve fields, segment and
index, bulk insert, commit every 1,000 rows), first into a fresh SQLite database and then, when
BENCH_DATABASE_URL is set, into a dedicated PostgreSQL database created beside it and dropped after.
The clock covers reading the file to the last commit. (Importing the same file again, every row
unchanged, is left out to keep `make bench` short: about a quarter of the first import's time.)
"""

from __future__ import annotations

import os
import resource
import tempfile
import time
from pathlib import Path

from bench.common import Options, Result, _drop_postgres, _postgres_url
from bench.generate import achievements, write_jsonl

TITLE = "import of generated achievements (jsonl) into SQLite and PostgreSQL: records/s"

ROWS = 100_000


def run(options: Options) -> list[Result]:
    rows = options.requests or ROWS
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="jiebang-import-") as tmp:
        path = write_jsonl(achievements(rows), Path(tmp) / "achievements.jsonl")
        size = path.stat().st_size / 1e6
        print(f"  generated {rows:,} achievements ({size:.0f} MB) in {path.name}", flush=True)
        results += _import(f"sqlite:///{Path(tmp) / 'import.sqlite3'}", path, rows, "sqlite")
        admin_url = os.environ.get("BENCH_DATABASE_URL")
        if admin_url:
            name = f"jiebang_import_{os.getpid()}"
            url = _postgres_url(admin_url, name)
            try:
                results += _import(url, path, rows, "postgresql")
            finally:
                _drop_postgres(admin_url, name)
    return results


def _import(database_url: str, path: Path, rows: int, label: str) -> list[Result]:
    from flask_migrate import upgrade

    from webapp import create_app
    from webapp.extensions import db

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url)
    out = []
    with app.app_context():
        upgrade()
        for run_name in ("first import",):
            per_record, wall, report, cpu = _timed_import(path)
            done = report.imported + report.updated + report.unchanged + len(report.skipped)
            if done != rows or report.skipped:
                raise RuntimeError(f"{label}: {report.counts_line()} (expected {rows} rows, none skipped)")
            out.append(
                Result(
                    name=f"import {rows // 1000}k achievements, {run_name}",
                    latencies=per_record,
                    wall=wall,
                    note=f"in-process + 1 helper, batches of 1000, {label}; p50/p95 = ms per record by batch",
                )
            )
            print(
                f"  {label} {run_name}: {rows:,} records in {wall:.1f} s = {rows / wall:,.0f} records/s "
                f"({report.imported:,} imported, {report.unchanged:,} unchanged); CPU: this process {cpu[0]:.0f} s, "
                f"helper {cpu[1]:.0f} s, load average {os.getloadavg()[0]:.1f}",
                flush=True,
            )
        db.session.remove()
        db.engine.dispose()
    return out


def _timed_import(path: Path):
    from webapp.extensions import db
    from webapp.imports.columns import ACHIEVEMENTS
    from webapp.imports.importer import Importer, ImportOptions
    from webapp.imports.readers import read_source
    from webapp.imports.rows import default_workers

    per_record: list[float] = []
    before = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    source = read_source(path.name, path.read_bytes())
    importer = Importer(ImportOptions(kind=ACHIEVEMENTS, filename=path.name, workers=default_workers()))  # as the CLI
    mark, previous = time.perf_counter(), 0
    for done in importer.run(source):
        db.session.commit()
        now = time.perf_counter()
        if done > previous:
            per_record += [(now - mark) / (done - previous)] * (done - previous)
        mark, previous = now, done
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    # CPU seconds tell what the machine had to do, whatever else ran on it: with the helper on its
    # own core, a quiet machine takes about max(this process + waits, helper).
    cpu = [a.ru_utime + a.ru_stime - (b.ru_utime + b.ru_stime) for a, b in zip(after, before, strict=True)]
    return per_record, wall, importer.report, cpu
