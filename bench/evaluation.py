"""Labelled sets and ranking metrics for the quality of matching, built from real records.

Pure functions, no Flask, no engine: a system under test is any `rank(query, k, exclude)` that
returns record ids best first. Everything random is drawn from `random.Random(seed)`, so a set is
the same from run to run for the same records and seed.

Two families of sets (see README "Matching"):

- CSL papers (`csl_sets`): the query is one paper's title, or the first sentence of its abstract
  (its problem statement); the relevant records are the *other* papers of the same discipline that
  share at least one author keyword with it. Each comes a second time with the source paper's own
  keywords cut out of the query text (`-nokw`), so that a system cannot score by finding the
  keyword strings the labels are made of.
- Known item (`known_item_sets`): a record's title, damaged the way people type it (one character
  swapped with its neighbour or replaced, the first 60% only, words replaced by a synonym from the
  lexicon, ASCII typed full-width), must still find that record among all of them.

Metrics: recall@k = relevant records in the top k / min(k, number relevant) (so a query with 40
relevant records can reach 1.0); nDCG@k with binary gains and the ideal ranking of min(k, relevant)
hits.
"""

from __future__ import annotations

import json
import math
import random
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from webapp.matching.fit import graded_ndcg, graded_recall

# --------------------------------------------------------------------------------------------
# Records and queries


@dataclass(frozen=True)
class Item:
    """One record of the evaluation corpus (an achievement listing or a paper)."""

    id: int
    title: str
    keywords: tuple[str, ...] = ()
    body: str = ""
    discipline: str = ""  # papers only
    source: str = ""  # "51jishu" or "csl"
    raw: Mapping = field(default_factory=dict, compare=False, repr=False)  # the record as read


@dataclass(frozen=True)
class Query:
    """What a need would carry: a title, keywords, a description. Empty parts are left empty."""

    title: str = ""
    keywords: tuple[str, ...] = ()
    body: str = ""


@dataclass(frozen=True)
class Case:
    query: Query
    relevant: frozenset[int]
    exclude: frozenset[int] = frozenset()  # ids never counted (the source record, twins of it)
    source_id: int = 0


@dataclass(frozen=True)
class LabelledSet:
    name: str
    description: str
    cases: tuple[Case, ...]
    eligible: int = 0  # records the cases could have been drawn from


Ranker = Callable[[Query, int, frozenset[int]], Sequence[int]]


def read_jsonl(path: str | Path) -> list[dict]:
    with Path(path).open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def clean(text: str | None) -> str:
    """NFKC, no-break spaces and runs of whitespace made one space, stripped."""
    if not text:
        return ""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text).replace("\u00a0", " ")).strip()


def key(text: str) -> str:
    """How keywords and titles are compared: NFKC, lower case, no spaces."""
    return clean(text).lower().replace(" ", "")


def corpus_items(achievement_rows: Iterable[Mapping], paper_rows: Iterable[Mapping]) -> list[Item]:
    """Achievements (ids 1..) then papers, as read from achievements-51jishu.jsonl and papers-csl.jsonl.

    Titles are kept as written (the known-item sets damage them; `clean` is the systems' business).
    An achievement whose description is empty or repeats its title gets an empty body."""
    items: list[Item] = []
    for row in achievement_rows:
        title = row.get("name") or ""
        body = clean(row.get("description"))
        items.append(
            Item(len(items) + 1, title, (), "" if key(body) == key(title) else body, source="51jishu", raw=row)
        )
    for row in paper_rows:
        keywords = tuple(k for k in (clean(k) for k in row.get("keywords") or ()) if k)
        items.append(
            Item(
                len(items) + 1,
                row.get("title") or "",
                keywords,
                clean(row.get("abstract")),
                discipline=row.get("discipline") or "",
                source="csl",
                raw=row,
            )
        )
    return items


# --------------------------------------------------------------------------------------------
# CSL papers: same discipline, a shared author keyword

_SENTENCE_END = re.compile(r"[。！？!?]|(?<![0-9])\.(?![0-9])")


def first_sentence(text: str, min_chars: int = 12) -> str:
    """The abstract's opening sentence (up to 。！？ or a full stop that is not a decimal point);
    sentences shorter than min_chars are joined with the next one."""
    text = clean(text)
    out = ""
    position = 0
    for match in _SENTENCE_END.finditer(text):
        out = text[: match.end()]
        position = match.end()
        if len(out.strip()) >= min_chars:
            return out.strip()
    return (out + text[position:]).strip()


