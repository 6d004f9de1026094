"""Backups that restore: `flask --app wsgi backup create FILE` and `flask --app wsgi backup restore FILE`
(`make backup`, `make restore FILE=…`).

Everything the platform keeps is in the database — uploaded files (bank slips, contracts, technical
proposals) are rows too — so a backup of the database is a backup of the platform. The matching
index under `instance/` is rebuilt from the rows (`flask match rebuild`), and mail is sent.

- SQLite: a consistent copy taken with SQLite's online backup API, while the site runs.
- PostgreSQL: `pg_dump --format=custom` (the tool made for it, consistent in one snapshot); restore
  with `pg_restore --clean --if-exists --no-owner` into the configured database.

A restore refuses a file that is not a backup of this kind of database, and a backup made at a newer
schema than this code knows (run the newer code, or restore into a database of its version).
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import sqlalchemy as sa

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"


class BackupError(RuntimeError):
    """The backup or restore cannot be done; the message says why."""


def _sqlite_path(url: sa.engine.URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database has nothing to back up")
    return Path(url.database)


def _pg_url(url: sa.engine.URL) -> str:
    """A libpq URL for pg_dump / pg_restore (no SQLAlchemy driver suffix)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} is not installed (apt-get install postgresql-client)")
    return found


def create(database_url: str, target: Path) -> Path:
    """Write a backup of the database to `target`; returns it."""
    url = sa.engine.make_url(database_url)
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    if url.get_backend_name() == "sqlite":
        _sqlite_copy(_sqlite_path(url), target)
        return target
    if url.get_backend_name() == "postgresql":
        done = subprocess.run(
            [_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(target), _pg_url(url)],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise BackupError(f"pg_dump failed: {done.stderr.strip()[:500]}")
        return target
    raise BackupError(f"no backup for {url.get_backend_name()} databases")


def _sqlite_copy(source: Path, target: Path) -> None:
    """Copy one SQLite database into another page by page, consistent while others write."""
    origin = sqlite3.connect(source)
    copy = sqlite3.connect(target)
    try:
        with copy:
            origin.backup(copy)
    finally:
        copy.close()
        origin.close()


def _revision_of(database_url: str) -> str | None:
    engine = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table("alembic_version"):
                return None
            return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()


def restore(database_url: str, source: Path, known_revisions: set[str]) -> str | None:
    """Replace the database's contents with the backup's; returns the schema revision restored."""
    url = sa.engine.make_url(database_url)
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"{source} does not exist")
    with source.open("rb") as handle:
        head = handle.read(16)
    backend = url.get_backend_name()
    if backend == "sqlite":
        if not head.startswith(SQLITE_MAGIC):
            raise BackupError(f"{source} is not a SQLite backup")
        revision = _revision_of(f"sqlite:///{source}")
        _check_revision(revision, known_revisions)
        target = _sqlite_path(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        _sqlite_copy(source, target)
        return revision
    if backend == "postgresql":
        if not head.startswith(PGDUMP_MAGIC):
            raise BackupError(f"{source} is not a pg_dump backup (custom format)")
        revision = _dumped_revision(source)
        _check_revision(revision, known_revisions)
        done = subprocess.run(
            [
                _tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                "--dbname",
                _pg_url(url),
                str(source),
            ],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise BackupError(f"pg_restore failed: {done.stderr.strip()[:500]}")
        return revision
    raise BackupError(f"no restore for {backend} databases")


def _dumped_revision(source: Path) -> str | None:
    """The schema revision inside a pg_dump file, read without restoring it."""
    done = subprocess.run(
        [_tool("pg_restore"), "--data-only", "--table", "alembic_version", "--file", "-", str(source)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise BackupError(f"pg_restore cannot read {source}: {done.stderr.strip()[:300]}")
    lines = done.stdout.splitlines()
    for number, line in enumerate(lines):
        if line.startswith("COPY ") and "alembic_version" in line and number + 1 < len(lines):
            value = lines[number + 1].strip()
            return None if value == "\\." else value
    return None


def _check_revision(revision: str | None, known: set[str]) -> None:
    if revision is not None and revision not in known:
        raise BackupError(
            f"the backup's schema ({revision}) is newer than this code knows: restore it with the code it was made with"
        )
