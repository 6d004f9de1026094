"""The matching engine: keyword candidates, re-ranking on fitted weights, filters, explanations.

Pure: no Flask, no database. `runtime.py` feeds it listings and stores what it returns.

Per side (achievements, needs) a `SideIndex` holds four BM25 indexes over one vocabulary — the
full text's words, the title with the keywords, the title's character pairs and the whole text's
character pairs — plus, per listing, its terms (for the shared-term explanation), its character
pairs with their counts, its short text and title (for RapidFuzz) and the facts the filters look
at. A query takes the union of the top candidates of the indexes (the character pairs find titles
that segment into nothing, such as 两优3313, and compounds a segmenter cuts differently on each
side), computes each candidate's signals (`Candidates`) and scores them with `Weights`:

- text signals, 0–1 each and comparable between queries: `chars`, the need's character pairs
  (its title counted TITLE_REPEAT times) in the achievement's text, BM25 as a share of the most
  the need could score — always seen from the need, so a pair scores the same whichever side
  found it; `keywords`, the same over the lexicon's words; `title`, how much of each side's title
  and keywords the other covers; `fuzzy`, RapidFuzz of the titles; `related`, how alike the
  achievement's wording is to that of the need's FEEDBACK_TOP best achievements by `chars` (cosine
  over character pairs, their mean): pseudo-relevance feedback, which brings up achievements that
  say the same thing in the words of the need's closest matches rather than the need's own — also
  seen from the need (the achievements' index keeps each need's best ones);
- facts, in points scaled by their weight: field (+6 same field, +3 same area, −12 different
  areas), maturity (+3 as mature as expected, −6 one stage short, −15 more), budget (+3 price
  within budget, −8 up to twice the budget, dropped beyond), mode (+3 a cooperation mode in
  common, −6 none) — each only when both sides state it;
- unweighted points: nearly the same title (a typo, the name cut short) up to +15, and the
  brokers' repeated 领域不符 for this pair of areas, down to −15.

The weights are fitted on judged real pairs (`fit.py`, `python -m bench match_relevance`), and
`Weights.bands` turn a score into a confidence band whose meaning was measured on those pairs.
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

INDEX_FORMAT = 3  # the index files' layout: an index of another format is rebuilt, not read
CANDIDATES = 200  # per BM25 index
TITLE_CANDIDATES = 50  # from the titles' character pairs
TITLE_GRAMS = 12  # the query title's rarest character pairs asked of that index
QUERY_TERMS = 32  # the query's rarest terms asked of the indexes (Lucene's more-like-this keeps 25)
QUERY_PAIRS = 400  # the query's rarest character pairs asked of the full-text pairs index
TITLE_REPEAT = 3  # the query's title counts this many times in its character pairs: its author's own summary
# The text signals, each 0–1 and comparable between queries (see `Weights`).
SIGNALS = ("chars", "keywords", "title", "fuzzy", "related")
FACTS = ("field", "maturity", "budget", "mode")
MIN_SCORE = 0.0
FEEDBACK_TOP = 3  # a need's best achievements by `chars` whose wording `related` compares with
FEEDBACK_POOL = 50  # the need's best by BM25 over character pairs among which they are picked
MAX_TERMS = 8
# A candidate whose BM25 reaches this share of the most the query could score counts 1 on that signal
# (more for more: a short query's own listing may reach several times that):
# the best achievement for a real need typically scores a tenth to a third of its pairs' most.
# (Words are scored by bm25s, whose BM25 leaves out the (k1 + 1) factor: a share 2.5 times smaller.)
CHARS_FULL, KEYWORDS_FULL = 0.3, 0.25
SAME_TITLE_FROM, SAME_TITLE_BONUS = 80.0, 15.0  # title similarity from which the bonus starts, and its most
PREFIX_FROM = 5  # characters a cut-short title needs before its start counts as the same title
TITLE_FLOOR = 15.0  # idf weight of about two rare words
BM25_K1, BM25_B = 1.5, 0.75  # bm25s's defaults


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
        """The lowest score worth a broker's look: below it nothing is suggested."""
        return min(v for _, v in self.bands) if self.bands else 0.0

    def band(self, score: float) -> str | None:
        for name, lowest in self.bands:
            if score >= lowest:
                return name
        return None