def remove_keywords(text: str, keywords: Iterable[str]) -> str:
    """`text` with every occurrence of each keyword (case and width ignored) replaced by a space."""
    text = clean(text)
    for word in sorted({clean(k) for k in keywords if clean(k)}, key=len, reverse=True):
        text = re.sub(re.escape(word), " ", text, flags=re.IGNORECASE)
    return re.sub(r"\s+", " ", text).strip()


def csl_relevance(items: Sequence[Item]) -> dict[int, frozenset[int]]:
    """For each paper: the other papers of its discipline sharing at least one keyword with it."""
    by_keyword: dict[tuple[str, str], set[int]] = defaultdict(set)
    for item in items:
        if item.source == "csl":
            for word in item.keywords:
                by_keyword[(item.discipline, key(word))].add(item.id)
    relevant: dict[int, frozenset[int]] = {}
    for item in items:
        if item.source == "csl":
            found: set[int] = set()
            for word in item.keywords:
                found |= by_keyword[(item.discipline, key(word))]
            found.discard(item.id)
            relevant[item.id] = frozenset(found)
    return relevant


def csl_sets(items: Sequence[Item], n: int = 300, seed: int = 20261125) -> list[LabelledSet]:
    """Four sets over the same n papers (those with at least one relevant paper, drawn at random):
    `csl-title`, `csl-title-nokw`, `csl-problem`, `csl-problem-nokw`. A title query is a need
    with that title only; a problem-statement query is a need whose description is the sentence
    (no title, no keywords). The source paper itself is excluded from the ranking."""
    relevance = csl_relevance(items)
    by_id = {item.id: item for item in items}
    eligible = sorted(i for i, rel in relevance.items() if rel and first_sentence(by_id[i].body))
    picked = sorted(random.Random(seed).sample(eligible, min(n, len(eligible))))
    variants: dict[str, list[Case]] = {
        name: [] for name in ("csl-title", "csl-title-nokw", "csl-problem", "csl-problem-nokw")
    }
    for paper_id in picked:
        paper = by_id[paper_id]
        relevant, exclude = relevance[paper_id], frozenset({paper_id})
        sentence = first_sentence(paper.body)
        queries = {
            "csl-title": Query(title=clean(paper.title)),
            "csl-title-nokw": Query(title=remove_keywords(paper.title, paper.keywords)),
            "csl-problem": Query(body=sentence),
            "csl-problem-nokw": Query(body=remove_keywords(sentence, paper.keywords)),
        }
        for name, query in queries.items():
            variants[name].append(Case(query, relevant, exclude, paper_id))
    descriptions = {
        "csl-title": "paper title → other papers, same discipline, shared keyword",
        "csl-title-nokw": "the same, the source paper's keywords cut out of the title",
        "csl-problem": "first sentence of the abstract (as a need's description) → same relevance",
        "csl-problem-nokw": "the same, the source paper's keywords cut out of the sentence",
    }
    return [LabelledSet(name, descriptions[name], tuple(cases), len(eligible)) for name, cases in variants.items()]


# --------------------------------------------------------------------------------------------
# Known item: a damaged title must find its own record

_CJK = re.compile(r"[\u3400-\u9fff]")


def typo(title: str, rng: random.Random, alphabet: Sequence[str]) -> str:
    """One character swapped with its (different) neighbour, or replaced by another from `alphabet`."""
    chars = list(title)
    positions = [i for i, c in enumerate(chars) if not c.isspace()]
    swappable = [
        i for i in positions[:-1] if i + 1 < len(chars) and chars[i] != chars[i + 1] and not chars[i + 1].isspace()
    ]
    if swappable and rng.random() < 0.5:
        i = rng.choice(swappable)
        chars[i], chars[i + 1] = chars[i + 1], chars[i]
    else:
        i = rng.choice(positions)
        replacement = chars[i]
        while replacement == chars[i]:
            replacement = rng.choice(alphabet)
        chars[i] = replacement
    return "".join(chars)


def truncate(title: str, share: float = 0.6) -> str:
    """The first `share` of the title's characters (at least one)."""
    title = title.strip()
    return title[: max(1, round(len(title) * share))]


