"""The demo listings of webapp/listings/demo.py, posted through the services their authors use and
approved as a moderator would, so each is validated, indexed, matched and audited like any other; a
listing its owner already has (by title) is not posted again."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from webapp.accounts.models import User
from webapp.achievements.models import Achievement
from webapp.achievements.services import save_achievement
from webapp.extensions import db
from webapp.listings import lifecycle
from webapp.listings.demo import ACHIEVEMENTS, CONFIDENTIAL, NEEDS
from webapp.needs.models import Need
from webapp.needs.services import save_need
from webapp.taxonomy.services import FieldResolver


def load(say: Callable[[str], None] = lambda _text: None) -> int:
    """Post the listings that are missing through the services their authors use, and publish them
    as a moderator would; return how many were made."""
    users = {u.email: u for u in db.session.scalars(sa.select(User).where(User.email.like("%@demo.jiebang.cn")))}
    admin = users.get("admin@demo.jiebang.cn")
    if admin is None:
        return 0
    present = {
        (owner_id, title)
        for model in (Achievement, Need)
        for owner_id, title in db.session.execute(sa.select(model.owner_id, model.title))
    }
    fields = FieldResolver()
    made = 0
    for key, title, summary, keywords, field, maturity, price, modes, email in ACHIEVEMENTS:
        owner = users.get(email)
        if owner is None or (owner.id, title) in present:
            continue
        data = {"title": title, "summary": summary, "keywords": keywords, "maturity": maturity, "price": price}
        data["confidential"] = CONFIDENTIAL.get(key)
        listing = save_achievement(owner, None, {**data, "coop_modes": modes}, field=fields.resolve(field))
        made += _publish(listing, owner, admin)
    for key, title, description, keywords, field, budget, modes, email, public in NEEDS:
        owner = users.get(email)
        if owner is None or (owner.id, title) in present:
            continue
        data = {"title": title, "description": description, "keywords": keywords, "budget": budget}
        listing = save_need(
            owner,
            None,
            {**data, "coop_modes": modes},
            field=fields.resolve(field),
            show_identity=public,
            contact_name=owner.name,
            contact_phone="022-2888" + key[-2:].rjust(4, "0"),
        )
        made += _publish(listing, owner, admin)
    if made:
        say(f"  {made} demo listings posted and published")
    return made


def _publish(listing, owner, admin) -> int:
    lifecycle.apply(listing, "submit", owner)
    lifecycle.apply(listing, "approve", admin)
    db.session.commit()
    return 1
