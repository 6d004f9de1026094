"""The performance report's services: it falls due (`open_report`, from the challenge's completion or
the deal's full payment, in that transaction), the enterprise fills it in with evidence and submits
it, the district returns it with a comment or accepts it with a rating. Every step checks permission
on the server, writes an audit event and tells the people concerned; nothing here commits.

A report whose enterprise has no account is filed the same way by an admin on the enterprise's
behalf (`permissions.can_file_for`), saying where the figures come from (`filed_note`, required to
submit): the report keeps who recorded it and the note, and its audit events say `on_behalf` with
the recorder. Its return and rating are told to that admin, as they would be to the enterprise.

Money arrives as whole 元 (the form parses 万元 with `webapp.core.money`); evidence is checked by the
platform's one upload check (`webapp.challenges.files.check`: type by content, size limit).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from webapp.challenges import files as challenge_files
from webapp.core import audit, clock, stored_files
from webapp.core.permissions import require
from webapp.extensions import db
from webapp.performance.models import (
    AMOUNTS,
    FIGURES,
    PerformanceReport,
    Rating,
    ReportFile,
    ReportStatus,
)
from webapp.performance.permissions import can_file, can_file_for, can_review

TEXT_MAX = 4000
COMMENT_MAX = 2000
FILED_NOTE_MAX = 500  # where the figures of a report filed on the enterprise's behalf come from
OUTCOME_MAX = 1000
INDICATORS_MAX = 20
FILES_PER_REPORT = 20
COUNT_MAX = 1_000_000
AMOUNT_MAX = 10**12  # 元: far above any enterprise's figure, well inside BIGINT
# How a challenge's indicators text is split into indicators: lines and Chinese or Latin semicolons
# and full-width commas (良率≥95%，气孔率≤0.5% is two); never the comma inside a number (1,000).
_INDICATOR_SPLIT = re.compile(r"[\n\r；;，]+")


class ReportError(ValueError):
    """Bad input or a step the report's state refuses; `errors` maps each field to its message."""

    def __init__(self, errors: dict[str, str] | str, *, conflict: bool = False):
        if isinstance(errors, str):
            errors = {"": errors}
        super().__init__("; ".join(errors.values()))
        self.errors = errors
        self.conflict = conflict


@dataclass
class ReportInput:
    """What the enterprise reports; figures may be empty in a draft, money in whole 元."""

    new_products: int | None = None
    sales: int | None = None
    cost_saved: int | None = None
    patents_filed: int | None = None
    patents_granted: int | None = None
    jobs: int | None = None
    follow_on_contracts: int | None = None
    follow_on_value: int | None = None
    outcomes: list[str] = field(default_factory=list)  # one per indicator, in their order
    commitment: str | None = None
    summary: str | None = None
    # Filed by an admin on the behalf of an enterprise without an account: where the figures come
    # from (phone, visit, paper form, and when); ignored for a report its enterprise files.
    filed_note: str | None = None


# ---------------------------------------------------------------- falling due


def indicators(report: PerformanceReport) -> list[str]:
    """The challenge's indicators one by one (a deal has none: its summary says what came of it)."""
    if report.challenge is None or not report.challenge.indicators:
        return []
    parts = (" ".join(p.split()) for p in _INDICATOR_SPLIT.split(report.challenge.indicators))
    return [p for p in parts if p][:INDICATORS_MAX]


def _existing(challenge_id: int | None, deal_id: int | None) -> PerformanceReport | None:
    column, value = (
        (PerformanceReport.challenge_id, challenge_id) if challenge_id else (PerformanceReport.deal_id, deal_id)
    )
    return db.session.scalar(sa.select(PerformanceReport).where(column == value))


def open_report(*, challenge=None, deal=None, at: datetime | None = None) -> PerformanceReport:
    """The report of a completed challenge or a deal paid in full, due PERFORMANCE_REPORT_MONTHS
    after that (Beijing) day; once per challenge and per deal, whatever runs at the same moment (the
    unique columns settle a race)."""
    subject = challenge if challenge is not None else deal
    challenge_id = challenge.id if challenge is not None else None
    deal_id = deal.id if deal is not None else None
    found = _existing(challenge_id, deal_id)
    if found is not None:
        return found
    opened = clock.local(at).date() if at is not None else clock.today()
    months = int(current_app.config.get("PERFORMANCE_REPORT_MONTHS", 12))
    report = PerformanceReport(
        challenge_id=challenge_id,
        deal_id=deal_id,
        enterprise_id=challenge.owner_id if challenge is not None else deal.need_user_id,
        title=subject.title,
        opened_on=opened,
        due_on=clock.add_months(opened, months),
        status=ReportStatus.DRAFT,
    )
    try:
        with db.session.begin_nested():
            db.session.add(report)
            db.session.flush()
    except IntegrityError:
        return _existing(challenge_id, deal_id)
    audit.record(
        "performance.open",
        report,
        after={"challenge": challenge_id, "deal": deal_id, "due_on": report.due_on.isoformat()},
    )
    _tell_enterprise(report, "performance.due", due=report.due_on.isoformat())
    return report