def full_width(text: str) -> str:
    """ASCII typed full-width (Ａ１，), spaces as the ideographic space."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else ("\u3000" if c == " " else c) for c in text)


def synonym_groups(synonyms: Mapping[str, str]) -> dict[str, tuple[str, ...]]:
    """{word: the other words of its group} from a {variant: canonical} table."""
    groups: dict[str, set[str]] = defaultdict(set)
    for variant, canonical in synonyms.items():
        groups[key(canonical)].update({key(variant), key(canonical)})
    out: dict[str, tuple[str, ...]] = {}
    for members in groups.values():
        for word in members:
            if word:
                out[word] = tuple(sorted(m for m in members if m != word and m))
    return {w: others for w, others in out.items() if others}


def with_synonym(title: str, groups: Mapping[str, tuple[str, ...]], rng: random.Random) -> str | None:
    """The title with one word of a synonym group replaced by another of the group (a different
    script preferred: 人工智能 → ai); None when the title holds no such word."""
    lowered = clean(title).lower()
    found = [w for w in sorted(groups, key=len, reverse=True) if _word_pattern(w).search(lowered)]
    if not found:
        return None
    word = rng.choice(found[:3])  # one of the longest three: never a piece of a longer found word alone
    others = list(groups[word])
    other_script = [o for o in others if bool(_CJK.search(o)) != bool(_CJK.search(word))]
    replacement = rng.choice(other_script or others)
    replacement = f" {replacement} " if replacement.isascii() else replacement
    return re.sub(r"\s+", " ", _word_pattern(word).sub(lambda _: replacement, lowered, count=1)).strip()


def _word_pattern(word: str) -> re.Pattern:
    """A Latin word matches only as a whole word (ai not inside rnai); a Chinese one anywhere."""
    if word.isascii():
        return re.compile(rf"(?<![a-z0-9]){re.escape(word)}(?![a-z0-9])")
    return re.compile(re.escape(word))


def known_item_sets(
    items: Sequence[Item], n: int = 300, seed: int = 20261125, synonyms: Mapping[str, str] | None = None
) -> list[LabelledSet]:
    """`known-typo`, `known-truncated`, `known-synonym`, `known-fullwidth`: n records each, drawn
    at random from those the damage applies to (titles of at least 5 characters; for synonyms, a
    title holding a lexicon word; for full width, a title holding ASCII). The query is the damaged
    title alone; the one relevant record is the source. Other records with the same title are
    excluded (a title cannot tell them apart)."""
    by_title: dict[str, list[int]] = defaultdict(list)
    for item in items:
        by_title[key(item.title)].append(item.id)
    alphabet = sorted({c for item in items for c in item.title if _CJK.match(c)}) or list("的一是")
    groups = synonym_groups(synonyms or {})
    usable = [item for item in items if len(clean(item.title)) >= 5]
    sets: list[LabelledSet] = []

    def build(
        name: str, description: str, damage: Callable[[Item, random.Random], str | None], pool: list[Item]
    ) -> None:
        rng = random.Random(f"{seed}-{name}")
        chosen = sorted(rng.sample(range(len(pool)), min(n, len(pool))))
        cases = []
        for index in chosen:
            item = pool[index]
            query = damage(item, rng)
            if query:
                twins = frozenset(by_title[key(item.title)]) - {item.id}
                cases.append(Case(Query(title=query), frozenset({item.id}), twins, item.id))
        sets.append(LabelledSet(name, description, tuple(cases), len(pool)))

    build(
        "known-typo",
        "title with one character swapped or replaced",
        lambda it, rng: typo(clean(it.title), rng, alphabet),
        usable,
    )
    build("known-truncated", "first 60% of the title", lambda it, rng: truncate(clean(it.title)), usable)
    synonym_pool = [it for it in usable if with_synonym(it.title, groups, random.Random(0)) is not None]
    build(
        "known-synonym",
        "a title word replaced by a lexicon synonym",
        lambda it, rng: with_synonym(it.title, groups, rng),
        synonym_pool,
    )
    ascii_pool = [it for it in usable if re.search(r"[A-Za-z0-9]", clean(it.title))]
    build(
        "known-fullwidth",
        "title with its ASCII typed full-width",
        lambda it, rng: full_width(clean(it.title)),
        ascii_pool,
    )
    return sets


# --------------------------------------------------------------------------------------------
# Metrics


def recall_at_k(ranked: Sequence[int], relevant: Iterable[int], k: int = 10) -> float:
    relevant = set(relevant)
    if not relevant:
        return math.nan
    return len(set(ranked[:k]) & relevant) / min(k, len(relevant))


def ndcg_at_k(ranked: Sequence[int], relevant: Iterable[int], k: int = 10) -> float:
    relevant = set(relevant)
    if not relevant:
        return math.nan
    dcg = sum(1 / math.log2(rank + 2) for rank, doc in enumerate(ranked[:k]) if doc in relevant)
    ideal = sum(1 / math.log2(rank + 2) for rank in range(min(k, len(relevant))))
    return dcg / ideal


@dataclass
class Scores:
    system: str
    set_name: str
    recall: list[float]  # per case, in the set's order
    ndcg: list[float]
    seconds: float = 0.0  # time spent ranking, all cases

    @property
    def n(self) -> int:
        return len(self.recall)

    @property
    def mean_recall(self) -> float:
        return sum(self.recall) / len(self.recall) if self.recall else math.nan

    @property
    def mean_ndcg(self) -> float:
        return sum(self.ndcg) / len(self.ndcg) if self.ndcg else math.nan


def evaluate(
    system: str, rank: Ranker, labelled: LabelledSet, k: int = 10, clock: Callable[[], float] | None = None
) -> Scores:
    """Rank every case's query; excluded ids are dropped from what `rank` returns before the top k."""
    scores = Scores(system, labelled.name, [], [])
    for case in labelled.cases:
        started = clock() if clock else 0.0
        ranked = [doc for doc in rank(case.query, k + len(case.exclude), case.exclude) if doc not in case.exclude][:k]
        if clock:
            scores.seconds += clock() - started
        scores.recall.append(recall_at_k(ranked, case.relevant, k))
        scores.ndcg.append(ndcg_at_k(ranked, case.relevant, k))
    return scores


