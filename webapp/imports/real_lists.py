"""The real lists of the shared data folder and the column mappings they import with (README,
"Importing the real data"): used by the demo on a first start and by the relevance benchmark.

The folder is `JIEBANG_DATA` when set, else `../shared/data` beside the checkout; the files are read
from there, never copied into the repository."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

# (kind, file, --map)
REAL_LISTS = (
    (
        "achievements",
        "achievements-51jishu.jsonl",
        "name=title,description=summary,tech_field=field,cooperation_method=transfer_modes,post_time=posted_on,"
        "id=external_id,scope=scenarios",
    ),
    (
        "needs",
        "needs-51jishu.jsonl",
        "name=title,cooperation_method=cooperation_modes,industry_classification=field,valid_period=deadline,"
        "post_time=posted_on,id=external_id",
    ),
    ("achievements", "papers-csl.jsonl", "abstract=summary,discipline=field,id=external_id"),
)


def data_folder() -> Path:
    return Path(current_app.config["DATA_DIR"])


def present() -> list[tuple[str, Path, str]]:
    """The real lists found in the data folder, as (kind, path, mapping)."""
    folder = data_folder()
    return [(kind, folder / name, mapping) for kind, name, mapping in REAL_LISTS if (folder / name).is_file()]


def imported(kind: str, path: Path) -> bool:
    """Whether the file's first row is already in the library (a file imports whole or resumes)."""
    from webapp.achievements.models import Achievement
    from webapp.extensions import db
    from webapp.needs.models import Need

    with path.open(encoding="utf-8") as lines:
        first = next((line for line in lines if line.strip()), "")
    external_id = str(json.loads(first).get("id") or "") if first else ""
    model = Achievement if kind == "achievements" else Need
    return (
        bool(external_id) and db.session.scalar(sa.select(model.id).where(model.external_id == external_id)) is not None
    )


def load(say: Callable[[str], None] = lambda _text: None) -> int:
    """Import the real lists not imported yet, with the command-line importer's progress; returns how
    many files were imported."""
    from webapp.imports.cli import run_import
    from webapp.imports.importer import BATCH_SIZE

    done = 0
    for kind, path, mapping in present():
        if imported(kind, path):
            continue
        say(f"  {path.name}")
        run_import(kind, path, mapping, "published", None, BATCH_SIZE, False, None)
        done += 1
    return done
