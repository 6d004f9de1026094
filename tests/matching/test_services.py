"""Stored suggestions and what brokers and admins do with them, on SQLite and PostgreSQL: lists
replaced without losing decisions, a rejected pair never coming back, introductions told to both
owners, outcomes, the lexicon, the full re-match job, and who may do each."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from tests.listings.search_factory import make_listing
from tests.matching.consent_helpers import both_agree
from webapp.core.audit import AuditEvent
from webapp.core.db import utcnow
from webapp.core.outbox import OutboxMessage
from webapp.core.permissions import PermissionDenied
from webapp.extensions import db
from webapp.listings import lifecycle
from webapp.listings.models import ListingStatus
from webapp.matching import permissions, runtime, services
from webapp.matching.models import (
    Introduction,
    IntroductionOutcome,
    LexiconEntry,
    LexiconKind,
    MatchJob,
    MatchJobStatus,
    RejectReason,
    Suggestion,
    SuggestionStatus,
)
from webapp.notifications.models import Notification

BATTERY = {
    "title": "锂离子电池组液冷热管理技术",
    "keywords": ["锂离子电池", "液冷", "热管理"],
    "summary": "动力电池组快充温升控制：液冷板与相变材料复合，电芯温差小于3℃，适用于储能电站与电动汽车电池包。",
}
BATTERY_2 = {
    "title": "储能锂电池包相变材料散热模块",
    "keywords": ["锂电池", "相变材料", "散热"],
    "summary": "以石蜡基复合相变材料吸收电池包快充热量，配合导热板降低温升，电池包温差小于5℃。",
}
VISION = {
    "title": "钢板表面缺陷机器视觉检测",
    "keywords": ["机器视觉", "缺陷检测"],
    "summary": "工业相机与卷积神经网络识别冷轧钢板表面划痕与裂纹，识别准确率98%。",
}
NEED = {
    "title": "锂电池包快充温升控制",
    "keywords": ["锂电", "冷却"],
    "description": "我公司生产储能电池包，快充时电池温度升高过快，寻求液冷或相变材料的热管理技术。",
}


@pytest.fixture
def world(app_ctx, make_user):
    """Two battery achievements and a vision one by a researcher, a battery need by an enterprise,
    a broker and an admin; the index built from them."""
    people = {role: make_user(role) for role in ("researcher", "enterprise", "broker", "admin", "expert")}
    session = db.session
    battery = make_listing(session, "a", owner_id=people["researcher"].id, **BATTERY)
    battery_2 = make_listing(session, "a", owner_id=people["researcher"].id, **BATTERY_2)
    vision = make_listing(session, "a", owner_id=people["researcher"].id, **VISION)
    need = make_listing(session, "n", owner_id=people["enterprise"].id, **NEED)
    runtime.reset()
    runtime.rebuild_index()
    with force_locale("en"):  # the messages below are matched in English
        yield SimpleNamespace(battery=battery, battery_2=battery_2, vision=vision, need=need, **people)
    runtime.reset()


def suggestions(need_id: int) -> list[Suggestion]:
    db.session.expire_all()
    return db.session.scalars(
        sa.select(Suggestion).where(Suggestion.need_id == need_id).order_by(Suggestion.score.desc())
    ).all()


def pair(need, achievement) -> Suggestion | None:
    db.session.expire_all()
    return db.session.scalar(
        sa.select(Suggestion).where(Suggestion.need_id == need.id, Suggestion.achievement_id == achievement.id)
    )


def matched(w) -> list[Suggestion]:
    services.refresh_need(w.need.id)
    return suggestions(w.need.id)


def test_a_need_gets_its_best_achievements_with_score_parts_and_terms(world):
    w = world
    count = services.refresh_need(w.need.id)

    rows = suggestions(w.need.id)
    assert count == len(rows) >= 2
    assert {rows[0].achievement_id, rows[1].achievement_id} == {w.battery.id, w.battery_2.id}
    assert w.vision.id not in [r.achievement_id for r in rows]
    top = rows[0]
    assert top.status is SuggestionStatus.NEW and 0 < top.score <= 100
    assert top.parts and all(isinstance(v, float) for v in top.parts.values())
    assert "锂离子电池" in top.terms
    assert top.computed_at is not None


def test_matching_the_achievement_side_fills_the_same_pair(world):
    w = world
    services.refresh_need(w.need.id)
    first = pair(w.need, w.battery)

    assert services.refresh_achievement(w.battery.id) >= 1
    again = pair(w.need, w.battery)
    assert again.id == first.id  # one row per pair, whichever side found it
    assert (again.score, again.parts["chars"]) == (first.score, first.parts["chars"])  # and the same score
    assert (
        db.session.scalar(
            sa.select(sa.func.count(Suggestion.id)).where(
                Suggestion.need_id == w.need.id, Suggestion.achievement_id == w.battery.id
            )
        )
        == 1
    )


def test_matching_again_replaces_new_suggestions_and_keeps_decided_ones(world):
    w = world
    matched(w)
    rejected = pair(w.need, w.battery_2)
    services.reject(rejected, w.broker, RejectReason.MATURITY, "样品阶段，企业要量产")
    # A NEW pair that the engine would no longer find (an old computation).
    stale = Suggestion(need_id=w.need.id, achievement_id=w.vision.id, score=60.0, parts={}, terms=["旧"])
    db.session.add(stale)
    db.session.flush()
    kept = pair(w.need, w.battery)

    services.refresh_need(w.need.id)

    rows = {r.achievement_id: r for r in suggestions(w.need.id)}
    assert w.vision.id not in rows  # not found again: gone
    assert rows[w.battery.id].id == kept.id and rows[w.battery.id].status is SuggestionStatus.NEW
    decided = rows[w.battery_2.id]
    assert decided.status is SuggestionStatus.REJECTED
    assert decided.reason is RejectReason.MATURITY and decided.note == "样品阶段，企业要量产"


def test_a_rejected_pair_never_comes_back(world):
    w = world
    matched(w)
    services.reject(pair(w.need, w.battery), w.broker, RejectReason.EXISTING, None)

    services.refresh_need(w.need.id)
    services.refresh_achievement(w.battery.id)
    job = services.create_job(w.admin)
    services.run_rematch(job.id, commit=db.session.flush)

    rows = [r for r in suggestions(w.need.id) if r.achievement_id == w.battery.id]
    assert [(r.status, r.reason) for r in rows] == [(SuggestionStatus.REJECTED, RejectReason.EXISTING)]
    assert w.battery.id not in [s.achievement_id for s in services.top_for(w.need, w.enterprise, limit=10)]


def test_a_need_taken_offline_loses_its_new_suggestions_but_not_the_decided(world):
    w = world
    matched(w)
    services.accept(pair(w.need, w.battery), w.broker, "双方已约见")
    lifecycle.apply(w.need, "withdraw", w.enterprise)

    assert services.refresh_need(w.need.id) == 0
    assert [(r.achievement_id, r.status) for r in suggestions(w.need.id)] == [(w.battery.id, SuggestionStatus.ACCEPTED)]


def test_accepting_proposes_one_introduction_to_both_owners(world):
    w = world
    matched(w)
    suggestion = pair(w.need, w.battery)

    introduction = services.accept(suggestion, w.broker, "  两家都在津南，建议先看样品  ")

    assert suggestion.status is SuggestionStatus.ACCEPTED
    assert suggestion.decided_by_id == w.broker.id and suggestion.decided_at is not None
    assert suggestion.note == "两家都在津南，建议先看样品"
    intros = db.session.scalars(sa.select(Introduction).where(Introduction.suggestion_id == suggestion.id)).all()
    assert intros == [introduction]
    assert introduction.outcome is IntroductionOutcome.NEGOTIATING and introduction.broker_id == w.broker.id
    notes = db.session.scalars(sa.select(Notification).where(Notification.kind == "match.introduced")).all()
    # Both are asked to agree, on the introduction's page.
    assert {(n.user_id, n.link) for n in notes} == {
        (w.enterprise.id, f"/broker/introductions/{introduction.id}"),
        (w.researcher.id, f"/broker/introductions/{introduction.id}"),
    }
    assert introduction.need_answer is None and introduction.achievement_answer is None
    mails = [
        m.kwargs["to"]
        for m in db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.task == "notifications.send_email"))
    ]
    assert sorted(mails) == sorted([w.enterprise.email, w.researcher.email])
    assert (
        db.session.scalar(
            sa.select(AuditEvent).where(AuditEvent.action == "match.accept", AuditEvent.object_id == suggestion.id)
        ).actor_id
        == w.broker.id
    )
    # The owner now sees it on the listing, kept whatever the next computation finds.
    services.refresh_need(w.need.id)
    shown = [(s.achievement_id, s.status) for s in services.top_for(w.need, w.enterprise)]
    assert (w.battery.id, SuggestionStatus.ACCEPTED) in shown


def test_an_introduction_stays_on_the_owners_page_whatever_scores_better(world):
    w = world
    matched(w)
    everything = services.top_for(w.need, w.enterprise, limit=10)
    assert len(everything) >= 2
    lowest = everything[-1]
    services.accept(lowest, w.broker, None)
    shown = services.top_for(w.need, w.enterprise, limit=1)
    assert [(s.id, s.status) for s in shown] == [(lowest.id, SuggestionStatus.ACCEPTED)]


def test_deciding_twice_is_refused(world):
    w = world
    matched(w)
    suggestion = pair(w.need, w.battery)
    services.accept(suggestion, w.broker, None)

    with pytest.raises(ValueError, match="already decided"):
        services.accept(suggestion, w.admin, None)
    with pytest.raises(ValueError, match="already decided"):
        services.reject(suggestion, w.broker, RejectReason.OTHER, None)
    assert db.session.scalar(sa.select(sa.func.count(Introduction.id))) == 1


def test_a_decision_made_elsewhere_in_the_meantime_wins(world):
    """Two brokers with the same page open: the second one's decision is refused."""
    w = world
    matched(w)
    suggestion = pair(w.need, w.battery)
    db.session.execute(  # another broker's transaction, committed behind this session's back
        sa.update(Suggestion)
        .where(Suggestion.id == suggestion.id)
        .values(status=SuggestionStatus.REJECTED, reason=RejectReason.FIELD, decided_at=sa.func.current_timestamp())
        .execution_options(synchronize_session=False)
    )
    assert suggestion.status is SuggestionStatus.NEW  # this session still sees the old state

    with pytest.raises(ValueError, match="already decided"):
        services.accept(suggestion, w.broker, None)
    assert db.session.scalar(sa.select(sa.func.count(Introduction.id))) == 0


