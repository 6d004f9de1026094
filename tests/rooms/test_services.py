"""The negotiation room's services, on SQLite and PostgreSQL: who is a member, a closed room kept
read-only, threads, files checked like every other upload, the next step on Beijing's calendar
with its history, the 保密承诺 and the confidential part, audit events, notifications to the
other members, the quiet rooms of a broker, and a deal opened from a room."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from sqlalchemy.exc import IntegrityError

from tests.rooms.factory import PDF, PROGRAM, make_room
from webapp.core import audit
from webapp.core.audit import AuditEvent
from webapp.core.outbox import OutboxMessage
from webapp.core.permissions import PermissionDenied
from webapp.extensions import db
from webapp.matching.models import ConsentAnswer, IntroductionOutcome, RejectReason
from webapp.matching.services import answer_introduction, decisions
from webapp.notifications import catalogue
from webapp.notifications.models import Notification
from webapp.rooms import access, activity, services, terms
from webapp.rooms.models import ConfidentialityTerms, RoomFile, RoomMessage, TermsAcceptance
from webapp.rooms.services import RoomError


@pytest.fixture
def room(app_ctx):
    with force_locale("en"):
        yield make_room(db.session)


def notes(user, kind: str) -> list[Notification]:
    return list(
        db.session.scalars(sa.select(Notification).where(Notification.user_id == user.id, Notification.kind == kind))
    )


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def test_the_two_parties_the_broker_and_admins_are_the_members(room):
    r = room
    for member in (r.enterprise, r.researcher, r.broker, r.admin):
        assert access.can_view(r.intro, member) and access.can_write(r.intro, member)
    for outsider in vars(r.outsiders).values():
        assert not access.can_view(r.intro, outsider)
        with pytest.raises(PermissionDenied):
            services.post_message(outsider, r.intro, "我也想参与")
    assert db.session.scalar(sa.select(sa.func.count(RoomMessage.id))) == 0


def test_there_is_no_room_before_both_agree_nor_after_a_decline(app_ctx):
    r = make_room(db.session, agreed=False)
    assert not access.can_view(r.intro, r.enterprise) and not access.can_view(r.intro, r.broker)
    with pytest.raises(PermissionDenied):
        services.post_message(r.enterprise, r.intro, "您好")

    answer_introduction(r.intro, r.enterprise, ConsentAnswer.ACCEPTED)
    assert not access.can_view(r.intro, r.enterprise)  # one side agreed: still no room
    answer_introduction(r.intro, r.researcher, ConsentAnswer.DECLINED, reason=RejectReason.EXISTING)
    assert not access.can_view(r.intro, r.researcher) and not access.can_view(r.intro, r.admin)


def test_a_closed_room_is_kept_and_read_only(room):
    r = room
    first = services.post_message(r.enterprise, r.intro, "请报一下许可费用")
    decisions.set_outcome(r.intro, r.broker, IntroductionOutcome.NO_DEAL, "价格谈不拢")
    assert access.can_view(r.intro, r.enterprise) and not access.can_write(r.intro, r.enterprise)
    for step in (
        lambda: services.post_message(r.researcher, r.intro, "还可以再谈", parent_id=first.id),
        lambda: services.attach_file(r.researcher, r.intro, ("报价.pdf", PDF)),
        lambda: services.set_next_step(r.broker, r.intro, "再约一次", date(2030, 1, 1)),
        lambda: terms.accept_terms(r.enterprise, r.intro, 0),
    ):
        with pytest.raises(PermissionDenied):
            step()
    assert [m.body for m in db.session.scalars(sa.select(RoomMessage))] == ["请报一下许可费用"]


def test_messages_reply_within_the_room_and_read_as_threads(room, app_ctx):
    from webapp.rooms.activity import threads

    r = room
    first = services.post_message(r.enterprise, r.intro, "第一个问题：样机周期？")
    second = services.post_message(r.broker, r.intro, "第二个话题：合同类型")
    reply = services.post_message(r.researcher, r.intro, "样机约三个月", parent_id=first.id)
    services.post_message(r.enterprise, r.intro, "好的，谢谢", parent_id=reply.id)
    assert [(m.body, depth) for m, depth in threads(r.intro)] == [
        ("第一个问题：样机周期？", 0),
        ("样机约三个月", 1),
        ("好的，谢谢", 2),
        ("第二个话题：合同类型", 0),
    ]

    elsewhere = make_room(db.session)
    with pytest.raises(RoomError, match="not in this room"):
        services.post_message(elsewhere.enterprise, elsewhere.intro, "串台了", parent_id=second.id)
    with pytest.raises(RoomError, match="Write a message"):
        services.post_message(r.enterprise, r.intro, "   ")
    # The database keeps a reply in its parent's room whatever the code does.
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(RoomMessage(introduction_id=elsewhere.intro.id, parent_id=second.id, body="x", author_id=None))
        db.session.flush()


def test_a_file_is_checked_like_every_upload_and_a_refused_one_leaves_nothing(room):
    r = room
    with pytest.raises(RoomError) as refused:
        services.post_message(r.researcher, r.intro, "附上报价", upload=("报价.pdf", PROGRAM))
    assert str(refused.value) == "“报价.pdf” is not a PDF, PNG, JPEG, Word (.docx) or Excel (.xlsx) file."
    assert refused.value.field == "file"
    assert db.session.scalar(sa.select(sa.func.count(RoomMessage.id))) == 0
    with pytest.raises(RoomError, match="is empty"):
        services.attach_file(r.researcher, r.intro, ("空.pdf", b""))

    message = services.post_message(r.researcher, r.intro, "附上报价", upload=("报价", PDF))
    kept = services.attach_file(r.enterprise, r.intro, ("需求说明.exe", PDF))
    stored = db.session.scalars(sa.select(RoomFile).order_by(RoomFile.id)).all()
    assert [(f.filename, f.message_id, f.content_type) for f in stored] == [
        ("报价.pdf", message.id, "application/pdf"),
        ("需求说明.pdf", None, "application/pdf"),
    ]
    assert kept.size == len(PDF) and len(kept.sha256) == 64


def test_the_next_step_is_a_beijing_day_and_keeps_its_history(room, freeze_clock):
    r = room
    # 17:00 UTC on 1 March is already 2 March in Beijing: 1 March has passed.
    today = freeze_clock(datetime(2026, 3, 1, 17, 0, tzinfo=UTC))
    assert today == date(2026, 3, 2)
    with pytest.raises(RoomError, match="passed") as refused:
        services.set_next_step(r.enterprise, r.intro, "寄送样品", date(2026, 3, 1))
    assert refused.value.field == "due_on"

    services.set_next_step(r.enterprise, r.intro, "寄送样品", today)
    later = services.set_next_step(r.researcher, r.intro, "实验室测试样品", today + timedelta(days=10))
    assert services.current_next_step(r.intro).id == later.id
    changes = events("room.next_step")
    assert [e.after["text"] for e in changes] == ["寄送样品", "实验室测试样品"]
    assert changes[1].before == {"text": "寄送样品", "due_on": "2026-03-02"}
    assert changes[1].actor_id == r.researcher.id


def test_every_change_is_audited_with_labels_and_told_to_the_other_members(room, app_ctx):
    r = room
    services.post_message(r.enterprise, r.intro, "您好，李教授")
    services.attach_file(r.researcher, r.intro, ("技术方案.pdf", PDF))
    services.set_next_step(r.broker, r.intro, "下周三线上会议", date(2030, 5, 8))
    terms.accept_terms(r.enterprise, r.intro, 0)

    for action in ("room.message", "room.file", "room.next_step", "room.terms_accept"):
        assert len(events(action)) == 1, action
        assert audit.action_label(action) != action
    assert audit.object_label("room_messages") != "room_messages"

    assert len(notes(r.researcher, "room.message")) == len(notes(r.broker, "room.message")) == 1
    assert notes(r.enterprise, "room.message") == []  # not to the one who wrote
    assert len(notes(r.enterprise, "room.file")) == 1 and notes(r.researcher, "room.file") == []
    assert len(notes(r.researcher, "room.terms_accepted")) == 1
    assert notes(r.admin, "room.message") == []  # admins read the room, its news goes to its people
    note = notes(r.researcher, "room.next_step")[0]
    assert note.link == f"/rooms/{r.intro.id}"
    assert catalogue.render_text(note.kind, note.params).startswith("Next step in the negotiation of “锂电池包液冷")
    mails = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.task == "notifications.send_email"))
    assert any(r.researcher.email == m.kwargs["to"] for m in mails)


def test_the_confidential_part_waits_for_the_enterprise_to_accept_the_terms_in_force(room):
    r = room
    a = r.achievement
    assert not a.can_see_confidential(r.enterprise)
    assert terms.current_terms(a).version == 0 and "third party" in terms.current_terms(a).text

    with pytest.raises(PermissionDenied):  # only the enterprise accepts
        terms.accept_terms(r.researcher, r.intro, 0)
    with pytest.raises(PermissionDenied):  # only the achievement's owner (or an admin) sets them
        terms.set_terms(r.enterprise, a, "我方的保密条款")

    first = terms.set_terms(r.researcher, a, "第一版：三年内不得向第三方披露。")
    with pytest.raises(RoomError, match="changed while you were reading"):
        terms.accept_terms(r.enterprise, r.intro, 0)
    accepted = terms.accept_terms(r.enterprise, r.intro, first.version)
    assert (accepted.version, accepted.terms_id, accepted.text) == (1, first.id, "第一版：三年内不得向第三方披露。")
    assert a.can_see_confidential(r.enterprise)
    assert not a.can_see_confidential(r.outsiders.enterprise) and not a.can_see_confidential(r.broker)
    with pytest.raises(RoomError, match="already accepted"):
        terms.accept_terms(r.enterprise, r.intro, 1)

    second = terms.set_terms(r.researcher, a, "第二版：五年内不得向第三方披露。")
    assert [v.version for v in terms.versions_of(a)] == [2, 1]  # every version kept
    assert len(notes(r.enterprise, "room.terms_changed")) == 2  # one per version
    assert not a.can_see_confidential(r.enterprise)  # a new version is accepted again
    terms.accept_terms(r.enterprise, r.intro, second.version)
    assert a.can_see_confidential(r.enterprise)
    assert [e.after["version"] for e in events("room.terms_set")] == [1, 2]


def test_the_database_keeps_versions_and_acceptances_unique(room):
    r = room
    terms.set_terms(r.researcher, r.achievement, "第一版")
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(ConfidentialityTerms(achievement_id=r.achievement.id, version=1, body="重复的第一版"))
        db.session.flush()
    terms.accept_terms(r.enterprise, r.intro, 1)
    row = db.session.scalar(sa.select(TermsAcceptance))
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(
            TermsAcceptance(
                introduction_id=r.intro.id,
                achievement_id=r.achievement.id,
                user_id=r.enterprise.id,
                terms_id=row.terms_id,
                version=1,
                text="再次接受",
            )
        )
        db.session.flush()


def test_a_broker_sees_the_rooms_gone_quiet_for_two_weeks(app_ctx, freeze_clock):
    start = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    freeze_clock(start)
    quiet, lively = make_room(db.session), make_room(db.session)
    lively.intro.broker_id = quiet.intro.broker_id = quiet.broker.id
    db.session.flush()
    services.post_message(quiet.enterprise, quiet.intro, "您好")

    freeze_clock(start + timedelta(days=10))
    services.set_next_step(lively.researcher, lively.intro, "寄样品", date(2026, 3, 20))
    freeze_clock(start + timedelta(days=13, hours=23))
    assert activity.quiet_rooms(quiet.broker) == []

    freeze_clock(start + timedelta(days=14))
    found = activity.quiet_rooms(quiet.broker)
    assert [s.introduction.id for s in found] == [quiet.intro.id]
    assert (found[0].messages, found[0].quiet_days) == (1, 14)
    assert activity.quiet_rooms(quiet.outsiders.broker) == []
    assert activity.quiet_rooms(quiet.enterprise) == []
    assert quiet.intro.id in [s.introduction.id for s in activity.quiet_rooms(quiet.admin)]

    decisions.set_outcome(quiet.intro, quiet.broker, IntroductionOutcome.NO_DEAL, None)
    assert activity.quiet_rooms(quiet.broker) == []  # closed rooms are not waiting for anyone


def test_a_deal_opened_from_the_room_carries_its_parties_and_the_room_history(room):
    from webapp.deals import opening
    from webapp.deals.models import ContractType

    r = room
    services.post_message(r.enterprise, r.intro, "同意技术许可")
    services.set_next_step(r.broker, r.intro, "签订许可合同", date(2030, 4, 1))
    deal = opening.create_from_introduction(
        r.broker, r.intro, contract_type=ContractType.LICENCE, contract_value=800_000
    )
    assert (deal.need_user_id, deal.provider_user_id, deal.introduction_id) == (
        r.enterprise.id,
        r.researcher.id,
        r.intro.id,
    )
    history = activity.summary(r.intro)
    assert (history.messages, history.next_step.text) == (1, "签订许可合同")
    assert access.can_view(r.intro, r.enterprise) and not access.can_write(r.intro, r.enterprise)
