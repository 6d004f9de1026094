"""`flask --app wsgi duplicates flag achievements|needs`: look for reposts across a whole library,
e.g. after importing a list. Idempotent: pairs already recorded (or decided) are left as they are."""

from __future__ import annotations

import sys

import click
import sqlalchemy as sa
from flask.cli import AppGroup
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from webapp.extensions import db

duplicates_cli = AppGroup("duplicates", help="Near-duplicate listings.")

KINDS = {"achievements": "a", "needs": "n"}
LIBRARY_NAMES = {"a": _l("Achievements"), "n": _l("Needs")}
CHUNK = 200


@duplicates_cli.command("flag")
@click.argument("library", type=click.Choice(list(KINDS)))
def flag_library(library: str) -> None:
    """Flag the near-duplicates of every listing of LIBRARY (drafts and merged listings excepted)."""
    from webapp.dedupe.services import flag_many
    from webapp.listings.kinds import model_for
    from webapp.listings.models import DuplicateCandidate, DuplicateStatus, ListingStatus

    kind = KINDS[library]
    model = model_for(kind)
    ids = list(
        db.session.scalars(
            sa.select(model.id)
            .where(model.status != ListingStatus.DRAFT, model.duplicate_of_id.is_(None))
            .order_by(model.id)
        )
    )
    added = 0
    label = _("Looking for near-duplicates among %(library)s", library=LIBRARY_NAMES[kind])
    with click.progressbar(length=len(ids), label=label, file=sys.stderr, show_pos=True) as bar:
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            added += flag_many(kind, chunk)
            db.session.commit()  # each chunk is kept: an interrupted run resumes where it stopped
            bar.update(len(chunk))
    waiting = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(DuplicateCandidate)
        .where(DuplicateCandidate.kind == kind, DuplicateCandidate.status == DuplicateStatus.OPEN)
    )
    click.echo(
        _(
            "%(checked)d listings checked: %(added)d new possible duplicate pairs, %(waiting)d waiting at "
            "/admin/duplicates.",
            checked=len(ids),
            added=added,
            waiting=waiting,
        )
    )
