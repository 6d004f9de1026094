"""Both owners agree to an introduction through the service, as they would on its page: what a test
needs before the two sides see each other or a deal is opened from it."""

from __future__ import annotations

from webapp.extensions import db
from webapp.matching.models import ConsentAnswer, Introduction
from webapp.matching.services import answer_introduction


def both_agree(introduction: Introduction) -> Introduction:
    s = introduction.suggestion
    for owner in (s.need.owner, s.achievement.owner):
        answer_introduction(introduction, owner, ConsentAnswer.ACCEPTED)
    db.session.flush()
    return introduction