def test_a_rejection_needs_a_reason(world):
    w = world
    matched(w)
    with pytest.raises(ValueError, match="reason"):
        services.reject(pair(w.need, w.battery), w.broker, None, "没有理由")
    assert pair(w.need, w.battery).status is SuggestionStatus.NEW


def test_only_brokers_and_admins_decide(world):
    w = world
    matched(w)
    suggestion = pair(w.need, w.battery)
    for user in (w.researcher, w.enterprise, w.expert):
        with pytest.raises(PermissionDenied):
            services.accept(suggestion, user, None)
        with pytest.raises(PermissionDenied):
            services.reject(suggestion, user, RejectReason.FIELD, None)
    assert pair(w.need, w.battery).status is SuggestionStatus.NEW
    services.reject(suggestion, w.admin, RejectReason.FIELD, None)  # admins may
    assert permissions.can_broker(w.broker) and permissions.can_broker(w.admin)
    assert not permissions.can_broker(w.enterprise)


def test_the_broker_who_introduced_closes_the_introduction(world, make_user):
    w = world
    matched(w)
    introduction = services.accept(pair(w.need, w.battery), w.broker, None)
    other_broker = make_user("broker")
    for user in (other_broker, w.enterprise, w.researcher):
        with pytest.raises(PermissionDenied):
            services.set_outcome(introduction, user, IntroductionOutcome.DEAL, None)
    with pytest.raises(ValueError):
        services.set_outcome(introduction, w.broker, IntroductionOutcome.NEGOTIATING, None)
    with pytest.raises(ValueError, match="Both sides must agree"):
        services.set_outcome(introduction, w.broker, IntroductionOutcome.DEAL, None)
    both_agree(introduction)

    services.set_outcome(introduction, w.broker, IntroductionOutcome.DEAL, "签订技术转让合同 80 万元")

    assert introduction.outcome is IntroductionOutcome.DEAL and introduction.closed_at is not None
    assert introduction.outcome_note == "签订技术转让合同 80 万元"
    assert {
        n.user_id for n in db.session.scalars(sa.select(Notification).where(Notification.kind == "match.deal"))
    } == {w.enterprise.id, w.researcher.id}
    with pytest.raises(ValueError, match="already closed"):
        services.set_outcome(introduction, w.admin, IntroductionOutcome.NO_DEAL, None)
    assert db.session.scalar(sa.select(AuditEvent.id).where(AuditEvent.action == "match.outcome"))


