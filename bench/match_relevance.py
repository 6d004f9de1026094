"""Relevance of the app's own suggestions on judged real need → achievement pairs.

`python -m bench match_relevance [--per-query]`: the 7,626 real records (achievements-51jishu.jsonl
and papers-csl.jsonl) and the 1,806 real needs are imported into a fresh database with the importer
and the README's column mappings, the full re-match runs as `flask --app wsgi match run --all` runs
it, and for each of the 40 judged needs of `../shared/eval-dev/` the ranking is what
`flask --app wsgi match show` returns (the stored, banded suggestions the broker queue shows).
Beside it, two plain rankings computed here from the same files: BM25 over character bigrams and
TF-IDF over character 2–3-grams, each with the need's title and description as the query.

One line per ranking: `NAME nDCG@6 X recall@6 Y judged Z`; graded gain (the two judges' mean,
0–2), relevant = mean grade ≥ 1; an unjudged document counts as not relevant, so a figure with a
judged share under about 0.9 is a lower bound. Judgements of documents outside the folder's pool
are read from `bench/relevance/judged.jsonl` (two blind passes with the folder's rubric). Then the
bands: per confidence band, the suggestions in the top 10 of the 40 needs, how many of them are
judged, and the share of judged ones with grade ≥ 1.

`BENCH_RELEVANCE_DATABASE=path.sqlite3` keeps the imported database in that file and reuses it on
the next run (import skipped; the re-match runs again), for working on the ranking.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

from bench import evaluation
from bench.common import Options, Result, _drop_postgres, _postgres_url
from bench.match_data import data_file
from webapp.imports.real_lists import REAL_LISTS
from webapp.matching import fit

TITLE = "matching relevance on judged real pairs (nDCG@6, recall@6) against plain baselines"

K = 6
EXTRA = Path(__file__).resolve().parent / "relevance" / "judged.jsonl"

# The README's import commands for the real files.
IMPORTS = REAL_LISTS


def eval_dir() -> Path:
    return data_file("needs-51jishu.jsonl").parent.parent / "eval-dev"


def run(options: Options) -> list[Result]:
    folder = eval_dir()
    judged = fit.read_judgements(folder / "qrels.jsonl", *([EXTRA] if EXTRA.exists() else []))
    needs = [line.strip() for line in (folder / "needs.txt").read_text().splitlines() if line.strip()]
    rankings, timings = {}, []
    with tempfile.TemporaryDirectory(prefix="jiebang-relevance-") as tmp:
        kept = os.environ.get("BENCH_RELEVANCE_DATABASE")
        admin_url = os.environ.get("BENCH_DATABASE_URL")
        if kept:
            url, drop = f"sqlite:///{Path(kept).resolve()}", None
        elif admin_url:
            name = f"jiebang_relevance_{os.getpid()}"
            url, drop = _postgres_url(admin_url, name), name
        else:
            url, drop = f"sqlite:///{Path(tmp) / 'relevance.sqlite3'}", None
        try:
            engine_rows, bands, timings = _engine(url, needs, Path(tmp), reuse=bool(kept) and Path(kept).exists())
        finally:
            if drop:
                _drop_postgres(admin_url, drop)
    rankings["engine (the app: match show after match run --all)"] = engine_rows
    rankings.update(_baselines(needs))
    print()
    for name in rankings:
        print(f"  {name.split(' (')[0]}: {name.split(' (', 1)[1].rstrip(')')}")
    for name, ranking in rankings.items():
        score = evaluation.judged_scores(ranking, judged, needs, K)
        low = "  (judged under 0.9: a lower bound)" if score.judged < 0.9 else ""
        print(
            f"{name.split(' (')[0]} nDCG@{K} {score.ndcg:.3f} recall@{K} {score.recall:.3f} judged {score.judged:.2f}",
            flush=True,
        )
        if low:
            print(f"  {name.split(' (')[0]}{low}")
    if options.per_query:
        _per_query(rankings, judged, needs)
    _print_bands(bands, judged)
    return timings


def _per_query(rankings: dict, judged: dict, needs: list[str]) -> None:
    names = list(rankings)
    print(
        f"\nper need: nDCG@{K} of each ranking ({', '.join(n.split(' (')[0] for n in names)}), "
        f"relevant pairs judged, returned by the engine"
    )
    for need in needs:
        relevant = sum(g >= 1 for g in judged.get(need, {}).values())
        cells = []
        for name in names:
            value = fit.graded_ndcg(rankings[name].get(need, []), judged.get(need, {}), K)
            cells.append("   -  " if value is None else f"{value:6.3f}")
        print(
            f"  {need}  {'  '.join(cells)}  relevant {relevant:>2}  returned {len(rankings[names[0]].get(need, [])):>2}"
        )


def _print_bands(bands: list[tuple[str, str, str]], judged: dict) -> None:
    """Per band: suggestions in the top 10 of the 40 needs, judged, and the share of grade ≥ 1."""
    print("\nbands (top 10 of each judged need): suggestions, judged, share with grade ≥ 1 among the judged")
    counts: dict[str, Counter] = {}
    for need, doc, band in bands:
        c = counts.setdefault(band, Counter())
        c["n"] += 1
        grade = judged.get(need, {}).get(doc)
        if grade is not None:
            c["judged"] += 1
            c["relevant"] += grade >= 1
    for band in sorted(counts):
        c = counts[band]
        share = f"{c['relevant'] / c['judged']:.2f}" if c["judged"] else "-"
        print(f"  {band:<8} {c['n']:>4} suggestions, {c['judged']:>4} judged, grade ≥ 1: {share}")


# --------------------------------------------------------------------------------------------
# The app


def _engine(url: str, needs: list[str], tmp: Path, reuse: bool) -> tuple[dict, list, list[Result]]:
    from flask_migrate import upgrade

    from webapp import create_app
    from webapp.extensions import db

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, MATCH_INDEX_DIR=str(tmp / "match-index"))
    results = []
    with app.app_context():
        upgrade()  # a kept database follows the migrations too
        if not reuse:
            started = time.perf_counter()
            for kind, name, mapping in IMPORTS:
                report = _import(kind, data_file(name), mapping)
                print(f"  import {name}: {report.counts_line()}", flush=True)
            results.append(
                Result(
                    "relevance: import 9,432 real rows",
                    [],
                    time.perf_counter() - started,
                    note="importer as the CLI, 1 helper",
                )
            )
        started = time.perf_counter()
        job = _rematch()
        wall = time.perf_counter() - started
        print(f"  full re-match: {job.total:,} listings, {job.suggestions:,} suggestions in {wall:.1f} s", flush=True)
        results.append(
            Result(
                "relevance: full re-match of the real lists",
                [],
                wall,
                note=f"{job.total} listings, {job.suggestions} suggestions",
            )
        )
        ranking, bands = {}, []
        for need in needs:
            rows = _shown(need)
            ranking[need] = [row["achievement"] for row in rows]
            bands += [(need, row["achievement"], row.get("band", "-")) for row in rows[:10]]
        _held_out(needs)
        db.session.remove()
        db.engine.dispose()
    return ranking, bands, results


def _held_out(needs: list[str]) -> None:
    """The weights fitted without each fifth of the judged needs, scored on it (5-fold), beside the
    live weights on the same needs: what to expect on needs the weights never saw."""
    import sqlalchemy as sa

    from webapp.achievements.models import Achievement
    from webapp.extensions import db
    from webapp.matching import runtime, sources
    from webapp.needs.models import Need

    judged = fit.read_judgements(eval_dir() / "qrels.jsonl", *([EXTRA] if EXTRA.exists() else []))
    by_external = dict(db.session.execute(sa.select(Achievement.external_id, Achievement.id)).all())
    matcher = runtime.live_matcher()
    paths = sources.field_paths()
    queries = []
    for external_id in needs:
        need = db.session.scalar(sa.select(Need).where(Need.external_id == external_id))
        grades = {by_external[d]: g for d, g in judged.get(external_id, {}).items() if d in by_external}
        queries.append(fit.judged_query(external_id, matcher.candidates(sources.need_doc(need, paths)), grades))
    live = sources.weights()
    result = fit.cross_validate(queries, live, folds=5)
    print(
        f"  weights fitted on 4/5 of the needs, scored on the fifth left out (5-fold): nDCG@{K} "
        f"{result.after_ndcg:.3f} recall@{K} {result.after_recall:.3f}; the live weights on all 40: nDCG@{K} "
        f"{result.before_ndcg:.3f} recall@{K} {result.before_recall:.3f} (judged pairs only)",
        flush=True,
    )
    refit = fit.fit(queries, live)
    print(
        f"  weights fitted on all 40 (python -m bench match_relevance to refit): {refit.as_dict()} "
        f"bands {fit.bands(queries, refit)}",
        flush=True,
    )


def _import(kind_name: str, path: Path, mapping: str):
    from webapp.extensions import db
    from webapp.imports.columns import KINDS, parse_mapping
    from webapp.imports.importer import Importer, ImportOptions
    from webapp.imports.readers import read_source
    from webapp.imports.rows import default_workers

    kind = KINDS[kind_name]
    source = read_source(path.name, path.read_bytes())
    importer = Importer(
        ImportOptions(kind=kind, filename=path.name, mapping=parse_mapping(mapping, kind), workers=default_workers())
    )
    for _done in importer.run(source):
        db.session.commit()
    return importer.report


def _rematch():
    from webapp.extensions import db
    from webapp.matching.services import rematch

    job = rematch.create_job(None)
    db.session.commit()
    return rematch.run_rematch(job.id, commit=db.session.commit)


def _shown(external_id: str) -> list[dict]:
    from webapp.matching.cli import _find_need, ranked_rows

    need = _find_need(external_id)
    if need is None:
        raise RuntimeError(f"need {external_id} was not imported")
    return ranked_rows(need, limit=10)


# --------------------------------------------------------------------------------------------
# Plain baselines over the same records


def _records() -> tuple[list[str], list[str]]:
    ids, texts = [], []
    for row in evaluation.read_jsonl(data_file("achievements-51jishu.jsonl")):
        ids.append(row["id"])
        texts.append(f"{evaluation.clean(row.get('name'))} {evaluation.clean(row.get('description'))}")
    for row in evaluation.read_jsonl(data_file("papers-csl.jsonl")):
        ids.append(row["id"])
        texts.append(f"{evaluation.clean(row.get('title'))} {evaluation.clean(row.get('abstract'))}")
    return ids, texts


def _queries(needs: list[str]) -> dict[str, str]:
    wanted = set(needs)
    return {
        row["id"]: f"{evaluation.clean(row.get('name'))} {evaluation.clean(row.get('description'))}"
        for row in evaluation.read_jsonl(data_file("needs-51jishu.jsonl"))
        if row["id"] in wanted
    }


def _bigrams(text: str) -> list[str]:
    """Character bigrams inside each run of word characters (the pool's BM25 baseline)."""
    out = []
    for run in re.findall(r"\w+", evaluation.clean(text).lower()):
        out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


def _baselines(needs: list[str]) -> dict[str, dict[str, list[str]]]:
    import logging

    import bm25s
    from sklearn.feature_extraction.text import TfidfVectorizer

    logging.getLogger("bm25s").setLevel(logging.WARNING)  # a debug line per query otherwise
    ids, texts = _records()
    queries = _queries(needs)
    out: dict[str, dict[str, list[str]]] = {}

    retriever = bm25s.BM25()
    retriever.index([_bigrams(t) for t in texts], show_progress=False)
    ranking = {}
    for need, query in queries.items():
        tokens = [t for t in _bigrams(query) if t in retriever.vocab_dict]
        scores = retriever.get_scores(tokens) if tokens else np.zeros(len(ids))
        ranking[need] = [ids[i] for i in np.argsort(-scores, kind="stable")[:K]]
    out["bm25-bigram (BM25 over character bigrams, title + description)"] = ranking

    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 3), sublinear_tf=True)
    matrix = vectorizer.fit_transform([evaluation.clean(t).lower() for t in texts])
    ranking = {}
    for need, query in queries.items():
        scores = (matrix @ vectorizer.transform([evaluation.clean(query).lower()]).T).toarray().ravel()
        ranking[need] = [ids[i] for i in np.argsort(-scores, kind="stable")[:K]]
    out["tfidf-char (TF-IDF over character 2–3-grams, title + description)"] = ranking
    return out
