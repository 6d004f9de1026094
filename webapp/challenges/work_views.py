"""The pages where people work on a challenge once it is published (the `challenge_work`
blueprint): researchers apply and follow their applications (`application_views`), experts declare
conflicts and score (`review_views`), the enterprise and the winners confirm the contract, report and
decide milestones and pass the final acceptance (`delivery_views`). Files are served only to those
allowed to see them, as attachments.

Every rule is the services': the views only read forms, call them, commit, and show the outcome.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint
from flask_login import current_user

from webapp.challenges import application_views, delivery_views, review_views
from webapp.challenges.next_step import next_step
from webapp.challenges.pages import challenge_url
from webapp.challenges.posting import awaiting_review, current_challenge
from webapp.extensions import db

bp = Blueprint("challenge_work", __name__, template_folder="templates")

GET_POST = ["GET", "POST"]
POST = ["POST"]
for rule, view, methods in (
    ("/challenges/<int:challenge_id>/apply", application_views.apply, GET_POST),
    ("/applications/<int:application_id>", application_views.application, None),
    ("/applications/<int:application_id>/withdraw", application_views.withdraw, POST),
    ("/applications/mine", application_views.mine, None),
    ("/files/<int:attachment_id>", application_views.download, None),
    ("/files/<int:attachment_id>/delete", application_views.remove_file, POST),
    ("/expert/challenges", review_views.expert_home, None),
    ("/challenges/<int:challenge_id>/contract", delivery_views.contract, GET_POST),
    ("/challenges/<int:challenge_id>/milestones", delivery_views.milestones, None),
    ("/milestones/<int:milestone_id>/report", delivery_views.report, POST),
    ("/milestones/<int:milestone_id>/decision", delivery_views.decide_milestone, POST),
    ("/challenges/<int:challenge_id>/acceptance", delivery_views.accept, POST),
):
    bp.add_url_rule(rule, view_func=view, methods=methods)
bp.add_url_rule(
    "/expert/applications/<int:application_id>", "review", review_views.review_application, methods=GET_POST
)


@bp.app_context_processor
def _helpers():
    def challenges_waiting() -> int:
        """Submitted challenges awaiting an admin's review (0 for everyone else)."""
        if not (current_user.is_authenticated and current_user.is_admin):
            return 0
        return db.session.scalar(sa.select(sa.func.count()).select_from(awaiting_review().subquery())) or 0

    return {
        "challenge_url": challenge_url,
        "challenges_waiting": challenges_waiting,
        "need_challenge": current_challenge,
        "challenge_next_step": next_step,
    }


@bp.app_template_filter("file_size")
def file_size(size: int | None) -> str:
    """Bytes as KB or MB for a file list."""
    if not size:
        return ""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / (1024 * 1024):.1f} MB"
