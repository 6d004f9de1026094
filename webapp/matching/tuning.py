"""The platform learns its weights: pairs judged by reading plus the brokers' own decisions become
labelled queries, the weights are refitted and measured on needs each fit never saw, and only then,
when asked, the new set replaces the live one (audited; one step back restores the previous set).

A broker's acceptance counts as a pair worth introducing (grade 2), a rejection as one that is not
(grade 0), and so does an introduction one of the two parties declined (`sources.refused_pairs`). A rejection whose reason names a part of the score (领域不符 → field, 成熟度不足 →
maturity, 预算不匹配 → budget) counts twice in the fit's objective: the part it names is the one
that can move such pairs down, so that is what it teaches.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask import g
from flask_babel import gettext as _

from webapp.core import audit, outbox
from webapp.core.db import utcnow
from webapp.core.permissions import require
from webapp.extensions import db
from webapp.matching import fit, runtime, sources
from webapp.matching.models import MatchWeights, RejectReason, Suggestion, SuggestionStatus
from webapp.matching.permissions import is_admin
from webapp.matching.scoring import Weights
from webapp.matching.services import rematch

NAMED_PART = {RejectReason.FIELD: "field", RejectReason.MATURITY: "maturity", RejectReason.BUDGET: "budget"}
ACCEPTED_GRADE = 2.0


@dataclass
class FitReport:
    needs: int  # needs with labelled pairs
    judged: int  # pairs judged by reading, found in the database
    decided: int  # pairs decided by brokers
    validation: fit.Validation  # the live weights and the refitted ones on held-out folds
    weights: Weights  # fitted on all of them
    rejections_before: float  # share of rejected pairs kept out of the top k, live weights
    rejections_after: float

    @property
    def better(self) -> bool:
        return self.validation.after_ndcg >= self.validation.before_ndcg

    def figures(self) -> dict:
        v = self.validation
        return {
            "needs": self.needs,
            "judged": self.judged,
            "decided": self.decided,
            "folds": v.folds,
            "before": {"ndcg": round(v.before_ndcg, 4), "recall": round(v.before_recall, 4)},
            "after": {"ndcg": round(v.after_ndcg, 4), "recall": round(v.after_recall, 4)},
            "rejections_kept_out": {
                "before": round(self.rejections_before, 4),
                "after": round(self.rejections_after, 4),
            },
        }


def labelled_queries(judged_files: Iterable[str | Path] = ()) -> tuple[list[fit.Judged], int, int]:
    """Every published need with a judged or decided pair, as a query with its candidates (the live
    index) and its labels; the counts of judged and decided pairs used."""
    from webapp.achievements.models import Achievement
    from webapp.needs.models import Need

    grades: dict[int, dict[int, float]] = {}
    rejected: dict[int, dict[int, float]] = {}
    judged = decided = 0
    files = [Path(f) for f in judged_files]
    if files:
        by_need = dict(
            db.session.execute(sa.select(Need.external_id, Need.id).where(Need.external_id.is_not(None))).all()
        )
        by_achievement = dict(
            db.session.execute(
                sa.select(Achievement.external_id, Achievement.id).where(Achievement.external_id.is_not(None))
            ).all()
        )
        for need_ref, docs in fit.read_judgements(*files).items():
            if need_ref not in by_need:
                continue
            for doc_ref, grade in docs.items():
                if doc_ref in by_achievement:
                    grades.setdefault(by_need[need_ref], {})[by_achievement[doc_ref]] = grade
                    judged += 1
    rows = db.session.execute(
        sa.select(Suggestion.need_id, Suggestion.achievement_id).where(Suggestion.status != SuggestionStatus.NEW)
    ).all()
    refused_table = sources.refused_pairs()
    refused = {
        (n, a): reason
        for n, a, reason in db.session.execute(
            sa.select(refused_table.c.need_id, refused_table.c.achievement_id, refused_table.c.reason)
        )
    }
    for need_id, achievement_id in rows:
        if achievement_id in grades.get(need_id, {}):
            continue  # people who read both texts already said
        decided += 1
        if (need_id, achievement_id) not in refused:
            grades.setdefault(need_id, {})[achievement_id] = ACCEPTED_GRADE
        else:
            reason = refused[need_id, achievement_id]
            grades.setdefault(need_id, {})[achievement_id] = 0.0
            rejected.setdefault(need_id, {})[achievement_id] = 2.0 if reason in NAMED_PART else 1.0
    matcher = runtime.live_matcher()
    paths = sources.field_paths()
    penalties = sources.field_pair_penalties()
    queries = []
    for need in db.session.scalars(sa.select(Need).where(Need.id.in_(sorted(grades)))):
        found = matcher.candidates(sources.need_doc(need, paths), "n", pair_penalty=penalties)
        queries.append(fit.judged_query(str(need.id), found, grades[need.id], rejected.get(need.id, {})))
    return queries, judged, decided


def refit(judged_files: Iterable[str | Path] = (), folds: int = 5) -> FitReport:
    """Fit the weights on the judged pairs and the brokers' decisions; nothing is stored."""
    queries, judged, decided = labelled_queries(judged_files)
    if not queries:
        raise ValueError(_("There is nothing to learn from: no judged pair and no decided suggestion."))
    live = sources.weights()
    validation = fit.cross_validate(queries, live, folds=min(folds, len(queries)))
    fitted = fit.fit(queries, live)
    fitted = dataclasses.replace(fitted, bands=fit.bands(queries, fitted))
    return FitReport(
        needs=len(queries),
        judged=judged,
        decided=decided,
        validation=validation,
        weights=fitted,
        rejections_before=fit.mean_rejections_kept_out(queries, live),
        rejections_after=fit.mean_rejections_kept_out(queries, fitted),
    )