# ---------------------------------------------------------------- filing


def _text(value: str | None, limit: int, name: str, errors: dict) -> str | None:
    value = (value or "").strip()
    if len(value) > limit:
        errors[name] = _("The text is too long (at most %(count)d characters).", count=limit)
    return value or None


def _clean(report: PerformanceReport, data: ReportInput, *, complete: bool, behalf: bool = False) -> dict:
    """The values to store, or ReportError naming every wrong field; `complete` asks for all that
    a submitted report needs, `behalf` (an admin filing for an enterprise without an account) also
    where its figures come from."""
    errors: dict[str, str] = {}
    values: dict = {}
    for name in FIGURES:
        value = getattr(data, name)
        limit = AMOUNT_MAX if name in AMOUNTS else COUNT_MAX
        if value is None:
            if complete:
                errors[name] = _("Give a figure (0 if there is none).")
        elif isinstance(value, bool) or not isinstance(value, int):
            errors[name] = _("Give a whole number.")
        elif value < 0:
            errors[name] = _("The figure cannot be negative.")
        elif value > limit:
            errors[name] = _("The figure is too large; check the unit.")
        values[name] = value
    filed, granted = values.get("patents_filed"), values.get("patents_granted")
    if "patents_granted" not in errors and isinstance(filed, int) and isinstance(granted, int) and granted > filed:
        errors["patents_granted"] = _("More patents granted than filed: count every granted patent as filed too.")
    if data.follow_on_contracts == 0 and data.follow_on_value:
        errors["follow_on_value"] = _("Follow-on contracts have a value but none are counted.")
    wanted = indicators(report)
    outcomes = []
    for index, indicator in enumerate(wanted):
        text = data.outcomes[index] if index < len(data.outcomes) else None
        text = _text(text, OUTCOME_MAX, f"outcomes-{index}", errors)
        if complete and not text:
            errors[f"outcomes-{index}"] = _("Say what was reached on this indicator.")
        outcomes.append({"indicator": indicator, "outcome": text or ""})
    values["outcomes"] = outcomes or None
    values["commitment"] = _text(data.commitment, TEXT_MAX, "commitment", errors)
    if complete and report.challenge_id is not None and not values["commitment"]:
        errors["commitment"] = _("Say how the commitments of the 承诺书 were kept.")
    values["summary"] = _text(data.summary, TEXT_MAX, "summary", errors)
    if complete and not values["summary"]:
        errors["summary"] = _("Summarise the outcome.")
    if behalf:
        values["filed_note"] = _text(data.filed_note, FILED_NOTE_MAX, "filed_note", errors)
        if complete and not values["filed_note"] and "filed_note" not in errors:
            errors["filed_note"] = _(
                "Say where the figures come from: how and when they were obtained from the enterprise."
            )
    if errors:
        raise ReportError(errors)
    return values


def validate(report: PerformanceReport, data: ReportInput, *, complete: bool, user=None) -> None:
    """ReportError naming every field `save_draft` (or, `complete`, `submit`) would refuse `user`;
    nothing changes. For an input refused before the service runs (the API's unreadable amounts), so
    that the other fields' messages come back with it."""
    _clean(report, data, complete=complete, behalf=can_file_for(report, user))


def _snapshot(report: PerformanceReport, behalf: bool = False) -> dict:
    return audit.changes(report, [*FIGURES, "status", *(["filed_note"] if behalf else [])])


def _behalf(user) -> dict:
    """What an audit event of a step taken on the enterprise's behalf adds: that, and who took it."""
    return {"on_behalf": True, "recorded_by": user.id}


def _store(user, report: PerformanceReport, values: dict, behalf: bool) -> None:
    for name, value in values.items():
        setattr(report, name, value)
    if behalf:
        report.filed_by_id = user.id


def save_draft(user, report: PerformanceReport, data: ReportInput) -> None:
    """Keep what the enterprise (or an admin on its behalf) has filled in so far (figures may still
    be empty)."""
    require(can_file(report, user))
    behalf = can_file_for(report, user)
    values = _clean(report, data, complete=False, behalf=behalf)
    before = _snapshot(report, behalf)
    _store(user, report, values, behalf)
    db.session.flush()
    after = _snapshot(report, behalf) | (_behalf(user) if behalf else {})
    audit.record("performance.save", report, actor=user, before=before, after=after)


def submit(user, report: PerformanceReport, data: ReportInput) -> None:
    """File the report for review: every figure, each indicator's outcome, the commitment (for a
    challenge), a summary and at least one evidence file; filed on the enterprise's behalf, also
    where the figures come from."""
    require(can_file(report, user))
    behalf = can_file_for(report, user)
    values = _clean(report, data, complete=True, behalf=behalf)
    if not report.files:
        raise ReportError({"files": _("Attach at least one evidence file (PDF, image, Word or Excel).")})
    before = _snapshot(report, behalf)
    _store(user, report, values, behalf)
    report.status = ReportStatus.SUBMITTED
    report.submitted_at = clock.now()
    db.session.flush()
    after = _snapshot(report, behalf) | (_behalf(user) if behalf else {})
    audit.record("performance.submit", report, actor=user, before=before, after=after)
    tell_admins(report, "performance.submitted", actor=user)