def paired_difference(
    a: Sequence[float], b: Sequence[float], seed: int = 1, rounds: int = 2000
) -> tuple[float, float, float]:
    """Mean of a - b over paired cases and a 95% bootstrap interval: (mean, low, high)."""
    if len(a) != len(b):
        raise ValueError("paired scores must have the same length")
    if not a:
        return math.nan, math.nan, math.nan
    diffs = [x - y for x, y in zip(a, b, strict=True)]
    rng = random.Random(seed)
    means = sorted(sum(rng.choice(diffs) for _ in diffs) / len(diffs) for _ in range(rounds))
    return sum(diffs) / len(diffs), means[int(rounds * 0.025)], means[int(rounds * 0.975) - 1]


def shortfalls(results: Sequence[Scores], engine: str = "engine") -> list[str]:
    """One line per (set, baseline, metric) where the engine's mean is not above the baseline's,
    with the difference and its 95% interval; empty when the engine leads everywhere."""
    by_set: dict[str, dict[str, Scores]] = defaultdict(dict)
    for scores in results:
        by_set[scores.set_name][scores.system] = scores
    lines = []
    for set_name, systems in by_set.items():
        mine = systems.get(engine)
        if mine is None:
            continue
        for other, theirs in systems.items():
            if other == engine:
                continue
            for metric in ("recall", "ndcg"):
                mean, low, high = paired_difference(getattr(mine, metric), getattr(theirs, metric))
                if mean <= 0:
                    lines.append(
                        f"{set_name}: {engine} {metric}@10 {getattr(mine, 'mean_' + metric):.3f} vs {other} "
                        f"{getattr(theirs, 'mean_' + metric):.3f} (difference {mean:+.3f}, 95% CI {low:+.3f}..{high:+.3f}, "
                        f"n={mine.n})"
                    )
    return lines


# --------------------------------------------------------------------------------------------
# Judged pairs: graded relevance read by people (../shared/eval-dev/ and the project's own); the
# metrics are the fit's own (`webapp.matching.fit`), so the benchmark and the fit score alike.


@dataclass(frozen=True)
class JudgedScores:
    ndcg: float  # mean over the needs with a relevant document
    recall: float  # relevant (grade ≥ 1) found in the top k / min(k, relevant)
    judged: float  # share of the top k that was judged (unjudged documents count as not relevant)
    needs: int  # needs with a relevant document


def judged_scores(
    ranking: Mapping[str, Sequence], judged: Mapping[str, Mapping[str, float]], needs: Sequence[str], k: int = 6
) -> JudgedScores:
    """The eval-dev folder's figures (its score.py) for a ranking {need id: document ids best first}."""
    nd, rc, share = [], [], []
    for need in needs:
        docs, grades = list(ranking.get(need, ())), judged.get(need, {})
        top = docs[:k]
        share.append(sum(d in grades for d in top) / len(top) if top else 1.0)
        value = graded_ndcg(docs, grades, k)
        if value is None:
            continue
        nd.append(value)
        if (found := graded_recall(docs, grades, k)) is not None:
            rc.append(found)

    def mean(xs):
        return sum(xs) / len(xs) if xs else 0.0

    return JudgedScores(mean(nd), mean(rc), mean(share), len(nd))
