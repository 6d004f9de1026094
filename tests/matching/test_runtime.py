"""The engine inside the application: index files, listings newer than the index, withdrawn
listings, the admins' lexicon and the brokers' rejections, on SQLite and PostgreSQL."""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np
import pytest

from tests.listings.search_factory import make_listing
from webapp.core.db import utcnow
from webapp.extensions import db
from webapp.listings.models import ListingStatus
from webapp.matching import runtime
from webapp.matching.models import LexiconEntry, LexiconKind, RejectReason, Suggestion, SuggestionStatus
from webapp.matching.scoring import squash

BATTERY = {
    "title": "锂离子电池组液冷热管理技术",
    "keywords": ["锂离子电池", "液冷", "热管理"],
    "summary": "动力电池组快充温升控制：液冷板与相变材料复合，电芯温差小于3℃。",
}
VISION = {
    "title": "钢板表面缺陷机器视觉检测",
    "keywords": ["机器视觉", "缺陷检测"],
    "summary": "工业相机与卷积神经网络识别冷轧钢板表面划痕与裂纹。",
}
NEED = {
    "title": "锂电池包快充温升控制",
    "keywords": ["锂电", "冷却"],
    "description": "储能电池包快充时温度升高过快，寻求液冷或相变材料的热管理技术。",
}


@pytest.fixture
def fresh_index(app):
    runtime.reset()
    yield
    runtime.reset()


def publish(kind: str, **fields):
    return make_listing(db.session, kind, **fields)


def test_a_need_finds_achievements_and_the_index_survives_a_restart(app_ctx, fresh_index):
    battery = publish("a", **BATTERY)
    publish("a", **VISION)
    need = publish("n", **NEED)
    facts = runtime.rebuild_index()
    assert facts["achievements"] >= 2 and facts["needs"] >= 1

    first = runtime.match_need(need)
    assert first[0].achievement_id == battery.id
    assert "锂离子电池" in first[0].terms

    runtime.reset()  # as a new process would: the files are loaded, not rebuilt
    generation = (runtime.index_dir() / "CURRENT").read_text()
    again = runtime.match_need(need)
    assert (runtime.index_dir() / "CURRENT").read_text() == generation
    assert [(m.achievement_id, m.score) for m in again] == [(m.achievement_id, m.score) for m in first]


def test_a_listing_published_after_the_build_is_matched_at_once(app_ctx, fresh_index):
    publish("a", **VISION)
    need = publish("n", **NEED)
    runtime.rebuild_index()
    assert all(m.achievement_id != need.id for m in runtime.match_need(need))

    newer = publish("a", **BATTERY)
    newer.updated_at = utcnow() + timedelta(seconds=1)
    db.session.flush()
    assert runtime.match_need(need)[0].achievement_id == newer.id
    assert runtime.match_achievement(newer)[0].need_id == need.id


def test_a_listing_written_on_an_earlier_clock_after_the_build_is_matched_too(app_ctx, fresh_index, freeze_clock):
    """The demo replays its story on a past clock, and tests stop the clock in the past: a listing
    added after the build still counts, though its time is earlier than the build's."""
    publish("a", **VISION)
    need = publish("n", **NEED)
    runtime.rebuild_index()
    built_at = runtime.status()["built_at"]
    freeze_clock(built_at - timedelta(days=200))
    older_in_time = publish("a", **BATTERY)
    assert older_in_time.updated_at < built_at
    assert runtime.match_need(need)[0].achievement_id == older_in_time.id


def test_a_withdrawn_achievement_is_no_longer_suggested(app_ctx, fresh_index):
    battery = publish("a", **BATTERY)
    need = publish("n", **NEED)
    runtime.rebuild_index()
    assert runtime.match_need(need)[0].achievement_id == battery.id

    battery.status = ListingStatus.OFFLINE
    battery.updated_at = utcnow() + timedelta(seconds=1)
    db.session.flush()
    assert battery.id not in [m.achievement_id for m in runtime.match_need(need)]


def test_an_admin_stop_word_stops_matching_after_the_rebuild(app_ctx, fresh_index):
    battery = publish("a", title="量子点显示薄膜", keywords=["量子点"], summary="量子点薄膜用于显示背光，色域提升。")
    need = publish("n", title="量子点背光模组", keywords=["量子点"], description="寻求量子点背光的显示方案。")
    runtime.rebuild_index()
    assert runtime.match_need(need)[0].achievement_id == battery.id

    db.session.add(LexiconEntry(kind=LexiconKind.STOPWORD, word="量子点"))
    db.session.flush()
    runtime.rebuild_index()
    matches = runtime.match_need(need)
    assert all("量子点" not in m.terms for m in matches)


def test_repeated_field_rejections_lower_that_pairing(app_ctx, fresh_index, make_user):
    from tests.listings.search_factory import field_named

    energy, ai = field_named(db.session, "新能源汽车"), field_named(db.session, "人工智能")
    assert energy is not None and ai is not None
    battery = publish("a", **BATTERY, field_id=ai.id)
    need = publish("n", **NEED, field_id=energy.id)
    runtime.rebuild_index()
    before = runtime.match_need(need)[0]
    assert before.achievement_id == battery.id and before.parts["history"] == 0

    broker = make_user("broker")
    for i in range(3):
        other_need = publish("n", title=f"电池需求{i}", description="电池热管理需求。", field_id=energy.id)
        other = publish("a", title=f"图像识别{i}", summary="图像识别算法。", field_id=ai.id)
        db.session.add(
            Suggestion(
                need_id=other_need.id,
                achievement_id=other.id,
                score=50,
                status=SuggestionStatus.REJECTED,
                reason=RejectReason.FIELD,
                decided_by_id=broker.id,
                decided_at=utcnow(),
            )
        )
    db.session.flush()
    after = runtime.match_need(need)[0]
    assert after.parts["history"] < 0 and after.score < before.score
    # The points taken come off before the score is compressed towards 100 (scoring.squash, above 80).
    raw = before.score if before.score <= 80 else 80 - 20 * math.log(1 - (before.score - 80) / 20)
    assert after.score == pytest.approx(float(squash(np.array(raw + after.parts["history"]))), abs=0.2)
    assert sum(after.parts.values()) == pytest.approx(after.score, abs=0.2)