DEFAULT_WEIGHTS = Weights()


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


def analyse(doc: Doc, analyser: Analyser, vocab: Vocab) -> _Analysed:
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
    return _Analysed(
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
        grams = np.unique(np.array([g for g in gram_ids if g < self._n_terms], dtype=np.int64))
        if grams.size > TITLE_GRAMS:  # the rarest pairs single a title out (and cost least)
            grams = grams[np.argsort(self.a["df"][grams], kind="stable")[:TITLE_GRAMS]]
        if self.bm_title is not None and grams.size:
            found.append(_best(*_bm25_hits(self.bm_title, grams, self.n), TITLE_CANDIDATES))
        ids = self.known_words(term_ids)
        full = None
        for bm in (self.bm_full, self.bm_short):
            if bm is None or ids.size == 0:
                continue
            hits, scores = _bm25_hits(bm, ids, self.n)
            if bm is self.bm_full:
                full = (hits, scores / self.most_words(ids))
            found.append(_best(hits, scores, k))
        if self.bm_pairs is not None and pairs:
            pair_ids = np.fromiter(pairs, dtype=np.int64, count=len(pairs))
            counts = np.fromiter(pairs.values(), dtype=np.float64, count=len(pairs))
            inside = pair_ids < self._n_terms
            pair_ids, counts = pair_ids[inside], counts[inside]
            pdf = self.a["pair_df"][pair_ids]
            pair_ids, counts, pdf = pair_ids[pdf > 0], counts[pdf > 0], pdf[pdf > 0]
            if pair_ids.size > QUERY_PAIRS:  # the rarest pairs carry the subject (and cost least)
                keep = np.argsort(pdf, kind="stable")[:QUERY_PAIRS]
                pair_ids, counts = pair_ids[keep], counts[keep]
            if pair_ids.size:
                found.append(_best(*_bm25_hits(self.bm_pairs, pair_ids, self.n, counts), k))
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
        ids = np.unique(term_ids[term_ids < self._n_terms])
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


def _bm25_hits(
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


def _lookup(keys: np.ndarray, values: np.ndarray, tokens: np.ndarray) -> np.ndarray:
    """values[keys == token] for each token, 0 where absent (keys unique)."""
    if not len(keys) or not len(tokens):
        return np.zeros(len(tokens))
    # A table up to the largest key, read at each token (ids are small integers): many times
    # faster than a binary search per token, and np.zeros costs nothing until written.
    top = int(np.max(keys)) + 1
    table = np.zeros(top + 1)
    table[np.asarray(keys, dtype=np.int64)] = values
    return table[np.minimum(np.asarray(tokens, dtype=np.int64), top)]


def _pair_share(
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


class Matcher:
    """Both sides with one vocabulary; `for_need` finds achievements, `for_achievement` needs."""

    min_score = MIN_SCORE
    weights = DEFAULT_WEIGHTS

    def __init__(self, analyser: Analyser, achievements: SideIndex, needs: SideIndex):
        if achievements.vocab is not needs.vocab:
            raise ValueError("both sides must share one vocabulary (build them with the same Vocab)")
        self.analyser = analyser
        self.vocab = achievements.vocab
        self.sides = {"a": achievements, "n": needs}
        self._idf_cache: _Idf | None = None
        self._units_cache: np.ndarray | None = None
        self._extra_cache: dict[Doc, _Analysed] = {}

    @classmethod
    def build(cls, analyser: Analyser, achievements: Sequence[Doc], needs: Sequence[Doc]) -> Matcher:
        vocab = Vocab()
        matcher = cls(analyser, SideIndex.build(achievements, analyser, vocab), SideIndex.build(needs, analyser, vocab))
        n = matcher.sides["n"].a
        for p in range(matcher.sides["n"].n):
            start, end = n["pair_ptr"][p], n["pair_ptr"][p + 1]
            best = matcher._feedback_top(n["pair_tok"][start:end], n["pair_qcnt"][start:end])
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
        found, query, side, extras, extra_ids = self._candidates(doc, query_kind, exclude, extra, pair_penalty)
        weights = self.weights
        order, total = found.ranking(weights, max(self.min_score, weights.floor))
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

    # -- pseudo-relevance feedback: the `related` signal --------------------------------------
    def _feedback_top(self, pairs: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """A need's FEEDBACK_TOP best achievements by `chars` (positions in the achievements' index, best
        first), picked among its FEEDBACK_POOL best by BM25 over character pairs; `counts` are the
        need's pairs counted as a query."""
        side = self.sides["a"]
        none = np.empty(0, dtype=np.int64)
        pairs, counts = np.asarray(pairs, dtype=np.int64), np.asarray(counts, dtype=np.float64)
        if side.bm_pairs is None or not pairs.size:
            return none
        asked, times = pairs[pairs < side._n_terms], counts[pairs < side._n_terms]
        df = side.a["pair_df"][asked]
        asked, times, df = asked[df > 0], times[df > 0], df[df > 0]
        if asked.size > QUERY_PAIRS:  # as the need's own query asks
            keep = np.argsort(df, kind="stable")[:QUERY_PAIRS]
            asked, times = asked[keep], times[keep]
        if not asked.size:
            return none
        pool = np.sort(_best(*_bm25_hits(side.bm_pairs, asked, side.n, times), FEEDBACK_POOL))
        a = side.a
        tok, off = _gather(a["pair_ptr"], a["pair_tok"], pool)
        tf, _ = _gather(a["pair_ptr"], a["pair_cnt"], pool)
        chars = _pair_share(
            tok,
            _lookup(pairs, counts, tok),
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
        side = self.sides["a"]
        df_all = side.a["pair_df"]
        tok = np.asarray(tok, dtype=np.int64)
        inside = tok < len(df_all)
        df = np.maximum(np.where(inside, df_all[np.where(inside, tok, 0)] if len(df_all) else 0, 0), 1)
        n = max(side.n, 1)
        weights = (1.0 + np.log(np.maximum(np.asarray(tf, dtype=np.float64), 1.0))) * np.log1p(
            np.maximum(n - df + 0.5, 0.0) / (df + 0.5)
        )
        norms = np.sqrt(_row_sums(weights * weights, offsets))
        row = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))
        return weights / np.maximum(norms[row], 1e-12)

    def _units(self) -> np.ndarray:
        """`_unit_rows` of every achievement of the index, once per loaded index."""
        if self._units_cache is None:
            a = self.sides["a"].a
            self._units_cache = self._unit_rows(a["pair_tok"], a["pair_cnt"], a["pair_ptr"])
        return self._units_cache

    def _achievement_rows(self, positions: np.ndarray, extras: Sequence[_Analysed] = ()):
        """Achievements' character pairs as unit rows: (pair ids, weights, row offsets), index
        positions first, then listings newer than the index."""
        a = self.sides["a"].a
        positions = np.asarray(positions, dtype=np.int64)
        tok, off = _gather(a["pair_ptr"], a["pair_tok"], positions)
        weights, _ = _gather(a["pair_ptr"], self._units(), positions)
        tok, weights = tok.astype(np.int64), weights.astype(np.float64)
        for ex in extras:
            unit = self._unit_rows(ex.pairs, ex.pair_counts, np.array([0, len(ex.pairs)], dtype=np.int64))
            tok, weights = np.concatenate([tok, ex.pairs]), np.concatenate([weights, unit])
            off = np.append(off, off[-1] + len(ex.pairs))
        return tok, weights, off

    def _related(self, query: _Analysed, query_kind: str, positions: np.ndarray, extras: list[_Analysed]) -> np.ndarray:
        """The `related` signal of each candidate (index positions, then extras): the mean cosine over
        character pairs between the achievement and each of the need's best achievements."""
        rows = len(positions) + len(extras)
        if not rows:
            return np.zeros(0)
        if query_kind == "n":  # the need's best achievements against each candidate achievement
            best = self._feedback_top(query.pairs, query.query_counts)
            if not best.size:
                return np.zeros(rows)
            b_tok, b_w, _ = self._achievement_rows(best)
            keys, inverse = np.unique(b_tok, return_inverse=True)
            centroid = np.bincount(inverse, weights=b_w) / len(best)
            tok, weights, off = self._achievement_rows(positions, extras)
            return _row_sums(weights * _lookup(keys, centroid, tok), off)
        # the query is an achievement: each candidate need's best achievements against it
        best = np.full((rows, FEEDBACK_TOP), -1, dtype=np.int64)
        best[: len(positions)] = self.sides["n"].a["feedback"][np.asarray(positions, dtype=np.int64)]
        for i, ex in enumerate(extras, start=len(positions)):
            found = self._feedback_top(ex.pairs, ex.query_counts)
            best[i, : len(found)] = found
        known = best >= 0
        referenced = np.unique(best[known])
        if not referenced.size or not query.pairs.size:
            return np.zeros(rows)
        q_w = self._unit_rows(query.pairs, query.pair_counts, np.array([0, len(query.pairs)], dtype=np.int64))
        tok, weights, off = self._achievement_rows(referenced)
        cosine = _row_sums(weights * _lookup(query.pairs.astype(np.int64), q_w, tok), off)
        at = np.searchsorted(referenced, np.where(known, best, referenced[0]))
        return np.where(known, cosine[at], 0.0).sum(axis=1) / np.maximum(known.sum(axis=1), 1)

    def _shared_wording(
        self, query: _Analysed, query_kind: str, side: SideIndex, positions: np.ndarray, extras: list[_Analysed]
    ) -> np.ndarray:
        """The `chars` signal of each candidate (index positions, then extras), always seen from the
        need: BM25 of the need's character pairs (title counted TITLE_REPEAT times) in the
        achievement's text, with the achievements' statistics, as a share of the most that need could
        score. So a pair scores the same whichever side found it."""
        a = side.a
        tok, off = _gather(a["pair_ptr"], a["pair_tok"], positions)
        if query_kind == "n":  # one need (the query) against each candidate achievement
            tf, _ = _gather(a["pair_ptr"], a["pair_cnt"], positions)
            lengths = a["pair_dl"][positions].astype(np.float64)
            for ex in extras:
                tok, tf = np.concatenate([tok, ex.pairs]), np.concatenate([tf, ex.pair_counts])
                off = np.append(off, off[-1] + len(ex.pairs))
                lengths = np.append(lengths, float(ex.pair_counts.sum()))
            q_cnt = _lookup(query.pairs, query.query_counts, tok)
            return _pair_share(tok, q_cnt, tf, off, lengths, self.sides["a"], query=(query.pairs, query.query_counts))
        # each candidate need (its pairs as a query) against one achievement (the query)
        q_cnt, _ = _gather(a["pair_ptr"], a["pair_qcnt"], positions)
        for ex in extras:
            tok, q_cnt = np.concatenate([tok, ex.pairs]), np.concatenate([q_cnt, ex.query_counts])
            off = np.append(off, off[-1] + len(ex.pairs))
        tf = _lookup(query.pairs, query.pair_counts, tok)
        lengths = np.full(len(off) - 1, float(query.pair_counts.sum()))
        return _pair_share(tok, q_cnt, tf, off, lengths, self.sides["a"])

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
        chars = self._shared_wording(query, query_kind, side, positions, extras)
        related = self._related(query, query_kind, positions, extras)
        idf = self._idf()
        q_full_w = _Weights(query.full, idf[query.full])
        q_short_w = _Weights(query.short, idf[query.short])
        q_short_norm = float(idf[query.short].sum()) or 1.0

        # Candidates from the index, as arrays.
        a = side.a
        full_tok, full_off = _gather(a["full_ptr"], a["full_tok"], positions)
        short_tok, short_off = _gather(a["short_ptr"], a["short_tok"], positions)
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
    order = ("keywords", "title", "fuzzy", "related", "field", "maturity", "budget", "mode", "history")
    return [(name, float(parts[name])) for name in order if name in parts and parts[name]]
