"""Fitting the engine's weights on judged pairs, and measuring them on needs the fit never saw.

Pure: no Flask, no database. A judged query is its candidates with their unweighted signals
(`Matcher.candidates`), the grades people gave some of them (0–2; unjudged = 0) and the pairs
brokers rejected. The weights are fitted by coordinate ascent on `objective` — nDCG@k where pairs
were graded, the share of rejected pairs kept out of the top k where some were rejected — over the
training queries (a step at a time on one weight, kept when it helps), from the current weights; `cross_validate` fits on all folds but one
and scores the one left out, so the held-out figure is what to expect on new needs. `bands` sets the
thresholds of the confidence bands from the scores and grades of the judged pairs.
"""

from __future__ import annotations

import dataclasses
import json
import math
import random
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from webapp.matching.scoring import FACTS, SIGNALS, Candidates, Weights

STEPS = (0.0, 0.5, 0.8, 1.25, 2.0)  # multipliers tried on a text signal's weight
FACT_STEPS = (0.0, 0.5, 1.0)  # values tried for a fact's scale
ROUNDS = 3
K = 6


# -- judged pairs: graded relevance read by people (../shared/eval-dev/ and the project's own) ---


def read_judgements(*paths: str | Path) -> dict[str, dict[str, float]]:
    """{need id: {document id: grade}} from JSON Lines of {"need_id", "doc_id", "grade"} (the mean
    of two blind judges, 0–2); a later file adds pairs, never overrides an earlier judgement."""
    judged: dict[str, dict[str, float]] = defaultdict(dict)
    for path in paths:
        with Path(path).open(encoding="utf-8") as lines:
            for row in (json.loads(line) for line in lines if line.strip()):
                judged[str(row["need_id"])].setdefault(str(row["doc_id"]), float(row["grade"]))
    return dict(judged)


def graded_ndcg(ranked: Sequence, grades: Mapping, k: int) -> float | None:
    """nDCG@k with the judged grades as gains (unjudged = 0); None when nothing is relevant."""
    dcg = sum(grades.get(doc, 0.0) / math.log2(rank + 2) for rank, doc in enumerate(ranked[:k]))
    ideal = sorted(grades.values(), reverse=True)[:k]
    idcg = sum(g / math.log2(rank + 2) for rank, g in enumerate(ideal))
    return dcg / idcg if idcg else None


def graded_recall(ranked: Sequence, grades: Mapping, k: int) -> float | None:
    """Relevant documents (grade ≥ 1) in the top k / min(k, relevant); None when nothing is relevant."""
    relevant = {doc for doc, grade in grades.items() if grade >= 1}
    return len(relevant & set(ranked[:k])) / min(len(relevant), k) if relevant else None


@dataclass
class Judged:
    """One need's candidates and the grades people gave some documents (by the ids of `found`;
    judged documents that are not candidates still count in the ideal ranking)."""

    need: str
    found: Candidates
    grades: dict[int, float]
    rejected: dict[int, float] = dataclasses.field(default_factory=dict)  # brokers' rejections: weight

    def ranked(self, weights: Weights, k: int = K) -> list[int]:
        return [int(i) for i in self.found.ids[self.found.ranking(weights)[0][:k]]]

    def ndcg(self, weights: Weights, k: int = K) -> float | None:
        return graded_ndcg(self.ranked(weights, k), self.grades, k)

    def recall(self, weights: Weights, k: int = K) -> float | None:
        return graded_recall(self.ranked(weights, k), self.grades, k)

    def rejections_kept_out(self, weights: Weights, k: int = K) -> float | None:
        """The weighted share of the brokers' rejected pairs that stay out of the top k."""
        if not self.rejected:
            return None
        top = set(self.ranked(weights, k))
        total = sum(self.rejected.values())
        return sum(w for doc, w in self.rejected.items() if doc not in top) / total

    def objective(self, weights: Weights, k: int = K) -> list[float]:
        return [v for v in (self.ndcg(weights, k), self.rejections_kept_out(weights, k)) if v is not None]


def judged_query(need: str, found: Candidates, grades: dict, rejected: dict | None = None) -> Judged:
    return Judged(
        need,
        found,
        {int(doc): float(grade) for doc, grade in grades.items()},
        {int(doc): float(weight) for doc, weight in (rejected or {}).items()},
    )


def mean_ndcg(queries: Sequence[Judged], weights: Weights, k: int = K) -> float:
    values = [v for q in queries if (v := q.ndcg(weights, k)) is not None]
    return sum(values) / len(values) if values else 0.0


