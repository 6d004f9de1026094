"""An introduction is a proposal: the need's owner and the achievement's owner each agree or
decline, once, before they see each other's identity; a decline teaches the matching as a broker's
rejection does. On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.listings.search_factory import field_named
from tests.matching.test_services import matched, pair, world  # noqa: F401 (the fixture)
from webapp.core.audit import AuditEvent
from webapp.core.outbox import OutboxMessage
from webapp.core.permissions import PermissionDenied
from webapp.extensions import db
from webapp.matching import permissions, services, sources, tuning
from webapp.matching.models import (
    ConsentAnswer,
    ConsentState,
    Introduction,
    IntroductionOutcome,
    RejectReason,
    SuggestionStatus,
)
from webapp.notifications.models import Notification

ACCEPTED, DECLINED = ConsentAnswer.ACCEPTED, ConsentAnswer.DECLINED


@pytest.fixture
def proposed(world):  # noqa: F811
    """The broker accepted the battery pair: an introduction waits for both owners."""
    matched(world)
    world.intro = services.accept(pair(world.need, world.battery), world.broker, "建议先看样品")
    db.session.query(Notification).delete()
    db.session.query(OutboxMessage).delete()
    db.session.flush()
    return world


def notices(kind: str) -> dict[int, Notification]:
    return {n.user_id: n for n in db.session.scalars(sa.select(Notification).where(Notification.kind == kind))}


def mails_to() -> list[str]:
    return sorted(
        m.kwargs["to"]
        for m in db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.task == "notifications.send_email"))
    )


def audited(action: str, intro: Introduction) -> list[AuditEvent]:
    return list(
        db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action, AuditEvent.object_id == intro.id))
    )


def in_state(state: ConsentState) -> list[int]:
    return list(db.session.scalars(sa.select(Introduction.id).where(Introduction.in_consent_state(state))))


def test_a_new_introduction_waits_for_both_sides_and_knows_who_is_which(proposed):
    w, intro = proposed, proposed.intro

    assert intro.need_answer is None and intro.achievement_answer is None
    assert not intro.agreed and intro.consent_states == [ConsentState.WAITING_NEED, ConsentState.WAITING_ACHIEVEMENT]
    assert intro.side_of(w.enterprise) == "need"
    assert intro.side_of(w.researcher) == "achievement"
    assert intro.side_of(w.broker) is None and intro.side_of(w.admin) is None and intro.side_of(w.expert) is None
    assert in_state(ConsentState.WAITING_NEED) == [intro.id] == in_state(ConsentState.WAITING_ACHIEVEMENT)
    # Until both agreed neither side sees who the other is; brokers and admins always do.
    assert not permissions.sees_need_poster(intro, w.researcher)
    assert not permissions.sees_researcher(intro, w.enterprise)
    assert all(permissions.sees_need_poster(intro, u) for u in (w.enterprise, w.broker, w.admin))
    assert all(permissions.sees_researcher(intro, u) for u in (w.researcher, w.broker, w.admin))


@pytest.mark.parametrize("first", ["researcher", "enterprise"])
def test_both_sides_agree_in_either_order_and_then_see_each_other(proposed, first):
    w, intro = proposed, proposed.intro
    second = "enterprise" if first == "researcher" else "researcher"

    side = services.answer_introduction(intro, getattr(w, first), ACCEPTED, message="  欢迎来实验室参观  ")
    assert side == ("achievement" if first == "researcher" else "need")
    assert intro.answer_of(side) is ACCEPTED and intro.answered_at_of(side) is not None
    assert intro.message_of(side) == "欢迎来实验室参观"
    assert not intro.agreed and intro.outcome is IntroductionOutcome.NEGOTIATING
    assert not permissions.sees_need_poster(intro, w.researcher) and not permissions.sees_researcher(
        intro, w.enterprise
    )
    # The broker and the other side hear of it; the message is for the broker until both agreed.
    told = notices("match.consent.accepted")
    assert set(told) == {w.broker.id, getattr(w, second).id}
    assert all(n.link == f"/broker/introductions/{intro.id}" for n in told.values())
    assert permissions.sees_message(intro, w.broker, side)
    assert not permissions.sees_message(intro, getattr(w, second), side)
    assert mails_to() == sorted([w.broker.email, getattr(w, second).email])
    [event] = audited("match.consent.accept", intro)
    assert event.actor_id == getattr(w, first).id

    services.answer_introduction(intro, getattr(w, second), ACCEPTED)
    assert intro.agreed and intro.consent_states == [ConsentState.AGREED]
    assert in_state(ConsentState.AGREED) == [intro.id] and in_state(ConsentState.WAITING_NEED) == []
    assert permissions.sees_need_poster(intro, w.researcher) and permissions.sees_researcher(intro, w.enterprise)
    assert permissions.sees_message(intro, getattr(w, second), side)
    assert set(notices("match.agreed")) == {w.broker.id, getattr(w, first).id}
    assert len(audited("match.consent.accept", intro)) == 2
    # The need's own page shows the researcher no more than before.
    assert not w.need.can_see_identity(w.researcher)


def test_a_decline_closes_the_introduction_with_its_reason_and_tells_the_broker(proposed):
    w, intro = proposed, proposed.intro
    services.answer_introduction(intro, w.researcher, ACCEPTED)

    services.answer_introduction(intro, w.enterprise, "declined", reason="budget", message="预算今年已用完")

    db.session.expire_all()
    intro = db.session.get(Introduction, intro.id)
    assert (intro.need_answer, intro.decline_reason, intro.need_message) == (
        DECLINED,
        RejectReason.BUDGET,
        "预算今年已用完",
    )
    assert intro.outcome is IntroductionOutcome.NO_DEAL and intro.closed_at is not None
    assert intro.consent_states == [ConsentState.DECLINED] and in_state(ConsentState.DECLINED) == [intro.id]
    assert not intro.agreed and not permissions.sees_need_poster(intro, w.researcher)
    told = notices("match.consent.declined")
    assert set(told) == {w.broker.id, w.researcher.id}
    assert told[w.broker.id].params["consent_reason"] == "budget"
    assert not permissions.sees_message(intro, w.researcher, "need")  # the note stays with the broker
    [event] = audited("match.consent.decline", intro)
    assert event.actor_id == w.enterprise.id
    # Closed: nobody answers any more, and no deal opens from it.
    with pytest.raises(ValueError, match="already"):
        services.answer_introduction(intro, w.researcher, ACCEPTED)


def test_a_decline_needs_a_reason_and_an_answer_is_one_of_two(proposed):
    w, intro = proposed, proposed.intro
    with pytest.raises(ValueError, match="reason"):
        services.answer_introduction(intro, w.enterprise, DECLINED)
    with pytest.raises(ValueError, match="reason"):
        services.answer_introduction(intro, w.enterprise, DECLINED, reason="no-such-reason")
    with pytest.raises(ValueError):
        services.answer_introduction(intro, w.enterprise, "maybe")
    with pytest.raises(ValueError, match="too long"):
        services.answer_introduction(intro, w.enterprise, ACCEPTED, message="长" * 1001)
    assert intro.need_answer is None and audited("match.consent.accept", intro) == []


def test_each_side_answers_once(proposed):
    w, intro = proposed, proposed.intro
    services.answer_introduction(intro, w.researcher, ACCEPTED)
    with pytest.raises(ValueError, match="already answered"):
        services.answer_introduction(intro, w.researcher, ACCEPTED)
    with pytest.raises(ValueError, match="already answered"):
        services.answer_introduction(intro, w.researcher, DECLINED, reason=RejectReason.FIELD)
    assert intro.achievement_answer is ACCEPTED and len(audited("match.consent.accept", intro)) == 1


def test_an_answer_given_elsewhere_in_the_meantime_wins(proposed):
    """The same owner in two browser tabs, or a decline by the other side racing an agreement: the
    database takes the first, the second is refused."""
    w, intro = proposed, proposed.intro
    db.session.execute(  # another transaction, committed behind this session's back
        sa.update(Introduction)
        .where(Introduction.id == intro.id)
        .values(
            need_answer=DECLINED,
            need_answered_at=sa.func.current_timestamp(),
            decline_reason=RejectReason.EXISTING,
            outcome=IntroductionOutcome.NO_DEAL,
            closed_at=sa.func.current_timestamp(),
        )
        .execution_options(synchronize_session=False)
    )
    assert intro.need_answer is None  # this session still sees the old state

    with pytest.raises(ValueError, match="already answered"):
        services.answer_introduction(intro, w.enterprise, ACCEPTED)
    with pytest.raises(ValueError, match="already closed"):
        services.answer_introduction(intro, w.researcher, ACCEPTED)
    assert intro.achievement_answer is None and audited("match.consent.accept", intro) == []


def test_only_the_owners_answer_each_for_their_side(proposed, make_user):
    w, intro = proposed, proposed.intro
    for user in (w.broker, w.admin, w.expert, make_user("researcher"), make_user("enterprise")):
        with pytest.raises(PermissionDenied):
            services.answer_introduction(intro, user, ACCEPTED)
    assert intro.need_answer is None and intro.achievement_answer is None
    assert not permissions.can_answer_introduction(intro, w.admin)


def test_the_database_keeps_the_answers_consistent(proposed):
    intro = proposed.intro
    broken = [
        {"need_answer": ACCEPTED},  # an answer without its time
        {"need_answer": DECLINED, "need_answered_at": intro.created_at},  # a decline without reason
        {"achievement_message": "留言"},  # a message without an answer
    ]
    for values in broken:
        with pytest.raises(sa.exc.IntegrityError), db.session.begin_nested():
            db.session.execute(
                sa.update(Introduction)
                .where(Introduction.id == intro.id)
                .values(**values)
                .execution_options(synchronize_session=False)
            )


def test_a_declined_pair_teaches_the_matching_like_a_rejection_and_never_comes_back(proposed):
    w, intro = proposed, proposed.intro
    energy, ai = field_named(db.session, "新能源汽车"), field_named(db.session, "人工智能")
    w.need.field_id, w.battery.field_id = energy.id, ai.id
    db.session.flush()
    assert sources.field_pair_penalties() == {}
    queries, _judged, decided = tuning.labelled_queries()
    assert decided == 1 and [q.rejected for q in queries] == [{}]  # an accepted pair, worth introducing

    services.answer_introduction(intro, w.researcher, DECLINED, reason=RejectReason.FIELD)

    paths = sources.field_paths()
    assert sources.field_pair_penalties() == {(paths[energy.id][0], paths[ai.id][0]): 3.0}
    queries, _judged, decided = tuning.labelled_queries()
    [query] = queries
    assert query.rejected == {w.battery.id: 2.0}  # as a broker's rejection naming the field
    assert query.grades[w.battery.id] == 0.0
    # Kept out of the suggestions, whatever the next computation finds.
    services.refresh_need(w.need.id)
    services.refresh_achievement(w.battery.id)
    assert w.battery.id not in [s.achievement_id for s in services.top_for(w.need, w.enterprise, limit=10)]
    assert w.battery.id not in [s.achievement_id for s in services.suggestions_of_need(w.need)]
    assert pair(w.need, w.battery).status is SuggestionStatus.ACCEPTED  # the broker's decision stays


@pytest.fixture
def imported(proposed):
    """As `proposed`, but the need was imported by an admin from the district's lists: no owner account."""
    proposed.need.owner_id = None
    db.session.flush()
    db.session.expire_all()
    proposed.intro = db.session.get(Introduction, proposed.intro.id)
    return proposed


