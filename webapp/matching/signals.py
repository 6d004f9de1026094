"""The text signals over character pairs, always seen from the need: `chars` (BM25 of the need's
pairs in the achievement's text, as a share of the most the need could score) and `related`
(pseudo-relevance feedback: the achievement's wording against that of the need's best
achievements by `chars`). Also the array helpers the engine reads the index's rows with.

Pure: no Flask, no database.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from webapp.matching.index import (
    BM25_B,
    BM25_K1,
    FEEDBACK_TOP,
    QUERY_PAIRS,
    Analysed,
    SideIndex,
    bm25_hits,
    top_hits,
)

FEEDBACK_POOL = 50  # the need's best by BM25 over character pairs among which they are picked


def gather(ptr: np.ndarray, tok: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The term ids of several rows of a CSR array, concatenated, and each row's start offset."""
    starts = ptr[rows]
    lengths = ptr[rows + 1] - starts
    offsets = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    total = int(offsets[-1])
    if total == 0:
        return np.empty(0, dtype=np.int32), offsets
    positions = np.repeat(starts - offsets[:-1], lengths) + np.arange(total)
    return tok[positions], offsets


def row_sums(values: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    out = np.zeros(len(offsets) - 1, dtype=np.float64)
    if values.size:
        sums = np.add.reduceat(values.astype(np.float64), offsets[:-1].clip(max=values.size - 1))
        lengths = np.diff(offsets)
        out[lengths > 0] = sums[lengths > 0]
    return out


def lookup(keys: np.ndarray, values: np.ndarray, tokens: np.ndarray) -> np.ndarray:
    """values[keys == token] for each token, 0 where absent (keys unique)."""
    if not len(keys) or not len(tokens):
        return np.zeros(len(tokens))
    # A table up to the largest key, read at each token (ids are small integers): many times
    # faster than a binary search per token, and np.zeros costs nothing until written.
    top = int(np.max(keys)) + 1
    table = np.zeros(top + 1)
    table[np.asarray(keys, dtype=np.int64)] = values
    return table[np.minimum(np.asarray(tokens, dtype=np.int64), top)]


def pair_share(
    tok: np.ndarray,
    q_cnt: np.ndarray,
    tf: np.ndarray,
    offsets: np.ndarray,
    lengths: np.ndarray,
    achievements: SideIndex,
    query: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """Per row: BM25 of a need's pairs (counted `q_cnt` times) found `tf` times in an achievement of
    `lengths` pairs, over the most the need could score, with the achievements' pair statistics.
    `tok` lists the pairs of whichever side varies by row; with `query` (one need for every row) the
    most is that need's, plus the pairs only the row's achievement shares with it. A pair the library
    lacks counts as its rarest when the achievement has it; a pair neither has does not count."""
    df_all, n = achievements.a["pair_df"], max(achievements.n, 1)

    def idf(ids: np.ndarray, present: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        inside = ids < len(df_all)
        df = (np.where(inside, df_all[np.where(inside, ids, 0)], 0) if len(df_all) else np.zeros(len(ids))).astype(
            np.float64
        )
        floor = np.maximum(df, 1)
        return np.log1p((n - floor + 0.5) / (floor + 0.5)) * ((df > 0) | present), df

    rows = len(offsets) - 1
    row = np.repeat(np.arange(rows), np.diff(offsets))
    tf = np.asarray(tf, dtype=np.float64)
    q_cnt = np.asarray(q_cnt, dtype=np.float64)
    tok = np.asarray(tok, dtype=np.int64)
    if query is not None:  # only the pairs the need has matter on the achievements' side
        keep = q_cnt > 0
        tok, tf, q_cnt, row = tok[keep], tf[keep], q_cnt[keep], row[keep]
    token_idf, token_df = idf(tok, tf > 0)
    norm = 1.0 - BM25_B + BM25_B * lengths[row] / max(achievements.pair_avgdl, 1e-9)
    gain = q_cnt * token_idf * tf * (BM25_K1 + 1) / np.maximum(tf + BM25_K1 * norm, 1e-9)
    scored = np.bincount(row, weights=gain, minlength=rows)
    if query is None:  # the rows' pairs are the needs' own
        most = np.bincount(row, weights=q_cnt * token_idf * (BM25_K1 + 1), minlength=rows)
    else:  # the rows' pairs are the achievements': the need's known pairs, plus those only a row has
        q_ids, q_counts = query
        q_idf, _ = idf(np.asarray(q_ids, dtype=np.int64), np.zeros(len(q_ids), dtype=bool))
        base = float((q_idf * q_counts).sum() * (BM25_K1 + 1))
        only_here = (token_df == 0) & (tf > 0)
        most = base + np.bincount(
            row, weights=np.where(only_here, q_cnt * token_idf * (BM25_K1 + 1), 0.0), minlength=rows
        )
    return np.where(most > 0, scored / np.maximum(most, 1e-9), 0.0)


class PairSignals:
    """`chars` and `related` for the candidates of a query, over both sides' character pairs."""

    def __init__(self, achievements: SideIndex, needs: SideIndex):
        self.achievements = achievements
        self.needs = needs
        self._units_cache: np.ndarray | None = None

    def feedback_top(self, pairs: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """A need's FEEDBACK_TOP best achievements by `chars` (positions in the achievements' index, best
        first), picked among its FEEDBACK_POOL best by BM25 over character pairs; `counts` are the
        need's pairs counted as a query."""
        side = self.achievements
        none = np.empty(0, dtype=np.int64)
        pairs, counts = np.asarray(pairs, dtype=np.int64), np.asarray(counts, dtype=np.float64)
        if side.bm_pairs is None or not pairs.size:
            return none
        asked, times = pairs[pairs < side.n_terms], counts[pairs < side.n_terms]
        df = side.a["pair_df"][asked]
        asked, times, df = asked[df > 0], times[df > 0], df[df > 0]
        if asked.size > QUERY_PAIRS:  # as the need's own query asks
            keep = np.argsort(df, kind="stable")[:QUERY_PAIRS]
            asked, times = asked[keep], times[keep]
        if not asked.size:
            return none
        pool = np.sort(top_hits(*bm25_hits(side.bm_pairs, asked, side.n, times), FEEDBACK_POOL))
        a = side.a
        tok, off = gather(a["pair_ptr"], a["pair_tok"], pool)
        tf, _ = gather(a["pair_ptr"], a["pair_cnt"], pool)
        chars = pair_share(
            tok,
            lookup(pairs, counts, tok),
            tf,
            off,
            a["pair_dl"][pool].astype(np.float64),
            side,
            query=(pairs, counts),
        )
        order = np.lexsort((a["ids"][pool], -np.round(chars, 6)))[:FEEDBACK_TOP]
        return pool[order[chars[order] > 0]]

    def _unit_rows(self, tok: np.ndarray, tf: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        """Weights of concatenated rows of character pairs, (1 + ln tf)·idf scaled to unit length per
        row (idf from the achievements; a pair they lack counts as their rarest)."""
        side = self.achievements
        df_all = side.a["pair_df"]
        tok = np.asarray(tok, dtype=np.int64)
        inside = tok < len(df_all)
        df = np.maximum(np.where(inside, df_all[np.where(inside, tok, 0)] if len(df_all) else 0, 0), 1)
        n = max(side.n, 1)
        weights = (1.0 + np.log(np.maximum(np.asarray(tf, dtype=np.float64), 1.0))) * np.log1p(
            np.maximum(n - df + 0.5, 0.0) / (df + 0.5)
        )
        norms = np.sqrt(row_sums(weights * weights, offsets))
        row = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))
        return weights / np.maximum(norms[row], 1e-12)

    def _units(self) -> np.ndarray:
        """`_unit_rows` of every achievement of the index, once per loaded index."""
        if self._units_cache is None:
            a = self.achievements.a
            self._units_cache = self._unit_rows(a["pair_tok"], a["pair_cnt"], a["pair_ptr"])
        return self._units_cache

    def _achievement_rows(self, positions: np.ndarray, extras: Sequence[Analysed] = ()):
        """Achievements' character pairs as unit rows: (pair ids, weights, row offsets), index
        positions first, then listings newer than the index."""
        a = self.achievements.a
        positions = np.asarray(positions, dtype=np.int64)
        tok, off = gather(a["pair_ptr"], a["pair_tok"], positions)
        weights, _ = gather(a["pair_ptr"], self._units(), positions)
        tok, weights = tok.astype(np.int64), weights.astype(np.float64)
        for ex in extras:
            unit = self._unit_rows(ex.pairs, ex.pair_counts, np.array([0, len(ex.pairs)], dtype=np.int64))
            tok, weights = np.concatenate([tok, ex.pairs]), np.concatenate([weights, unit])
            off = np.append(off, off[-1] + len(ex.pairs))
        return tok, weights, off

    def related(self, query: Analysed, query_kind: str, positions: np.ndarray, extras: list[Analysed]) -> np.ndarray:
        """The `related` signal of each candidate (index positions, then extras): the mean cosine over
        character pairs between the achievement and each of the need's best achievements."""
        rows = len(positions) + len(extras)
        if not rows:
            return np.zeros(0)
        if query_kind == "n":  # the need's best achievements against each candidate achievement
            best = self.feedback_top(query.pairs, query.query_counts)
            if not best.size:
                return np.zeros(rows)
            b_tok, b_w, _ = self._achievement_rows(best)
            keys, inverse = np.unique(b_tok, return_inverse=True)
            centroid = np.bincount(inverse, weights=b_w) / len(best)
            tok, weights, off = self._achievement_rows(positions, extras)
            return row_sums(weights * lookup(keys, centroid, tok), off)
        # the query is an achievement: each candidate need's best achievements against it
        best = np.full((rows, FEEDBACK_TOP), -1, dtype=np.int64)
        best[: len(positions)] = self.needs.a["feedback"][np.asarray(positions, dtype=np.int64)]
        for i, ex in enumerate(extras, start=len(positions)):
            found = self.feedback_top(ex.pairs, ex.query_counts)
            best[i, : len(found)] = found
        known = best >= 0
        referenced = np.unique(best[known])
        if not referenced.size or not query.pairs.size:
            return np.zeros(rows)
        q_w = self._unit_rows(query.pairs, query.pair_counts, np.array([0, len(query.pairs)], dtype=np.int64))
        tok, weights, off = self._achievement_rows(referenced)
        cosine = row_sums(weights * lookup(query.pairs.astype(np.int64), q_w, tok), off)
        at = np.searchsorted(referenced, np.where(known, best, referenced[0]))
        return np.where(known, cosine[at], 0.0).sum(axis=1) / np.maximum(known.sum(axis=1), 1)

    def chars(
        self, query: Analysed, query_kind: str, side: SideIndex, positions: np.ndarray, extras: list[Analysed]
    ) -> np.ndarray:
        """The `chars` signal of each candidate (index positions, then extras), always seen from the
        need: BM25 of the need's character pairs (title counted TITLE_REPEAT times) in the
        achievement's text, with the achievements' statistics, as a share of the most that need could
        score. So a pair scores the same whichever side found it."""
        a = side.a
        tok, off = gather(a["pair_ptr"], a["pair_tok"], positions)
        if query_kind == "n":  # one need (the query) against each candidate achievement
            tf, _ = gather(a["pair_ptr"], a["pair_cnt"], positions)
            lengths = a["pair_dl"][positions].astype(np.float64)
            for ex in extras:
                tok, tf = np.concatenate([tok, ex.pairs]), np.concatenate([tf, ex.pair_counts])
                off = np.append(off, off[-1] + len(ex.pairs))
                lengths = np.append(lengths, float(ex.pair_counts.sum()))
            q_cnt = lookup(query.pairs, query.query_counts, tok)
            return pair_share(tok, q_cnt, tf, off, lengths, self.achievements, query=(query.pairs, query.query_counts))
        # each candidate need (its pairs as a query) against one achievement (the query)
        q_cnt, _ = gather(a["pair_ptr"], a["pair_qcnt"], positions)
        for ex in extras:
            tok, q_cnt = np.concatenate([tok, ex.pairs]), np.concatenate([q_cnt, ex.query_counts])
            off = np.append(off, off[-1] + len(ex.pairs))
        tf = lookup(query.pairs, query.pair_counts, tok)
        lengths = np.full(len(off) - 1, float(query.pair_counts.sum()))
        return pair_share(tok, q_cnt, tf, off, lengths, self.achievements)