def add_evidence(user, report: PerformanceReport, filename: str | None, data: bytes) -> ReportFile:
    """Attach an evidence file, checked by the platform's one upload check (the enterprise's, or an
    admin's on its behalf)."""
    require(can_file(report, user))
    try:
        name, content_type = challenge_files.check(filename, data)
    except challenge_files.FileRejected as exc:
        raise ReportError({"files": str(exc)}) from None
    count = db.session.scalar(sa.select(sa.func.count(ReportFile.id)).where(ReportFile.report_id == report.id)) or 0
    if count >= FILES_PER_REPORT:
        raise ReportError({"files": _("At most %(count)s files can be attached.", count=FILES_PER_REPORT)})
    stored = ReportFile(
        report_id=report.id,
        **stored_files.columns(name, content_type, data, user),
    )
    db.session.add(stored)
    db.session.flush()
    db.session.expire(report, ["files"])
    after = {"file": stored.id, "filename": name, "size": len(data)}
    if can_file_for(report, user):
        after |= _behalf(user)
    audit.record("performance.file", report, actor=user, after=after)
    return stored


def remove_evidence(user, stored: ReportFile) -> None:
    report = stored.report
    require(can_file(report, user))
    audit.record(
        "performance.file_remove",
        report,
        actor=user,
        before={"file": stored.id, "filename": stored.filename},
        after=_behalf(user) if can_file_for(report, user) else None,
    )
    db.session.delete(stored)
    db.session.flush()
    db.session.expire(report, ["files"])


# ---------------------------------------------------------------- review


def return_report(user, report: PerformanceReport, comment: str | None) -> None:
    """Send a submitted report back to the enterprise, saying what to change."""
    require(can_review(report, user))
    errors: dict[str, str] = {}
    comment = _text(comment, COMMENT_MAX, "comment", errors)
    if not comment and not errors:
        errors["comment"] = _("Say what the enterprise should change.")
    if errors:
        raise ReportError(errors)
    before = _snapshot(report)
    report.status, report.return_comment = ReportStatus.RETURNED, comment
    db.session.flush()
    audit.record(
        "performance.return", report, actor=user, before=before, after={"status": report.status, "comment": comment}
    )
    _tell_enterprise(report, "performance.returned", actor=user, comment=comment)


def accept(user, report: PerformanceReport, rating: Rating | str | None, comment: str | None) -> None:
    """Accept a submitted report with the district's rating and comment."""
    require(can_review(report, user))
    errors: dict[str, str] = {}
    try:
        rating = Rating(rating) if rating else None
    except ValueError:
        rating = None
    if rating is None:
        errors["rating"] = _("Choose a rating.")
    comment = _text(comment, COMMENT_MAX, "comment", errors)
    if not comment and "comment" not in errors:
        errors["comment"] = _("Give the reasons for the rating.")
    if errors:
        raise ReportError(errors)
    before = _snapshot(report)
    report.status, report.rating, report.review_comment = ReportStatus.ACCEPTED, rating, comment
    report.reviewed_at, report.reviewed_by_id = clock.now(), user.id
    db.session.flush()
    audit.record(
        "performance.accept",
        report,
        actor=user,
        before=before,
        after={"status": report.status, "rating": rating, "comment": comment},
    )
    _tell_enterprise(report, "performance.accepted", actor=user, rating=rating.value)


# ---------------------------------------------------------------- telling people


def link(report: PerformanceReport) -> str:
    return f"/performance/{report.id}"


# What the enterprise hears, as the admin who filed its report on its behalf hears it.
_FOR_RECORDER = {
    "performance.returned": "performance.behalf_returned",
    "performance.accepted": "performance.behalf_accepted",
}


def _tell_enterprise(report: PerformanceReport, kind: str, actor=None, **params) -> None:
    """The enterprise's account hears of its report; a report without one, filed on its behalf, is
    the recording admin's to hear of (its return, its rating); one never filed, nobody's."""
    from webapp.accounts.models import User
    from webapp.notifications.services import notify

    person = report.enterprise
    if person is None and report.filed_by_id is not None and kind in _FOR_RECORDER:
        person, kind = db.session.get(User, report.filed_by_id), _FOR_RECORDER[kind]
    if person is None or not person.active or (actor is not None and person.id == actor.id):
        return
    notify(person, kind, link=link(report), title=report.title, **params)


def tell_admins(report: PerformanceReport, kind: str, actor=None, **params) -> None:
    """Every active admin but `actor` hears of the report (a submission to review; the reminders of a
    report they file on an enterprise's behalf)."""
    from webapp.accounts.models import Role, User
    from webapp.notifications.services import notify

    admins = db.session.scalars(sa.select(User).where(User.role == Role.ADMIN, User.active.is_(True)).order_by(User.id))
    for admin in admins:
        if actor is None or admin.id != actor.id:
            notify(admin, kind, link=link(report), title=report.title, **params)
