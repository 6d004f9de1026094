"""What has happened in a room, in figures: its messages, files and next steps, and when anything
last happened. Brokers see the open rooms that have gone quiet; a deal opened from a room shows
the room's history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from webapp.accounts.models import Role
from webapp.core import clock
from webapp.extensions import db
from webapp.rooms import access
from webapp.rooms.models import RoomFile, RoomMessage, RoomNextStep

QUIET_DAYS = 14


@dataclass
class RoomSummary:
    introduction: object
    messages: int
    files: int
    last_activity: datetime
    next_step: RoomNextStep | None

    @property
    def quiet_days(self) -> int:
        return (clock.now() - self.last_activity).days


def agreed_at(introduction) -> datetime:
    """When the room opened: the later of the two answers (the introduction's creation otherwise)."""
    answers = [m for m in (introduction.need_answered_at, introduction.achievement_answered_at) if m is not None]
    return max(answers) if answers else introduction.created_at


def _per_room(column, room_column, ids: list[int], aggregate) -> dict[int, object]:
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(room_column, aggregate(column)).where(room_column.in_(ids)).group_by(room_column)
    )
    return dict(rows.all())


def summaries(introductions) -> list[RoomSummary]:
    """A summary of each room, in three grouped queries per kind whatever the number of rooms."""
    intros = list(introductions)
    ids = [intro.id for intro in intros]
    message_count = _per_room(RoomMessage.id, RoomMessage.introduction_id, ids, sa.func.count)
    message_last = _per_room(RoomMessage.created_at, RoomMessage.introduction_id, ids, sa.func.max)
    file_count = _per_room(RoomFile.id, RoomFile.introduction_id, ids, sa.func.count)
    file_last = _per_room(RoomFile.uploaded_at, RoomFile.introduction_id, ids, sa.func.max)
    step_last = _per_room(RoomNextStep.set_at, RoomNextStep.introduction_id, ids, sa.func.max)
    steps = {}
    if step_last:
        for step in db.session.scalars(
            sa.select(RoomNextStep)
            .where(RoomNextStep.introduction_id.in_(ids))
            .order_by(RoomNextStep.set_at, RoomNextStep.id)
        ):
            steps[step.introduction_id] = step  # the newest wins
    result = []
    for intro in intros:
        moments = [agreed_at(intro)] + [
            _aware(found[intro.id]) for found in (message_last, file_last, step_last) if found.get(intro.id)
        ]
        result.append(
            RoomSummary(
                introduction=intro,
                messages=message_count.get(intro.id, 0),
                files=file_count.get(intro.id, 0),
                last_activity=max(moments),
                next_step=steps.get(intro.id),
            )
        )
    return result


def _aware(moment) -> datetime:
    """Aggregates skip the column type: SQLite hands back a naive string or datetime in UTC."""
    from webapp.core.db import UTCDateTime

    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return UTCDateTime().process_result_value(moment, db.engine.dialect)


def summary(introduction) -> RoomSummary:
    return summaries([introduction])[0]


def quiet_rooms(user, days: int = QUIET_DAYS) -> list[RoomSummary]:
    """The open rooms of the broker's introductions (every broker's, for admins) where nothing was
    written, kept or agreed for `days` days, quietest first."""
    from webapp.matching.models import ConsentState, Introduction

    if user is None or not user.is_authenticated or user.role not in (Role.BROKER, Role.ADMIN):
        return []
    query = (
        sa.select(Introduction)
        .where(Introduction.closed_at.is_(None), Introduction.in_consent_state(ConsentState.AGREED))
        .order_by(Introduction.id)
    )
    if user.role is not Role.ADMIN:
        query = query.where(Introduction.broker_id == user.id)
    rooms = [intro for intro in db.session.scalars(query) if access.is_open(intro)]
    limit = clock.now() - timedelta(days=days)
    quiet = [s for s in summaries(rooms) if s.last_activity <= limit]
    return sorted(quiet, key=lambda s: (s.last_activity, s.introduction.id))


def rooms_of(user, limit: int = 500) -> list[RoomSummary]:
    """The rooms `user` is a member of (every room for admins), open ones first, latest activity first."""
    from webapp.achievements.models import Achievement
    from webapp.matching.models import Introduction, Suggestion
    from webapp.needs.models import Need

    if user is None or not user.is_authenticated:
        return []
    query = (
        sa.select(Introduction)
        .join(Suggestion, Suggestion.id == Introduction.suggestion_id)
        .order_by(Introduction.id.desc())
        .limit(limit)
    )
    if user.role is not Role.ADMIN:
        own_need = sa.select(Need.id).where(Need.id == Suggestion.need_id, Need.owner_id == user.id).exists()
        own_achievement = (
            sa.select(Achievement.id)
            .where(Achievement.id == Suggestion.achievement_id, Achievement.owner_id == user.id)
            .exists()
        )
        mine = [own_need, own_achievement]
        if user.role is Role.BROKER:
            mine.append(Introduction.broker_id == user.id)
        query = query.where(sa.or_(*mine))
    rooms = [intro for intro in db.session.scalars(query) if access.can_view(intro, user)]
    found = summaries(rooms)
    return sorted(found, key=lambda s: (s.introduction.closed_at is not None, -s.last_activity.timestamp()))


def threads(intro) -> list[tuple[RoomMessage, int]]:
    """The room's messages as threads: each first message in the order written, its replies under
    it in the order written; with the depth of each (for the indent)."""
    messages = list(
        db.session.scalars(
            sa.select(RoomMessage)
            .where(RoomMessage.introduction_id == intro.id)
            .order_by(RoomMessage.created_at, RoomMessage.id)
        )
    )
    children: dict[int | None, list[RoomMessage]] = {}
    for message in messages:
        children.setdefault(message.parent_id, []).append(message)
    ordered: list[tuple[RoomMessage, int]] = []
    stack = [(message, 0) for message in reversed(children.get(None, []))]
    while stack:
        message, depth = stack.pop()
        ordered.append((message, depth))
        stack.extend((reply, depth + 1) for reply in reversed(children.get(message.id, [])))
    return ordered