CALLED = "2026-12-03 电话联系王经理，同意对接"


def test_the_broker_records_the_answer_of_a_side_without_an_owner_account(imported):
    w, intro = imported, imported.intro
    services.answer_introduction(intro, w.researcher, ACCEPTED)
    assert not permissions.sees_need_poster(intro, w.researcher)
    assert permissions.can_answer_for(intro, w.broker, "need") and permissions.can_answer_for(intro, w.admin, "need")
    db.session.query(Notification).delete()

    side = services.answer_on_behalf(intro, w.broker, "need", ACCEPTED, note=f"  {CALLED}  ")

    assert side == "need" and intro.agreed and intro.consent_states == [ConsentState.AGREED]
    assert intro.message_of("need") == CALLED and intro.recorded_by_of("need").id == w.broker.id
    assert intro.recorded_on_behalf("need") and not intro.recorded_on_behalf("achievement")
    assert permissions.sees_need_poster(intro, w.researcher)
    assert set(notices("match.agreed")) == {w.researcher.id}  # the broker recorded it: knows
    [mine, theirs] = sorted(audited("match.consent.accept", intro), key=lambda e: e.id)
    assert mine.actor_id == w.researcher.id and not (mine.after or {}).get("on_behalf")
    assert theirs.actor_id == w.broker.id
    assert theirs.after["on_behalf"] is True and theirs.after["side"] == "need" and theirs.after["message"] == CALLED
    with pytest.raises(ValueError, match="already answered"):
        services.answer_on_behalf(intro, w.admin, "need", ACCEPTED, note=CALLED)


