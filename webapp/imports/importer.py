"""The import engine shared by the command line, the upload page and the benchmark.

Rows are validated one by one with the same rules as the forms (webapp/listings/validation.py),
then written a batch at a time with bulk statements: one query fetches the batch's existing
rows by external_id, new rows go in with one multi-row INSERT, their search terms with another.
`Importer.run()` yields after each batch is flushed and the caller commits, so a crash loses at
most one batch and running the same file again picks up where it stopped (every row already
written counts as unchanged).
"""

from __future__ import annotations

import getpass
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import DBAPIError

from webapp.accounts.models import Organisation
from webapp.achievements.models import Achievement
from webapp.core import audit
from webapp.core.db import utcnow
from webapp.extensions import db
from webapp.imports.columns import DATA_KEY, SOURCE_COLUMN, Kind, column_key, plan_columns
from webapp.imports.readers import SourceFile, SourceRow
from webapp.imports.report import ImportReport
from webapp.listings.index import listing_text
from webapp.listings.models import ListingStatus, ListingTerm, modes_to_mask
from webapp.listings.text import index_terms, normalise
from webapp.listings.validation import ListingInvalid, clean_achievement, clean_need
from webapp.needs.models import Need
from webapp.taxonomy.services import FieldResolver

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
EXTERNAL_ID_MAX = 100
BATCH_SIZE = 1000
LIST_COLUMNS = {"keywords", "patents", "transfer_modes", "cooperation_modes"}
NUMBER_COLUMNS = {"price", "budget", "trl", "external_id"}
# Columns whose change means the listing's search terms change.
INDEXED = {"title", "keywords", "summary", "scenarios", "team", "institution_name", "organisation_id",
           "description", "indicators"}


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


@dataclass
class Prepared:
    line: int
    external_id: str
    values: dict  # database column -> value, complete for an insert
    field_text: bool
    field_found: bool


