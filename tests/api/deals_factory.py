"""Deals and introductions for the deal API's tests, made by the broker of the `cast` fixture
(tests/api/conftest.py)."""

from __future__ import annotations

from datetime import date

from flask_babel import force_locale

from webapp.accounts.models import User
from webapp.deals import opening, services
from webapp.deals.models import ContractType
from webapp.extensions import db

WAN = 10_000


def auth(token: str, **headers) -> dict:
    return {"Authorization": f"Bearer {token}", **headers}


def open_deal(app, cast, *, value=100 * WAN, signed_on: date | None = None, title: str | None = None) -> int:
    """A deal opened directly by the broker between the enterprise and the university."""
    with app.app_context(), force_locale("en"):
        broker = db.session.get(User, cast.broker.id)
        deal = opening.create_direct(
            broker,
            title=title or f"储能电池液冷技术开发{cast.uid}",
            parties=opening.Parties(
                need_party=cast.enterprise_org.name,
                need_org_id=cast.enterprise_org.id,
                need_user_id=cast.enterprise.id,
                provider_party=cast.university.name,
                provider_org_id=cast.university.id,
                provider_user_id=cast.researcher.id,
            ),
            contract_type=ContractType.DEVELOPMENT,
            contract_value=value,
        )
        if signed_on is not None:
            services.sign(broker, deal, signed_on)
        db.session.commit()
        return deal.id


def introduction(app, cast, need_fields: dict | None = None, *, agreed: bool = True) -> int:
    """An introduction the broker made between the enterprise's need and the researcher's achievement,
    which both agreed to unless `agreed` is false."""
    from tests.listings.search_factory import make_listing
    from tests.matching.consent_helpers import both_agree
    from webapp.matching import services as matching
    from webapp.matching.models import Suggestion

    with app.app_context():
        achievement = make_listing(
            db.session,
            "a",
            owner_id=cast.researcher.id,
            title=f"锂电池液冷热管理{cast.uid}",
            organisation_id=cast.university.id,
        )
        need = make_listing(
            db.session,
            "n",
            owner_id=cast.enterprise.id,
            organisation_id=cast.enterprise_org.id,
            title=f"电池包温升控制{cast.uid}",
            **(need_fields or {}),
        )
        suggestion = Suggestion(need_id=need.id, achievement_id=achievement.id, score=80, parts={}, terms=["液冷"])
        db.session.add(suggestion)
        db.session.flush()
        with force_locale("en"):
            intro = matching.accept(suggestion, db.session.get(User, cast.broker.id), "双方已初步沟通")
            if agreed:
                both_agree(intro)
        db.session.commit()
        return intro.id
