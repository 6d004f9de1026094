"""The columns of the import format (interfaces.md), and `--map src=dst,...` for other names."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from webapp.core.text import fold


@dataclass(frozen=True)
class Kind:
    name: str  # "achievements" or "needs", as on the command line
    code: str  # "a" or "n", as in listing_terms
    columns: tuple[str, ...]  # every column the importer reads, documented ones first
    required: tuple[str, ...]
    body: str  # the required long text: summary or description
    modes: str  # the cooperation/transfer modes column
    org: str  # institution or organisation


ACHIEVEMENTS = Kind(
    name="achievements",
    code="a",
    columns=(
        "external_id",
        "title",
        "summary",
        "keywords",
        "field",
        "maturity",
        "trl",
        "patents",
        "transfer_modes",
        "price",
        "institution",
        "team",
        "scenarios",
        "posted_on",
        "confidential",
    ),
    required=("title", "summary"),
    body="summary",
    modes="transfer_modes",
    org="institution",
)
NEEDS = Kind(
    name="needs",
    code="n",
    columns=(
        "external_id",
        "title",
        "description",
        "keywords",
        "field",
        "budget",
        "deadline",
        "cooperation_modes",
        "organisation",
        "posted_on",
        "indicators",
        "expected_maturity",
        "contact_name",
        "contact_phone",
    ),
    required=("title", "description"),
    body="description",
    modes="cooperation_modes",
    org="organisation",
)
KINDS = {k.name: k for k in (ACHIEVEMENTS, NEEDS)}

# Validation (webapp/listings/validation.py) names a few things differently from the file.
DATA_KEY = {"transfer_modes": "coop_modes", "cooperation_modes": "coop_modes"}

# Which file column each cleaned value (or database column) comes from: on update, only values
# whose column the file has are written, so a file without `trl` does not erase TRLs.
SOURCE_COLUMN = {
    "coop_mask": "modes",
    "institution_name": "institution",
    "organisation_name": "organisation",
    "price_min": "price",
    "price_max": "price",
    "budget_min": "budget",
    "budget_max": "budget",
    "field_id": "field",
}


class MappingError(ValueError):
    pass


def column_key(name) -> str:
    """Header names compare without case, surrounding spaces or full-width forms."""
    return fold(str(name))


def parse_mapping(text: str | None, kind: Kind) -> dict[str, str | None]:
    """`name=title,description=summary,patent_info=` -> {source: target or None (drop)}."""
    mapping: dict[str, str | None] = {}
    if not text:
        return mapping
    targets: dict[str, str] = {}
    for part in str(text).replace("，", ",").split(","):
        if not part.strip():
            continue
        if "=" not in part:
            raise MappingError(_("“%(part)s” is not of the form source=target.", part=part.strip()))
        source, target = (column_key(p) for p in part.split("=", 1))
        if not source:
            raise MappingError(_("“%(part)s” has no source column.", part=part.strip()))
        if target and target not in kind.columns:
            raise MappingError(
                _(
                    "“%(target)s” is not a column for %(kind)s; the columns are: %(columns)s.",
                    target=target,
                    kind=kind.name,
                    columns=", ".join(kind.columns),
                )
            )
        if target and target in targets:
            raise MappingError(
                _("Both “%(a)s” and “%(b)s” are mapped to “%(target)s”.", a=targets[target], b=source, target=target)
            )
        if target:
            targets[target] = source
        mapping[source] = target or None
    return mapping


def format_mapping(mapping: dict[str, str | None]) -> str:
    return ",".join(f"{s}={t or ''}" for s, t in mapping.items())


@dataclass
class Layout:
    """How this file's columns become import columns."""

    rename: dict[str, str]  # file column key -> import column
    ignored: list[str]  # file columns (as written in the file) the importer does not read
    source_of: dict[str, str]  # import column -> the file's column name, for messages


def plan_columns(file_columns: list[str], mapping: dict[str, str | None], kind: Kind) -> Layout:
    rename: dict[str, str] = {}
    ignored: list[str] = []
    source_of: dict[str, str] = {}
    mapped_targets = {t for t in mapping.values() if t}
    for name in file_columns:
        key = column_key(name)
        if key in mapping:
            target = mapping[key]
            if target is None:
                continue  # dropped on purpose: not reported as ignored
        elif key in kind.columns and key not in mapped_targets:
            target = key
        else:
            ignored.append(name)
            continue
        if target in source_of:  # the same column twice in the header
            ignored.append(name)
            continue
        rename[key] = target
        source_of[target] = name
    return Layout(rename, ignored, source_of)
