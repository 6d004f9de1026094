"""The import engine shared by the command line, the upload page and the benchmark.

Rows are validated one by one with the same rules as the forms (webapp/listings/validation.py, in
webapp/imports/rows.py), then written a batch at a time with bulk statements: one query fetches
the batch's existing rows by external_id, new rows go in with one multi-row INSERT, their search
terms with one COPY (PostgreSQL) or executemany (SQLite). `Importer.run()` yields after each batch
is flushed and the caller commits, so a crash loses at most one batch and running the same file
again picks up where it stopped (every row already written counts as unchanged).
"""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy.exc import DBAPIError

from webapp.accounts.models import Organisation
from webapp.achievements.models import Achievement
from webapp.core import audit, clock
from webapp.core.db import utcnow
from webapp.core.text import fold, normalise
from webapp.extensions import db
from webapp.imports.bulk import insert_listings, sqlite_cache, write_terms
from webapp.imports.columns import SOURCE_COLUMN, Kind, column_key, plan_columns
from webapp.imports.readers import SourceFile
from webapp.imports.report import ImportReport
from webapp.imports.rows import RowStager, Staged, bare, parallel, stage_rows
from webapp.listings.models import ListingStatus, ListingTerm
from webapp.listings.signals import listings_imported
from webapp.needs.models import Need
from webapp.taxonomy.services import FieldResolver

BATCH_SIZE = 1000
# Columns whose change means the listing's search terms change.
INDEXED = {
    "title",
    "keywords",
    "summary",
    "scenarios",
    "team",
    "institution_name",
    "organisation_id",
    "description",
    "indicators",
}


@dataclass
class ImportOptions:
    kind: Kind
    filename: str
    mapping: dict[str, str | None] = field(default_factory=dict)
    status: ListingStatus = ListingStatus.PUBLISHED
    owner_id: int | None = None
    # Set for a researcher's upload: every row becomes this institution's achievement.
    organisation_id: int | None = None
    actor: object | None = None  # the signed-in uploader; None for the command line (the operator)
    batch_size: int = BATCH_SIZE
    audit_object: object | None = None  # the upload job, when there is one
    today: date | None = None
    workers: int = 0  # forked helper processes that validate and segment ahead of the writer


