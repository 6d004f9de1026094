"""Who may call each API operation, and on which sample object: the table the access-rule test
(tests/api/test_schemathesis.py) checks every operation of the document against.

Each entry: "METHOD /path" → (the roles that may, {path parameter: sample name}). A role outside
the set must get 401, 403 or 404 — never data; a role in it must get past those (its answer may
still be 409 or 422: a generated body or an object's state may refuse the step). The sample
objects belong to users other than the callers (see `make_samples`)."""

from __future__ import annotations

ROLES = ("anonymous", "enterprise", "researcher", "broker", "expert", "admin")
EVERYONE = frozenset(ROLES)
SIGNED_IN = EVERYONE - {"anonymous"}
NOBODY = frozenset()


def only(*roles: str) -> frozenset:
    return frozenset(roles)


POLICY: dict[str, tuple[frozenset, dict[str, str]]] = {
    "GET /api/v1/taxonomy": (EVERYONE, {}),
    "GET /api/v1/achievements": (EVERYONE, {}),
    "GET /api/v1/achievements/mine": (SIGNED_IN, {}),
    "GET /api/v1/achievements/{achievement_id}": (EVERYONE, {"achievement_id": "published_achievement"}),
    "POST /api/v1/achievements": (only("researcher", "admin"), {}),
    # Another researcher's draft: admins may edit it; only its owner submits or withdraws it.
    "PUT /api/v1/achievements/{achievement_id}": (only("admin"), {"achievement_id": "draft_achievement"}),
    "POST /api/v1/achievements/{achievement_id}/submit": (NOBODY, {"achievement_id": "draft_achievement"}),
    "POST /api/v1/achievements/{achievement_id}/withdraw": (NOBODY, {"achievement_id": "published_achievement"}),
    "GET /api/v1/needs": (EVERYONE, {}),
    "GET /api/v1/needs/mine": (SIGNED_IN, {}),
    "GET /api/v1/needs/{need_id}": (EVERYONE, {"need_id": "published_need"}),
    "POST /api/v1/needs": (only("enterprise", "admin"), {}),
    "PUT /api/v1/needs/{need_id}": (only("admin"), {"need_id": "draft_need"}),
    "POST /api/v1/needs/{need_id}/submit": (NOBODY, {"need_id": "draft_need"}),
    "POST /api/v1/needs/{need_id}/withdraw": (NOBODY, {"need_id": "published_need"}),
    "GET /api/v1/dashboard": (only("admin"), {}),
    "GET /api/v1/dashboard/quarterly": (only("admin"), {}),
    # The caller researcher belongs to a university: their office uploads its achievements.
    "POST /api/v1/imports": (only("researcher", "admin"), {}),
    "GET /api/v1/imports/{job_id}": (only("admin"), {"job_id": "import_job"}),
}


def make_samples(session, owners: dict) -> dict[str, int]:
    """The sample objects the table names, owned by `owners` (users of each role who are not the
    callers); returns their ids by sample name."""
    from tests.listings.search_factory import make_listing
    from webapp.listings.models import ListingStatus

    samples = {
        "published_achievement": make_listing(
            session, "a", title="接口样例成果", owner_id=owners["researcher"].id, confidential="样例保密内容"
        ),
        "draft_achievement": make_listing(
            session, "a", title="接口样例成果草稿", status=ListingStatus.DRAFT, owner_id=owners["researcher"].id
        ),
        "published_need": make_listing(
            session, "n", title="接口样例需求", owner_id=owners["enterprise"].id, show_identity=False
        ),
        "draft_need": make_listing(
            session, "n", title="接口样例需求草稿", status=ListingStatus.DRAFT, owner_id=owners["enterprise"].id
        ),
    }
    samples["import_job"] = _import_job(session, owners["researcher"])
    session.flush()
    return {name: obj.id for name, obj in samples.items()}


def _import_job(session, owner):
    """A finished import of a researcher's, with its summary."""
    from webapp.core.db import utcnow
    from webapp.imports.models import ImportJob, JobStatus
    from webapp.imports.report import ImportReport

    report = ImportReport("achievements", "样例成果.csv", rows=2, imported=1, skipped=[(3, "title: 请填写标题。")])
    job = ImportJob(
        kind="achievements",
        filename="样例成果.csv",
        target_status="submitted",
        created_by_id=owner.id,
        organisation_id=owner.organisation_id,
        status=JobStatus.DONE,
        total=2,
        processed=2,
        report=report.to_dict(),
        finished_at=utcnow(),
    )
    session.add(job)
    return job
