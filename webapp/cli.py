"""Command-line interface: `flask --app wsgi users create ...`, `flask --app wsgi demo load`."""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup

from webapp.accounts import services
from webapp.accounts.models import Organisation, OrgKind, Role
from webapp.extensions import db

users_cli = AppGroup("users", help="Manage user accounts.")
demo_cli = AppGroup("demo", help="Built-in demonstration content.")

ROLE_ORG_KIND = {
    Role.ENTERPRISE: OrgKind.ENTERPRISE,
    Role.RESEARCHER: OrgKind.INSTITUTE,
    Role.BROKER: OrgKind.AGENCY,
}


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--password", default=None, help="Generated and printed when omitted.")
@click.option("--org", "org_name", default=None, help="Name of the user's organisation.")
@click.option("--name", default=None, help="Display name (defaults to the part of the e-mail before @).")
def create_user(email: str, role: str, password: str | None, org_name: str | None, name: str | None) -> None:
    """Create a user of any role, e.g. the first administrator."""
    role_enum = Role(role)
    organisation = None
    if org_name:
        organisation = db.session.scalar(sa.select(Organisation).where(Organisation.name == org_name.strip()))
        if organisation is None:
            kind = ROLE_ORG_KIND.get(role_enum)
            if kind is None or kind is OrgKind.ENTERPRISE:
                raise click.ClickException(
                    f"No organisation named {org_name!r}. Enterprises need a credit code: create it in the admin screens first."
                )
            organisation = Organisation(kind=kind, name=org_name.strip())
            db.session.add(organisation)
            db.session.flush()
    try:
        user, generated = services.create_user(
            email=email, role=role_enum, password=password, organisation=organisation, name=name
        )
    except services.AccountError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Created {user.role.value} {user.email} (id {user.id}).")
    if generated:
        click.echo(f"Password: {generated}")


@demo_cli.command("load")
def load_demo() -> None:
    """Bring a fresh site to life, once: the demo organisations and users, their listings, the real
    lists of the shared data folder when it is there (DEMO_REAL_DATA=0 skips them), the matching,
    challenges at every stage, deals, and what follows a match (introductions, rooms, subscriptions,
    performance reports). Running it again changes nothing."""
    from webapp.challenges import demo as challenges_demo
    from webapp.core.db import refresh_statistics
    from webapp.deals import demo as deals_demo
    from webapp.demo import followthrough
    from webapp.demo import listings as listings_demo
    from webapp.demo.accounts import DEMO_PASSWORD, load
    from webapp.imports import real_lists

    created = load()
    db.session.commit()
    listings_demo.load(say=click.echo)
    if current_app.config["DEMO_REAL_DATA"] and real_lists.present() and real_lists.load(say=click.echo):
        _rematch_everything()
    challenges = challenges_demo.load(say=click.echo)
    db.session.commit()
    deals_demo.load()
    db.session.commit()
    introductions = followthrough.load(say=click.echo)
    db.session.commit()
    refresh_statistics()  # a database loaded from empty: plan from its real sizes at once
    db.session.commit()
    if created:
        click.echo(f"Demo content loaded. Demo users, all with the password {DEMO_PASSWORD}:")
        for email, role in created:
            click.echo(f"  {role:<10} {email}")
    elif not challenges and not introductions:
        click.echo("Demo content already present.")


def _rematch_everything() -> None:
    from webapp.matching import services as matching

    job = matching.running_job() or matching.create_job(None)
    db.session.commit()
    shown = -1

    def progress(done: int, total: int) -> None:
        nonlocal shown
        step = 10 * done // total if total else 10
        if step != shown:
            shown = step
            click.echo(f"  matching: {done:,}/{total:,} listings", err=True)

    click.echo("Matching every listing …")
    matching.run_rematch(job.id, commit=db.session.commit, progress=progress)


backup_cli = AppGroup("backup", help="Back up the database (files included) and restore it.")


@backup_cli.command("create")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
def backup_create(target: Path) -> None:
    """Write a backup of the configured database to TARGET (a .sqlite3 copy or a pg_dump file)."""
    from webapp.core import backup

    try:
        written = backup.create(current_app.config["SQLALCHEMY_DATABASE_URI"], target)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"backup written: {written} ({written.stat().st_size:,} bytes)")


@backup_cli.command("restore")
@click.argument("source", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask before replacing the database's contents.")
def backup_restore(source: Path, yes: bool) -> None:
    """Replace the configured database's contents with the backup SOURCE (stop the site first)."""
    from alembic.script import ScriptDirectory

    from webapp.core import backup

    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    if not yes:
        click.confirm(f"Replace everything in {sa.engine.make_url(url).render_as_string()} with {source}?", abort=True)
    scripts = ScriptDirectory(current_app.extensions["migrate"].directory)
    known = {script.revision for script in scripts.walk_revisions()}
    try:
        revision = backup.restore(url, source, known)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"restored {source} (schema {revision}); then `flask --app wsgi db upgrade` (a backup of an older version), and restart the site: the matching index is rebuilt from the rows"
    )


def register_cli(app: Flask) -> None:
    from webapp.dedupe.cli import duplicates_cli
    from webapp.imports.cli import import_cli
    from webapp.matching.cli import match_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(backup_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(import_cli)
    app.cli.add_command(duplicates_cli)
    app.cli.add_command(match_cli)