def test_an_admin_may_close_any_introduction(world):
    w = world
    matched(w)
    introduction = services.accept(pair(w.need, w.battery), w.broker, None)
    services.set_outcome(introduction, w.admin, IntroductionOutcome.NO_DEAL, "企业预算取消")
    assert introduction.outcome is IntroductionOutcome.NO_DEAL


def test_owners_brokers_and_admins_see_a_listings_best_suggestions(world, make_user):
    w = world
    matched(w)
    for user in (w.enterprise, w.broker, w.admin):
        shown = services.top_for(w.need, user, limit=5)
        assert shown and shown[0].achievement_id in (w.battery.id, w.battery_2.id)
        assert [s.score for s in shown] == sorted((s.score for s in shown), reverse=True)
    assert services.top_for(w.need, make_user("enterprise")) == []
    assert services.top_for(w.need, w.researcher) == []
    assert [s.need_id for s in services.top_for(w.battery, w.researcher)] == [w.need.id]
    # A NEW suggestion whose other side went offline is not shown.
    w.battery.status = ListingStatus.OFFLINE
    db.session.flush()
    assert w.battery.id not in [s.achievement_id for s in services.top_for(w.need, w.enterprise)]


# ---------------------------------------------------------------- lexicon


def test_admins_add_lexicon_entries_in_the_form_the_matcher_reads(world):
    w = world
    entry = services.add_lexicon_entry(w.admin, LexiconKind.TERM, "  ＢＭＳ热失控  ")
    assert entry.word == "bms热失控" and entry.canonical is None
    synonym = services.add_lexicon_entry(w.admin, LexiconKind.SYNONYM, "储能柜", " 储能系统 ")
    assert (synonym.word, synonym.canonical) == ("储能柜", "储能系统")
    assert db.session.scalar(sa.select(AuditEvent.id).where(AuditEvent.action == "match.lexicon_add"))
    # the index is rebuilt in the background once the edit commits
    assert db.session.scalar(sa.select(OutboxMessage.id).where(OutboxMessage.task == "matching.rebuild_index"))

    services.remove_lexicon_entry(w.admin, entry)
    assert db.session.get(LexiconEntry, entry.id) is None
    assert db.session.scalar(sa.select(AuditEvent.id).where(AuditEvent.action == "match.lexicon_remove"))