def mean_recall(queries: Sequence[Judged], weights: Weights, k: int = K) -> float:
    values = [v for q in queries if (v := q.recall(weights, k)) is not None]
    return sum(values) / len(values) if values else 0.0


def mean_rejections_kept_out(queries: Sequence[Judged], weights: Weights, k: int = K) -> float:
    values = [v for q in queries if (v := q.rejections_kept_out(weights, k)) is not None]
    return sum(values) / len(values) if values else 1.0


def objective(queries: Sequence[Judged], weights: Weights, k: int = K) -> float:
    """What the fit maximises: the mean over queries of nDCG@k where people judged pairs, and of the
    share of rejected pairs kept out of the top k where brokers rejected some."""
    values = [v for q in queries for v in q.objective(weights, k)]
    return sum(values) / len(values) if values else 0.0


def fit(queries: Sequence[Judged], start: Weights, k: int = K) -> Weights:
    """Coordinate ascent on `objective`; the text weights are scaled to sum to 100 at the end."""
    best, best_value = start, objective(queries, start, k)
    for _ in range(ROUNDS):
        improved = False
        for name in (*SIGNALS, *FACTS):
            current = getattr(best, name)
            if name in SIGNALS:
                tries = [current * step for step in STEPS] + ([10.0] if current == 0 else [])
            else:
                tries = list(FACT_STEPS)
            for value in tries:
                if value == current:
                    continue
                candidate = dataclasses.replace(best, **{name: value})
                score = objective(queries, candidate, k)
                if score > best_value + 1e-9:
                    best, best_value, improved = candidate, score, True
        if not improved:
            break
    return normalised(best)


def normalised(weights: Weights) -> Weights:
    """Text weights summing to 100, the bands scaled with them (the ranking does not change)."""
    total = sum(getattr(weights, n) for n in SIGNALS)
    if total <= 0:
        return weights
    factor = 100.0 / total
    return dataclasses.replace(
        weights,
        **{n: round(getattr(weights, n) * factor, 2) for n in SIGNALS},
        **{n: round(getattr(weights, n) * factor, 3) for n in FACTS},
        bands=tuple((name, round(value * factor, 1)) for name, value in weights.bands),
    )


@dataclass(frozen=True)
class Validation:
    folds: int
    before_ndcg: float  # the starting weights on the held-out folds
    before_recall: float
    after_ndcg: float  # weights fitted without each fold, scored on it
    after_recall: float


def cross_validate(queries: Sequence[Judged], start: Weights, folds: int = 5, seed: int = 1, k: int = K) -> Validation:
    """Fit on all folds but one, score the one left out; means over the held-out queries."""
    order = list(range(len(queries)))
    random.Random(seed).shuffle(order)
    held_nd, held_rc = [], []
    for fold in range(folds):
        test = [queries[i] for i in order[fold::folds]]
        train = [queries[i] for i in order if i not in set(order[fold::folds])]
        fitted = fit(train, start, k)
        held_nd += [v for q in test if (v := q.ndcg(fitted, k)) is not None]
        held_rc += [v for q in test if (v := q.recall(fitted, k)) is not None]

    def mean(xs):
        return sum(xs) / len(xs) if xs else 0.0

    return Validation(folds, mean_ndcg(queries, start, k), mean_recall(queries, start, k), mean(held_nd), mean(held_rc))


BAND_SHARES = (("high", 0.3), ("medium", 0.1))  # the least share of grade ≥ 1 each band promises


def bands(queries: Sequence[Judged], weights: Weights, top: int = 10) -> tuple[tuple[str, float], ...]:
    """Thresholds such that, among the judged pairs of each query's top `top` at or above it, at least
    the band's share has grade ≥ 1; `low` starts where a candidate shares anything worth reading (a
    tenth of the lowest of the others, at least 1 point)."""
    pairs = []
    for q in queries:
        order, scores = q.found.ranking(weights, floor=0.0)
        for p in order[:top]:
            pairs.append((float(scores[p]), q.grades.get(int(q.found.ids[p]), 0.0) >= 1))
    pairs.sort(key=lambda x: -x[0])
    out = []
    for name, share in BAND_SHARES:
        threshold = None
        hits = 0
        for count, (score, relevant) in enumerate(pairs, start=1):
            hits += relevant
            last_of_its_score = count == len(pairs) or pairs[count][0] < score  # a band takes ties whole
            if count >= 5 and last_of_its_score and hits / count >= share:
                threshold = score
        out.append((name, round(threshold if threshold is not None else 100.0, 1)))
    low = max(1.0, round(min(v for _, v in out) / 10, 1))
    return (*out, ("low", low))
