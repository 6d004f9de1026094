"""How a pair is scored: the signals and facts, the weights that turn them into a 0–100 score, the
confidence bands and the threshold below which nothing is suggested.

Pure: no Flask, no database, no index; `engine.py` computes each candidate's signals and facts.

- text signals, 0–1 each and comparable between queries: `chars`, the need's character pairs
  (its title counted TITLE_REPEAT times) in the achievement's text, BM25 as a share of the most
  the need could score — always seen from the need, so a pair scores the same whichever side
  found it; `keywords`, the same over the lexicon's words; `title`, how much of each side's title
  and keywords the other covers; `fuzzy`, RapidFuzz of the titles; `related`, how alike the
  achievement's wording is to that of the need's FEEDBACK_TOP best achievements by `chars` (cosine
  over character pairs, their mean): pseudo-relevance feedback, which brings up achievements that
  say the same thing in the words of the need's closest matches rather than the need's own — also
  seen from the need (the achievements' index keeps each need's best ones);
- facts, in points scaled by their weight (`adjustments`): the field (the same field above the same
  area, which is above different areas), maturity (as mature as expected above one stage short,
  above more), budget (a price within budget above one up to twice it; beyond, the pair is ruled
  out) and cooperation mode (one in common above none) — each only when both sides state it;
- unweighted points: nearly the same title (a typo, the name cut short) up to +15, and the
  brokers' repeated 领域不符 for this pair of areas, down to −15.

The weights are fitted on judged real pairs (`fit.py`, `python -m bench match_relevance`), and
`Weights.bands` turn a score into a confidence band whose meaning was measured on those pairs; the
lowest band's bound (`Weights.floor`) is the threshold.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

# The text signals, each 0–1 and comparable between queries (see `Weights`).
SIGNALS = ("chars", "keywords", "title", "fuzzy", "related")
FACTS = ("field", "maturity", "budget", "mode")
HISTORY_MOST = 15.0  # the most points the brokers' rejections for a pair of areas take


@dataclass(frozen=True)
class Weights:
    """How much each signal is worth in a pair's score (0–100), and the bands' lower bounds.

    Text signals (0–1 each): `chars`, BM25 over character pairs of the whole text with the query's
    title counted TITLE_REPEAT times, as a share of the most that query could score (CHARS_FULL = 1);
    `keywords`, BM25 over the lexicon's words, the same way; `title`, how much of each side's title
    and keywords the other covers; `fuzzy`, RapidFuzz of the titles; `related`, the achievement's
    wording against that of the need's best achievements (mean cosine). Facts scale the structured
    points (field, maturity, budget, cooperation mode; 1 = as documented in `adjustments`, 0 = off).
    Fitted on judged pairs by `webapp.matching.fit` (cross-validated); `bands` are score thresholds
    whose meaning (share of suggestions a broker would look at) is measured on the same pairs."""

    chars: float = 71.43
    keywords: float = 0.0
    title: float = 0.0
    fuzzy: float = 0.0
    related: float = 28.57
    field: float = 0.0
    maturity: float = 0.107
    budget: float = 0.107
    mode: float = 0.0
    bands: tuple[tuple[str, float], ...] = (("high", 57.3), ("medium", 12.7), ("low", 1.3))

    def as_dict(self) -> dict:
        return {**{name: getattr(self, name) for name in (*SIGNALS, *FACTS)}, "bands": dict(self.bands)}

    @classmethod
    def from_dict(cls, data: Mapping) -> Weights:
        # A signal a stored set does not name came after it was fitted: it had no weight then.
        values = {name: float(data.get(name, 0.0)) for name in SIGNALS}
        values.update({name: float(data[name]) for name in FACTS if name in data})
        if "bands" in data:
            values["bands"] = tuple(
                sorted(((str(k), float(v)) for k, v in dict(data["bands"]).items()), key=lambda kv: -kv[1])
            )
        return cls(**values)

    @property
    def floor(self) -> float:
        """The threshold: the lowest score worth a broker's look, below which nothing is suggested or
        queued (the lowest band's bound). The application reads it through `sources.threshold()`."""
        return min(v for _, v in self.bands) if self.bands else 0.0

    def band(self, score: float) -> str | None:
        for name, lowest in self.bands:
            if score >= lowest:
                return name
        return None


DEFAULT_WEIGHTS = Weights()


@dataclass
class Match:
    need_id: int
    achievement_id: int
    score: float
    parts: dict[str, float] = field(default_factory=dict)
    terms: list[str] = field(default_factory=list)
    band: str | None = None


SQUASH_FROM = 80.0  # scores above this are compressed towards 100, never cut (which would tie them)


def squash(raw: np.ndarray) -> np.ndarray:
    """Points to a 0–100 score: unchanged up to SQUASH_FROM, then smoothly towards 100, so that the
    order of strong candidates (a listing's own near-identical title, say) survives the cap."""
    raw = np.maximum(np.asarray(raw, dtype=np.float64), 0.0)
    room = 100.0 - SQUASH_FROM
    return np.where(raw <= SQUASH_FROM, raw, SQUASH_FROM + room * (1 - np.exp(-(raw - SQUASH_FROM) / room)))


@dataclass
class Candidates:
    """One query's candidates with their unweighted signals, before any weight is applied (what
    fitting the weights works on): `signals` per SIGNALS (0–1), `facts` per FACTS (points as in
    `adjustments`), and the points no weight scales (same-title bonus, brokers' history)."""

    ids: np.ndarray
    signals: np.ndarray  # (n, len(SIGNALS))
    facts: np.ndarray  # (n, len(FACTS))
    same_title: np.ndarray  # (n,)
    history: np.ndarray  # (n,)
    ruled_out: np.ndarray  # (n,) bool

    def scores(self, weights: Weights) -> np.ndarray:
        w_signals = np.array([getattr(weights, n) for n in SIGNALS])
        w_facts = np.array([getattr(weights, n) for n in FACTS])
        return squash(self.signals @ w_signals + self.facts @ w_facts + self.same_title + self.history)

    def ranking(self, weights: Weights, floor: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Positions of the candidates worth suggesting, best first (ties by id, so the order is the
        same between runs and databases), and every candidate's score."""
        total = self.scores(weights)
        floor = weights.floor if floor is None else floor
        eligible = np.flatnonzero(~self.ruled_out & (total >= floor))
        return eligible[np.lexsort((self.ids[eligible], -np.round(total[eligible], 1)))], total


def adjustments(
    need: np.ndarray, achievement: np.ndarray, pair_penalty: Mapping[tuple[int, int], float] | None = None
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Points added or taken for the structured facts of pairs, and which pairs are ruled out.

    Rows are (field root, field leaf, maturity rank, money min, money max, coop mask), −1 when
    unknown; a need's maturity is the one it expects and its money its budget."""
    n_root, n_leaf, n_mat, n_low, n_high, n_coop = need.T
    a_root, a_leaf, a_mat, a_low, a_high, a_coop = achievement.T
    size = len(need)
    classified = (n_root >= 0) & (a_root >= 0)
    field_points = np.where(n_leaf == a_leaf, 6.0, np.where(n_root == a_root, 3.0, -12.0))
    field_points = np.where(classified, field_points, 0.0)
    history = np.zeros(size)
    if pair_penalty:
        for (need_root, achievement_root), points in pair_penalty.items():
            history -= np.where(
                classified & (n_root == need_root) & (a_root == achievement_root), min(HISTORY_MOST, float(points)), 0.0
            )
    gap = n_mat - a_mat
    maturity = np.where(gap <= 0, 3.0, np.where(gap == 1, -6.0, -15.0))
    maturity = np.where((n_mat >= 0) & (a_mat >= 0), maturity, 0.0)
    budget = np.where(n_high >= 0, n_high, n_low)
    price = np.where(a_low >= 0, a_low, a_high)
    priced = (budget > 0) & (price >= 0)
    budget_points = np.where(priced, np.where(price <= budget, 3.0, -8.0), 0.0)
    ruled_out = priced & (price > 2 * budget)
    both_modes = (n_coop != 0) & (a_coop != 0)
    mode = np.where(both_modes, np.where((n_coop & a_coop) != 0, 3.0, -6.0), 0.0)
    parts = {"field": field_points, "maturity": maturity, "budget": budget_points, "mode": mode, "history": history}
    return parts, ruled_out


def pair_adjustments(
    need: tuple[int, ...], achievement: tuple[int, ...], pair_penalty: Mapping[tuple[int, int], float] | None = None
) -> dict[str, float] | None:
    """`adjustments` for one pair: the points per fact, or None when the pair is ruled out."""
    parts, ruled_out = adjustments(
        np.array([need], dtype=np.int64), np.array([achievement], dtype=np.int64), pair_penalty
    )
    if ruled_out[0]:
        return None
    return {name: float(values[0]) for name, values in parts.items()}
