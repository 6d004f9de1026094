"""Fitting the weights on labelled pairs (pure): a broker's rejection that names a part of the score
teaches that part; the held-out figure is measured on queries the fit never saw; bands follow the
share of relevant pairs."""

from __future__ import annotations

import dataclasses

import numpy as np

from webapp.matching import fit
from webapp.matching.scoring import FACTS, SIGNALS, Candidates, Weights

START = Weights(chars=100.0, keywords=0.0, title=0.0, fuzzy=0.0, field=0.0, maturity=0.0, budget=0.0, mode=0.0)


def candidates(chars: list[float], field: list[float]) -> Candidates:
    n = len(chars)
    signals = np.zeros((n, len(SIGNALS)))
    signals[:, SIGNALS.index("chars")] = chars
    facts = np.zeros((n, len(FACTS)))
    facts[:, FACTS.index("field")] = field
    return Candidates(
        ids=np.arange(1, n + 1),
        signals=signals,
        facts=facts,
        same_title=np.zeros(n),
        history=np.zeros(n),
        ruled_out=np.zeros(n, dtype=bool),
    )


def test_a_rejection_for_the_wrong_field_teaches_the_field_weight():
    # Eight candidates; the sixth by wording is in another field (−12 points) and was rejected as such.
    found = candidates([0.9, 0.8, 0.7, 0.6, 0.55, 0.5, 0.45, 0.44], [6, 6, 6, 6, 6, -12, 6, 6])
    query = fit.judged_query("n1", found, {1: 2.0, 6: 0.0}, {6: 2.0})
    assert 6 in query.ranked(START)  # in the top 6 as things stand
    fitted = fit.fit([query], START)
    assert fitted.field > 0
    assert 6 not in query.ranked(fitted)
    assert query.ranked(fitted)[0] == 1


def test_without_any_rejection_the_field_weight_is_left_alone():
    found = candidates([0.9, 0.8, 0.7, 0.6, 0.55, 0.5, 0.45, 0.44], [6, 6, 6, 6, 6, -12, 6, 6])
    query = fit.judged_query("n1", found, {1: 2.0, 6: 0.0})
    assert fit.fit([query], START).field == 0


def test_the_held_out_figure_scores_each_query_with_weights_fitted_without_it():
    relevant_first = fit.judged_query("a", candidates([0.9, 0.5, 0.1], [0, 0, 0]), {1: 2.0})
    relevant_last = fit.judged_query("b", candidates([0.9, 0.5, 0.1], [0, 0, 0]), {3: 2.0})
    result = fit.cross_validate([relevant_first, relevant_last], START, folds=2)
    assert result.before_ndcg == (1.0 + relevant_last.ndcg(START)) / 2
    assert 0 <= result.after_ndcg <= 1 and result.folds == 2


def test_bands_hold_the_promised_share_of_relevant_pairs():
    # Per query the best pair is relevant and nine others are not.
    queries = [
        fit.judged_query(str(i), candidates([0.9 - i / 100, *[0.5 - j / 20 for j in range(9)]], [0] * 10), {1: 2.0})
        for i in range(10)
    ]
    weights = dataclasses.replace(START, bands=(("low", 0.0),))
    bands = dict(fit.bands(queries, weights))
    scored = [
        (s, q.grades.get(int(i), 0) >= 1)
        for q in queries
        for i, s in zip(q.found.ids, q.found.scores(weights), strict=True)
    ]
    for name, share in fit.BAND_SHARES:
        kept = [relevant for score, relevant in scored if score >= bands[name]]
        assert sum(kept) / len(kept) >= share
    assert all(relevant for score, relevant in scored if score >= 81)  # every relevant pair is in the top band
    assert bands["high"] > bands["medium"] > bands["low"] > 0
