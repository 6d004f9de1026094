"""One source row to validated database values and search terms.

Staging uses no database and no state shared between rows (the file's field texts are resolved
beforehand), so large files are staged in a forked helper process while the main process writes
the previous rows: on two cores the segmentation then costs almost no wall time.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import re
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace

from flask_babel import gettext as _

from webapp.core.text import normalise, tidy
from webapp.imports.columns import DATA_KEY, Kind, Layout, column_key
from webapp.imports.readers import SourceRow
from webapp.listings.index import listing_text
from webapp.listings.models import modes_to_mask
from webapp.listings.text import index_terms
from webapp.listings.validation import ListingInvalid, clean_achievement, clean_need

EXTERNAL_ID_MAX = 100
LIST_COLUMNS = {"keywords", "patents", "transfer_modes", "cooperation_modes"}
NUMBER_COLUMNS = {"price", "budget", "trl", "external_id"}

# Parallel staging: files smaller than this are staged in-process (a fork costs more than it saves).
PARALLEL_MIN_ROWS = 2000
CHUNK = 500  # rows per task handed to the helper
IN_FLIGHT = 4  # chunks staged ahead of the writer at most (bounds memory)


@dataclass
class Staged:
    line: int
    external_id: str | None = None  # None: the row could not be read
    generated_id: bool = False  # no external_id in the file: derived from title and text
    skip: str | None = None  # why the row cannot be imported
    values: dict | None = None  # database column -> value
    terms: dict[str, float] | None = None  # the listing's search terms, when staged by a helper
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (code, text)
    field_text: bool = False
    field_found: bool = False


class RowStager:
    def __init__(
        self,
        kind: Kind,
        layout: Layout,
        *,
        fields: dict[str, int | None],
        org_ids: dict[str, int],
        org_names: dict[int, str],
        organisation_id: int | None,
        today: date,
    ):
        self.kind = kind
        self.layout = layout
        self.fields = fields  # normalised field text -> taxonomy id (None: unknown), resolved beforehand
        self.org_ids = org_ids  # lower-cased organisation name -> id
        self.org_names = org_names
        self.organisation_id = organisation_id  # forced (a researcher's upload)
        self.today = today
        self.keys: dict[str, str | None] = {}
        # Helpers segment new rows ahead of time; in-process, rows are segmented when they are inserted.
        self.with_terms = False
        self.known_ids: set[str] = set()  # external_ids already in the database (helpers skip their terms)

    def data(self, row: SourceRow) -> dict:
        """The row's values under the import format's column names."""
        data = {}
        for key, value in row.values.items():
            target = self.keys.get(key, "?")
            if target == "?":
                target = self.keys[key] = self.layout.rename.get(column_key(key))
            if target is not None:
                data[target] = value
        return data

    def external_id(self, data: dict) -> tuple[str, bool]:
        value = data.get("external_id")
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = normalise(str(value)) if value not in (None, "") else ""
        if text:
            return text, False
        body = normalise(str(data.get(self.kind.body) or ""))
        digest = hashlib.sha1(f"{normalise(str(data.get('title') or ''))}\n{body}".encode()).hexdigest()
        return f"sha1-{digest[:24]}", True

    def stage(self, row: SourceRow) -> Staged:
        if row.values is None:
            return Staged(row.line, skip=row.error or _("the line cannot be read"))
        data = self.data(row)
        external_id, generated = self.external_id(data)
        staged = Staged(row.line, external_id, generated)
        if len(external_id) > EXTERNAL_ID_MAX:
            staged.skip = _("external_id is longer than %(max)d characters.", max=EXTERNAL_ID_MAX)
            return staged
        for key, value in data.items():
            if isinstance(value, list | tuple):
                if key not in LIST_COLUMNS:
                    data[key] = "，".join(str(v) for v in value)
            elif isinstance(value, dict | bool) or (isinstance(value, float | int) and key not in NUMBER_COLUMNS):
                data[key] = str(value)
        if self.kind.code == "n" and isinstance(data.get("deadline"), str):
            data["deadline"] = period_end(data["deadline"])
        clean_input = {DATA_KEY.get(k, k): v for k, v in data.items()}
        try:
            if self.kind.code == "a":
                cleaned = clean_achievement(clean_input)
            else:
                cleaned = clean_need(clean_input, allow_past_deadline=True)
        except ListingInvalid as exc:
            staged.skip = "; ".join(f"{self.label(k)}: {m}" for k, m in exc.errors.items())
            return staged
        values = staged.values = self.values(cleaned, data)
        field_text = normalise(str(data.get("field") or ""))
        values["field_id"] = self.fields.get(field_text) if field_text else None
        staged.field_text, staged.field_found = bool(field_text), values["field_id"] is not None
        if field_text and values["field_id"] is None:
            staged.warnings.append(
                ("field_unknown", _("Unknown technical field “%(value)s”: imported without a field.", value=field_text))
            )
        if bare(values[self.kind.body]) == bare(values["title"]):
            staged.warnings.append(
                (
                    "body_is_title",
                    _(
                        "The %(column)s only repeats the title.",
                        column=self.layout.source_of.get(self.kind.body, self.kind.body),
                    ),
                )
            )
        deadline = values.get("deadline")
        if deadline is not None and deadline < self.today:
            staged.warnings.append(
                ("deadline_past", _("The deadline has passed: kept as given, since imported lists can be old."))
            )
        if self.with_terms and external_id not in self.known_ids:
            staged.terms = self.terms(values)
        return staged

    def label(self, key: str) -> str:
        """A validation error's field as the file names it, e.g. `description (summary)`."""
        column = self.kind.modes if key == "coop_modes" else key
        source = self.layout.source_of.get(column)
        return column if source is None or column_key(source) == column else f"{source} ({column})"

    def values(self, cleaned: dict, data: dict) -> dict:
        values = {k: v for k, v in cleaned.items() if k != "coop_modes"}
        values["coop_mask"] = modes_to_mask(cleaned.get("coop_modes") or [])
        org_text = values.get("institution_name" if self.kind.code == "a" else "organisation_name")
        if self.organisation_id is not None:
            values["organisation_id"] = self.organisation_id
        else:
            values["organisation_id"] = self.org_ids.get(org_text.lower()) if org_text else None
        if self.kind.code == "n":
            values["contact_name"] = tidy(str(data.get("contact_name") or ""))[:100] or None
            values["contact_phone"] = normalise(str(data.get("contact_phone") or ""))[:30] or None
        return values

    def terms(self, values: dict) -> dict[str, float]:
        """The listing's search terms, exactly as webapp.listings.index.reindex computes them."""
        view = SimpleNamespace(KIND=self.kind.code, **values)
        if self.kind.code == "a":
            view.institution_label = (
                self.org_names.get(values.get("organisation_id")) or values.get("institution_name") or ""
            )
        return {term[:40]: weight for term, weight in index_terms(*listing_text(view)).items()}


