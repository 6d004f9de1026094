"""The lifecycle announces what happened to a listing; the duplicate finder and matching, above
listings, receive it inside the same transaction (create_app connects them)."""

from __future__ import annotations

from contextlib import ExitStack

import sqlalchemy as sa

from webapp.accounts.models import User
from webapp.achievements.models import Achievement
from webapp.achievements.services import save_achievement
from webapp.core.outbox import OutboxMessage
from webapp.extensions import db
from webapp.listings import kinds, lifecycle, signals
from webapp.listings.services import save
from webapp.needs.models import Need


def _heard(*names):
    """Record (signal name, sender) of every listed signal while the block runs."""
    heard: list[tuple[str, object]] = []
    stack = ExitStack()
    for name in names:
        signal = getattr(signals, name)
        stack.enter_context(signal.connected_to(lambda sender, _name=name, **_kw: heard.append((_name, sender))))
    return stack, heard


def test_both_kinds_are_registered_in_order(app_ctx):
    assert kinds.models() == [Achievement, Need]
    assert kinds.model_for("n") is Need


def test_each_step_is_announced_with_the_listing(app_ctx, make_user):
    owner, admin = (db.session.get(User, make_user(role).id) for role in ("researcher", "admin"))
    item = save_achievement(owner, None, {"title": "一种热管理方案", "summary": "摘要"})
    stack, heard = _heard("listing_submitted", "listing_published", "listing_unpublished", "published_listing_edited")
    with stack:
        lifecycle.apply(item, "submit", owner)
        lifecycle.apply(item, "approve", admin)
        save(item, admin, {"title": "一种新的热管理方案"}, creating=False)
        lifecycle.apply(item, "withdraw", owner)
    assert heard == [
        ("listing_submitted", item),
        ("listing_published", item),
        ("published_listing_edited", item),
        ("listing_unpublished", item),
    ]


def test_matching_is_scheduled_when_a_listing_is_published(app_ctx, make_user):
    def scheduled() -> list[dict]:
        rows = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.task == "matching.match_listing"))
        return [m.kwargs for m in rows]

    owner, admin = (db.session.get(User, make_user(role).id) for role in ("researcher", "admin"))
    item = save_achievement(owner, None, {"title": "一种热管理方案", "summary": "摘要"})
    lifecycle.apply(item, "submit", owner)
    before = scheduled()
    lifecycle.apply(item, "approve", admin)
    assert scheduled()[len(before) :] == [{"kind": "achievement", "listing_id": item.id}]
