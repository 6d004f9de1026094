"""The broker's pages (the queue of suggestions, one suggestion side by side; introductions are in
`introduction_views`), the admin's matching page (lexicon, full re-match with its progress) and what
owners see of the suggestions on their own listing pages."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.accounts.models import Role
from webapp.core.permissions import roles_required
from webapp.extensions import db
from webapp.listings.search import highlight
from webapp.matching import introduction_views  # noqa: F401 - introductions are routes of this blueprint
from webapp.matching.blueprint import bp
from webapp.matching.explain import (
    BAND_MEANINGS,
    band_label,
    band_of,
    explain,
    highlight_terms,
    ordered_parts,
    signed,
)
from webapp.matching.forms import (
    AcceptForm,
    ConfirmForm,
    LexiconForm,
    QueueFilterForm,
    RejectForm,
)
from webapp.matching.models import (
    Introduction,
    LexiconEntry,
    LexiconKind,
    MatchJob,
    RejectReason,
    Suggestion,
    SuggestionStatus,
)
from webapp.matching.permissions import (
    can_see_suggestions,
)
from webapp.matching.queue import PER_PAGE, QueueFilter, queue_page
from webapp.matching.services import decisions, lexicon, suggestions
from webapp.matching.services.rematch import start_rematch

log = logging.getLogger(__name__)


BROKERS = (Role.BROKER, Role.ADMIN)
LEXICON_PER_PAGE = 50
RECENT_JOBS = 10


# --------------------------------------------------------------------------------------------
# The broker's queue and one suggestion


def _field_choices() -> list[tuple[int, str]]:
    from webapp.taxonomy.services import choices

    return choices()


@bp.route("/broker/suggestions")
@roles_required(*BROKERS)
def queue():
    """NEW suggestions above the threshold, best first, with the filters kept in the URL."""
    form = QueueFilterForm(_field_choices(), formdata=request.args or None)
    form.validate()
    flt = QueueFilter.from_args(request.args)
    page = queue_page(flt, request.args.get("page", 1, type=int))
    return render_template("matching/queue.html", form=form, page=page, flt=flt, per_page=PER_PAGE)


def _suggestion(suggestion_id: int) -> Suggestion:
    return db.session.get(Suggestion, suggestion_id) or abort(404)


def _render_suggestion(suggestion: Suggestion, accept_form: AcceptForm, reject_form: RejectForm, status: int = 200):
    flt = QueueFilter.from_args(request.args)
    terms = highlight_terms(suggestion.terms or [])
    introduction = None
    if suggestion.status is SuggestionStatus.ACCEPTED:
        introduction = db.session.scalar(sa.select(Introduction).where(Introduction.suggestion_id == suggestion.id))
    return render_template(
        "matching/suggestion.html",
        s=suggestion,
        need=suggestion.need,
        achievement=suggestion.achievement,
        terms=terms,
        reasons=explain(suggestion),
        accept_form=accept_form,
        reject_form=reject_form,
        flt=flt,
        introduction=introduction,
        highlight=highlight,
    ), status


@bp.route("/broker/suggestions/<int:suggestion_id>")
@roles_required(*BROKERS)
def suggestion(suggestion_id: int):
    """Both texts side by side with the shared terms marked, the score explained, the decision."""
    return _render_suggestion(_suggestion(suggestion_id), AcceptForm(formdata=None), RejectForm(formdata=None))


def _back_to_queue(flt: QueueFilter):
    return redirect(url_for("matching.queue", **flt.args()))


@bp.route("/broker/suggestions/<int:suggestion_id>/accept", methods=["POST"])
@roles_required(*BROKERS)
def accept(suggestion_id: int):
    s = _suggestion(suggestion_id)
    flt = QueueFilter.from_args(request.args)
    form = AcceptForm()
    if not form.validate_on_submit():
        return _render_suggestion(s, form, RejectForm(formdata=None))
    try:
        introduction = decisions.accept(s, current_user, (form.note.data or "").strip() or None)
    except ValueError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(url_for("matching.suggestion", suggestion_id=s.id, **flt.args()))
    db.session.commit()
    flash(
        _(
            "Accepted: introduction no. %(id)d is proposed to both owners; they see each other once both agreed.",
            id=introduction.id,
        ),
        "success",
    )
    return _back_to_queue(flt)


@bp.route("/broker/suggestions/<int:suggestion_id>/reject", methods=["POST"])
@roles_required(*BROKERS)
def reject(suggestion_id: int):
    s = _suggestion(suggestion_id)
    flt = QueueFilter.from_args(request.args)
    form = RejectForm()
    if not form.validate_on_submit():
        # Sent back with the error beside the reason and what was typed kept; the form posts to
        # #reject-form, so the page opens at it.
        return _render_suggestion(s, AcceptForm(formdata=None), form)
    try:
        decisions.reject(s, current_user, RejectReason(form.reason.data), (form.reject_note.data or "").strip() or None)
    except ValueError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(url_for("matching.suggestion", suggestion_id=s.id, **flt.args()))
    db.session.commit()
    flash(
        _("Rejected (%(reason)s): this pair will not be suggested again.", reason=RejectReason(form.reason.data).label),
        "success",
    )
    return _back_to_queue(flt)


# --------------------------------------------------------------------------------------------
# What owners see on their own listing pages


@bp.app_context_processor
def _inject():
    def matching_suggestions(listing) -> list[Suggestion]:
        """Best suggestions of a listing for its owner, brokers and admins; nothing for anyone else."""
        return suggestions.top_for(listing, current_user)

    def matching_introduction_ids(suggestions) -> dict[int, int]:
        """Introduction id of each accepted suggestion, for links from the owner's listing page."""
        accepted = [s.id for s in suggestions if s.status is SuggestionStatus.ACCEPTED]
        if not accepted:
            return {}
        return dict(
            db.session.execute(
                sa.select(Introduction.suggestion_id, Introduction.id).where(Introduction.suggestion_id.in_(accepted))
            ).all()
        )

    def matching_teams(challenge) -> list[dict]:
        """Teams suggested for a challenge through their achievements (its enterprise, brokers, admins)."""
        return suggestions.suggested_teams(challenge, current_user)

    return {
        "matching_teams": matching_teams,
        "matching_suggestions": matching_suggestions,
        "matching_introduction_ids": matching_introduction_ids,
        "score_parts": ordered_parts,
        "match_band": band_of,
        "matching_visible": lambda listing: can_see_suggestions(listing, current_user),
        "band_label": band_label,
        "band_meaning": lambda band: str(BAND_MEANINGS.get(band, "")),
    }