def bare(text: str) -> str:
    """Text without punctuation or spaces: to see that a description only repeats its title, or
    that a row is a listing already entered."""
    return _NOT_WORD.sub("", normalise(text))


_NOT_WORD = re.compile(r"[\W_]+")


def period_end(text: str) -> str:
    """`2020-01-13 10:49至2021-01-13 10:49` (a validity period) -> its end, the deadline."""
    for separator in ("至", "～", "~", " to "):
        if separator in text:
            return text.rsplit(separator, 1)[1].strip()
    return text


# -------------------------------------------------------------------- staging many rows


def parallel(rows: Sequence[SourceRow], workers: int) -> bool:
    return workers > 0 and len(rows) >= PARALLEL_MIN_ROWS and can_fork()


def stage_rows(stager: RowStager, rows: Sequence[SourceRow], workers: int, locale: str | None) -> Iterator[Staged]:
    """Staged rows in order; with workers > 0 and a large file, staged by forked helpers."""
    if not parallel(rows, workers):
        for row in rows:
            yield stager.stage(row)
        return
    from flask import current_app

    global _STAGER, _ROWS
    _STAGER, _ROWS = stager, rows  # inherited by the forked helpers: nothing is pickled on the way in
    stager.with_terms = True
    pool = multiprocessing.get_context("fork").Pool(
        workers, initializer=_init_helper, initargs=(current_app._get_current_object(), locale)
    )
    try:
        chunks = iter(range(0, len(rows), CHUNK))
        pending: deque = deque()
        for start in chunks:
            pending.append(pool.apply_async(_stage_chunk, (start,)))
            if len(pending) >= IN_FLIGHT:
                break
        while pending:
            staged = pending.popleft().get()
            start = next(chunks, None)
            if start is not None:
                pending.append(pool.apply_async(_stage_chunk, (start,)))
            yield from staged
    finally:
        pool.terminate()
        pool.join()
        stager.with_terms = False
        _STAGER = _ROWS = None


def default_workers() -> int:
    """One helper on a machine with two cores or more: it stages while the main process writes."""
    return 1 if (os.cpu_count() or 1) >= 2 and can_fork() else 0


def can_fork() -> bool:
    """Forking needs a platform with fork and a process that may have children (not a daemonic
    Celery prefork child)."""
    return hasattr(os, "fork") and not multiprocessing.current_process().daemon


_STAGER: RowStager | None = None
_ROWS: Sequence[SourceRow] | None = None
_LOCALE: str | None = None


def _init_helper(app, locale: str | None) -> None:
    from webapp.extensions import db

    global _LOCALE
    app.app_context().push()  # for the helper's whole life: it only ever stages rows of this import
    db.engine.dispose(close=False)  # the parent's connections stay the parent's; helpers never query
    _LOCALE = locale


def _stage_chunk(start: int) -> list[Staged]:
    """Stage one chunk in the importing user's language (messages of skipped rows are translated)."""
    from flask_babel import force_locale

    with force_locale(_LOCALE) if _LOCALE else nullcontext():
        return [_STAGER.stage(row) for row in _ROWS[start : start + CHUNK]]
