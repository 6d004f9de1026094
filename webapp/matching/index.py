"""The candidate indexes: per side (achievements, needs) a `SideIndex` built from `Doc`s, saved to
and memory-mapped from disk, that finds the candidates of a query.

A `SideIndex` holds four BM25 indexes over one vocabulary — the full text's words, the title with
the keywords, the title's character pairs and the whole text's character pairs — plus, per listing,
its terms (for the shared-term explanation), its character pairs with their counts, its short text
and title (for RapidFuzz) and the facts the filters look at. A query takes the union of the top
candidates of the indexes: the character pairs find titles that segment into nothing, such as
两优3313, and compounds a segmenter cuts differently on each side.

Pure: no Flask, no database.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import bm25s
import numpy as np
from bm25s.tokenization import Tokenized

from webapp.matching.text import Analyser, normalise

INDEX_FORMAT = 3  # the index files' layout: an index of another format is rebuilt, not read
CANDIDATES = 200  # per BM25 index
TITLE_CANDIDATES = 50  # from the titles' character pairs
TITLE_GRAMS = 12  # the query title's rarest character pairs asked of that index
QUERY_TERMS = 32  # the query's rarest terms asked of the indexes (Lucene's more-like-this keeps 25)
QUERY_PAIRS = 400  # the query's rarest character pairs asked of the full-text pairs index
TITLE_REPEAT = 3  # the query's title counts this many times in its character pairs: its author's own summary
FEEDBACK_TOP = 3  # a need's best achievements by `chars` whose wording `related` compares with
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
class Analysed:
    """One listing as the scorer sees it."""

    full: np.ndarray  # unique term ids of title + keywords + body
    short: np.ndarray  # unique term ids of title + keywords
    pairs: np.ndarray  # unique character-pair ids of the whole text
    pair_counts: np.ndarray  # how often each occurs
    # As a query: the same pairs with the title's counted TITLE_REPEAT times (what its author put
    # first says most about what is wanted).
    query_counts: np.ndarray
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


def analyse(doc: Doc, analyser: Analyser, vocab: Vocab) -> Analysed:
    short = _unique(analyser.short_tokens(doc.title, doc.keywords))
    full = _unique([*short, *analyser.tokens(doc.body)])
    root, leaf, maturity, low, high, coop = _facts(doc)
    counted: dict[int, int] = {}
    for text in (doc.title, *doc.keywords, doc.body):
        for pair in analyser.pairs(text):
            pid = vocab.add(GRAM + pair)
            counted[pid] = counted.get(pid, 0) + 1
    in_title: dict[int, int] = {}
    for pair in analyser.pairs(doc.title):
        pid = vocab.ids[GRAM + pair]
        in_title[pid] = in_title.get(pid, 0) + 1
    return Analysed(
        full=np.fromiter((vocab.add(t) for t in full), dtype=np.int32, count=len(full)),
        short=np.fromiter((vocab.add(t) for t in short), dtype=np.int32, count=len(short)),
        pairs=np.fromiter(counted, dtype=np.int32, count=len(counted)),
        pair_counts=np.fromiter(counted.values(), dtype=np.float32, count=len(counted)),
        query_counts=np.fromiter(
            (c + (TITLE_REPEAT - 1) * in_title.get(p, 0) for p, c in counted.items()),
            dtype=np.float32,
            count=len(counted),
        ),
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
        "pair_df",
        "pair_dl",
        "pair_ptr",
        "pair_tok",
        "pair_cnt",
        "pair_qcnt",
        "feedback",
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
        self.bm_pairs: bm25s.BM25 | None = None
        self.avgdl = float(self.a["dl"].mean()) if len(self.a["dl"]) else 1.0
        self.pair_avgdl = float(self.a["pair_dl"].mean()) if len(self.a["pair_dl"]) else 1.0
        self.vocab = vocab
        self.bm_full = bm_full
        self.bm_short = bm_short
        self.n = len(arrays["ids"])
        self.position = {int(i): p for p, i in enumerate(arrays["ids"])}
        self.n_terms = len(arrays["df"])

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
        bm_pairs = None
        pair_rows = [np.repeat(a.pairs, a.pair_counts.astype(np.int64)).tolist() for a in analysed]
        if any(pair_rows):
            bm_pairs = bm25s.BM25(backend="numpy")
            bm_pairs.index(Tokenized(ids=pair_rows, vocab={str(i): i for i in range(len(vocab))}), show_progress=False)
        n_terms = len(vocab)
        pair_df = np.bincount(
            np.fromiter((p for a in analysed for p in a.pairs), dtype=np.int64), minlength=n_terms
        ).astype(np.int32)
        full_ptr, full_tok = _csr(full_rows)
        short_ptr, short_tok = _csr(short_rows)
        pair_ptr, pair_tok = _csr([a.pairs.tolist() for a in analysed])
        pair_cnt = np.concatenate([a.pair_counts for a in analysed]) if analysed else np.empty(0, np.float32)
        pair_qcnt = np.concatenate([a.query_counts for a in analysed]) if analysed else np.empty(0, np.float32)
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
            "pair_df": pair_df,
            "pair_dl": np.array([len(r) for r in pair_rows], dtype=np.int32),
            "pair_ptr": pair_ptr,
            "pair_tok": pair_tok,
            "pair_cnt": pair_cnt.astype(np.float32),
            "pair_qcnt": pair_qcnt.astype(np.float32),
            # Needs' best achievements (positions in the achievements' index; −1 none), filled by
            # `Matcher.build` once both sides exist.
            "feedback": np.full((len(docs), FEEDBACK_TOP), -1, dtype=np.int64),
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
        side.bm_pairs = bm_pairs
        return side

    def save(self, folder: str | os.PathLike) -> None:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        for name in self.ARRAYS:
            np.save(folder / f"{name}.npy", self.a[name])
        for name, bm in (
            ("bm_full", self.bm_full),
            ("bm_short", self.bm_short),
            ("bm_title", self.bm_title),
            ("bm_pairs", self.bm_pairs),
        ):
            if bm is not None:
                bm.save(str(folder / name))
        (folder / "short_texts.json").write_text(json.dumps(self.short_texts, ensure_ascii=False), "utf-8")
        (folder / "titles.json").write_text(json.dumps(self.titles, ensure_ascii=False), "utf-8")

    @classmethod
    def load(cls, folder: str | os.PathLike, vocab: Vocab) -> SideIndex:
        folder = Path(folder)
        arrays = {name: np.load(folder / f"{name}.npy", mmap_mode="r") for name in cls.ARRAYS}
        bm_full, bm_short, bm_title, bm_pairs = (
            bm25s.BM25.load(str(folder / name), mmap=True) if (folder / name).exists() else None
            for name in ("bm_full", "bm_short", "bm_title", "bm_pairs")
        )
        texts = json.loads((folder / "short_texts.json").read_text("utf-8"))
        titles = json.loads((folder / "titles.json").read_text("utf-8"))
        side = cls(arrays, texts, vocab, bm_full, bm_short, titles=titles)
        side.bm_title = bm_title
        side.bm_pairs = bm_pairs
        return side

    # -- candidates -----------------------------------------------------------------------
    def top(
        self,
        term_ids: np.ndarray,
        gram_ids: Sequence[int] = (),
        k: int = CANDIDATES,
        pairs: Mapping[int, float] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Positions of the best candidates of the BM25 indexes (union), with their full-text BM25
        over words as a share of the most the query's words could score."""
        none = (np.empty(0, dtype=np.int64), np.empty(0))
        if self.n == 0:
            return none
        found = []
        grams = np.unique(np.array([g for g in gram_ids if g < self.n_terms], dtype=np.int64))
        if grams.size > TITLE_GRAMS:  # the rarest pairs single a title out (and cost least)
            grams = grams[np.argsort(self.a["df"][grams], kind="stable")[:TITLE_GRAMS]]
        if self.bm_title is not None and grams.size:
            found.append(top_hits(*bm25_hits(self.bm_title, grams, self.n), TITLE_CANDIDATES))
        ids = self.known_words(term_ids)
        full = None
        for bm in (self.bm_full, self.bm_short):
            if bm is None or ids.size == 0:
                continue
            hits, scores = bm25_hits(bm, ids, self.n)
            if bm is self.bm_full:
                full = (hits, scores / self.most_words(ids))
            found.append(top_hits(hits, scores, k))
        if self.bm_pairs is not None and pairs:
            pair_ids = np.fromiter(pairs, dtype=np.int64, count=len(pairs))
            counts = np.fromiter(pairs.values(), dtype=np.float64, count=len(pairs))
            inside = pair_ids < self.n_terms
            pair_ids, counts = pair_ids[inside], counts[inside]
            pdf = self.a["pair_df"][pair_ids]
            pair_ids, counts, pdf = pair_ids[pdf > 0], counts[pdf > 0], pdf[pdf > 0]
            if pair_ids.size > QUERY_PAIRS:  # the rarest pairs carry the subject (and cost least)
                keep = np.argsort(pdf, kind="stable")[:QUERY_PAIRS]
                pair_ids, counts = pair_ids[keep], counts[keep]
            if pair_ids.size:
                found.append(top_hits(*bm25_hits(self.bm_pairs, pair_ids, self.n, counts), k))
        if not found:
            return none
        positions = np.unique(np.concatenate(found))
        keywords = np.zeros(len(positions))
        if full is not None and full[0].size:
            at = np.searchsorted(full[0], positions).clip(max=full[0].size - 1)
            keywords = np.where(full[0][at] == positions, full[1][at], 0.0)
        return positions, keywords

    def known_words(self, term_ids: np.ndarray) -> np.ndarray:
        """The query's words this side has, at most its QUERY_TERMS rarest (they say what a text is
        about, and cost least)."""
        ids = np.unique(term_ids[term_ids < self.n_terms])
        df = self.a["df"][ids]
        ids = ids[df > 0]
        if ids.size > QUERY_TERMS:
            ids = ids[np.argsort(df[df > 0], kind="stable")[:QUERY_TERMS]]
        return ids

    def most_words(self, ids: np.ndarray) -> float:
        """The most BM25 (as bm25s scores it) a query of these words could score on this side."""
        df = self.a["df"][ids].astype(np.float64)
        return float(np.log1p((self.n - df + 0.5) / (df + 0.5)).sum() * (BM25_K1 + 1)) or 1.0

    def idf(self, n_vocab: int) -> np.ndarray:
        """idf per term id (terms unknown to this side get the highest idf)."""
        n = max(self.n, 1)
        df = np.zeros(n_vocab, dtype=np.float64)
        known = min(n_vocab, len(self.a["df"]))
        df[:known] = self.a["df"][:known]
        return np.log1p((n - df + 0.5) / (df + 0.5)).astype(np.float32)


