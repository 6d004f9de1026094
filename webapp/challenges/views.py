"""Challenge pages (the `challenges` blueprint): the public board and a challenge's page with its
timeline and lifecycle steps (`board_views`), the enterprise's draft form and list
(`posting_views`), and the admins' pages: review queue, formal check, expert panel, ranking and
proposal, objections, award (`admin_views`). Applications, scoring, contract and milestones have
their own pages (`work_views`)."""

from __future__ import annotations

from flask import Blueprint

from webapp.challenges import admin_views, board_views, posting_views

bp = Blueprint("challenges", __name__, template_folder="templates")

GET_POST = ["GET", "POST"]
POST = ["POST"]
for rule, view, methods in (
    ("/challenges/", board_views.board, None),
    ("/challenges/<int:challenge_id>", board_views.detail, None),
    ("/challenges/<int:challenge_id>/act/<name>", board_views.act, POST),
    ("/challenges/<int:challenge_id>/objections", board_views.objection, POST),
    ("/challenges/new", posting_views.new, GET_POST),
    ("/challenges/<int:challenge_id>/edit", posting_views.edit, GET_POST),
    ("/challenges/mine", posting_views.mine, None),
    ("/admin/challenges", admin_views.admin_queue, None),
    ("/challenges/<int:challenge_id>/check", admin_views.check, GET_POST),
    ("/challenges/<int:challenge_id>/experts", admin_views.experts, GET_POST),
    ("/challenges/<int:challenge_id>/ranking", admin_views.ranking, GET_POST),
    ("/challenges/<int:challenge_id>/objections/<int:objection_id>", admin_views.resolve_objection, POST),
    ("/challenges/<int:challenge_id>/award", admin_views.award, POST),
):
    bp.add_url_rule(rule, view_func=view, methods=methods)