class Importer:
    def __init__(self, options: ImportOptions):
        self.options = options
        self.kind = options.kind
        self.model = Achievement if self.kind.code == "a" else Need
        self.table = self.model.__table__
        self.report = ImportReport(self.kind.name, options.filename)
        self.resolver = FieldResolver()
        self.fields: dict[str, int | None] = {}
        self.org_ids: dict[str, int] = {}
        self.org_names: dict[int, str] = {}
        for org_id, name in db.session.execute(sa.select(Organisation.id, Organisation.name)):
            self.org_ids[normalise(name).lower()] = org_id
            self.org_names[org_id] = name
        self.first_line: dict[str, int] = {}  # external_id -> line first seen
        self.titles: set[str] = set()
        self.keys: dict[str, str | None] = {}
        self.without_id = 0
        self.batch_number = 0
        self.today = options.today or date.today()

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
        for row in source.rows[:start]:  # rows a previous run already did: remember their keys
            self._remember(row)
        batch: list[Prepared] = []
        done, pending = start, False
        for row in source.rows[start:]:
            prepared = self.prepare(row)
            if prepared is not None:
                batch.append(prepared)
            done += 1
            pending = True
            if (done - start) % self.options.batch_size == 0:
                self.write(batch, done)
                batch, pending = [], False
                yield done
        if pending or done == start:
            self.write(batch, done)
            yield done
        if self.without_id:
            report.notes.append(_(
                "%(n)d rows have no external_id: they are recognised by their title and text, so importing "
                "an edited copy of such a row adds a new listing instead of updating the old one.", n=self.without_id))

    def _check_columns(self, source: SourceFile) -> None:
        file_keys = {column_key(c) for c in source.columns}
        for column_name in self.options.mapping:
            if column_name not in file_keys:
                self.report.notes.append(
                    _("The mapping names the column “%(column)s”, which the file does not have.", column=column_name))
        for column_name in self.kind.required:
            if column_name not in self.layout.source_of and source.rows:
                self.report.notes.append(_("The file has no “%(column)s” column (required): every row is skipped. "
                                           "Rename a column with --map, e.g. name=title.", column=column_name))

    # ---------------------------------------------------------------- one row

    def _data(self, row: SourceRow) -> dict:
        data = {}
        for key, value in row.values.items():
            target = self.keys.get(key, "?")
            if target == "?":
                target = self.keys[key] = self.layout.rename.get(column_key(key))
            if target is not None:
                data[target] = value
        return data

    def _external_id(self, data: dict) -> str:
        value = data.get("external_id")
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = normalise(str(value)) if value not in (None, "") else ""
        if text:
            return text
        self.without_id += 1
        body = normalise(str(data.get(self.kind.body) or ""))
        digest = hashlib.sha1(f"{normalise(str(data.get('title') or ''))}\n{body}".encode()).hexdigest()
        return f"sha1-{digest[:24]}"

    def _remember(self, row: SourceRow) -> None:
        if row.values is None:
            return
        data = self._data(row)
        self.first_line.setdefault(self._external_id(data), row.line)
        self.titles.add(normalise(str(data.get("title") or "")))

    def prepare(self, row: SourceRow) -> Prepared | None:
        """Validated database values for one row, or None after recording why it is skipped."""
        report, kind = self.report, self.kind
        if row.values is None:
            report.skip(row.line, row.error or _("the line cannot be read"))
            return None
        data = self._data(row)
        external_id = self._external_id(data)
        if len(external_id) > EXTERNAL_ID_MAX:
            report.skip(row.line, _("external_id is longer than %(max)d characters.", max=EXTERNAL_ID_MAX))
            return None
        first = self.first_line.setdefault(external_id, row.line)
        if first != row.line:
            report.skip(row.line, _("duplicate external_id “%(id)s”, first seen on line %(line)d",
                                    id=external_id, line=first))
            return None
        for key, value in data.items():
            if isinstance(value, list | tuple):
                if key not in LIST_COLUMNS:
                    data[key] = "，".join(str(v) for v in value)
            elif isinstance(value, dict | bool) or (isinstance(value, float | int) and key not in NUMBER_COLUMNS):
                data[key] = str(value)
        if kind.code == "n" and isinstance(data.get("deadline"), str):
            data["deadline"] = _period_end(data["deadline"])
        clean_input = {DATA_KEY.get(k, k): v for k, v in data.items()}
        try:
            if kind.code == "a":
                cleaned = clean_achievement(clean_input)
            else:
                cleaned = clean_need(clean_input, allow_past_deadline=True)
        except ListingInvalid as exc:
            report.skip(row.line, "; ".join(f"{self._label(k)}: {m}" for k, m in exc.errors.items()))
            return None
        values = self._values(cleaned, data)
        field_text = normalise(str(data.get("field") or ""))
        if field_text:
            values["field_id"] = self._field(field_text)
            if values["field_id"] is None:
                report.warn(row.line, "field_unknown",
                            _("Unknown technical field “%(value)s”: imported without a field.", value=field_text))
        else:
            values["field_id"] = None
        self._warnings(row.line, values)
        return Prepared(row.line, external_id, values, bool(field_text), values["field_id"] is not None)

    def _label(self, key: str) -> str:
        column = self.kind.modes if key == "coop_modes" else key
        source = self.layout.source_of.get(column)
        return column if source is None or column_key(source) == column else f"{source} ({column})"

    def _values(self, cleaned: dict, data: dict) -> dict:
        values = {k: v for k, v in cleaned.items() if k != "coop_modes"}
        values["coop_mask"] = modes_to_mask(cleaned.get("coop_modes") or [])
        org_text = values.get("institution_name" if self.kind.code == "a" else "organisation_name")
        if self.options.organisation_id is not None:
            values["organisation_id"] = self.options.organisation_id
        else:
            values["organisation_id"] = self.org_ids.get(org_text.lower()) if org_text else None
        if self.kind.code == "n":
            values["contact_name"] = normalise(str(data.get("contact_name") or ""))[:100] or None
            values["contact_phone"] = normalise(str(data.get("contact_phone") or ""))[:30] or None
        return values

    def _field(self, text: str) -> int | None:
        if text not in self.fields:
            found = self.resolver.resolve(text)
            self.fields[text] = found.id if found is not None else None
        return self.fields[text]

    def _warnings(self, line: int, values: dict) -> None:
        title = values["title"]
        if values[self.kind.body] == title:
            self.report.warn(line, "body_is_title", _("The %(column)s only repeats the title.",
                                                       column=self.layout.source_of.get(self.kind.body, self.kind.body)))
        if title in self.titles:
            self.report.warn(line, "title_repeated",
                             _("The same title as an earlier row (a repost?): imported; review near-duplicates."))
        self.titles.add(title)
        deadline = values.get("deadline")
        if deadline is not None and deadline < self.today:
            self.report.warn(line, "deadline_past",
                             _("The deadline has passed: kept as given, since imported lists can be old."))

    # ---------------------------------------------------------------- one batch

    def write(self, batch: list[Prepared], done: int) -> None:
        """Write a batch in a savepoint; if the database refuses it, write its rows one by one so
        that only the refused rows are skipped."""
        self.batch_number += 1
        before = (self.report.imported, self.report.updated, self.report.unchanged, len(self.report.skipped))
        try:
            with db.session.begin_nested():
                result = self._write(batch)
        except DBAPIError:
            result = BatchResult()
            for prepared in batch:
                try:
                    with db.session.begin_nested():
                        one = self._write([prepared])
                except DBAPIError as exc:
                    message = str(getattr(exc, "orig", exc)).strip().splitlines()[0][:200]
                    result.skipped.append((prepared.line, _("the database refused the row: %(error)s", error=message)))
                else:
                    result.merge(one)
        result.apply(self.report)
        first_line = batch[0].line if batch else None
        audit.record("import.batch", self.options.audit_object, actor=self.options.actor, after={
            "file": self.options.filename, "kind": self.kind.name, "batch": self.batch_number,
            "first_line": first_line, "rows_done": done,
            "imported": self.report.imported - before[0], "updated": self.report.updated - before[1],
            "unchanged": self.report.unchanged - before[2], "skipped": len(self.report.skipped) - before[3],
            **({} if self.options.actor is not None else {"via": "command line", "os_user": _os_user()}),
        })
        db.session.flush()

    def _write(self, batch: list[Prepared]) -> BatchResult:
        result = BatchResult()
        if not batch:
            return result
        t = self.table
        ids = [p.external_id for p in batch]
        existing = {r.external_id: r for r in db.session.execute(sa.select(t).where(t.c.external_id.in_(ids)))}
        inserts, updates = [], []
        for p in batch:
            row = existing.get(p.external_id)
            if row is None:
                inserts.append(p)
            elif not self._may_update(row):
                result.skipped.append((p.line, _(
                    "external_id “%(id)s” belongs to a listing you cannot edit.", id=p.external_id)))
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
            self._insert(inserts, now)
            result.imported += len(inserts)
        if updates:
            self._update(updates, now)
            result.updated += len(updates)
        return result

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

    def _insert(self, inserts: list[Prepared], now: datetime) -> None:
        status = self.options.status
        rows = []
        for p in inserts:
            row = dict(p.values)
            row.update(
                external_id=p.external_id, status=status, owner_id=self.options.owner_id,
                created_at=now, updated_at=now, moderation_reason=None, duplicate_of_id=None,
                published_at=_published_at(p.values.get("posted_on"), now) if status is ListingStatus.PUBLISHED else None,
            )
            if self.kind.code == "a":
                row.setdefault("confidential", None)
            else:
                row.update(show_identity=False, indicators=row.get("indicators"), expected_maturity=row.get("expected_maturity"))
            rows.append(row)
        t = self.table
        returned = db.session.execute(
            sa.insert(t).returning(t.c.id, t.c.external_id, sort_by_parameter_order=True), rows
        ).all()
        new_ids = {external_id: listing_id for listing_id, external_id in returned}
        self._index([(new_ids[p.external_id], p.values) for p in inserts], replace=False)

    def _update(self, updates: list, now: datetime) -> None:
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
            .values({**{c: sa.bindparam(c) for c in present}, "status": sa.bindparam("_status"),
                     "updated_at": sa.bindparam("_now")})
        )
        db.session.execute(statement, params, execution_options={"synchronize_session": False})
        merged = []
        for row, p, _present_columns in updates:
            if any(not _same(row._mapping[c], p.values[c]) for c in present if c in INDEXED):
                values = dict(row._mapping)
                values.update({c: p.values[c] for c in present})
                merged.append((row.id, values))
        if merged:
            self._index(merged, replace=True)

    def _index(self, listings: list[tuple[int, dict]], *, replace: bool) -> None:
        """The listings' search terms, computed exactly as webapp.listings.index.reindex does."""
        code = self.kind.code
        if replace:
            db.session.execute(sa.delete(ListingTerm).where(
                ListingTerm.kind == code, ListingTerm.listing_id.in_([listing_id for listing_id, _v in listings])))
        rows = []
        for listing_id, values in listings:
            view = SimpleNamespace(KIND=code, **values)
            if code == "a":
                view.institution_label = self.org_names.get(values.get("organisation_id")) or values.get(
                    "institution_name") or ""
            terms = index_terms(*listing_text(view))
            rows.extend({"kind": code, "term": term[:40], "listing_id": listing_id, "weight": weight}
                        for term, weight in terms.items())
        if rows:
            db.session.execute(sa.insert(ListingTerm.__table__), rows)


@dataclass
class BatchResult:
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list = field(default_factory=list)
    field_given: int = 0
    field_mapped: int = 0

    def merge(self, other: BatchResult) -> None:
        self.imported += other.imported
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.skipped.extend(other.skipped)
        self.field_given += other.field_given
        self.field_mapped += other.field_mapped

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


def _period_end(text: str) -> str:
    """`2020-01-13 10:49至2021-01-13 10:49` (a validity period) -> its end, the deadline."""
    for separator in ("至", "～", "~", " to "):
        if separator in text:
            return text.rsplit(separator, 1)[1].strip()
    return text


def _published_at(posted_on: date | None, now: datetime) -> datetime:
    if posted_on is None:
        return now
    return datetime.combine(posted_on, time(0), tzinfo=LOCAL_TZ)


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in some containers
        return "?"
