"""Matching speed: one newly published need at 10k, 100k and 300k generated achievements and on the
7,626 real records; a full re-match of 10,000 needs against 100,000 achievements written to a
database; and, in the same run, what the alternatives cost and keep.

Per corpus (in-process, one thread, no web server, no database; see bench/README.md):

- `match: new need`: `Matcher.for_need(need, limit=20)` as the application ranks (its confidence bands):
  segmentation, the two BM25 candidate lists, the RapidFuzz re-rank, filters and boosts, the shared
  terms. Queue wait and the runtime's database reads are not in it.
- `brute-force RapidFuzz`: the engine's re-rank scorer (token_sort_ratio over the analysed title +
  keywords) against every achievement, `process.cdist` with 2 workers; the speed ratio is brute
  force p50 / engine p50. The overlap is the share of brute force's top 10 that the engine's
  candidate stage hands to the re-rank (by id; and "tie-aware": the candidates hold, for each of
  the 10 places, a listing scoring at least as well); "final top 10 kept" compares the engine's top
  10 with the top 10 it would return if it scored every achievement (both at the
  weights' threshold).
- `pg_trgm`: `similarity()` / `%` (threshold 0.1) with a GIN trigram index over title + keywords,
  on PostgreSQL when BENCH_DATABASE_URL, TEST_DATABASE_URL or DATABASE_URL names one (a private
  schema, dropped afterwards).
- `FTS5 trigram`: SQLite FTS5 over title + keywords + text, an OR of the need's keywords (of the
  title's words for needs without keywords); keywords under 3 characters cannot match.

The full re-match runs at 10,000 × 100,000 with 2 worker processes that memory-map the saved index;
the parent bulk-inserts their suggestions (Core executemany, committed every 250 needs) into a
SQLite database created from the application's metadata in a temporary folder.

Environment: BENCH_MATCH_SIZES (default 10000,100000,300000; add 1000000 if memory and time
allow), BENCH_MATCH_QUERIES (needs timed per corpus, 300), BENCH_MATCH_BRUTE (needs for brute
force, overlaps and databases, 50), BENCH_MATCH_REMATCH (0 skips the re-match).
"""

from __future__ import annotations

import math
import multiprocessing
import os
import resource
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from bench.common import Options, Result, percentile

TITLE = (
    "matching: a new need at 10k/100k/300k generated and 7,626 real achievements; full re-match of "
    "10,000 needs; brute-force RapidFuzz, pg_trgm, FTS5 trigram"
)

SIZES = [int(x) for x in os.environ.get("BENCH_MATCH_SIZES", "10000,100000,300000").split(",") if x.strip()]
# The generator's own 12 × 10 terms: every term common, the worst case for the candidate stage.
BASE_SIZES = [int(x) for x in os.environ.get("BENCH_MATCH_BASE_SIZES", "100000").split(",") if x.strip()]
QUERIES = int(os.environ.get("BENCH_MATCH_QUERIES", "300"))
BRUTE = int(os.environ.get("BENCH_MATCH_BRUTE", "50"))
EXHAUSTIVE = 20  # needs scored against every achievement for the "final top 10 kept" figure
REMATCH = os.environ.get("BENCH_MATCH_REMATCH", "1") != "0"
REMATCH_NEEDS = 10_000
REMATCH_ACHIEVEMENTS = 100_000
CHUNK = 250
LIMIT = 20  # MATCH_TOP_K
WARMUP = 20