@pytest.mark.parametrize(
    ("kind", "word", "canonical", "message"),
    [
        (LexiconKind.STOPWORD, "   ", None, "Enter a word"),
        (LexiconKind.TERM, "热" * 41, None, "too long"),
        (LexiconKind.STOPWORD, "ＡＩ", None, "already in the lexicon"),  # seeded as a synonym (ai)
        (LexiconKind.STOPWORD, "系统", None, "already in the lexicon"),  # a seeded stop word
        (LexiconKind.SYNONYM, "储能柜", None, "term the synonym stands for"),
        (LexiconKind.SYNONYM, "储能柜", "储能柜", "another word"),
        (LexiconKind.SYNONYM, "锂电芯", "锂电", "锂离子电池"),  # 锂电 is itself read as 锂离子电池
        (LexiconKind.SYNONYM, "锂离子电池", "锂电池组", "cannot become a synonym"),
    ],
)
def test_lexicon_entries_are_refused_with_a_clear_message(world, kind, word, canonical, message):
    with pytest.raises(ValueError, match=message):
        services.add_lexicon_entry(world.admin, kind, word, canonical)


def test_only_admins_edit_the_lexicon(world):
    w = world
    entry = db.session.scalars(sa.select(LexiconEntry)).first()
    for user in (w.broker, w.enterprise, w.researcher):
        with pytest.raises(PermissionDenied):
            services.add_lexicon_entry(user, LexiconKind.TERM, "热失控")
        with pytest.raises(PermissionDenied):
            services.remove_lexicon_entry(user, entry)


