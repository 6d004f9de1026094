"""Introductions for tests: one written as it stands (waiting, agreed, closed), one hiding its
enterprise, and both owners agreeing through the service as they would on its page — what a test
needs before the two sides see each other or a deal is opened from it."""

from __future__ import annotations

from webapp.accounts.models import OrgKind
from webapp.core.db import utcnow
from webapp.extensions import db
from webapp.matching.models import (
    ConsentAnswer,
    Introduction,
    IntroductionOutcome,
    Suggestion,
    SuggestionStatus,
)
from webapp.matching.services import answer_introduction


def both_agree(introduction: Introduction) -> Introduction:
    s = introduction.suggestion
    for owner in (s.need.owner, s.achievement.owner):
        answer_introduction(introduction, owner, ConsentAnswer.ACCEPTED)
    db.session.flush()
    return introduction


def introduce(query, sid: int, broker_id: int, *, agreed: bool = False, closed: bool = False) -> int:
    """An introduction of the pair by the broker, waiting for both answers (or both agreed; or
    closed without a deal)."""

    def add(session):
        s = session.get(Suggestion, sid)
        s.status, s.decided_at, s.decided_by_id = SuggestionStatus.ACCEPTED, utcnow(), broker_id
        intro = Introduction(suggestion_id=sid, broker_id=broker_id, note="请尽快联系")
        if agreed:
            intro.need_answer = intro.achievement_answer = ConsentAnswer.ACCEPTED
            intro.need_answered_at = intro.achievement_answered_at = utcnow()
        if closed:
            intro.outcome, intro.closed_at = IntroductionOutcome.NO_DEAL, utcnow()
        session.add(intro)
        session.commit()
        return intro.id

    return query(add)


def hidden_enterprise_introduction(
    query, make_org, make_user, *, org: str, contact: str, phone: str, address: str, researcher: dict, **achievement
):
    """A need of an enterprise that does not show who it is (its name, contact and phone planted to be
    looked for), an achievement of a researcher (`researcher`: the account's fields) and their
    introduction by a broker, waiting for both answers: (enterprise, researcher, broker, its id)."""
    from tests.matching.test_views import add_pair

    organisation = make_org(OrgKind.ENTERPRISE, name=org, address=address)
    enterprise = make_user("enterprise", organisation_id=organisation.id)
    owner = make_user("researcher", **researcher)
    broker = make_user("broker")
    sid = add_pair(
        query,
        need={
            "owner_id": enterprise.id,
            "organisation_id": organisation.id,
            "organisation_name": org,
            "contact_name": contact,
            "contact_phone": phone,
            "show_identity": False,
        },
        achievement={"owner_id": owner.id, **achievement},
    )
    return enterprise, owner, broker, introduce(query, sid, broker.id)


def imported_need_introduction(query, make_user, *, org: str, contact: str, phone: str, researcher: dict):
    """A de-identified need an admin imported from the district's lists (no owner account; its
    enterprise's name, contact and phone planted to be looked for), an achievement of a researcher
    (`researcher`: the account's fields) and their introduction by a broker, waiting for both
    answers: (researcher, broker, its id)."""
    from tests.matching.test_views import add_pair

    owner = make_user("researcher", **researcher)
    broker = make_user("broker")
    sid = add_pair(
        query,
        need={
            "owner_id": None,
            "organisation_name": org,
            "contact_name": contact,
            "contact_phone": phone,
            "show_identity": False,
        },
        achievement={"owner_id": owner.id},
    )
    return owner, broker, introduce(query, sid, broker.id)
