"""Matching runs in a real Celery worker on a real Redis: a need approved on the site gets its
suggestions, and an admin's full re-match runs to the end."""

from __future__ import annotations

import time
import uuid

import pytest
import sqlalchemy as sa

from tests.conftest import Client, changing, wait_for
from webapp.core.db import utcnow
from webapp.extensions import db
from webapp.listings.models import ListingStatus
from webapp.matching.models import MatchJob, MatchJobStatus, Suggestion

pytestmark = [pytest.mark.live, pytest.mark.xdist_group("celery")]


def add_listings(app, researcher, enterprise, tag: str) -> tuple[int, int]:
    """A published battery achievement and a battery need waiting for review."""
    from webapp.achievements.models import Achievement
    from webapp.needs.models import Need

    with app.app_context():
        achievement = Achievement(
            owner_id=researcher.id,
            status=ListingStatus.PUBLISHED,
            published_at=utcnow(),
            external_id=f"worker-match-a-{tag}",
            title=f"锂离子电池组液冷热管理技术{tag}",
            keywords=["锂离子电池", "液冷", "热管理"],
            summary="动力电池组快充温升控制：液冷板与相变材料复合，电芯温差小于3℃，适用于储能电池包。",
        )
        need = Need(
            owner_id=enterprise.id,
            status=ListingStatus.SUBMITTED,
            external_id=f"worker-match-n-{tag}",
            title=f"锂电池包快充温升控制{tag}",
            keywords=["锂电", "冷却"],
            description="我公司生产储能电池包，快充时电池温度升高过快，寻求液冷或相变材料的热管理技术。",
        )
        db.session.add_all([achievement, need])
        db.session.commit()
        return achievement.id, need.id


def pairs_of(app, need_id: int) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(sa.select(Suggestion.achievement_id).where(Suggestion.need_id == need_id)))


def test_a_need_approved_on_the_site_gets_suggestions_from_the_worker(redis_app, celery_worker, make_live_user):
    tag = uuid.uuid4().hex[:6]
    researcher, enterprise, admin = (make_live_user(role) for role in ("researcher", "enterprise", "admin"))
    achievement_id, need_id = add_listings(redis_app, researcher, enterprise, tag)
    client = Client(redis_app)
    client.login(admin.email)

    started = time.monotonic()
    response = client.post(f"/needs/{need_id}/transition", {"action": "approve"})

    assert response.status_code == 302
    found = wait_for(lambda: achievement_id in pairs_of(redis_app, need_id))
    print(f"suggestions stored {time.monotonic() - started:.2f}s after the approval")
    assert found, "the worker did not match the need:\n" + celery_worker.output()[-3000:]
    assert "matching.match_listing" in celery_worker.output()


def test_a_full_rematch_runs_in_the_worker_to_the_end(redis_app, celery_worker, make_live_user):
    from webapp.accounts.models import User
    from webapp.matching import services

    researcher, enterprise, admin = (make_live_user(role) for role in ("researcher", "enterprise", "admin"))
    add_listings(redis_app, researcher, enterprise, uuid.uuid4().hex[:6])
    with redis_app.app_context():
        waiting = services.running_job()
        waiting_id = waiting.id if waiting is not None else None
    if waiting_id is not None:  # left by an earlier run of the suite on this database
        wait_for(lambda: _finished(redis_app, waiting_id))
    with changing(redis_app):  # the worker may be committing an earlier test's work meanwhile
        job = services.start_rematch(db.session.get(User, admin.id))
        db.session.commit()
        job_id = job.id

    started = time.monotonic()
    done = wait_for(lambda: _finished(redis_app, job_id))
    print(f"full re-match finished {time.monotonic() - started:.2f}s after it was started")
    assert done, "the worker did not finish the re-match:\n" + celery_worker.output()[-3000:]
    with redis_app.app_context():
        job = db.session.get(MatchJob, job_id)
        assert job.status is MatchJobStatus.DONE, job.error
        assert job.processed == job.total > 0 and job.finished_at is not None


def _finished(app, job_id: int) -> bool:
    with app.app_context():
        job = db.session.get(MatchJob, job_id)
        return job is not None and job.status.finished
