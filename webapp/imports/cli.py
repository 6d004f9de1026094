"""`flask --app wsgi import achievements FILE` and `flask --app wsgi import needs FILE`."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import AppGroup
from flask_babel import gettext as _

from webapp.extensions import db
from webapp.imports.columns import KINDS, MappingError, parse_mapping
from webapp.imports.importer import BATCH_SIZE, Importer, ImportOptions
from webapp.imports.readers import ImportFileError, read_source
from webapp.imports.rows import default_workers
from webapp.imports.services import announce_new_needs
from webapp.listings.models import ListingStatus

import_cli = AppGroup("import", help="Import achievements or needs from .jsonl, .csv or .xlsx files.")


OPTIONS = [
    click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path)),
    click.option(
        "--map",
        "mapping",
        default=None,
        metavar="SRC=DST,...",
        help="Rename source columns, e.g. name=title,description=summary; SRC= drops a column.",
    ),
    click.option(
        "--status",
        type=click.Choice(["published", "draft"]),
        default="published",
        show_default=True,
        help="State of new listings (updated listings keep theirs).",
    ),
    click.option("--owner", "owner_email", default=None, help="E-mail of the user who owns new listings."),
    click.option("--dry-run", is_flag=True, help="Check the file and report, saving nothing."),
    click.option("--batch-size", default=BATCH_SIZE, show_default=True, help="Rows per transaction."),
    click.option(
        "--workers",
        type=int,
        default=None,
        help="Helper processes that validate and segment rows ahead of the writer (default: 1 on 2+ cores; 0: none).",
    ),
]


def _options(function):
    for decorator in reversed(OPTIONS):  # listed in --help in the order above
        function = decorator(function)
    return function


@import_cli.command("achievements")
@_options
def import_achievements(**kwargs) -> None:
    """Import achievements (科技成果) from FILE."""
    run_import("achievements", **kwargs)


@import_cli.command("needs")
@_options
def import_needs(**kwargs) -> None:
    """Import technology needs (技术需求) from FILE."""
    run_import("needs", **kwargs)


def run_import(
    kind_name: str,
    file: Path,
    mapping: str | None,
    status: str,
    owner_email: str | None,
    batch_size: int,
    dry_run: bool,
    workers: int | None,
) -> None:
    from webapp.accounts.models import User

    kind = KINDS[kind_name]
    try:
        parsed = parse_mapping(mapping, kind)
    except MappingError as exc:
        raise click.BadParameter(str(exc), param_hint="--map") from None
    owner_id = None
    if owner_email:
        owner_id = db.session.scalar(sa.select(User.id).where(User.email == owner_email.strip().lower()))
        if owner_id is None:
            raise click.BadParameter(_("No user with the e-mail %(email)s.", email=owner_email), param_hint="--owner")
    try:
        source = read_source(file.name, file.read_bytes())
    except ImportFileError as exc:
        raise click.ClickException(str(exc)) from None
    importer = Importer(
        ImportOptions(
            kind=kind,
            filename=file.name,
            mapping=parsed,
            status=ListingStatus(status),
            owner_id=owner_id,
            batch_size=max(1, batch_size),
            workers=default_workers() if workers is None else max(0, workers),
        )
    )
    total = len(source.rows)
    err = sys.stderr
    label = _("Importing %(kind)s from %(file)s", kind=kind.name, file=file.name)
    if err.isatty():
        with click.progressbar(length=total, label=label, file=err, show_pos=True) as bar:
            for done in importer.run(source):
                if not dry_run:
                    db.session.commit()
                bar.update(done - bar.pos)
    else:
        click.echo(label, file=err)
        shown = -1
        for done in importer.run(source):
            if not dry_run:
                db.session.commit()
            step = 100 * done // total // 10 if total else 10
            if step != shown:
                shown = step
                click.echo(
                    _(
                        "  %(done)d/%(total)d rows (%(share)d%%)",
                        done=done,
                        total=total,
                        share=100 * done // total if total else 100,
                    ),
                    file=err,
                )
    if dry_run:
        db.session.rollback()
    else:
        announce_new_needs(importer)
        db.session.commit()
    for line in importer.report.text_lines():
        click.echo(line)
    if dry_run:
        click.echo(_("Dry run: nothing was saved."))
    sys.stdout.flush()