def test_an_answer_on_behalf_says_how_it_was_obtained_and_only_for_an_ownerless_side(imported, make_user):
    w, intro = imported, imported.intro
    for note in (None, "", "   "):
        with pytest.raises(ValueError, match="how and from whom"):
            services.answer_on_behalf(intro, w.broker, "need", ACCEPTED, note=note)
    # The achievement has its owner: only the researcher answers for it.
    with pytest.raises(PermissionDenied):
        services.answer_on_behalf(intro, w.broker, "achievement", ACCEPTED, note=CALLED)
    # Only the introduction's broker and admins; never another broker, the other side or anyone else.
    for user in (make_user("broker"), w.researcher, w.expert, make_user("enterprise")):
        assert not permissions.can_answer_for(intro, user, "need")
        with pytest.raises(PermissionDenied):
            services.answer_on_behalf(intro, user, "need", ACCEPTED, note=CALLED)
    assert not permissions.can_answer_for(intro, w.broker, "nonsense")
    assert intro.need_answer is None and intro.achievement_answer is None
    assert audited("match.consent.accept", intro) == []


def test_a_side_with_an_owner_is_never_answered_for(proposed):
    w, intro = proposed, proposed.intro
    for side in ("need", "achievement"):
        assert not permissions.can_answer_for(intro, w.admin, side)
        with pytest.raises(PermissionDenied):
            services.answer_on_behalf(intro, w.broker, side, ACCEPTED, note=CALLED)


def test_a_decline_recorded_on_behalf_closes_it_and_teaches_the_matching(imported):
    w, intro = imported, imported.intro
    services.answer_on_behalf(
        intro, w.admin, "need", DECLINED, reason=RejectReason.EXISTING, note="上门拜访王经理：已有合作单位"
    )

    assert intro.outcome is IntroductionOutcome.NO_DEAL and intro.decline_reason is RejectReason.EXISTING
    assert intro.recorded_by_of("need").id == w.admin.id
    told = notices("match.consent.declined")
    assert set(told) == {w.broker.id, w.researcher.id}
    assert told[w.researcher.id].params["consent_reason"] == "existing"
    assert not permissions.sees_message(intro, w.researcher, "need")
    [event] = audited("match.consent.decline", intro)
    assert event.actor_id == w.admin.id and event.after["on_behalf"] is True
    [query], _judged, _decided = tuning.labelled_queries()
    assert w.battery.id in query.rejected and query.grades[w.battery.id] == 0.0
    with pytest.raises(ValueError, match="already closed"):
        services.answer_introduction(intro, w.researcher, ACCEPTED)