@bp.app_template_filter("score_part")
def _signed(value) -> str:
    return signed(value)


# --------------------------------------------------------------------------------------------
# The admin's matching page: lexicon, full re-match, index state


def _lexicon_kind() -> LexiconKind:
    try:
        return LexiconKind(request.args.get("kind") or LexiconKind.TERM.value)
    except ValueError:
        return LexiconKind.TERM


def _index_state() -> dict | None:
    """The live index (documents per side, build time, listings waiting in the incremental part);
    None while none was built: a page view never starts a build."""
    from webapp.matching import runtime

    if not (runtime.index_dir() / "CURRENT").exists():
        return None
    try:
        return runtime.status()
    except Exception:  # noqa: BLE001 - a damaged index must not take the admin page down
        log.exception("match index status failed")
        return None


def _render_admin(form: LexiconForm, status: int = 200):
    kind = LexiconKind(form.kind.data) if form.kind.data in {k.value for k in LexiconKind} else _lexicon_kind()
    counts = dict(db.session.execute(sa.select(LexiconEntry.kind, sa.func.count()).group_by(LexiconEntry.kind)).all())
    entries = db.paginate(
        sa.select(LexiconEntry).where(LexiconEntry.kind == kind).order_by(LexiconEntry.word),
        page=request.args.get("page", 1, type=int),
        per_page=LEXICON_PER_PAGE,
        error_out=False,
    )
    jobs = db.session.scalars(sa.select(MatchJob).order_by(MatchJob.id.desc()).limit(RECENT_JOBS)).all()
    return render_template(
        "matching/admin.html",
        form=form,
        kind=kind,
        kinds=list(LexiconKind),
        counts=counts,
        entries=entries,
        jobs=jobs,
        confirm=ConfirmForm(),
        index=_index_state(),
    ), status


@bp.route("/admin/matching")
@roles_required(Role.ADMIN)
def admin():
    form = LexiconForm(formdata=None)
    form.kind.data = _lexicon_kind().value
    return _render_admin(form)


@bp.route("/admin/matching/lexicon", methods=["POST"])
@roles_required(Role.ADMIN)
def add_entry():
    form = LexiconForm()
    if not form.validate_on_submit():
        return _render_admin(form)
    kind = LexiconKind(form.kind.data)
    try:
        entry = lexicon.add_lexicon_entry(
            current_user,
            kind,
            form.word.data.strip(),
            form.canonical.data.strip() if kind is LexiconKind.SYNONYM and form.canonical.data else None,
        )
    except ValueError as exc:
        db.session.rollback()
        form.word.errors = [*form.word.errors, str(exc)]
        return _render_admin(form)
    db.session.commit()
    flash(
        _(
            "Added “%(word)s” to %(kind)s. Run a full re-match for it to change existing suggestions.",
            word=entry.word,
            kind=kind.label,
        ),
        "success",
    )
    return redirect(url_for("matching.admin", kind=kind.value))


@bp.route("/admin/matching/lexicon/<int:entry_id>/remove", methods=["POST"])
@roles_required(Role.ADMIN)
def remove_entry(entry_id: int):
    entry = db.session.get(LexiconEntry, entry_id) or abort(404)
    kind, word = entry.kind, entry.word
    if not ConfirmForm().validate_on_submit():
        abort(400)
    lexicon.remove_lexicon_entry(current_user, entry)
    db.session.commit()
    flash(_("Removed “%(word)s”.", word=word), "success")
    return redirect(url_for("matching.admin", kind=kind.value))


@bp.route("/admin/matching/rematch", methods=["POST"])
@roles_required(Role.ADMIN)
def rematch():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        job = start_rematch(current_user)
    except ValueError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(url_for("matching.admin"))
    db.session.commit()
    return redirect(url_for("matching.job", job_id=job.id))


def _job(job_id: int) -> MatchJob:
    return db.session.get(MatchJob, job_id) or abort(404)


@bp.route("/admin/matching/jobs/<int:job_id>")
@roles_required(Role.ADMIN)
def job(job_id: int):
    return render_template("matching/job.html", job=_job(job_id), index=_index_state())


@bp.route("/admin/matching/jobs/<int:job_id>/status")
@roles_required(Role.ADMIN)
def job_status(job_id: int):
    """Polled by the job page (static/js/job-progress.js) while the re-match runs."""
    job = _job(job_id)
    return jsonify(
        status=job.status.value,
        label=job.status.label,
        processed=job.processed,
        total=job.total,
        suggestions=job.suggestions,
        percent=job.percent,
        finished=job.status.finished,
    )