# ---------------------------------------------------------------- the full re-match


def published_count() -> int:
    from webapp.achievements.models import Achievement
    from webapp.needs.models import Need

    return sum(
        db.session.scalar(sa.select(sa.func.count(m.id)).where(m.status == ListingStatus.PUBLISHED))
        for m in (Need, Achievement)
    )


def test_an_admin_starts_the_full_rematch_and_it_runs_to_the_end(world):
    w = world
    job = services.start_rematch(w.admin)
    assert job.status is MatchJobStatus.QUEUED and job.started_by_id == w.admin.id
    assert db.session.scalar(sa.select(OutboxMessage.kwargs).where(OutboxMessage.task == "matching.rematch")) == {
        "job_id": job.id
    }
    with pytest.raises(ValueError, match="already queued or running"):
        services.start_rematch(w.admin)

    seen = []
    services.run_rematch(job.id, commit=db.session.flush, progress=lambda done, total: seen.append((done, total)))

    assert job.status is MatchJobStatus.DONE and job.finished_at is not None and job.percent == 100
    assert job.processed == job.total == published_count()
    assert seen[-1] == (job.total, job.total)
    new = db.session.scalar(sa.select(sa.func.count(Suggestion.id)).where(Suggestion.status == SuggestionStatus.NEW))
    assert job.suggestions == new >= 2
    assert pair(w.need, w.battery) is not None
    # finished: running it again changes nothing, and a new one may start
    services.run_rematch(job.id, commit=db.session.flush)
    assert job.status is MatchJobStatus.DONE
    assert services.start_rematch(w.admin).id != job.id


def test_a_rematch_drops_new_suggestions_found_by_neither_side(world):
    w = world
    stale = Suggestion(need_id=w.need.id, achievement_id=w.vision.id, score=70.0, parts={}, terms=[])
    db.session.add(stale)
    db.session.flush()
    job = services.create_job(w.admin)
    services.run_rematch(job.id, commit=db.session.flush)
    assert pair(w.need, w.vision) is None and pair(w.need, w.battery) is not None