def bm25_hits(
    bm: bm25s.BM25, term_ids: np.ndarray, n_docs: int, counts: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The documents any query term occurs in (ascending) and their BM25 score sums (each term
    `counts` times). Summed over the posting lists alone when they are short against the library
    (rare terms), else densely."""
    index = bm.scores
    ptr, indices, data = index["indptr"], index["indices"], index["data"]
    times = np.ones(len(term_ids)) if counts is None else counts
    spans = [(int(ptr[t]), int(ptr[t + 1]), float(c)) for t, c in zip(term_ids, times, strict=True)]
    spans = [(a, b, c) for a, b, c in spans if b > a]
    if not spans:
        return np.empty(0, dtype=np.int64), np.empty(0)
    docs = np.concatenate([indices[a:b] for a, b, _ in spans])
    weights = np.concatenate([data[a:b] * c if c != 1 else data[a:b] for a, b, c in spans])
    if docs.size * 8 < n_docs:
        hits, inverse = np.unique(docs, return_inverse=True)
        return hits, np.bincount(inverse, weights=weights)
    scores = np.bincount(docs, weights=weights, minlength=n_docs)
    hits = np.flatnonzero(scores)
    return hits, scores[hits]


def top_hits(hits: np.ndarray, scores: np.ndarray, k: int) -> np.ndarray:
    if hits.size > k:
        return hits[np.argpartition(-scores, k)[:k]]
    return hits