class Importer:
    def __init__(self, options: ImportOptions):
        self.options = options
        self.kind = options.kind
        self.table = (Achievement if self.kind.code == "a" else Need).__table__
        self.report = ImportReport(self.kind.name, options.filename)
        self.org_ids: dict[str, int] = {}
        self.org_names: dict[int, str] = {}
        for org_id, name in db.session.execute(sa.select(Organisation.id, Organisation.name)):
            self.org_ids[fold(name)] = org_id
            self.org_names[org_id] = name
        self.first_line: dict[str, int] = {}  # external_id -> line first seen
        self.titles: set[str] = set()
        self.without_id = 0
        self.batch_number = 0
        self.written: list[int] = []  # listings inserted or updated by this run, for the duplicate check
        self.inserted: list[int] = []  # listings new with this run, for the followers of their topics

    # ---------------------------------------------------------------- the run

    def run(self, source: SourceFile, start: int = 0) -> Iterator[int]:
        """Import source.rows[start:]; yields the count of rows done after each flushed batch."""
        report, kind = self.report, self.kind
        self.layout = plan_columns(source.columns, self.options.mapping, kind)
        report.rows = len(source.rows)
        report.ignored_columns = self.layout.ignored
        report.notes.extend(n for n in source.notes if n not in report.notes)
        if start == 0:
            self._check_columns(source)
        stager = self.stager = RowStager(
            kind,
            self.layout,
            fields=self._resolve_fields(source),
            org_ids=self.org_ids,
            org_names=self.org_names,
            organisation_id=self.options.organisation_id,
            today=self.options.today or clock.today(),
        )
        for row in source.rows[:start]:  # rows a previous run already did: remember their keys
            if row.values is not None:
                data = stager.data(row)
                self.first_line.setdefault(stager.external_id(data)[0], row.line)
                self.titles.add(normalise(str(data.get("title") or "")))
        with sqlite_cache() as self._enlarge_cache:
            yield from self._run_rows(stager, source, start)
        if self.without_id:
            report.notes.append(
                _(
                    "%(n)d rows have no external_id: they are recognised by their title and text, so importing "
                    "an edited copy of such a row adds a new listing instead of updating the old one.",
                    n=self.without_id,
                )
            )

    def _run_rows(self, stager: RowStager, source: SourceFile, start: int) -> Iterator[int]:
        if parallel(source.rows[start:], self.options.workers):  # one query, so helpers segment only new rows
            column = self.table.c.external_id
            stager.known_ids = set(db.session.scalars(sa.select(column).where(column.is_not(None))))
        batch: list[Staged] = []
        done, pending = start, False
        for staged in stage_rows(stager, source.rows[start:], self.options.workers, str(get_locale())):
            if self.admit(staged):
                batch.append(staged)
            done += 1
            pending = True
            if (done - start) % self.options.batch_size == 0:
                self.write(batch, done)
                batch, pending = [], False
                yield done
        if pending or done == start:
            self.write(batch, done)
            yield done

    def _check_columns(self, source: SourceFile) -> None:
        file_keys = {column_key(c) for c in source.columns}
        for column_name in self.options.mapping:
            if column_name not in file_keys:
                self.report.notes.append(
                    _("The mapping names the column “%(column)s”, which the file does not have.", column=column_name)
                )
        for column_name in self.kind.required:
            if column_name not in self.layout.source_of and source.rows:
                self.report.notes.append(
                    _(
                        "The file has no “%(column)s” column (required): every row is skipped. "
                        "Rename a column with --map, e.g. name=title.",
                        column=column_name,
                    )
                )

    def _resolve_fields(self, source: SourceFile) -> dict[str, int | None]:
        """Every distinct field text of the file, resolved once against the taxonomy."""
        field_columns = {key for key, target in self.layout.rename.items() if target == "field"}
        texts = set()
        for row in source.rows:
            for key, value in (row.values or {}).items():
                if value not in (None, "") and column_key(key) in field_columns:
                    texts.add(normalise(str(value)))
        resolver = FieldResolver()
        found = {text: resolver.resolve(text) for text in texts}
        return {text: node.id if node is not None else None for text, node in found.items()}

    def admit(self, staged: Staged) -> bool:
        """What needs the rows before: duplicate external_ids and repeated titles."""
        report = self.report
        if staged.external_id is not None:
            first = self.first_line.setdefault(staged.external_id, staged.line)
            if first != staged.line:
                report.skip(
                    staged.line,
                    _("duplicate external_id “%(id)s”, first seen on line %(line)d", id=staged.external_id, line=first),
                )
                return False
        if staged.skip is not None:
            report.skip(staged.line, staged.skip)
            return False
        self.without_id += staged.generated_id
        for code, text in staged.warnings:
            report.warn(staged.line, code, text)
        title = staged.values["title"]
        if title in self.titles:
            report.warn(
                staged.line,
                "title_repeated",
                _("The same title as an earlier row (a repost?): imported; review near-duplicates."),
            )
        self.titles.add(title)
        return True

    # ---------------------------------------------------------------- one batch

    def write(self, batch: list[Staged], done: int) -> None:
        """Write a batch in a savepoint; if the database refuses it, write its rows one by one so
        that only the refused rows are skipped."""
        self.batch_number += 1
        self._enlarge_cache()
        before = (self.report.imported, self.report.updated, self.report.unchanged, len(self.report.skipped))
        refused = (DBAPIError, db.session.connection().dialect.loaded_dbapi.Error)  # COPY raises the driver's
        try:
            with db.session.begin_nested():
                result = self._write(batch)
        except refused:
            result = BatchResult()
            for prepared in batch:
                try:
                    with db.session.begin_nested():
                        one = self._write([prepared])
                except refused as exc:
                    message = str(getattr(exc, "orig", exc)).strip().splitlines()[0][:200]
                    result.skipped.append((prepared.line, _("the database refused the row: %(error)s", error=message)))
                else:
                    result.merge(one)
        result.apply(self.report)
        self.written.extend(result.written)
        self.inserted.extend(result.inserted)
        if result.written:
            listings_imported.send(
                self.kind.code,
                ids=result.written,
                published=self.options.status is ListingStatus.PUBLISHED,
                updated=bool(result.updated),
            )
        first_line = batch[0].line if batch else None
        audit.record(
            "import.batch",
            self.options.audit_object,
            actor=self.options.actor,
            after={
                "file": self.options.filename,
                "kind": self.kind.name,
                "batch": self.batch_number,
                "first_line": first_line,
                "rows_done": done,
                "imported": self.report.imported - before[0],
                "updated": self.report.updated - before[1],
                "unchanged": self.report.unchanged - before[2],
                "skipped": len(self.report.skipped) - before[3],
                **({} if self.options.actor is not None else {"via": "command line", "os_user": _os_user()}),
            },
        )
        db.session.flush()

    def _write(self, batch: list[Staged]) -> BatchResult:
        result = BatchResult()
        if not batch:
            return result
        t = self.table
        ids = [p.external_id for p in batch]
        existing = {r.external_id: r for r in db.session.execute(sa.select(t).where(t.c.external_id.in_(ids)))}
        existing.update(self._same_text([p for p in batch if p.generated_id and p.external_id not in existing]))
        inserts, updates = [], []
        for p in batch:
            row = existing.get(p.external_id)
            if row is None:
                inserts.append(p)
            elif not self._may_update(row):
                result.skipped.append(
                    (
                        p.line,
                        _("The same title and text as a listing you cannot edit.")
                        if p.generated_id
                        else _("external_id “%(id)s” belongs to a listing you cannot edit.", id=p.external_id),
                    )
                )
                continue
            else:
                present = self._present(p.values)
                if all(_same(row._mapping[c], p.values[c]) for c in present):
                    result.unchanged += 1
                else:
                    updates.append((row, p, present))
            result.field_given += p.field_text
            result.field_mapped += p.field_found
        now = utcnow()
        if inserts:
            result.inserted += self._insert(inserts, now)
            result.written += result.inserted
            result.imported += len(inserts)
        if updates:
            result.written += self._update(updates, now)
            result.updated += len(updates)
        return result

    def _same_text(self, batch: list[Staged]) -> dict:
        """Rows without an external_id that repeat a listing entered in the app (which has none),
        e.g. a file exported from the list page: the listing with the same title and text."""
        if not batch:
            return {}
        t = self.table
        body = t.c[self.kind.body]
        candidates = db.session.execute(
            sa.select(t).where(t.c.external_id.is_(None), t.c.title.in_({p.values["title"] for p in batch}))
        )
        by_text = {(r.title, bare(r._mapping[body.name])): r for r in candidates}
        found = {}
        for p in batch:
            row = by_text.get((p.values["title"], bare(p.values[self.kind.body])))
            if row is not None:
                found[p.external_id] = row
        return found

    def _may_update(self, row) -> bool:
        actor = self.options.actor
        return actor is None or actor.is_admin or row.owner_id == actor.id

    def _present(self, values: dict) -> list[str]:
        """The columns this file provides (the others keep what the listing has)."""
        if not hasattr(self, "_present_cache"):
            columns = []
            for column in values:
                source = SOURCE_COLUMN.get(column, column)
                source = {"modes": self.kind.modes}.get(source, source)
                if column == "organisation_id":
                    if self.options.organisation_id is not None or self.kind.org in self.layout.source_of:
                        columns.append(column)
                elif source in self.layout.source_of:
                    columns.append(column)
            self._present_cache = columns
        return self._present_cache

    def _insert(self, inserts: list[Staged], now: datetime) -> list[int]:
        status = self.options.status
        rows = []
        for p in inserts:
            row = dict(p.values)
            row.update(
                external_id=p.external_id,
                status=status,
                owner_id=self.options.owner_id,
                created_at=now,
                updated_at=now,
                moderation_reason=None,
                duplicate_of_id=None,
                published_at=_published_at(p.values.get("posted_on"), now)
                if status is ListingStatus.PUBLISHED
                else None,
            )
            if self.kind.code == "a":
                row.setdefault("confidential", None)
            else:
                row.update(
                    show_identity=False,
                    indicators=row.get("indicators"),
                    expected_maturity=row.get("expected_maturity"),
                )
            rows.append(row)
        new_ids = insert_listings(self.table, rows)
        code = self.kind.code
        write_terms(
            [
                (code, term, new_ids[p.external_id], weight)
                for p in inserts
                for term, weight in (p.terms if p.terms is not None else self.stager.terms(p.values)).items()
            ]
        )
        return list(new_ids.values())

    def _update(self, updates: list, now: datetime) -> list[int]:
        t = self.table
        present = updates[0][2]
        params = []
        for row, p, _present_columns in updates:
            status = row.status
            actor = self.options.actor
            if actor is not None and not actor.is_admin and status is ListingStatus.PUBLISHED:
                status = ListingStatus.SUBMITTED  # an owner's edit of public text goes back to review
            params.append({"_id": row.id, "_status": status, "_now": now, **{c: p.values[c] for c in present}})
        statement = (
            sa.update(t)
            .where(t.c.id == sa.bindparam("_id"))
            .values(
                {
                    **{c: sa.bindparam(c) for c in present},
                    "status": sa.bindparam("_status"),
                    "updated_at": sa.bindparam("_now"),
                }
            )
        )
        db.session.execute(statement, params, execution_options={"synchronize_session": False})
        code, rows, reindexed = self.kind.code, [], []
        for row, p, _present_columns in updates:
            if any(not _same(row._mapping[c], p.values[c]) for c in present if c in INDEXED):
                merged = {**row._mapping, **{c: p.values[c] for c in present}}
                reindexed.append(row.id)
                rows.extend((code, term, row.id, weight) for term, weight in self.stager.terms(merged).items())
        if reindexed:
            db.session.execute(
                sa.delete(ListingTerm).where(ListingTerm.kind == code, ListingTerm.listing_id.in_(reindexed))
            )
            write_terms(rows)
        return [row.id for row, _p, _c in updates]


@dataclass
class BatchResult:
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list = field(default_factory=list)
    field_given: int = 0
    field_mapped: int = 0
    written: list[int] = field(default_factory=list)  # ids of the listings inserted or updated
    inserted: list[int] = field(default_factory=list)  # ids of the listings inserted

    def merge(self, other: BatchResult) -> None:
        self.imported += other.imported
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.skipped.extend(other.skipped)
        self.field_given += other.field_given
        self.field_mapped += other.field_mapped
        self.written.extend(other.written)
        self.inserted.extend(other.inserted)

    def apply(self, report: ImportReport) -> None:
        report.imported += self.imported
        report.updated += self.updated
        report.unchanged += self.unchanged
        report.skipped.extend(self.skipped)
        report.skipped.sort(key=lambda s: s[0])
        report.field_given += self.field_given
        report.field_mapped += self.field_mapped


def _same(stored, new) -> bool:
    if isinstance(stored, list | tuple) or isinstance(new, list | tuple):
        return list(stored or []) == list(new or [])
    return stored == new


def _published_at(posted_on: date | None, now: datetime) -> datetime:
    if posted_on is None:
        return now
    return clock.day_start(posted_on)


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in some containers
        return "?"
