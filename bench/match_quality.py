"""Matching quality on labelled sets from the real records: recall@10 and nDCG@10 of the engine,
plain BM25 and plain RapidFuzz, side by side (bench/evaluation.py builds the sets).

The corpus is the 7,626 real records (achievements-51jishu.jsonl, then papers-csl.jsonl) as the
achievement side; each query is a need made of the query text (a title, or a description). Systems:

- `engine`: `Matcher.for_need` as the application ranks (every candidate in a confidence band),
  the index built as the application builds it (seeded lexicon, field names and listing keywords
  as terms);
- `bm25`: bm25s over title + keywords + text, plain rjieba tokens, no lexicon, no stop words;
- `fuzz-title`: RapidFuzz WRatio of the query text against every title (default processor);
- `fuzz-text` (opt-in): RapidFuzz token_set_ratio of the query's rjieba tokens against every record's
  title + keywords + text tokens.

Environment: BENCH_QUALITY_QUERIES (cases per set, 300), BENCH_QUALITY_SEED, BENCH_QUALITY_FUZZ_TEXT=1
(adds `fuzz-text`, about 7 more minutes).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from bench.common import Options, Result

TITLE = "matching quality: recall@10 and nDCG@10 on labelled real data, engine against plain BM25 and RapidFuzz"

QUERIES = int(os.environ.get("BENCH_QUALITY_QUERIES", "300"))
SEED = int(os.environ.get("BENCH_QUALITY_SEED", "20261125"))
K = 10
# token_set_ratio over whole texts costs about 190 ms a query here (7 minutes for the sets): opt in.
FUZZ_TEXT = os.environ.get("BENCH_QUALITY_FUZZ_TEXT", "0") == "1"


def _text(query) -> str:
    return " ".join(x for x in (query.title, *query.keywords, query.body) if x)


def systems(items, docs) -> dict[str, Callable]:
    """name → rank(query, k, exclude) over the real corpus."""
    from bench.match_baselines import PlainBM25, PlainFuzz
    from bench.match_data import cached_matcher, real_needs, taxonomy_names
    from webapp.matching.index import Doc

    matcher, _, built, _ = cached_matcher("real", docs, real_needs(), taxonomy_names())
    print(f"  engine index {'loaded from cache' if built is None else f'built in {built:.1f}s'}", flush=True)
    ids = [item.id for item in items]
    texts = [" ".join([item.title, *item.keywords, item.body]) for item in items]
    started = time.perf_counter()
    bm25 = PlainBM25(ids, texts)
    fuzz_title = PlainFuzz(ids, [item.title for item in items], mode="title")
    print(f"  baselines built in {time.perf_counter() - started:.1f}s", flush=True)

    def engine(query, k, exclude):
        doc = Doc(id=0, title=query.title, keywords=query.keywords, body=query.body)
        return [m.achievement_id for m in matcher.for_need(doc, limit=k, exclude=exclude)]

    ranked = {
        "engine": engine,  # as the app ranks: everything in a confidence band
        "bm25": lambda q, k, exclude: bm25.rank(_text(q), k),
        "fuzz-title": Batched(fuzz_title),
    }
    if FUZZ_TEXT:
        ranked["fuzz-text"] = Batched(PlainFuzz(ids, texts, mode="text"))
    return ranked


class Batched:
    """A brute-force RapidFuzz baseline ranked a whole set at a time (cdist over 2 workers), then
    answered per query; the time per query is the batch's wall time shared out."""

    def __init__(self, fuzz):
        self.fuzz = fuzz
        self.answers: dict = {}
        self.seconds_per_query = 0.0

    def prepare(self, queries: list, k: int) -> None:
        started = time.perf_counter()
        ranked = self.fuzz.rank_many([_text(q) for q in queries], k)
        self.seconds_per_query = (time.perf_counter() - started) / max(len(queries), 1)
        self.answers = dict(zip(queries, ranked, strict=True))

    def __call__(self, query, k, exclude):
        return self.answers[query][:k]


def run(options: Options) -> list[Result]:
    from bench.evaluation import csl_sets, evaluate, known_item_sets, shortfalls
    from bench.match_data import lexicon, real_corpus

    queries = options.requests or QUERIES
    items, docs = real_corpus()
    synonyms = dict(lexicon(docs).synonyms)
    sets = csl_sets(items, n=queries, seed=SEED) + known_item_sets(items, n=queries, seed=SEED, synonyms=synonyms)
    for labelled in sets:
        print(
            f"  set {labelled.name}: {len(labelled.cases)} cases of {labelled.eligible:,} eligible — {labelled.description}"
        )
    ranked = systems(items, docs)
    latencies: dict[str, list[float]] = {name: [] for name in ranked}
    walls: dict[str, float] = dict.fromkeys(ranked, 0.0)
    scores = []
    for labelled in sets:
        for name, rank in ranked.items():
            began = time.perf_counter()
            if isinstance(rank, Batched):
                wanted = max(len(c.exclude) for c in labelled.cases) if labelled.cases else 0
                rank.prepare([c.query for c in labelled.cases], K + wanted)
                scores.append(evaluate(name, rank, labelled, k=K))
                latencies[name] += [rank.seconds_per_query] * len(labelled.cases)
            else:

                def timed(query, k, exclude, _rank=rank, _name=name):
                    started = time.perf_counter()
                    found = _rank(query, k, exclude)
                    latencies[_name].append(time.perf_counter() - started)
                    return found

                scores.append(evaluate(name, timed, labelled, k=K))
            walls[name] += time.perf_counter() - began
    _print(sets, scores, list(ranked))
    lines = shortfalls(scores, engine="engine")
    print("\n  Where the engine does not lead:" if lines else "\n  The engine leads on every set.")
    for line in lines:
        print(f"    {line}")
    means = {name: sum(s.mean_ndcg for s in scores if s.system == name) / len(sets) for name in ranked if sets}
    return [
        Result(
            f"quality: {name} (rank one query)",
            latencies[name],
            walls[name],
            note=f"7,626 records, {len(sets)} sets, mean nDCG@10 {means[name]:.3f}",
        )
        for name in ranked
    ]


def _print(sets, scores, names: list[str]) -> None:
    by = {(s.set_name, s.system): s for s in scores}
    width = max(len(s.name) for s in sets)
    print("\n  recall@10 / nDCG@10 (n = cases per set)")
    print(f"  {'set':<{width}} {'n':>4}  " + "  ".join(f"{name:>13}" for name in names))
    for labelled in sets:
        cells = []
        for name in names:
            s = by[(labelled.name, name)]
            cells.append(f"{s.mean_recall:.3f}/{s.mean_ndcg:.3f}".rjust(13))
        print(f"  {labelled.name:<{width}} {len(labelled.cases):>4}  " + "  ".join(cells))
