"""`flask --app wsgi match run [--all]` and `flask --app wsgi match show --need EXTERNAL_ID`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import AppGroup
from flask_babel import gettext as _

from webapp.extensions import db
from webapp.matching.explain import band_label, band_of
from webapp.matching.models import MatchJob, MatchJobStatus
from webapp.matching.services import rematch, suggestions

match_cli = AppGroup("match", help="Compute and inspect need–achievement suggestions.")


class _Progress:
    """A click progress bar on a terminal, a line per 10% otherwise (logs, CI)."""

    def __init__(self, label: str):
        self.label = label
        self.bar = None
        self.shown = -1
        self.err = sys.stderr

    def __call__(self, done: int, total: int) -> None:
        if self.err.isatty():
            if self.bar is None:
                self.bar = click.progressbar(length=max(total, 1), label=self.label, file=self.err, show_pos=True)
                self.bar.__enter__()
            self.bar.update(done - self.bar.pos)
            return
        step = 100 * done // total // 10 if total else 10
        if step != self.shown:
            self.shown = step
            share = 100 * done // total if total else 100
            click.echo(f"{self.label}: {done}/{total} ({share}%)", file=self.err)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@match_cli.command("run")
@click.option(
    "--all",
    "everything",
    is_flag=True,
    help="The full re-match: rebuild the index, match every published listing, drop suggestions no longer found.",
)
def run(everything: bool) -> None:
    """(Re)compute suggestions, with a progress bar.

    Without --all: match again the published needs and achievements published or edited since the
    last full re-match started (every published listing if there was none); other suggestions stay
    as they are. With --all: the full re-match job (as started from the admin screens), run here.
    Accepted and rejected pairs are never touched.
    """
    if everything:
        _run_all()
    else:
        _run_changed()


def _run_all() -> None:
    try:
        job = rematch.create_job(None)
    except ValueError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    progress = _Progress(_("Full re-match"))
    try:
        job = rematch.run_rematch(job.id, commit=db.session.commit, progress=progress)
    finally:
        progress.close()
    if job.status is not MatchJobStatus.DONE:
        raise click.ClickException(_("The re-match failed: %(error)s", error=job.error))
    click.echo(
        _(
            "Matched %(count)d listings: %(suggestions)d suggestions await review.",
            count=job.total,
            suggestions=job.suggestions,
        )
    )


def _run_changed() -> None:
    last = db.session.scalar(
        sa.select(MatchJob).where(MatchJob.status == MatchJobStatus.DONE).order_by(MatchJob.id.desc()).limit(1)
    )
    since = last.started_at if last is not None else None
    work = [(suggestions.NEED, i) for i in rematch.published_ids(suggestions.NEED, changed_since=since)]
    work += [(suggestions.ACHIEVEMENT, i) for i in rematch.published_ids(suggestions.ACHIEVEMENT, changed_since=since)]
    db.session.rollback()
    progress = _Progress(_("Matching"))
    found = 0
    try:
        progress(0, len(work))
        for done, (kind, listing_id) in enumerate(work, start=1):
            found += suggestions.refresh(kind, listing_id)
            if done % rematch.PROGRESS_EVERY == 0 or done == len(work):
                db.session.commit()
                progress(done, len(work))
    finally:
        progress.close()
    db.session.commit()
    if since is None:
        click.echo(
            _(
                "Matched all %(count)d published listings: %(suggestions)d suggestions.",
                count=len(work),
                suggestions=found,
            )
        )
    else:
        click.echo(
            _(
                "Matched %(count)d listings published or edited since %(time)s UTC: %(suggestions)d suggestions.",
                count=len(work),
                time=f"{since:%Y-%m-%d %H:%M}",
                suggestions=found,
            )
        )


def _default_judged() -> list[Path]:
    """The judged development pairs beside the checkout and the project's own, where present."""
    root = Path(__file__).resolve().parents[2]
    found = [root.parent / "shared" / "eval-dev" / "qrels.jsonl", root / "bench" / "relevance" / "judged.jsonl"]
    return [p for p in found if p.exists()]