def activate(report: FitReport, user=None, note: str | None = None) -> MatchWeights:
    """Make the fitted weights the live ones (admins, or the operator on the command line) and
    queue a full re-match so that every stored score and band follows them."""
    require(user is None or is_admin(user))
    current = _active()
    if current is not None:
        current.active = False
        db.session.flush()  # one live set at a time (the database holds that rule too)
    row = MatchWeights(
        weights=report.weights.as_dict(),
        figures=report.figures(),
        active=True,
        activated_at=utcnow(),
        note=(note or "").strip()[:1000] or None,
        previous_id=current.id if current is not None else None,
        created_by_id=getattr(user, "id", None),
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        "match.weights",
        row,
        actor=user,
        before={"weights": current.weights if current is not None else Weights().as_dict()},
        after={"weights": row.weights, "figures": row.figures},
    )
    _changed(user)
    return row


def roll_back(user=None) -> MatchWeights | None:
    """Go back to the set that was live before the current one (the defaults when there was none);
    returns the set now live, or None for the defaults."""
    require(user is None or is_admin(user))
    current = _active()
    if current is None:
        raise ValueError(_("The default weights are live: there is nothing to go back from."))
    current.active = False
    db.session.flush()
    previous = db.session.get(MatchWeights, current.previous_id) if current.previous_id else None
    if previous is not None:
        previous.active = True
        previous.activated_at = utcnow()
        db.session.flush()
    audit.record(
        "match.weights_rollback",
        current,
        actor=user,
        before={"weights": current.weights},
        after={"weights": previous.weights if previous is not None else Weights().as_dict()},
    )
    _changed(user)
    return previous


def _active() -> MatchWeights | None:
    return db.session.scalar(sa.select(MatchWeights).where(MatchWeights.active.is_(True)))


def _changed(user) -> None:
    g.pop(sources.WEIGHTS_KEY, None)
    if rematch.running_job() is None:
        job = rematch.create_job(user)
        outbox.enqueue("matching.rematch", job_id=job.id)