def test_a_full_rematch_keeps_every_suggestion_incremental_matching_found(world, make_user):
    w = world
    researcher = make_user("researcher")
    newer = [
        make_listing(
            db.session,
            "a",
            owner_id=researcher.id,
            title=f"电池包相变材料热管理方案{i}",
            keywords=["相变材料"],
            summary="储能电池包快充温升控制，液冷板与相变材料复合散热。",
        )
        for i in range(3)
    ]
    for listing in newer:
        listing.updated_at = utcnow() + timedelta(seconds=1)  # newer than the index: the incremental part
    db.session.flush()
    services.refresh_need(w.need.id)
    for listing in newer:
        services.refresh_achievement(listing.id)
    before = {s.achievement_id for s in suggestions(w.need.id)}
    assert {a.id for a in newer} <= before

    job = services.create_job(w.admin)
    services.run_rematch(job.id, commit=db.session.flush)
    # The index now holds them, so the library's statistics (and scores) move; no pair is lost.
    assert before <= {s.achievement_id for s in suggestions(w.need.id)}


def test_the_full_rematch_in_helper_processes_stores_what_one_process_stores(world, app, monkeypatch):
    w = world
    for i in range(4):
        make_listing(
            db.session, "n", owner_id=w.enterprise.id, title=f"储能电池包散热需求{i}", description=NEED["description"]
        )
    db.session.flush()

    def stored():
        db.session.expire_all()
        return sorted(
            (s.need_id, s.achievement_id, s.score, sorted(s.parts.items()))
            for s in db.session.scalars(sa.select(Suggestion).where(Suggestion.status == SuggestionStatus.NEW))
        )

    monkeypatch.setitem(app.config, "MATCH_PROCESSES", 1)
    services.run_rematch(services.create_job(w.admin).id, commit=db.session.flush)
    alone = stored()
    assert len(alone) >= 10

    # Forked only from a process with one thread; pytest-xdist's idle I/O thread is no such risk.
    monkeypatch.setattr(runtime.threading, "active_count", lambda: 1)
    monkeypatch.setitem(app.config, "MATCH_PROCESSES", 2)
    helped = []
    services.run_rematch(
        services.create_job(w.admin).id,
        commit=db.session.flush,
        progress=lambda done, total: helped.append(runtime._helpers.get("processes")),
    )
    assert 2 in helped  # the batches were matched by the helpers
    assert stored() == alone
    assert not runtime._helpers  # and the helpers are gone


def test_listings_saved_just_before_the_index_was_built_are_not_read_again(world):
    """Rows changed shortly before a build are re-read only when the files hold an older version
    of them (right after an import, thousands would otherwise be scored one by one)."""
    from datetime import datetime

    from webapp.achievements.models import Achievement

    w = world
    state = runtime._state()
    built_at = datetime.fromisoformat(state["meta"]["built_at"])
    held, newest = state["stamps"]["a"], state["newest"]["a"]
    assert db.session.scalar(sa.select(sa.func.count()).where(Achievement.updated_at > built_at)) == 3
    assert runtime._delta(Achievement, built_at, held, newest) == (set(), [])

    w.battery.title = "锂离子电池组液冷热管理技术（第二版）"
    w.battery.updated_at = utcnow() + timedelta(seconds=1)
    db.session.flush()
    stale, fresh = runtime._delta(Achievement, built_at, held, newest)
    assert stale == {w.battery.id} and [d.title for d in fresh] == ["锂离子电池组液冷热管理技术（第二版）"]


def test_an_index_written_by_another_engine_version_is_rebuilt_not_read(world):
    import json

    folder = runtime.index_dir()
    current = folder / (folder / "CURRENT").read_text().strip()
    meta = json.loads((current / "meta.json").read_text())
    (current / "meta.json").write_text(json.dumps({**meta, "format": 1}))
    (current / "achievements" / "pair_tok.npy").unlink()  # an older layout lacks the newer arrays
    runtime.reset()
    assert runtime.match_need(world.need)[0].achievement_id in (world.battery.id, world.battery_2.id)
    assert (folder / "CURRENT").read_text().strip() != current.name