def _pg_url() -> str | None:
    for name in ("BENCH_DATABASE_URL", "TEST_DATABASE_URL", "DATABASE_URL"):
        url = os.environ.get(name, "")
        if url.startswith("postgresql"):
            return url
    return None


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass
class Figures:
    label: str
    n: int
    build: float | None = None
    engine: list[float] = field(default_factory=list)
    results_per_need: float = 0.0
    candidates: list[int] = field(default_factory=list)
    brute: list[float] = field(default_factory=list)
    kept: list[float] = field(default_factory=list)  # share of brute top 10 among candidates, by id
    kept_ties: list[float] = field(default_factory=list)
    score_share: list[float] = field(default_factory=list)  # candidates' best 10 scores / brute force's
    final_kept: list[float] = field(default_factory=list)
    databases: dict[str, list[float]] = field(default_factory=dict)
    database_overlap: dict[str, list[float]] = field(default_factory=dict)
    database_notes: dict[str, str] = field(default_factory=dict)

    def ratio(self) -> float:
        if not self.engine or not self.brute:
            return math.nan
        return percentile(self.brute, 50) / percentile(self.engine, 50)


def _ms(values: list[float], p: float) -> float:
    return percentile(values, p) * 1000


def _sample(docs: list, count: int, seed: int = 7) -> list:
    import random

    if len(docs) <= count:
        return list(docs)
    picked = sorted(random.Random(seed).sample(range(len(docs)), count))
    return [docs[i] for i in picked]


# --------------------------------------------------------------------------------------------
# The engine per new need


def _time_engine(figures: Figures, matcher, needs: list) -> None:
    for doc in needs[:WARMUP]:
        matcher.for_need(doc, limit=LIMIT)
    found = 0
    for doc in needs:
        started = time.perf_counter()
        results = matcher.for_need(doc, limit=LIMIT)
        figures.engine.append(time.perf_counter() - started)
        found += len(results)
    figures.results_per_need = found / max(len(needs), 1)


def _brute_force(figures: Figures, matcher, analyser, needs: list) -> None:
    from rapidfuzz import fuzz

    from bench.match_baselines import BruteFuzz, top_k
    from webapp.matching.index import Vocab, analyse

    side = matcher.sides["a"]
    ids = np.asarray(side.a["ids"])
    brute = BruteFuzz(ids, side.short_texts, scorer=fuzz.token_sort_ratio, workers=2)
    brute.scores(["预热"])  # start the worker threads once
    for doc in needs:
        query = analyse(doc, analyser, Vocab()).short_text
        started = time.perf_counter()
        row = brute.scores([query])[0]
        best = top_k(row, 10)
        figures.brute.append(time.perf_counter() - started)
        best = best[row[best] > 0]
        if not best.size:
            continue
        candidates = matcher.candidates_for_need(doc)
        figures.candidates.append(len(candidates))
        figures.kept.append(sum(int(ids[i]) in candidates for i in best) / len(best))
        figures.kept_ties.append(_kept_with_ties(row, best, candidates, ids))
        positions = np.fromiter((side.position[c] for c in candidates), dtype=np.int64, count=len(candidates))
        theirs = np.sort(row[positions])[::-1][: len(best)] if positions.size else np.zeros(0)
        theirs = np.pad(theirs, (0, len(best) - len(theirs)))
        figures.score_share.append(float(theirs.sum() / row[best].sum()))


def _kept_with_ties(row: np.ndarray, best: np.ndarray, candidates: set[int], ids: np.ndarray) -> float:
    """Share of brute force's top places the candidates fill, ties at the cut counted as one group:
    every listing scoring above the last place's score is needed; of those tied with it, any will do."""
    cut = row[best[-1]]
    above = [i for i in best if row[i] > cut]
    kept = sum(int(ids[i]) in candidates for i in above)
    tied_needed = len(best) - len(above)
    tied = np.flatnonzero(row == cut)
    kept += min(tied_needed, sum(int(ids[i]) in candidates for i in tied))
    return kept / len(best)


