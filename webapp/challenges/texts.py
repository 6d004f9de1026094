"""The words of challenges in the audit log (the timeline's labels) and in notifications; create_app
calls register()."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from webapp.challenges.timeline import LABELS, OBJECT_LABELS
from webapp.core import audit
from webapp.notifications import catalogue

# Notification kinds with their texts; parameters are filled in the reader's language.
NOTIFICATIONS = {
    "challenge.submitted": _l("Challenge “%(title)s” is waiting for review."),
    "challenge.returned": _l("Your challenge “%(title)s” was returned for changes: %(reason)s"),
    "challenge.published": _l(
        "Your challenge “%(title)s” is published; applications are open from %(opens)s to %(closes)s."
    ),
    "challenge.withdrawn": _l("The challenge “%(title)s” was withdrawn by the enterprise."),
    "challenge.closed": _l(
        "Applications to “%(title)s” have closed with %(count)s submitted; the formal check begins."
    ),
    "challenge.failed_no_application": _l("The challenge “%(title)s” closed without any application (流榜)."),
    "challenge.failed_none_eligible": _l("No application to “%(title)s” passed the formal check (流榜)."),
    "challenge.review_started": _l("The expert review of “%(title)s” has started."),
    "challenge.notice": _l("Proposed winners of “%(title)s”: %(winners)s. Objections may be filed until %(until)s."),
    "challenge.review_reopened": _l(
        "An objection to the proposed winners of “%(title)s” was upheld; the applications are reviewed again."
    ),
    "challenge.awarded": _l("“%(title)s” was awarded to %(winners)s."),
    "challenge.won": _l("Your application to “%(title)s” won. Next, confirm the contract with the enterprise."),
    "challenge.not_selected": _l("Your application to “%(title)s” was not selected."),
    "challenge.contracted": _l("Both parties confirmed the contract of “%(title)s”."),
    "challenge.acceptance": _l("Every milestone of “%(title)s” is approved; the final acceptance is next."),
    "challenge.completed": _l("“%(title)s” passed the final acceptance and is completed."),
    "challenge.terminated": _l("“%(title)s” was terminated by an administrator: %(reason)s"),
    "challenge.application_submitted": _l("Your application to “%(title)s” was submitted."),
    "challenge.application_withdrawn": _l("Your application to “%(title)s” was withdrawn."),
    "challenge.application_eligible": _l("Your application to “%(title)s” passed the formal check."),
    "challenge.application_ineligible": _l("Your application to “%(title)s” did not pass the formal check: %(reason)s"),
    "challenge.expert_assigned": _l(
        "You are invited to review the applications to “%(title)s”; declare any conflict of interest first."
    ),
    "challenge.review_revision": _l(
        "An administrator asks you to revise your review of %(unit)s for “%(title)s”: %(note)s"
    ),
    "challenge.objection_filed": _l("An objection was filed against the proposed winners of “%(title)s”."),
    "challenge.objection_upheld": _l("Your objection concerning “%(title)s” was upheld: %(resolution)s"),
    "challenge.objection_dismissed": _l("Your objection concerning “%(title)s” was dismissed: %(resolution)s"),
    "challenge.contract_to_confirm": _l("%(name)s confirmed the contract of “%(title)s”; please confirm it too."),
    "challenge.milestone_reported": _l(
        "Milestone “%(milestone)s” of “%(title)s” was reported; approve it or send it back."
    ),
    "challenge.milestone_approved": _l(
        "Milestone “%(milestone)s” of “%(title)s” was approved; %(amount)s (10k CNY) is now due."
    ),
    "challenge.milestone_returned": _l("Milestone “%(milestone)s” of “%(title)s” was sent back: %(note)s"),
    "challenge.reminder_window_closing": _l(
        "Applications to “%(title)s” close at %(closes)s; your application is still a draft."
    ),
    "challenge.reminder_window_closing_owner": _l("Applications to your challenge “%(title)s” close at %(closes)s."),
    "challenge.reminder_review_due": _l("You still have %(count)s applications to score for “%(title)s”."),
    "challenge.reminder_milestone_due": _l("Milestone “%(milestone)s” of “%(title)s” is due on %(due)s."),
}


def register() -> None:
    audit.register_labels(actions=LABELS, objects=OBJECT_LABELS)  # the log names them as the timeline does
    catalogue.register_texts(NOTIFICATIONS)
