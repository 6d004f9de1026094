"""What happens next to a challenge, and when, in a sentence: for everyone on the board and the
challenge's page, and for the administrators what they are to do (or that the clock does it)."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _

from webapp.challenges.delivery import current_milestone
from webapp.challenges.models import Challenge
from webapp.challenges.models import ChallengeStatus as S
from webapp.core.formatting import format_day, format_dt


def next_step(challenge: Challenge, now: datetime, *, admin: bool = False) -> str | None:
    """None once the challenge has ended."""
    s = challenge.status
    opens, closes = format_dt(challenge.opens_at), format_dt(challenge.closes_at)
    if s is S.DRAFT:
        return _("A draft: the enterprise submits it for the district's review when it is ready.")
    if s is S.SUBMITTED:
        if admin:
            return _("Check the terms, then publish it (with any government co-funding) or return it with a reason.")
        return _("Waiting for the district's review; once published, applications open %(opens)s.", opens=opens)
    if s is S.RETURNED:
        return _("Returned for changes: the enterprise edits it and submits it again.")
    if s is S.PUBLISHED:
        if challenge.opens_at and now < challenge.opens_at:
            return _("Applications open %(opens)s and close %(closes)s.", opens=opens, closes=closes)
        if admin:
            return _(
                "Nothing to do until the deadline: the window closes by itself %(closes)s. Then you check each "
                "application's eligibility, assign the experts and start the review; without applications it "
                "ends as 流榜.",
                closes=closes,
            )
        return _(
            "Applications close %(closes)s; the window closes by itself. Then the district checks each "
            "application's eligibility and experts review them.",
            closes=closes,
        )
    if s is S.FORMAL_CHECK:
        if admin:
            return _("Check each application's eligibility and assign the expert panel, then start the review.")
        return _("The district is checking the applications' eligibility; the expert review follows.")
    if s is S.REVIEW:
        if admin:
            return _("The experts score the eligible applications; when they are done, propose the winners.")
        return _(
            "Experts are scoring the eligible applications; the proposed winners then go on public notice for "
            "%(days)d days.",
            days=challenge.notice_days,
        )
    if s is S.NOTICE:
        ends = format_dt(challenge.notice_ends_at)
        if admin:
            return _("Public notice until %(ends)s: decide any objection, then award the challenge.", ends=ends)
        return _("Public notice until %(ends)s: anyone may file an objection. Then the award.", ends=ends)
    if s is S.AWARDED:
        return _("The enterprise and the winner confirm the contract; delivery then follows the milestones.")
    if s in (S.CONTRACTED, S.IN_PROGRESS):
        milestone = current_milestone(challenge)
        if milestone is not None:
            return _(
                "Next milestone: %(title)s, due %(due)s. The winner reports it and the enterprise approves it; its "
                "payment then falls due.",
                title=milestone.title,
                due=format_day(milestone.due_on),
            )
    if s is S.ACCEPTANCE:
        return _("Every milestone is approved: the enterprise records the final acceptance (验收).")
    return None