def _final_top10(figures: Figures, matcher, needs: list) -> None:
    """The engine's top 10 against the top 10 it returns when every achievement is a candidate."""
    side = matcher.sides["a"]
    for doc in needs:
        normal = [m.achievement_id for m in matcher.for_need(doc, limit=10)]
        # Every achievement sharing anything with the need is a candidate (k = all of them).
        side.top = lambda term_ids, gram_ids=(), k=0, pairs=None, _top=side.top, _n=side.n: _top(
            term_ids, gram_ids, k=_n, pairs=pairs
        )
        try:
            full = [m.achievement_id for m in matcher.for_need(doc, limit=10)]
        finally:
            del side.top
        if full:
            figures.final_kept.append(len(set(normal) & set(full)) / len(full))


# --------------------------------------------------------------------------------------------
# The databases' own similarity search


def _short_text(doc) -> str:
    from bench.match_baselines import plain_text

    return plain_text(" ".join([doc.title, *doc.keywords]))


def _brute_top10(matcher, analyser, needs: list) -> list[set[int]]:
    from rapidfuzz import fuzz

    from bench.match_baselines import BruteFuzz
    from webapp.matching.index import Vocab, analyse

    side = matcher.sides["a"]
    brute = BruteFuzz(np.asarray(side.a["ids"]), side.short_texts, scorer=fuzz.token_sort_ratio, workers=2)
    queries = [analyse(doc, analyser, Vocab()).short_text for doc in needs]
    return [set(ids) for ids, _ in brute.top(queries, 10)]


def _pg_trgm(figures: Figures, docs: list, needs: list, reference: list[set[int]]) -> None:
    from bench.match_baselines import PgTrigram

    url = _pg_url()
    if not url:
        figures.database_notes["pg_trgm"] = "skipped: no PostgreSQL URL in BENCH_DATABASE_URL/TEST_DATABASE_URL"
        return
    trgm = PgTrigram(url)
    try:
        loaded = trgm.load([d.id for d in docs], [_short_text(d) for d in docs])
        for doc in needs[:5]:
            trgm.top(_short_text(doc))
        latencies, overlap, empty = [], [], 0
        for doc, wanted in zip(needs, reference, strict=True):
            started = time.perf_counter()
            found = trgm.top(_short_text(doc))
            latencies.append(time.perf_counter() - started)
            empty += not found
            if wanted:
                overlap.append(len(set(found) & wanted) / len(wanted))
        figures.databases["pg_trgm"] = latencies
        figures.database_overlap["pg_trgm"] = overlap
        figures.database_notes["pg_trgm"] = f"load + GIN index {loaded:.0f}s, {empty} needs found nothing"
    finally:
        trgm.close()


def _fts5(figures: Figures, name: str, docs: list, needs: list, reference: list[set[int]]) -> None:
    from bench.match_baselines import Fts5Trigram, plain_text, plain_tokens
    from bench.match_data import CACHE

    CACHE.mkdir(parents=True, exist_ok=True)
    fts = Fts5Trigram(CACHE / f"fts5-{name}.sqlite3")
    try:
        built = fts.ensure(
            [d.id for d in docs], lambda: [plain_text(" ".join([d.title, *d.keywords, d.body])) for d in docs]
        )
        latencies, overlap = [], []
        for doc, wanted in zip(needs, reference, strict=True):
            words = doc.keywords or tuple(plain_tokens(doc.title))
            started = time.perf_counter()
            found = fts.top(words)
            latencies.append(time.perf_counter() - started)
            if wanted:
                overlap.append(len(set(found) & wanted) / len(wanted))
        figures.databases["FTS5 trigram"] = latencies
        figures.database_overlap["FTS5 trigram"] = overlap
        how = "cached index" if built is None else f"insert {built:.0f}s"
        figures.database_notes["FTS5 trigram"] = f"{how}, {fts.short_only} needs had no keyword of 3+ characters"
    finally:
        fts.close()


# --------------------------------------------------------------------------------------------
# One corpus


