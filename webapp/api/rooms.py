"""/api/v1: a negotiation room as its page shows it to a member (the two parties, the broker who
made the introduction, admins): its threads, files, next step with its history and the 保密承诺 in
force. A room that does not exist yet, or one the caller is not a member of, is a 404. The
achievement's confidential part is read where it always is (GET /achievements/{id}), by the rule of
`Achievement.can_see_confidential`, which counts the enterprise's acceptance in the room."""

from __future__ import annotations

import sqlalchemy as sa
from flask import url_for
from flask_smorest import Blueprint, abort

from webapp.api.auth import api_user
from webapp.api.common import get_visible
from webapp.api.room_schemas import RoomOut
from webapp.core import stored_files
from webapp.extensions import db
from webapp.matching.models import Introduction
from webapp.rooms import access, activity, terms
from webapp.rooms.activity import threads
from webapp.rooms.models import RoomFile, RoomNextStep

bp = Blueprint(
    "api_rooms",
    __name__,
    url_prefix="/api/v1",
    description="Negotiation rooms of introductions both sides agreed to.",
)


def _name(user) -> str | None:
    return user.name if user is not None else None


def _file(intro: Introduction, stored: RoomFile) -> dict:
    url = url_for("rooms.download", intro_id=intro.id, file_id=stored.id, _external=True)
    return {**stored_files.described(stored, url), "uploaded_by": _name(stored.uploaded_by)}


def _step(step: RoomNextStep) -> dict:
    return {"text": step.text, "due_on": step.due_on, "set_by": _name(step.set_by), "set_at": step.set_at}


@bp.get("/rooms/<int:intro_id>")
@bp.response(200, RoomOut)
@bp.alt_response(404, response="NOT_FOUND")
def room(intro_id: int):
    """A negotiation room, for its members."""
    user = api_user()
    if not user.is_authenticated:
        abort(401)
    intro = get_visible(Introduction, intro_id, lambda found: access.can_view(found, user))
    s = intro.suggestion
    stored = db.session.scalars(
        sa.select(RoomFile).where(RoomFile.introduction_id == intro.id).order_by(RoomFile.uploaded_at, RoomFile.id)
    )
    by_message: dict[int | None, list[dict]] = {}
    for f in stored:
        by_message.setdefault(f.message_id, []).append(_file(intro, f))
    steps = list(
        db.session.scalars(
            sa.select(RoomNextStep)
            .where(RoomNextStep.introduction_id == intro.id)
            .order_by(RoomNextStep.set_at.desc(), RoomNextStep.id.desc())
        )
    )
    in_force = terms.current_terms(s.achievement)
    accepted = [a for a in terms.acceptances_in(intro) if a.version == in_force.version]
    return {
        "introduction_id": intro.id,
        "url": url_for("rooms.room", intro_id=intro.id, _external=True),
        "achievement": s.achievement.title,
        "need": s.need.title,
        "closed": access.is_closed(intro),
        "messages": [
            {
                "id": m.id,
                "reply_to": m.parent_id,
                "depth": depth,
                "author": _name(m.author),
                "body": m.body,
                "created_at": m.created_at,
                "files": by_message.get(m.id, []),
            }
            for m, depth in threads(intro)
        ],
        "files": by_message.get(None, []),
        "next_step": _step(steps[0]) if steps else None,
        "next_step_history": [_step(step) for step in steps[1:]],
        "last_activity": activity.summary(intro).last_activity,
        "terms": {
            "version": in_force.version,
            "text": in_force.text,
            "accepted_at": accepted[0].accepted_at if accepted else None,
        },
    }
