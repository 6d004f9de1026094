"""What members do in a negotiation room: write (a message may reply to another), keep files (on a
message or on the room), and agree the next step with its date. Every step checks the member on
the server, writes its audit event and tells the other members. Nothing here commits.

Files are checked exactly as a challenge's attachments and a deal's documents are
(`webapp.challenges.files.check`: by what the bytes are, within the size limit) and kept in the
database like theirs.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from webapp.accounts.models import User
from webapp.challenges import files as checked_files
from webapp.core import audit, clock, stored_files
from webapp.core.formatting import format_day
from webapp.core.permissions import require
from webapp.extensions import db
from webapp.notifications.services import notify
from webapp.rooms import access
from webapp.rooms.models import RoomFile, RoomMessage, RoomNextStep

MESSAGE_MAX = 5000
NEXT_STEP_MAX = 500
FILES_PER_ROOM = 100


class RoomError(ValueError):
    """A step refused for what was typed or sent; `field` names the form field it concerns."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def room_link(introduction) -> str:
    return f"/rooms/{introduction.id}"


def room_title(introduction) -> str:
    return introduction.suggestion.achievement.title


def member_ids(introduction) -> set[int]:
    """The people a room's news goes to: the two parties and the broker who made the introduction."""
    s = introduction.suggestion
    ids = {s.need.owner_id, s.achievement.owner_id, introduction.broker_id}
    ids.discard(None)
    return ids


def notify_members(introduction, actor, kind: str, **params) -> None:
    """Tell every member but the one who acted (in the app, and by e-mail to those who want it)."""
    for user_id in sorted(member_ids(introduction) - {getattr(actor, "id", None)}):
        user = db.session.get(User, user_id)
        if user is not None and user.active:
            notify(user, kind, link=room_link(introduction), title=room_title(introduction), **params)


def _clean(text: str | None, limit: int, *, required: str, field: str) -> str:
    text = (text or "").strip()
    if not text:
        raise RoomError(required, field=field)
    if len(text) > limit:
        raise RoomError(_("At most %(count)d characters, please.", count=limit), field=field)
    return text


def check_file(filename: str | None, data: bytes) -> tuple[str, str]:
    """(stored name, content type) of an acceptable file; RoomError with the reason otherwise."""
    try:
        return checked_files.check(filename, data)
    except checked_files.FileRejected as exc:
        raise RoomError(str(exc), field="file") from None


def _store(user, introduction, upload: tuple[str, bytes], message: RoomMessage | None) -> RoomFile:
    count = db.session.scalar(sa.select(sa.func.count(RoomFile.id)).where(RoomFile.introduction_id == introduction.id))
    if (count or 0) >= FILES_PER_ROOM:
        raise RoomError(_("At most %(count)s files can be kept in a room.", count=FILES_PER_ROOM), field="file")
    filename, data = upload
    name, content_type = check_file(filename, data)
    stored = RoomFile(
        introduction_id=introduction.id,
        message_id=message.id if message else None,
        **stored_files.columns(name, content_type, data, user),
    )
    db.session.add(stored)
    db.session.flush()
    audit.record(
        "room.file",
        stored,
        actor=user,
        after={"room": introduction.id, "message": stored.message_id, "filename": name, "size": len(data)},
    )
    return stored


def post_message(
    user, introduction, body: str | None, *, parent_id: int | None = None, upload: tuple[str, bytes] | None = None
) -> RoomMessage:
    """A message (a reply when `parent_id` names a message of the same room), with a file if given.
    The file is checked before anything is kept, so a refused file leaves no message behind."""
    require(access.can_write(introduction, user))
    text = _clean(body, MESSAGE_MAX, required=_("Write a message."), field="body")
    if upload is not None:
        check_file(*upload)
    parent = None
    if parent_id is not None:
        parent = db.session.get(RoomMessage, parent_id)
        if parent is None or parent.introduction_id != introduction.id:
            raise RoomError(_("The message you replied to is not in this room."), field="body")
    message = RoomMessage(
        introduction_id=introduction.id,
        parent_id=parent.id if parent else None,
        author_id=user.id,
        body=text,
        created_at=clock.now(),
    )
    db.session.add(message)
    db.session.flush()
    audit.record(
        "room.message",
        message,
        actor=user,
        after={"room": introduction.id, "reply_to": message.parent_id, "length": len(text)},
    )
    stored = _store(user, introduction, upload, message) if upload is not None else None
    notify_members(
        introduction,
        user,
        "room.message",
        who=user.name or user.email,
        files=1 if stored else 0,
    )
    return message


def attach_file(user, introduction, upload: tuple[str, bytes]) -> RoomFile:
    """A file kept on the room itself (not on a message)."""
    require(access.can_write(introduction, user))
    stored = _store(user, introduction, upload, None)
    notify_members(introduction, user, "room.file", who=user.name or user.email, filename=stored.filename)
    return stored


def current_next_step(introduction) -> RoomNextStep | None:
    return db.session.scalar(
        sa.select(RoomNextStep)
        .where(RoomNextStep.introduction_id == introduction.id)
        .order_by(RoomNextStep.set_at.desc(), RoomNextStep.id.desc())
        .limit(1)
    )


def set_next_step(user, introduction, text: str | None, due_on: date | None) -> RoomNextStep:
    """Any member agrees the next step and its day (Beijing's calendar); the earlier ones stay as history."""
    require(access.can_write(introduction, user))
    text = _clean(text, NEXT_STEP_MAX, required=_("Say what the next step is."), field="text")
    if due_on is None:
        raise RoomError(_("Give the day of the next step."), field="due_on")
    if due_on < clock.today():
        raise RoomError(_("The next step cannot be on a day that has passed."), field="due_on")
    before = current_next_step(introduction)
    step = RoomNextStep(
        introduction_id=introduction.id, text=text, due_on=due_on, set_by_id=user.id, set_at=clock.now()
    )
    db.session.add(step)
    db.session.flush()
    audit.record(
        "room.next_step",
        step,
        actor=user,
        before={"text": before.text, "due_on": before.due_on.isoformat()} if before else None,
        after={"room": introduction.id, "text": text, "due_on": due_on.isoformat()},
    )
    notify_members(introduction, user, "room.next_step", who=user.name or user.email, step=text, day=format_day(due_on))
    return step