def test_an_interrupted_rematch_continues_when_run_again(world):
    job = services.create_job(None)
    job.status, job.total, job.processed = MatchJobStatus.RUNNING, 10, 2
    db.session.flush()

    services.run_rematch(job.id, commit=db.session.flush)
    assert job.status is MatchJobStatus.DONE and job.processed == job.total == published_count()


def test_a_failing_rematch_is_marked_failed(world, monkeypatch):
    w = world
    job = services.create_job(w.admin)
    db.session.commit()

    def broken():
        raise RuntimeError("disk full")

    monkeypatch.setattr(runtime, "rebuild_index", broken)
    services.run_rematch(job.id)
    job = db.session.get(MatchJob, job.id)
    assert job.status is MatchJobStatus.FAILED and "disk full" in job.error and job.finished_at is not None
    assert services.running_job() is None


def test_only_admins_start_a_rematch(world):
    for user in (world.broker, world.enterprise, world.researcher):
        with pytest.raises(PermissionDenied):
            services.start_rematch(user)


# ---------------------------------------------------------------- matching follows the listings


def queued(task: str) -> list[dict]:
    return [
        m.kwargs
        for m in db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.task == task).order_by(OutboxMessage.id)
        )
    ]


def test_publishing_and_editing_a_published_listing_have_it_matched(world):
    from webapp.listings.services import save

    w = world
    draft = make_listing(db.session, "n", status=ListingStatus.SUBMITTED, owner_id=w.enterprise.id, **NEED)
    lifecycle.apply(draft, "approve", w.admin)
    assert queued("matching.match_listing")[-1] == {"kind": "need", "listing_id": draft.id}

    save(w.battery, w.admin, {"title": "锂离子电池组液冷热管理系统"}, creating=False)
    assert queued("matching.match_listing")[-1] == {"kind": "achievement", "listing_id": w.battery.id}

    lifecycle.apply(w.vision, "take_down", w.admin, reason="重复发布")  # its suggestions are withdrawn
    assert queued("matching.match_listing")[-1] == {"kind": "achievement", "listing_id": w.vision.id}


def test_publishing_through_the_site_brings_suggestions(make_user, make_client, query):
    """Tasks run in-process here (no Redis): the need is matched right after the approval."""
    from tests.listings.pages import add_achievement, add_need

    researcher, enterprise = make_user("researcher"), make_user("enterprise")
    battery = add_achievement(query, researcher, ListingStatus.PUBLISHED, **BATTERY)
    need = add_need(query, enterprise, ListingStatus.SUBMITTED, **NEED)
    admin = make_client()
    admin.login(make_user("admin").email)

    response = admin.post(f"/needs/{need}/transition", {"action": "approve"})

    assert response.status_code == 302
    rows = query(lambda s: s.scalars(sa.select(Suggestion).where(Suggestion.need_id == need)).all())
    assert battery in [r.achievement_id for r in rows]


def test_imported_listings_are_matched_after_each_batch(app, make_user, query, tmp_path):
    from tests.imports.conftest import write_jsonl
    from tests.listings.pages import add_need

    need = add_need(query, make_user("enterprise"), ListingStatus.PUBLISHED, **NEED)
    rows = [{"external_id": "match-import-1", **BATTERY}, {"external_id": "match-import-2", **VISION}]
    path = write_jsonl(tmp_path / "成果.jsonl", rows)

    result = app.test_cli_runner().invoke(args=["import", "achievements", str(path), "--batch-size", "1"])

    assert result.exit_code == 0, result.output
    messages = query(
        lambda s: [
            m.kwargs
            for m in s.scalars(
                sa.select(OutboxMessage)
                .where(OutboxMessage.task == "matching.match_listing")
                .order_by(OutboxMessage.id)  # the batches in the order they were written
            )
        ]
    )
    assert len(messages) == 2 and {m["kind"] for m in messages} == {"achievement"}  # one per batch
    battery = query(lambda s: s.scalar(sa.select(Suggestion.achievement_id).where(Suggestion.need_id == need)))
    assert battery == messages[0]["listing_id"]