def _corpus(label: str, name: str, docs: list, need_docs: list, field_names: list[str]) -> tuple[Figures, Path]:
    from bench.match_data import cached_matcher

    figures = Figures(label, len(docs))
    matcher, analyser, figures.build, folder = cached_matcher(name, docs, need_docs, field_names)
    how = "loaded from cache" if figures.build is None else f"built in {figures.build:.1f}s"
    print(f"  {label}: index {how} ({len(matcher.vocab):,} terms), peak RSS {_rss_mb():,.0f} MB", flush=True)
    timed = _sample(need_docs, QUERIES + WARMUP)
    _time_engine(figures, matcher, timed[WARMUP:] if len(timed) > WARMUP else timed)
    print(
        f"  {label}: engine p50 {_ms(figures.engine, 50):.2f} ms, p95 {_ms(figures.engine, 95):.2f} ms "
        f"({figures.results_per_need:.1f} results per need)",
        flush=True,
    )
    probe = _sample(need_docs, BRUTE, seed=11)
    _brute_force(figures, matcher, analyser, probe)
    print(
        f"  {label}: brute force p50 {_ms(figures.brute, 50):.1f} ms ({figures.ratio():.0f}x the engine); "
        f"candidates keep {np.mean(figures.kept):.1%} of its top 10 ({np.mean(figures.kept_ties):.1%} tie-aware, "
        f"{np.mean(figures.score_share):.1%} of its score), "
        f"{np.mean(figures.candidates):.0f} candidates per need",
        flush=True,
    )
    _final_top10(figures, matcher, probe[:EXHAUSTIVE])
    print(f"  {label}: final top 10 kept vs scoring everything {np.mean(figures.final_kept):.1%}", flush=True)
    reference = _brute_top10(matcher, analyser, probe)
    _pg_trgm(figures, docs, probe, reference)
    _fts5(figures, name, docs, probe, reference)
    for system, latencies in figures.databases.items():
        print(
            f"  {label}: {system} p50 {_ms(latencies, 50):.1f} ms, p95 {_ms(latencies, 95):.1f} ms, "
            f"top 10 shared with brute force {np.mean(figures.database_overlap[system] or [math.nan]):.1%} "
            f"({figures.database_notes[system]})",
            flush=True,
        )
    for system, note in figures.database_notes.items():
        if system not in figures.databases:
            print(f"  {label}: {system} {note}", flush=True)
    return figures, folder


# --------------------------------------------------------------------------------------------
# Full re-match

_worker_matcher = None
_worker_needs: list = []


def _worker_init(folder: str) -> None:
    global _worker_matcher
    from bench.match_data import load_matcher

    _worker_matcher = load_matcher(Path(folder))


