"""An introduction is a proposal: the need's owner and the achievement's owner each agree or
decline before they see each other's identity, on SQLite and PostgreSQL."""

from __future__ import annotations

from tests.matching.test_services import matched, pair, world  # noqa: F401 (the fixture)
from webapp.extensions import db
from webapp.matching import services
from webapp.matching.models import ConsentAnswer, Introduction


def test_a_new_introduction_waits_for_both_sides_and_knows_who_is_which(world):  # noqa: F811
    w = world
    matched(w)
    introduction = services.accept(pair(w.need, w.battery), w.broker, None)

    assert introduction.need_answer is None and introduction.achievement_answer is None
    assert not introduction.agreed
    assert introduction.side_of(w.enterprise) == "need"
    assert introduction.side_of(w.researcher) == "achievement"
    assert introduction.side_of(w.broker) is None and introduction.side_of(w.admin) is None

    introduction.need_answer = introduction.achievement_answer = ConsentAnswer.ACCEPTED
    introduction.need_answered_at = introduction.achievement_answered_at = introduction.created_at
    db.session.flush()
    db.session.expire_all()
    assert db.session.get(Introduction, introduction.id).agreed
