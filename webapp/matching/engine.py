"""The matching engine: keyword candidates, RapidFuzz re-ranking, filters and boosts, explanations.

Pure: no Flask, no database. `runtime.py` feeds it listings and stores what it returns.

Per side (achievements, needs) a `SideIndex` holds three BM25 indexes over one vocabulary — the
full text, the title with the keywords, and the title's character pairs — plus, per listing, its
terms (for the shared-term explanation), its short text and title (for RapidFuzz) and the facts
the filters look at. A query takes the union of the top candidates of the indexes (the full-text
index alone lost about half of what RapidFuzz on titles ranks first; the character pairs find
titles that segment into nothing, such as 两优3313), scores each candidate pair on three text
signals and five structured ones, and returns the best with their parts.

The pair score (0–100):

- keywords (≤ 55): full-text BM25 relative to the best candidate's, times how strongly that best
  candidate overlaps the query (the cosine of their idf-weighted term sets), so a weak best
  match does not earn full points;
- title (≤ 25): how much of each side's title and keywords the other side's text covers (a title
  of a few common words counts as if it had about two rare ones);
- fuzzy (≤ 20, + up to 15): RapidFuzz, the better of the token-sort ratio of the two
  titles-with-keywords and the ratio of the raw titles; nearly the same title (ratio above 80, or
  the query's title being the start of the other's) adds up to 15 more;
- field (+6 same field, +3 same area, −12 different areas), maturity (+3 as mature as expected,
  −6 one stage short, −15 more), budget (+3 price within budget, −8 up to twice the budget,
  dropped beyond), mode (+3 a cooperation mode in common, −6 none), history (the broker's
  repeated 领域不符 for this pair of areas, down to −15).

Weights were set on the labelled sets of `python -m bench match_quality` (README).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import bm25s
import numpy as np
from bm25s.tokenization import Tokenized
from rapidfuzz import fuzz, process

from webapp.matching.text import Analyser, normalise

CANDIDATES = 200  # per BM25 index
TITLE_CANDIDATES = 50  # from the titles' character pairs
TITLE_GRAMS = 12  # the query title's rarest character pairs asked of that index
QUERY_TERMS = 32  # the query's rarest terms asked of the indexes (Lucene's more-like-this keeps 25)
WEIGHTS = {"keywords": 55.0, "title": 25.0, "fuzzy": 20.0}
MIN_SCORE = 35.0
MAX_TERMS = 8
KEYWORD_GAIN = 2.5
SAME_TITLE_FROM, SAME_TITLE_BONUS = 80.0, 15.0  # title similarity from which the bonus starts, and its most
PREFIX_FROM = 5  # characters a cut-short title needs before its start counts as the same title
TITLE_FLOOR = 15.0  # idf weight of about two rare words
BM25_K1, BM25_B = 1.5, 0.75  # bm25s's defaults


@dataclass(frozen=True)
class Doc:
    id: int
    title: str
    keywords: tuple[str, ...] = ()
    body: str = ""
    field_path: tuple[int, ...] = ()
    maturity: int | None = None
    money_min: int | None = None
    money_max: int | None = None
    coop_mask: int = 0
    org: str = ""


@dataclass
class Match:
    need_id: int
    achievement_id: int
    score: float
    parts: dict[str, float] = field(default_factory=dict)
    terms: list[str] = field(default_factory=list)


class Vocab:
    """Term ↔ id, shared by both sides so their terms compare by id. Grows in memory for terms
    first seen in a query or a listing newer than the index (never written back)."""

    def __init__(self, terms: Iterable[str] = ()):
        self.ids: dict[str, int] = {}
        self.terms: list[str] = []
        for term in terms:
            self.add(term)

    def add(self, term: str) -> int:
        tid = self.ids.get(term)
        if tid is None:
            tid = self.ids[term] = len(self.terms)
            self.terms.append(term)
        return tid

    def __len__(self) -> int:
        return len(self.terms)


_GRAM_CHARS = re.compile(r"[0-9a-z\u3400-\u9fff]+")
GRAM = "\x00"  # marks a title's character pair in the vocabulary, apart from the words


def title_grams(title: str) -> list[str]:
    """The title's character pairs (letters, digits, CJK), for finding a listing by a mistyped,
    cut short or unsegmentable title such as 两优3313 or 静麦4号."""
    runs = _GRAM_CHARS.findall(normalise(title))
    grams: dict[str, None] = {}
    for run in runs:
        if len(run) == 1:
            grams.setdefault(run, None)
        for i in range(len(run) - 1):
            grams.setdefault(run[i : i + 2], None)
    return list(grams)


def _csr(rows: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
    ptr = np.zeros(len(rows) + 1, dtype=np.int64)
    ptr[1:] = np.cumsum([len(r) for r in rows])
    flat = np.fromiter((t for r in rows for t in r), dtype=np.int32, count=int(ptr[-1]))
    return ptr, flat


def _unique(tokens: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(tokens))


@dataclass
class _Analysed:
    """One listing as the scorer sees it."""

    full: np.ndarray  # unique term ids of title + keywords + body
    short: np.ndarray  # unique term ids of title + keywords
    short_text: str
    title: str
    root: int
    leaf: int
    maturity: int
    money_min: int
    money_max: int
    coop: int


def _facts(doc: Doc) -> tuple[int, int, int, int, int, int]:
    path = doc.field_path or ()
    return (
        path[0] if path else -1,
        path[-1] if path else -1,
        -1 if doc.maturity is None else doc.maturity,
        -1 if doc.money_min is None else doc.money_min,
        -1 if doc.money_max is None else doc.money_max,
        doc.coop_mask or 0,
    )


def analyse(doc: Doc, analyser: Analyser, vocab: Vocab) -> _Analysed:
    short = _unique(analyser.short_tokens(doc.title, doc.keywords))
    full = _unique([*short, *analyser.tokens(doc.body)])
    root, leaf, maturity, low, high, coop = _facts(doc)
    return _Analysed(
        full=np.fromiter((vocab.add(t) for t in full), dtype=np.int32, count=len(full)),
        short=np.fromiter((vocab.add(t) for t in short), dtype=np.int32, count=len(short)),
        short_text=" ".join(short),
        title=normalise(doc.title),
        root=root,
        leaf=leaf,
        maturity=maturity,
        money_min=low,
        money_max=high,
        coop=coop,
    )


class SideIndex:
    """One side (achievements or needs), built from `Doc`s, saved to and memory-mapped from disk."""

    ARRAYS = (
        "ids",
        "full_ptr",
        "full_tok",
        "short_ptr",
        "short_tok",
        "df",
        "dl",
        "root",
        "leaf",
        "maturity",
        "money_min",
        "money_max",
        "coop",
    )

    def __init__(
        self,
        arrays: dict[str, np.ndarray],
        short_texts: list[str],
        vocab: Vocab,
        bm_full: bm25s.BM25 | None,
        bm_short: bm25s.BM25 | None,
        titles: list[str] | None = None,
    ):
        # Plain arrays over the memory map: slicing an np.memmap costs several times more.
        self.a = {name: np.asarray(value) for name, value in arrays.items()}
        self.short_texts = short_texts
        self.titles = titles if titles is not None else [""] * len(short_texts)
        self.bm_title: bm25s.BM25 | None = None
        self.avgdl = float(self.a["dl"].mean()) if len(self.a["dl"]) else 1.0
        self.vocab = vocab
        self.bm_full = bm_full
        self.bm_short = bm_short
        self.n = len(arrays["ids"])
        self.position = {int(i): p for p, i in enumerate(arrays["ids"])}
        self._n_terms = len(arrays["df"])

    @classmethod
    def build(cls, docs: Sequence[Doc], analyser: Analyser, vocab: Vocab | None = None) -> SideIndex:
        vocab = vocab if vocab is not None else Vocab()
        analysed = [analyse(d, analyser, vocab) for d in docs]
        gram_rows = [[vocab.add(GRAM + g) for g in title_grams(d.title)] for d in docs]
        full_rows = [a.full.tolist() for a in analysed]
        short_rows = [a.short.tolist() for a in analysed]
        # BM25 over the full text counts title and keyword terms twice.
        bm_rows = [a.short.tolist() + a.full.tolist() for a in analysed]
        n_terms = len(vocab)
        term_map = {str(i): i for i in range(n_terms)}
        bm_full = bm_short = None  # an empty library has nothing to index
        if any(bm_rows):
            bm_full = bm25s.BM25(backend="numpy")
            bm_full.index(Tokenized(ids=bm_rows, vocab=term_map), show_progress=False)
        if any(short_rows):
            bm_short = bm25s.BM25(backend="numpy")
            bm_short.index(Tokenized(ids=short_rows, vocab=term_map), show_progress=False)
        bm_title = None
        if any(gram_rows):
            bm_title = bm25s.BM25(backend="numpy")
            bm_title.index(Tokenized(ids=gram_rows, vocab={str(i): i for i in range(len(vocab))}), show_progress=False)
        full_ptr, full_tok = _csr(full_rows)
        short_ptr, short_tok = _csr(short_rows)
        gram_flat = np.fromiter((g for row in gram_rows for g in row), dtype=np.int64)
        # Documents per term: words (for idf) and title character pairs (to pick the rarest).
        df = (np.bincount(full_tok, minlength=n_terms) + np.bincount(gram_flat, minlength=n_terms)).astype(np.int32)
        facts = np.array([_facts(d) for d in docs], dtype=np.int64).reshape(len(docs), 6)
        arrays = {
            "ids": np.array([d.id for d in docs], dtype=np.int64),
            "full_ptr": full_ptr,
            "full_tok": full_tok,
            "short_ptr": short_ptr,
            "short_tok": short_tok,
            "df": df,
            "dl": np.array([len(r) for r in bm_rows], dtype=np.int32),
            "root": facts[:, 0].astype(np.int32),
            "leaf": facts[:, 1].astype(np.int32),
            "maturity": facts[:, 2].astype(np.int8),
            "money_min": facts[:, 3],
            "money_max": facts[:, 4],
            "coop": facts[:, 5].astype(np.int32),
        }
        side = cls(
            arrays,
            [a.short_text for a in analysed],
            vocab,
            bm_full,
            bm_short,
            titles=[normalise(d.title) for d in docs],
        )
        side.bm_title = bm_title
        return side

    def save(self, folder: str | os.PathLike) -> None:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        for name in self.ARRAYS:
            np.save(folder / f"{name}.npy", self.a[name])
        for name, bm in (("bm_full", self.bm_full), ("bm_short", self.bm_short), ("bm_title", self.bm_title)):
            if bm is not None:
                bm.save(str(folder / name))
        (folder / "short_texts.json").write_text(json.dumps(self.short_texts, ensure_ascii=False), "utf-8")
        (folder / "titles.json").write_text(json.dumps(self.titles, ensure_ascii=False), "utf-8")

    @classmethod
    def load(cls, folder: str | os.PathLike, vocab: Vocab) -> SideIndex:
        folder = Path(folder)
        arrays = {name: np.load(folder / f"{name}.npy", mmap_mode="r") for name in cls.ARRAYS}
        bm_full, bm_short, bm_title = (
            bm25s.BM25.load(str(folder / name), mmap=True) if (folder / name).exists() else None
            for name in ("bm_full", "bm_short", "bm_title")
        )
        texts = json.loads((folder / "short_texts.json").read_text("utf-8"))
        titles = json.loads((folder / "titles.json").read_text("utf-8"))
        side = cls(arrays, texts, vocab, bm_full, bm_short, titles=titles)
        side.bm_title = bm_title
        return side

    # -- candidates -----------------------------------------------------------------------
    def top(
        self, term_ids: np.ndarray, gram_ids: Sequence[int] = (), k: int = CANDIDATES
    ) -> tuple[np.ndarray, np.ndarray]:
        """Positions of the best candidates of the BM25 indexes (union), with their full-text BM25."""
        none = (np.empty(0, dtype=np.int64), np.empty(0))
        if self.n == 0:
            return none
        found = []
        grams = np.unique(np.array([g for g in gram_ids if g < self._n_terms], dtype=np.int64))
        if grams.size > TITLE_GRAMS:  # the rarest pairs single a title out (and cost least)
            grams = grams[np.argsort(self.a["df"][grams], kind="stable")[:TITLE_GRAMS]]
        if self.bm_title is not None and grams.size:
            found.append(_best(*_bm25_hits(self.bm_title, grams, self.n), TITLE_CANDIDATES))
        ids = term_ids[term_ids < self._n_terms]
        ids = np.unique(ids)
        df = self.a["df"][ids]
        ids = ids[df > 0]
        if ids.size > QUERY_TERMS:  # the rarest terms say what a text is about (and cost least)
            ids = ids[np.argsort(df[df > 0], kind="stable")[:QUERY_TERMS]]
        full = None
        for bm in (self.bm_full, self.bm_short):
            if bm is None or ids.size == 0:
                continue
            hits, scores = _bm25_hits(bm, ids, self.n)
            if bm is self.bm_full:
                full = (hits, scores)
            found.append(_best(hits, scores, k))
        if not found:
            return none
        positions = np.unique(np.concatenate(found))
        bm25 = np.zeros(len(positions))
        if full is not None and full[0].size:
            at = np.searchsorted(full[0], positions).clip(max=full[0].size - 1)
            bm25 = np.where(full[0][at] == positions, full[1][at], 0.0)
        return positions, bm25

    def idf(self, n_vocab: int) -> np.ndarray:
        """idf per term id (terms unknown to this side get the highest idf)."""
        n = max(self.n, 1)
        df = np.zeros(n_vocab, dtype=np.float64)
        known = min(n_vocab, len(self.a["df"]))
        df[:known] = self.a["df"][:known]
        return np.log1p((n - df + 0.5) / (df + 0.5)).astype(np.float32)


def _bm25_hits(bm: bm25s.BM25, term_ids: np.ndarray, n_docs: int) -> tuple[np.ndarray, np.ndarray]:
    """The documents any query term occurs in (ascending) and their BM25 score sums. Summed over
    the posting lists alone when they are short against the library (rare terms), else densely."""
    index = bm.scores
    ptr, indices, data = index["indptr"], index["indices"], index["data"]
    spans = [(int(ptr[t]), int(ptr[t + 1])) for t in term_ids]
    spans = [(a, b) for a, b in spans if b > a]
    if not spans:
        return np.empty(0, dtype=np.int64), np.empty(0)
    docs = np.concatenate([indices[a:b] for a, b in spans])
    weights = np.concatenate([data[a:b] for a, b in spans])
    if docs.size * 8 < n_docs:
        hits, inverse = np.unique(docs, return_inverse=True)
        return hits, np.bincount(inverse, weights=weights)
    scores = np.bincount(docs, weights=weights, minlength=n_docs)
    hits = np.flatnonzero(scores)
    return hits, scores[hits]


def _best(hits: np.ndarray, scores: np.ndarray, k: int) -> np.ndarray:
    if hits.size > k:
        return hits[np.argpartition(-scores, k)[:k]]
    return hits


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


class _Weights:
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


def _gather(ptr: np.ndarray, tok: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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


def _row_sums(values: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    out = np.zeros(len(offsets) - 1, dtype=np.float64)
    if values.size:
        sums = np.add.reduceat(values.astype(np.float64), offsets[:-1].clip(max=values.size - 1))
        lengths = np.diff(offsets)
        out[lengths > 0] = sums[lengths > 0]
    return out


class Matcher:
    """Both sides with one vocabulary; `for_need` finds achievements, `for_achievement` needs."""

    min_score = MIN_SCORE

    def __init__(self, analyser: Analyser, achievements: SideIndex, needs: SideIndex):
        if achievements.vocab is not needs.vocab:
            raise ValueError("both sides must share one vocabulary (build them with the same Vocab)")
        self.analyser = analyser
        self.vocab = achievements.vocab
        self.sides = {"a": achievements, "n": needs}
        self._idf_cache: _Idf | None = None
        self._extra_cache: dict[Doc, _Analysed] = {}

    @classmethod
    def build(cls, analyser: Analyser, achievements: Sequence[Doc], needs: Sequence[Doc]) -> Matcher:
        vocab = Vocab()
        return cls(analyser, SideIndex.build(achievements, analyser, vocab), SideIndex.build(needs, analyser, vocab))

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
        return {int(side.a["ids"][p]) for p in side.top(query.full, self._grams(doc))[0]}

    # -- internals ------------------------------------------------------------------------
    EXTRA_CACHE = 20_000

    def _analysed(self, doc: Doc) -> _Analysed:
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
        side = self.sides["a" if query_kind == "n" else "n"]
        query = analyse(doc, self.analyser, self.vocab)
        excluded = set(exclude)
        extra = [d for d in extra if d.id not in excluded]
        extra_ids = [d.id for d in extra]
        hidden = excluded | set(extra_ids)  # a newer copy replaces the index's one
        positions, bm25 = side.top(query.full, self._grams(doc))
        if hidden and positions.size:
            keep = ~np.isin(side.a["ids"][positions], np.fromiter(hidden, dtype=np.int64, count=len(hidden)))
            positions, bm25 = positions[keep], bm25[keep]
        extras = [self._analysed(d) for d in extra]
        if positions.size == 0 and not extras:
            return []
        idf = self._idf()
        q_full_w = _Weights(query.full, idf[query.full])
        q_short_w = _Weights(query.short, idf[query.short])
        q_full_norm = float(idf[query.full].sum()) or 1.0
        q_short_norm = float(idf[query.short].sum()) or 1.0

        # Candidates from the index, as arrays.
        a = side.a
        full_tok, full_off = _gather(a["full_ptr"], a["full_tok"], positions)
        short_tok, short_off = _gather(a["short_ptr"], a["short_tok"], positions)
        shared_full = _row_sums(q_full_w[full_tok], full_off)
        doc_full_norm = _row_sums(idf[full_tok], full_off)
        q_short_in_doc = _row_sums(q_short_w[full_tok], full_off)
        doc_short_in_q = _row_sums(q_full_w[short_tok], short_off)
        doc_short_norm = _row_sums(idf[short_tok], short_off)
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

        # Listings newer than the index, scored the same way.
        if extras:
            e_shared, e_norm, e_qs, e_ds, e_dsn, e_bm = [], [], [], [], [], []
            for ex in extras:
                # BM25 with every shared term once, against the index's average length.
                length = 1.0 - BM25_B + BM25_B * (len(ex.full) + len(ex.short)) / side.avgdl
                e_bm.append(float(q_full_w[ex.full].sum()) * (BM25_K1 + 1) / (1 + BM25_K1 * length))
                e_shared.append(float(q_full_w[ex.full].sum()))
                e_norm.append(float(idf[ex.full].sum()))
                e_qs.append(float(q_short_w[ex.full].sum()))
                e_ds.append(float(q_full_w[ex.short].sum()))
                e_dsn.append(float(idf[ex.short].sum()))
            shared_full = np.concatenate([shared_full, e_shared])
            doc_full_norm = np.concatenate([doc_full_norm, e_norm])
            q_short_in_doc = np.concatenate([q_short_in_doc, e_qs])
            doc_short_in_q = np.concatenate([doc_short_in_q, e_ds])
            doc_short_norm = np.concatenate([doc_short_norm, e_dsn])
            bm25 = np.concatenate([bm25, e_bm])
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

        # BM25 relative to the best candidate's ranks the candidates; how strongly the best one
        # overlaps the query (the cosine of their idf-weighted term sets, where 0.4 is already a
        # strong overlap of two long texts) sets how much that ranking is worth.
        cosine = np.clip(KEYWORD_GAIN * shared_full / np.sqrt(q_full_norm * np.maximum(doc_full_norm, 1e-9)), 0, 1)
        best_bm25 = float(bm25.max()) if bm25.size else 0.0
        strength = float(cosine.max()) if cosine.size else 0.0
        keywords = (bm25 / best_bm25 if best_bm25 > 0 else np.zeros(len(bm25))) * strength
        # A title of a few common words is not "covered" by merely appearing in a long text.
        title = 0.5 * (
            q_short_in_doc / max(q_short_norm, TITLE_FLOOR) + doc_short_in_q / np.maximum(doc_short_norm, TITLE_FLOOR)
        )
        # Two empty strings are "identical" to RapidFuzz: score only texts that have something.
        has_title = np.array([bool(t) for t in titles])
        same_title = (
            process.cdist([query.title], titles, scorer=fuzz.ratio, workers=1, score_cutoff=1)[0]
            if query.title
            else np.zeros(len(titles))
        ) * has_title
        if len(query.title) >= PREFIX_FROM:  # a title cut short is the start of the full one
            starts = np.array([t.startswith(query.title) for t in titles])
            same_title = np.where(starts, np.maximum(same_title, 95.0), same_title)
        fuzzy = (
            np.maximum(
                process.cdist([query.short_text], texts, scorer=fuzz.token_sort_ratio, workers=1, score_cutoff=1)[0]
                if query.short_text
                else 0.0,
                same_title,
            )
            * has_title
            / 100.0
        )
        # Nearly the same title (a typo, full-width digits, the name cut short) names the same thing.
        title_bonus = SAME_TITLE_BONUS * np.clip((same_title - SAME_TITLE_FROM) / (100 - SAME_TITLE_FROM), 0, 1)
        text_score = (
            WEIGHTS["keywords"] * np.clip(keywords, 0, 1)
            + WEIGHTS["title"] * np.clip(title, 0, 1)
            + WEIGHTS["fuzzy"] * fuzzy
            + title_bonus
        )

        query_facts = np.array(
            [[query.root, query.leaf, query.maturity, query.money_min, query.money_max, query.coop]], dtype=np.int64
        ).repeat(len(ids), axis=0)
        if query_kind == "n":
            adjust, ruled_out = adjustments(query_facts, facts, pair_penalty)
        else:
            adjust, ruled_out = adjustments(facts, query_facts, pair_penalty)
        keywords_part = WEIGHTS["keywords"] * np.clip(keywords, 0, 1)
        title_part = WEIGHTS["title"] * np.clip(title, 0, 1)
        fuzzy_part = WEIGHTS["fuzzy"] * fuzzy + title_bonus
        total = np.clip(text_score + sum(adjust.values()), 0, 100)
        eligible = np.flatnonzero(~ruled_out & (total >= self.min_score))
        # Best first; ties by id so the order is stable between runs and databases.
        chosen = eligible[np.lexsort((ids[eligible], -np.round(total[eligible], 1)))][:limit]
        results: list[Match] = []
        for i in chosen:
            other = int(ids[i])
            need_id, achievement_id = (doc.id, other) if query_kind == "n" else (other, doc.id)
            parts = {
                "keywords": round(float(keywords_part[i]), 1),
                "title": round(float(title_part[i]), 1),
                "fuzzy": round(float(fuzzy_part[i]), 1),
                **{name: float(values[i]) for name, values in adjust.items()},
            }
            results.append(Match(need_id, achievement_id, round(float(total[i]), 1), parts, []))
        self._explain(results, query, side, query_kind, extras, extra_ids, idf)
        return results

    def _explain(
        self,
        results: list[Match],
        query: _Analysed,
        side: SideIndex,
        query_kind: str,
        extras: list[_Analysed],
        extra_ids: list[int],
        idf: _Idf,
    ) -> None:
        by_extra = dict(zip(extra_ids, extras, strict=True))
        in_query = _Weights(query.full, np.ones(len(query.full), dtype=np.float32))
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
                classified & (n_root == need_root) & (a_root == achievement_root), min(15.0, float(points)), 0.0
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


def describe(parts: Mapping[str, float]) -> list[tuple[str, float]]:
    """The non-zero parts in a fixed order, for display."""
    order = ("keywords", "title", "fuzzy", "field", "maturity", "budget", "mode", "history")
    return [(name, float(parts[name])) for name in order if name in parts and parts[name]]