def _worker_chunk(bounds: tuple[int, int]) -> tuple[list[dict], list[float]]:
    from webapp.matching.models import SuggestionStatus

    now = datetime.now(UTC)
    rows, seconds = [], []
    for doc in _worker_needs[bounds[0] : bounds[1]]:
        started = time.perf_counter()
        for match in _worker_matcher.for_need(doc, limit=LIMIT):
            rows.append(
                {
                    "need_id": match.need_id,
                    "achievement_id": match.achievement_id,
                    "score": match.score,
                    "parts": match.parts,
                    "terms": match.terms,
                    "status": SuggestionStatus.NEW,
                    "computed_at": now,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        seconds.append(time.perf_counter() - started)
    return rows, seconds


def _listing_rows(docs: list, kind: str) -> list[dict]:
    now = datetime.now(UTC)
    rows = []
    for doc in docs:
        row = {
            "id": doc.id,
            "title": doc.title,
            "keywords": list(doc.keywords),
            "status": "published",
            "coop_mask": doc.coop_mask,
            "published_at": now,
            "created_at": now,
            "updated_at": now,
        }
        if kind == "a":
            row.update(summary=doc.body, patents=[], price_min=doc.money_min, price_max=doc.money_max)
        else:
            row.update(description=doc.body, show_identity=False, budget_min=doc.money_min, budget_max=doc.money_max)
        rows.append(row)
    return rows


def _rematch(folder: Path, achievements: list, needs: list) -> Result:
    global _worker_needs
    import sqlalchemy as sa

    import webapp  # noqa: F401 - the application's SQLite settings (foreign keys, WAL) on every connection
    import webapp.models  # noqa: F401 - every table
    from webapp.achievements.models import Achievement
    from webapp.core.db import configure_sqlite
    from webapp.extensions import db
    from webapp.matching.models import Suggestion
    from webapp.needs.models import Need

    tmp = Path(tempfile.mkdtemp(prefix="jiebang-rematch-"))
    engine = sa.create_engine(f"sqlite:///{tmp / 'rematch.sqlite3'}")
    configure_sqlite(engine)
    try:
        db.metadata.create_all(engine)
        started = time.perf_counter()
        with engine.begin() as conn:
            for table, docs, kind in ((Achievement.__table__, achievements, "a"), (Need.__table__, needs, "n")):
                rows = _listing_rows(docs, kind)
                for i in range(0, len(rows), 10_000):
                    conn.execute(table.insert(), rows[i : i + 10_000])
        print(
            f"  re-match: {len(achievements):,} achievements and {len(needs):,} needs inserted in "
            f"{time.perf_counter() - started:.0f}s (set-up, not timed)",
            flush=True,
        )
        _worker_needs = needs
        bounds = [(i, min(i + CHUNK, len(needs))) for i in range(0, len(needs), CHUNK)]
        per_need: list[float] = []
        written = 0
        insert_seconds = 0.0
        began = time.perf_counter()
        context = multiprocessing.get_context("fork")
        with context.Pool(2, initializer=_worker_init, initargs=(str(folder),)) as pool, engine.connect() as conn:
            for rows, seconds in pool.imap_unordered(_worker_chunk, bounds):
                per_need.extend(seconds)
                at = time.perf_counter()
                if rows:
                    conn.execute(Suggestion.__table__.insert(), rows)
                conn.commit()
                insert_seconds += time.perf_counter() - at
                written += len(rows)
        wall = time.perf_counter() - began
        with engine.connect() as conn:
            stored = conn.scalar(sa.select(sa.func.count()).select_from(Suggestion.__table__))
        if stored != written:
            raise RuntimeError(f"re-match wrote {written} suggestions but the table holds {stored}")
        print(
            f"  re-match: {len(needs):,} needs x {len(achievements):,} achievements in {wall:.1f}s wall "
            f"(2 processes; matching {sum(per_need):.1f}s of CPU in the workers, the parent's inserts "
            f"{insert_seconds:.1f}s), {stored:,} suggestions written",
            flush=True,
        )
        return Result(
            f"full re-match {len(needs) // 1000}k needs x {len(achievements) // 1000}k (per need)",
            per_need,
            wall,
            note=f"2 processes + writer, sqlite, {stored:,} suggestions, wall {wall:.1f}s, load avg {os.getloadavg()[0]:.1f}",
        )
    finally:
        _worker_needs = []
        engine.dispose()
        shutil.rmtree(tmp, ignore_errors=True)


# --------------------------------------------------------------------------------------------


def _results(figures: Figures) -> list[Result]:
    load = f"load avg {os.getloadavg()[0]:.1f}"
    rows = [
        Result(
            f"match: new need, {figures.label}",
            figures.engine,
            sum(figures.engine),
            note=f"1 thread, {figures.results_per_need:.0f} results/need, {load}",
        ),
        Result(
            f"brute-force RapidFuzz, {figures.label}",
            figures.brute,
            sum(figures.brute),
            note=f"cdist 2 workers, {figures.ratio():.0f}x engine p50, candidates keep "
            f"{np.mean(figures.kept or [math.nan]):.1%} of its top 10",
        ),
    ]
    for system, latencies in figures.databases.items():
        rows.append(
            Result(
                f"{system}, {figures.label}",
                latencies,
                sum(latencies),
                note=f"top 10 shared with brute force {np.mean(figures.database_overlap[system] or [math.nan]):.1%}",
            )
        )
    return rows


def _print_report(all_figures: list[Figures]) -> None:
    print("\n  Matching figures (ms; ratio = brute-force p50 / engine p50)")
    header = (
        f"  {'corpus':<26} {'build s':>8} {'engine p50':>10} {'p95':>7} {'brute p50':>10} {'ratio':>6} "
        f"{'kept':>6} {'ties':>6} {'score':>6} {'final':>6} {'cands':>6}"
    )
    print(header)
    for f in all_figures:
        build = "cached" if f.build is None else f"{f.build:.0f}"
        print(
            f"  {f.label:<26} {build:>8} {_ms(f.engine, 50):>10.2f} {_ms(f.engine, 95):>7.2f} "
            f"{_ms(f.brute, 50):>10.1f} {f.ratio():>5.0f}x {np.mean(f.kept or [math.nan]):>6.1%} "
            f"{np.mean(f.kept_ties or [math.nan]):>6.1%} {np.mean(f.score_share or [math.nan]):>6.1%} "
            f"{np.mean(f.final_kept or [math.nan]):>6.1%} "
            f"{np.mean(f.candidates or [math.nan]):>6.0f}"
        )
    goals = {100_000: 5.0, 300_000: 10.0, 1_000_000: 30.0}
    for f in all_figures:
        goal = goals.get(f.n)
        if goal and "generated" in f.label:
            verdict = "meets" if _ms(f.engine, 95) < goal else "MISSES"
            print(f"  goal p95 < {goal:.0f} ms at {f.n:,}: {verdict} ({_ms(f.engine, 95):.2f} ms)")
        if f.n == 300_000 and f.brute:
            print(
                f"  goal >= 100x brute force at 300,000: {'meets' if f.ratio() >= 100 else 'MISSES'} ({f.ratio():.0f}x)"
            )
        if f.kept_ties:
            share = np.mean(f.kept_ties)
            print(
                f"  goal candidates keep >= 95% of brute force's top 10 ({f.label}): "
                f"{'meets' if share >= 0.95 else 'MISSES'} ({share:.1%} tie-aware, {np.mean(f.kept):.1%} by id)"
            )


def run(options: Options) -> list[Result]:
    from bench.match_data import (
        cached_matcher,
        generated_achievements,
        generated_needs,
        generator_field_names,
        real_corpus,
        real_needs,
        taxonomy_names,
    )

    global QUERIES
    if options.requests:
        QUERIES = options.requests
    results: list[Result] = []
    all_figures: list[Figures] = []

    _, docs = real_corpus()
    needs = real_needs()
    figures, _ = _corpus("real 7,626", "real", docs, needs, taxonomy_names())
    all_figures.append(figures)
    results += _results(figures)

    rematch_folder = None
    for vocab, sizes in (("csl", SIZES), ("base", BASE_SIZES)):
        need_docs = generated_needs(REMATCH_NEEDS, vocab)
        for n in sizes:
            docs = generated_achievements(n, vocab)
            label = f"generated {n // 1000:,}k ({vocab})"
            figures, folder = _corpus(label, f"{vocab}{n}", docs, need_docs, generator_field_names(vocab))
            all_figures.append(figures)
            results += _results(figures)
            if n == REMATCH_ACHIEVEMENTS and vocab == "csl":
                rematch_folder = folder
            del docs
    _print_report(all_figures)
    if REMATCH:
        docs = generated_achievements(REMATCH_ACHIEVEMENTS, "csl")
        need_docs = generated_needs(REMATCH_NEEDS, "csl")
        if rematch_folder is None:
            *_, rematch_folder = cached_matcher(
                f"csl{REMATCH_ACHIEVEMENTS}", docs, need_docs, generator_field_names("csl")
            )
        results.append(_rematch(rematch_folder, docs, need_docs))
    return results
