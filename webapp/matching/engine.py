"""The matching engine: a query's candidates from the indexes (`index.py`), their signals and facts
(`signals.py`, `scoring.adjustments`), scored with the weights (`scoring.py`), filtered and
explained. A `Matcher` holds both sides with one vocabulary.

Pure: no Flask, no database. `runtime.py` feeds it listings and stores what it returns.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process

from webapp.matching.index import (
    BM25_B,
    BM25_K1,
    GRAM,
    Analysed,
    Doc,
    SideIndex,
    Vocab,
    analyse,
    title_grams,
)
from webapp.matching.scoring import (
    DEFAULT_WEIGHTS,
    FACTS,
    SIGNALS,
    SQUASH_FROM,
    Candidates,
    Match,
    adjustments,
)
from webapp.matching.signals import PairSignals, gather, row_sums
from webapp.matching.text import Analyser

MAX_TERMS = 8
# A candidate whose BM25 reaches this share of the most the query could score counts 1 on that signal
# (more for more: a short query's own listing may reach several times that):
# the best achievement for a real need typically scores a tenth to a third of its pairs' most.
# (Words are scored by bm25s, whose BM25 leaves out the (k1 + 1) factor: a share 2.5 times smaller.)
CHARS_FULL, KEYWORDS_FULL = 0.3, 0.25
SAME_TITLE_FROM, SAME_TITLE_BONUS = 80.0, 15.0  # title similarity from which the bonus starts, and its most
PREFIX_FROM = 5  # characters a cut-short title needs before its start counts as the same title
TITLE_FLOOR = 15.0  # idf weight of about two rare words


class _Idf:
    """idf by term id; terms newer than the index (first seen in a query) count as the rarest."""

    def __init__(self, known: np.ndarray):
        self.known = known
        self.rarest = float(known.max()) if known.size else 1.0

    def __getitem__(self, ids: np.ndarray) -> np.ndarray:
        ids = np.asarray(ids)
        inside = ids < self.known.size
        return np.where(inside, self.known[np.where(inside, ids, 0)] if self.known.size else 0.0, self.rarest).astype(
            np.float32
        )


class _TermWeights:
    """A query's term weights by term id, in a table only as long as the query's largest id."""

    def __init__(self, ids: np.ndarray, weights: np.ndarray):
        ids = np.asarray(ids, dtype=np.int64)
        self.size = int(ids.max()) + 1 if ids.size else 0
        self.table = np.zeros(max(self.size, 1), dtype=np.float32)
        self.table[ids] = weights

    def __getitem__(self, tokens: np.ndarray) -> np.ndarray:
        tokens = np.asarray(tokens)
        if self.size == 0 or tokens.size == 0:
            return np.zeros(tokens.shape, dtype=np.float32)
        inside = tokens < self.size
        return np.where(inside, self.table[np.where(inside, tokens, 0)], np.float32(0))


class Matcher:
    """Both sides with one vocabulary; `for_need` finds achievements, `for_achievement` needs."""

    weights = DEFAULT_WEIGHTS  # its lowest band's bound is the threshold (`Weights.floor`)

    def __init__(self, analyser: Analyser, achievements: SideIndex, needs: SideIndex):
        if achievements.vocab is not needs.vocab:
            raise ValueError("both sides must share one vocabulary (build them with the same Vocab)")
        self.analyser = analyser
        self.vocab = achievements.vocab
        self.sides = {"a": achievements, "n": needs}
        self._idf_cache: _Idf | None = None
        self.pair_signals = PairSignals(achievements, needs)
        self._extra_cache: dict[Doc, Analysed] = {}

    @classmethod
    def build(cls, analyser: Analyser, achievements: Sequence[Doc], needs: Sequence[Doc]) -> Matcher:
        vocab = Vocab()
        matcher = cls(analyser, SideIndex.build(achievements, analyser, vocab), SideIndex.build(needs, analyser, vocab))
        n = matcher.sides["n"].a
        for p in range(matcher.sides["n"].n):
            start, end = n["pair_ptr"][p], n["pair_ptr"][p + 1]
            best = matcher.pair_signals.feedback_top(n["pair_tok"][start:end], n["pair_qcnt"][start:end])
            n["feedback"][p, : len(best)] = best
        return matcher

    def save(self, folder: str | os.PathLike) -> None:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "vocab.json").write_text(json.dumps(self.vocab.terms, ensure_ascii=False), "utf-8")
        self.sides["a"].save(folder / "achievements")
        self.sides["n"].save(folder / "needs")

    @classmethod
    def load(cls, folder: str | os.PathLike, analyser: Analyser) -> Matcher:
        folder = Path(folder)
        vocab = Vocab(json.loads((folder / "vocab.json").read_text("utf-8")))
        return cls(analyser, SideIndex.load(folder / "achievements", vocab), SideIndex.load(folder / "needs", vocab))

    # -- public API -----------------------------------------------------------------------
    def for_need(
        self,
        doc: Doc,
        limit: int = 20,
        exclude: Iterable[int] = (),
        extra: Sequence[Doc] = (),
        pair_penalty: Mapping[tuple[int, int], float] | None = None,
    ) -> list[Match]:
        return self._match(doc, "n", limit, exclude, extra, pair_penalty)

    def for_achievement(
        self,
        doc: Doc,
        limit: int = 20,
        exclude: Iterable[int] = (),
        extra: Sequence[Doc] = (),
        pair_penalty: Mapping[tuple[int, int], float] | None = None,
    ) -> list[Match]:
        return self._match(doc, "a", limit, exclude, extra, pair_penalty)

    def candidates_for_need(self, doc: Doc) -> set[int]:
        """Listing ids the keyword stage hands to the re-ranking (for measuring what it keeps)."""
        query = analyse(doc, self.analyser, self.vocab)
        side = self.sides["a"]
        return {
            int(side.a["ids"][p])
            for p in side.top(
                query.full,
                self._grams(doc),
                pairs=dict(zip(query.pairs.tolist(), query.query_counts.tolist(), strict=True)),
            )[0]
        }

    def candidates(
        self,
        doc: Doc,
        query_kind: str = "n",
        exclude: Iterable[int] = (),
        extra: Sequence[Doc] = (),
        pair_penalty: Mapping[tuple[int, int], float] | None = None,
    ) -> Candidates:
        """Every candidate of a query with its unweighted signals (for ranking, and for fitting)."""
        return self._candidates(doc, query_kind, exclude, extra, pair_penalty)[0]

    # -- internals ------------------------------------------------------------------------
    EXTRA_CACHE = 20_000

    def _analysed(self, doc: Doc) -> Analysed:
        """A listing newer than the index, analysed once per process while it stays unchanged (the
        same listings come back with every query until the next build)."""
        found = self._extra_cache.get(doc)
        if found is None:
            if len(self._extra_cache) >= self.EXTRA_CACHE:
                self._extra_cache.clear()
            found = self._extra_cache[doc] = analyse(doc, self.analyser, self.vocab)
        return found

    def _grams(self, doc: Doc) -> list[int]:
        known = self.vocab.ids
        return [known[GRAM + g] for g in title_grams(doc.title) if GRAM + g in known]

    def _idf(self) -> _Idf:
        if self._idf_cache is None:
            # Rarity is judged on the achievements, the larger and more varied library.
            self._idf_cache = _Idf(self.sides["a"].idf(len(self.vocab)))
        return self._idf_cache

    def _match(
        self,
        doc: Doc,
        query_kind: str,
        limit: int,
        exclude: Iterable[int],
        extra: Sequence[Doc],
        pair_penalty: Mapping[tuple[int, int], float] | None,
    ) -> list[Match]:
        found, query, side, extras, extra_ids = self._candidates(doc, query_kind, exclude, extra, pair_penalty)
        weights = self.weights
        order, total = found.ranking(weights)
        ids = found.ids
        chosen = order[:limit]
        results: list[Match] = []
        for i in chosen:
            other = int(ids[i])
            need_id, achievement_id = (doc.id, other) if query_kind == "n" else (other, doc.id)
            points = {name: float(found.signals[i, c] * getattr(weights, name)) for c, name in enumerate(SIGNALS)}
            points["fuzzy"] += float(found.same_title[i])
            points.update({name: float(found.facts[i, c] * getattr(weights, name)) for c, name in enumerate(FACTS)})
            points["history"] = float(found.history[i])
            gains = sum(v for v in points.values() if v > 0)
            losses = sum(v for v in points.values() if v < 0)
            # Compressed above SQUASH_FROM: the gains shrink with the score, so the parts still add up
            # to it (the points taken stay as they are).
            shrink = (float(total[i]) - losses) / gains if gains + losses > SQUASH_FROM else 1.0
            parts = {name: round(value * shrink if value > 0 else value, 1) for name, value in points.items()}
            score = round(float(total[i]), 1)
            results.append(Match(need_id, achievement_id, score, parts, [], weights.band(score)))
        self._explain(results, query, side, query_kind, extras, extra_ids, self._idf())
        return results

    def _candidates(
        self,
        doc: Doc,
        query_kind: str,
        exclude: Iterable[int],
        extra: Sequence[Doc],
        pair_penalty: Mapping[tuple[int, int], float] | None,
    ):
        side = self.sides["a" if query_kind == "n" else "n"]
        query = analyse(doc, self.analyser, self.vocab)
        excluded = set(exclude)
        extra = [d for d in extra if d.id not in excluded]
        extra_ids = [d.id for d in extra]
        hidden = excluded | set(extra_ids)  # a newer copy replaces the index's one
        extras = [self._analysed(d) for d in extra]
        query_pair_counts = dict(zip(query.pairs.tolist(), query.query_counts.tolist(), strict=True))
        positions, keywords = side.top(query.full, self._grams(doc), pairs=query_pair_counts)
        if hidden and positions.size:
            keep = ~np.isin(side.a["ids"][positions], np.fromiter(hidden, dtype=np.int64, count=len(hidden)))
            positions, keywords = positions[keep], keywords[keep]
        chars = self.pair_signals.chars(query, query_kind, side, positions, extras)
        related = self.pair_signals.related(query, query_kind, positions, extras)
        idf = self._idf()
        q_full_w = _TermWeights(query.full, idf[query.full])
        q_short_w = _TermWeights(query.short, idf[query.short])
        q_short_norm = float(idf[query.short].sum()) or 1.0

        # Candidates from the index, as arrays.
        a = side.a
        full_tok, full_off = gather(a["full_ptr"], a["full_tok"], positions)
        short_tok, short_off = gather(a["short_ptr"], a["short_tok"], positions)
        q_short_in_doc = row_sums(q_short_w[full_tok], full_off)
        doc_short_in_q = row_sums(q_full_w[short_tok], short_off)
        doc_short_norm = row_sums(idf[short_tok], short_off)
        texts = [side.short_texts[p] for p in positions]
        titles = [side.titles[p] for p in positions]
        facts = (
            np.stack(
                [
                    a["root"][positions],
                    a["leaf"][positions],
                    a["maturity"][positions],
                    a["money_min"][positions],
                    a["money_max"][positions],
                    a["coop"][positions],
                ],
                axis=1,
            ).astype(np.int64)
            if positions.size
            else np.empty((0, 6), dtype=np.int64)
        )
        ids = a["ids"][positions].astype(np.int64)

        # Listings newer than the index, scored the same way against the index's statistics.
        if extras:
            e_kw, e_qs, e_ds, e_dsn = [], [], [], []
            kw_terms = side.known_words(query.full)
            kw_most = side.most_words(kw_terms)
            for ex in extras:
                length = 1.0 - BM25_B + BM25_B * (len(ex.full) + len(ex.short)) / side.avgdl
                shared = np.isin(ex.full, kw_terms)
                kw_idf = np.log1p((side.n - a["df"][ex.full[shared]] + 0.5) / (a["df"][ex.full[shared]] + 0.5))
                e_kw.append(float(kw_idf.sum()) * (BM25_K1 + 1) / (1 + BM25_K1 * length) / kw_most)
                e_qs.append(float(q_short_w[ex.full].sum()))
                e_ds.append(float(q_full_w[ex.short].sum()))
                e_dsn.append(float(idf[ex.short].sum()))
            keywords = np.concatenate([keywords, e_kw])
            q_short_in_doc = np.concatenate([q_short_in_doc, e_qs])
            doc_short_in_q = np.concatenate([doc_short_in_q, e_ds])
            doc_short_norm = np.concatenate([doc_short_norm, e_dsn])
            texts = texts + [ex.short_text for ex in extras]
            titles = titles + [ex.title for ex in extras]
            facts = np.concatenate(
                [
                    facts,
                    np.array(
                        [[ex.root, ex.leaf, ex.maturity, ex.money_min, ex.money_max, ex.coop] for ex in extras],
                        dtype=np.int64,
                    ),
                ]
            )
            ids = np.concatenate([ids, np.array(extra_ids, dtype=np.int64)])

        # A title of a few common words is not "covered" by merely appearing in a long text.
        title = 0.5 * (
            q_short_in_doc / max(q_short_norm, TITLE_FLOOR) + doc_short_in_q / np.maximum(doc_short_norm, TITLE_FLOOR)
        )
        # Two empty strings are "identical" to RapidFuzz: score only texts that have something.
        has_title = np.array([bool(t) for t in titles], dtype=bool)
        same_title = (
            process.cdist([query.title], titles, scorer=fuzz.ratio, workers=1, score_cutoff=1)[0]
            if query.title and titles
            else np.zeros(len(titles))
        ) * has_title
        if len(query.title) >= PREFIX_FROM:  # a title cut short is the start of the full one
            starts = np.array([t.startswith(query.title) for t in titles], dtype=bool)
            same_title = np.where(starts, np.maximum(same_title, 95.0), same_title)
        fuzzy = (
            np.maximum(
                process.cdist([query.short_text], texts, scorer=fuzz.token_sort_ratio, workers=1, score_cutoff=1)[0]
                if query.short_text and texts
                else np.zeros(len(texts)),
                same_title,
            )
            * has_title
            / 100.0
        )
        # Nearly the same title (a typo, full-width digits, the name cut short) names the same thing.
        title_bonus = SAME_TITLE_BONUS * np.clip((same_title - SAME_TITLE_FROM) / (100 - SAME_TITLE_FROM), 0, 1)

        query_facts = np.array(
            [[query.root, query.leaf, query.maturity, query.money_min, query.money_max, query.coop]], dtype=np.int64
        ).repeat(len(ids), axis=0)
        if query_kind == "n":
            adjust, ruled_out = adjustments(query_facts, facts, pair_penalty)
        else:
            adjust, ruled_out = adjustments(facts, query_facts, pair_penalty)
        signals = (
            np.stack(
                [
                    chars / CHARS_FULL,
                    keywords / KEYWORDS_FULL,
                    np.clip(title, 0, 1),
                    fuzzy,
                    np.clip(related, 0, 1),
                ],
                axis=1,
            )
            if len(ids)
            else np.empty((0, len(SIGNALS)))
        )
        found = Candidates(
            ids=ids,
            signals=signals,
            facts=np.stack([adjust[name] for name in FACTS], axis=1) if len(ids) else np.empty((0, len(FACTS))),
            same_title=title_bonus,
            ruled_out=ruled_out,
            history=adjust["history"],
        )
        return found, query, side, extras, extra_ids

    def _explain(
        self,
        results: list[Match],
        query: Analysed,
        side: SideIndex,
        query_kind: str,
        extras: list[Analysed],
        extra_ids: list[int],
        idf: _Idf,
    ) -> None:
        by_extra = dict(zip(extra_ids, extras, strict=True))
        in_query = _TermWeights(query.full, np.ones(len(query.full), dtype=np.float32))
        for match in results:
            other = match.achievement_id if query_kind == "n" else match.need_id
            if other in by_extra:
                terms = by_extra[other].full
            else:
                p = side.position[other]
                terms = side.a["full_tok"][side.a["full_ptr"][p] : side.a["full_ptr"][p + 1]]
            shared = terms[in_query[terms] > 0]
            shared = shared[np.argsort(-idf[shared], kind="stable")][: 2 * MAX_TERMS]
            words = [self.vocab.terms[int(t)] for t in shared]
            kept: list[str] = []
            for word in sorted(words, key=len, reverse=True):  # 锂离子电池 makes 电池 redundant
                if not any(word in longer for longer in kept):
                    kept.append(word)
            match.terms = [w for w in words if w in kept][:MAX_TERMS]