@match_cli.command("fit")
@click.option(
    "--judged",
    "judged",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="JSON Lines of judged pairs {need_id, doc_id, grade} by external_id (default: ../shared/eval-dev/qrels.jsonl "
    "and bench/relevance/judged.jsonl where present).",
)
@click.option("--folds", default=5, show_default=True, type=click.IntRange(2, 20))
@click.option("--activate", is_flag=True, help="Make the refitted weights live (only when they do not do worse).")
@click.option("--force", is_flag=True, help="With --activate: make them live even if they do worse on held-out needs.")
@click.option("--rollback", is_flag=True, help="Go back to the weights that were live before the current ones.")
@click.option("--note", default="", help="Why, kept with the weights and in the audit log.")
def fit_command(judged: tuple[Path, ...], folds: int, activate: bool, force: bool, rollback: bool, note: str) -> None:
    """Refit the matching weights from judged pairs and the brokers' decided suggestions.

    Prints the live weights and the refitted ones on held-out needs (cross-validated) and replaces
    the live weights only with --activate; a full re-match then follows so that every stored score
    and band uses them. --rollback goes back one step.
    """
    from webapp.matching import tuning

    if rollback:
        try:
            previous = tuning.roll_back(None)
        except ValueError as exc:
            db.session.rollback()
            raise click.ClickException(str(exc)) from None
        db.session.commit()
        click.echo(_("Live weights: %(which)s.", which=f"#{previous.id}" if previous else _("the defaults")))
        return
    try:
        report = tuning.refit(judged or _default_judged(), folds=folds)
    except ValueError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    v = report.validation
    click.echo(
        _(
            "%(needs)d needs: %(judged)d judged pairs, %(decided)d decided suggestions.",
            needs=report.needs,
            judged=report.judged,
            decided=report.decided,
        )
    )
    click.echo(f"held-out ({v.folds}-fold)  live weights: nDCG@6 {v.before_ndcg:.3f} recall@6 {v.before_recall:.3f}")
    click.echo(f"held-out ({v.folds}-fold)  refitted:     nDCG@6 {v.after_ndcg:.3f} recall@6 {v.after_recall:.3f}")
    click.echo(
        f"rejected pairs kept out of the top 6: live {report.rejections_before:.2f}, refitted {report.rejections_after:.2f}"
    )
    click.echo(json.dumps(report.weights.as_dict(), ensure_ascii=False))
    if not activate:
        db.session.rollback()
        click.echo(_("Nothing changed: add --activate to make these weights live."))
        return
    if not report.better and not force:
        db.session.rollback()
        raise click.ClickException(
            _("The refitted weights do worse on held-out needs: the live ones stay (--force to override).")
        )
    row = tuning.activate(report, None, note)
    db.session.commit()
    click.echo(_("Weights #%(id)d are live; a full re-match was queued.", id=row.id))


def _find_need(value: str):
    from webapp.needs.models import Need

    value = value.strip()
    need = db.session.scalar(sa.select(Need).where(Need.external_id == value))
    if need is None and value.lstrip("#").isdigit():
        need = db.session.get(Need, int(value.lstrip("#")))
    return need


@match_cli.command("show")
@click.option(
    "--need",
    "need_ref",
    required=True,
    metavar="EXTERNAL_ID",
    help="The need's external_id (or #ID, its number in the app).",
)
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 1000))
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array instead of a table.")
def show(need_ref: str, limit: int, as_json: bool) -> None:
    """The best achievements for a need, best first.

    Shows the stored suggestions (awaiting review or accepted) when the need has any; otherwise
    computes them now without storing them (a note on stderr says so). Rejected pairs never appear.
    JSON: [{"achievement": EXTERNAL_ID, "score": 0..100, "parts": {...}, "terms": [...], "band": "high" |
    "medium" | "low", "id", "title", "status"}].
    """
    need = _find_need(need_ref)
    if need is None:
        raise click.ClickException(_("No need with external_id %(id)s.", id=need_ref))
    rows = _stored(need, limit)
    if rows is None:
        rows = _live(need, limit)
        click.echo(_("No stored suggestions for %(need)s: computed now, not stored.", need=need_ref), err=True)
    db.session.rollback()
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    click.echo(f"{need.external_id or '#' + str(need.id)}  {need.title}")
    if not rows:
        click.echo("  " + _("(no achievement shares enough wording to be worth a look)"))
    for rank, row in enumerate(rows, start=1):
        ref = row["achievement"] or f"#{row['id']}"
        click.echo(f"{rank:>3}. {row['score']:5.1f} {band_label(row['band'])}  {ref:<16} {row['title'][:40]}")
        parts = ", ".join(f"{k} {v:+g}" for k, v in row["parts"].items() if v)
        click.echo(f"       {' '.join(row['terms'][:8])}  [{parts}]  {row['status']}")


def ranked_rows(need, limit: int = 10) -> list[dict]:
    """What `match show` prints for a need: its stored suggestions, or computed now when it has none."""
    rows = _stored(need, limit)
    return _live(need, limit) if rows is None else rows


def _row(achievement, score: float, parts: dict, terms: list, status: str) -> dict:
    return {
        "achievement": achievement.external_id,
        "score": round(float(score), 1),
        "parts": {k: round(float(v), 1) for k, v in (parts or {}).items()},
        "terms": list(terms or []),
        "band": band_of(score),
        "id": achievement.id,
        "title": achievement.title,
        "status": status,
    }


def _stored(need, limit: int) -> list[dict] | None:
    stored = suggestions.suggestions_of_need(need, limit=limit)
    if not stored:
        return None
    return [_row(s.achievement, s.score, s.parts, s.terms, s.status.value) for s in stored]


def _live(need, limit: int) -> list[dict]:
    from webapp.achievements.models import Achievement
    from webapp.matching import runtime
    from webapp.matching.models import Suggestion, SuggestionStatus

    decided = db.session.scalars(
        sa.select(Suggestion.achievement_id).where(
            Suggestion.need_id == need.id, Suggestion.status != SuggestionStatus.NEW
        )
    ).all()
    matches = runtime.match_need(need, limit=limit, exclude=decided)
    achievements = {
        a.id: a
        for a in db.session.scalars(
            sa.select(Achievement).where(Achievement.id.in_([m.achievement_id for m in matches]))
        )
    }
    return [
        _row(achievements[m.achievement_id], m.score, m.parts, m.terms, "computed")
        for m in matches
        if m.achievement_id in achievements
    ]
