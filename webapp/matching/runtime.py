"""The engine inside the application: where the index lives, how it stays current, and matching
listings against it with the database facts `sources.py` reads (listings, lexicon, the brokers'
rejections, the live weights).

Where the index lives, and why: in files under `MATCH_INDEX_DIR` (default `instance/match-index`),
one folder per build ("generation") and a `CURRENT` file naming the live one, replaced atomically.
Every web and worker process on a host memory-maps the same files, so the operating system's page
cache holds one copy however many processes read it, a restart costs a load of a few milliseconds
instead of a rebuild, and a rebuild by one process is picked up by the others at their next query
(they compare `CURRENT` with what they loaded). The database stays the source of truth: the files
can be deleted at any time and are rebuilt from it; a host of its own builds its own copy.

Listings published or edited after a build are not in its files: at each query they are read from
the database (`updated_at` after the build time, an indexed column) and scored next to the index's
candidates, while their older copies in the files are ignored. That is the incremental part, and
it is what makes a newly published need match at once. When it grows past `MATCH_DELTA_LIMIT`
listings the index is rebuilt.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import threading
from collections.abc import Iterable, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from webapp.core.db import utcnow
from webapp.extensions import db
from webapp.listings.models import ListingStatus
from webapp.matching.engine import Matcher
from webapp.matching.index import INDEX_FORMAT, Doc
from webapp.matching.scoring import Match, Weights
from webapp.matching.sources import (
    achievement_doc,
    current_lexicon,
    field_pair_penalties,
    field_paths,
    listing_docs,
    models,
    need_doc,
    stamp,
    weights,
)
from webapp.matching.text import Analyser, Lexicon

log = logging.getLogger(__name__)

# Rows changed within this margin before a build are read again from the database: a transaction
# that committed just after the build read the table may carry an earlier `updated_at`.
BUILD_MARGIN = timedelta(seconds=60)

_lock = threading.RLock()
_loaded: dict[str, dict] = {}  # index folder → {"generation", "matcher", "meta"}


def _lexicon_to_json(lexicon: Lexicon) -> dict:
    return {
        "terms": sorted(lexicon.terms),
        "stopwords": sorted(lexicon.stopwords),
        "synonyms": dict(sorted(lexicon.synonyms.items())),
    }


# -- the index on disk ----------------------------------------------------------------------


def index_dir() -> Path:
    configured = current_app.config.get("MATCH_INDEX_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "match-index"


@contextmanager
def _build_lock(folder: Path):
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".build.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _read_current(folder: Path) -> str | None:
    try:
        return (folder / "CURRENT").read_text().strip() or None
    except FileNotFoundError:
        return None


def rebuild_index() -> dict:
    """Build a new generation from the database and make it the live one; returns its facts."""
    folder = index_dir()
    with _build_lock(folder):
        started = utcnow()
        Achievement, Need = models()
        lexicon = current_lexicon()
        analyser = Analyser(lexicon)
        stamps: dict[str, dict[int, int]] = {"a": {}, "n": {}}
        achievements, needs = listing_docs(Achievement, stamps=stamps["a"]), listing_docs(Need, stamps=stamps["n"])
        matcher = Matcher.build(analyser, achievements, needs)
        generation = f"gen-{started:%Y%m%dT%H%M%S%f}-{os.getpid()}"
        target = folder / generation
        matcher.save(target)
        # Which version of each listing the files hold: a listing changed just before the build
        # (within BUILD_MARGIN) is read again only if the files hold an older one.
        (target / "stamps.json").write_text(json.dumps(stamps), "utf-8")
        meta = {
            "built_at": (started - BUILD_MARGIN).isoformat(),
            "achievements": len(achievements),
            "needs": len(needs),
            "terms": len(matcher.vocab),
            "lexicon": lexicon.fingerprint(),
            "format": INDEX_FORMAT,
        }
        (target / "lexicon.json").write_text(json.dumps(_lexicon_to_json(lexicon), ensure_ascii=False), "utf-8")
        (target / "meta.json").write_text(json.dumps(meta), "utf-8")
        pointer = folder / f".CURRENT.{os.getpid()}"
        pointer.write_text(generation)
        os.replace(pointer, folder / "CURRENT")
        _prune(folder, keep=generation)
        with _lock:
            _loaded[str(folder)] = {
                "generation": generation,
                "matcher": matcher,
                "meta": meta,
                "stamps": stamps,
                "newest": _newest(stamps),
            }
        log.info("match index %s: %s achievements, %s needs", generation, len(achievements), len(needs))
        return {"generation": generation, **meta}


def _prune(folder: Path, keep: str) -> None:
    """Drop all but the two newest older generations (a process may still be reading one)."""
    old = sorted((p for p in folder.glob("gen-*") if p.is_dir() and p.name != keep), key=lambda p: p.name)
    for path in old[:-2]:
        shutil.rmtree(path, ignore_errors=True)


def _state() -> dict:
    folder = index_dir()
    key = str(folder)
    generation = _read_current(folder)
    with _lock:
        state = _loaded.get(key)
        if state is not None and state["generation"] == generation:
            return state
    if (
        generation is None
        or not (folder / generation / "meta.json").exists()
        or _format(folder / generation) != INDEX_FORMAT
    ):
        rebuild_index()  # none yet, or built by an engine whose files this one does not read
        with _lock:
            return _loaded[key]
    state = _load(folder / generation)
    with _lock:
        _loaded[key] = state
    return state


def live_matcher() -> Matcher:
    """The live generation's engine, loaded (or built) as a query would find it."""
    return _state()["matcher"]


def _load(target: Path) -> dict:
    """One generation's files, memory-mapped (no database, no application needed)."""
    raw = json.loads((target / "lexicon.json").read_text("utf-8"))
    analyser = Analyser(Lexicon(frozenset(raw["terms"]), frozenset(raw["stopwords"]), raw["synonyms"]))
    raw_stamps = json.loads((target / "stamps.json").read_text("utf-8")) if (target / "stamps.json").exists() else {}
    stamps = {side: {int(k): v for k, v in held.items()} for side, held in raw_stamps.items()}
    return {
        "generation": target.name,
        "matcher": Matcher.load(target, analyser),
        "meta": json.loads((target / "meta.json").read_text("utf-8")),
        "stamps": stamps,
        "newest": _newest(stamps),
    }


def _newest(stamps: Mapping[str, Mapping[int, int]]) -> dict[str, int]:
    """The highest listing id the index holds on each side (read once per load, not per query)."""
    return {side: max(held, default=0) for side, held in stamps.items()}


def _format(target: Path) -> int | None:
    return json.loads((target / "meta.json").read_text("utf-8")).get("format")


def reset() -> None:
    """Forget what this process loaded (the files stay)."""
    with _lock:
        _loaded.clear()


def status() -> dict:
    """What the admin page shows: the live generation and how much waits in the incremental part."""
    state = _state()
    built_at = datetime.fromisoformat(state["meta"]["built_at"])
    Achievement, Need = models()
    waiting = {
        name: db.session.scalar(sa.select(sa.func.count()).select_from(model).where(model.updated_at > built_at))
        for name, model in (("achievements", Achievement), ("needs", Need))
    }
    return {**state["meta"], "generation": state["generation"], "built_at": built_at, "waiting": waiting}


# -- matching -------------------------------------------------------------------------------


def _delta(model, built_at: datetime, held: Mapping[int, int], newest: int) -> tuple[set[int], list[Doc]]:
    """Listings changed since the build: ids whose indexed copy is stale, and the published ones.
    `held` is the version of each listing the index holds, `newest` the highest id among them. Rows
    above it count too, whatever their time: one written on a replayed or stopped clock may carry an
    earlier one."""
    changed = {
        listing_id
        for listing_id, updated_at in db.session.execute(
            sa.select(model.id, model.updated_at).where(sa.or_(model.updated_at > built_at, model.id > newest))
        )
        if held.get(listing_id) != stamp(updated_at)
    }
    if not changed:
        return set(), []
    ordered = sorted(changed)
    docs = [d for i in range(0, len(ordered), 1000) for d in listing_docs(model, model.id.in_(ordered[i : i + 1000]))]
    return changed, docs


def _published(model, ids: Iterable[int]) -> set[int]:
    ids = list(ids)
    if not ids:
        return set()
    return set(
        db.session.scalars(sa.select(model.id).where(model.id.in_(ids), model.status == ListingStatus.PUBLISHED))
    )


def _run(
    listings: Sequence, query_kind: str, limit: int | None, exclude: Mapping[int, Iterable[int]]
) -> dict[int, list[Match]]:
    """Match several listings of one kind with what they share read once: the index, the listings
    changed since its build, field paths, the brokers' history, the weights, the published check."""
    Achievement, Need = models()
    config = current_app.config
    limit = limit or config.get("MATCH_TOP_K", 10)
    state = _state()
    built_at = datetime.fromisoformat(state["meta"]["built_at"])
    other = Achievement if query_kind == "n" else Need
    side = "a" if query_kind == "n" else "n"
    stale, fresh = _delta(other, built_at, state["stamps"].get(side, {}), state["newest"].get(side, 0))
    if len(fresh) > config.get("MATCH_DELTA_LIMIT", 500):
        rebuild_index()
        state = _state()
        stale, fresh = set(), []
    paths = field_paths()
    penalties = field_pair_penalties()
    make = need_doc if query_kind == "n" else achievement_doc
    gone = stale - {d.id for d in fresh}  # changed since the build and no longer published
    queries = [(make(listing, paths), tuple(exclude.get(listing.id, ()))) for listing in listings]
    work = (weights(), query_kind, limit * 2, gone, fresh, penalties)
    pool = _helpers.get("pool")
    if pool is not None and len(queries) > 1:
        target = str(index_dir() / state["generation"])
        size = -(-len(queries) // _helpers["processes"])
        found = {}
        for part in pool.map(
            _helper_run, [(target, queries[i : i + size], *work) for i in range(0, len(queries), size)]
        ):
            found.update(part)
    else:
        with _lock:  # the vocabulary grows with new terms; one query at a time per process
            found = _compute(state["matcher"], queries, *work)

    def partner(m: Match) -> int:
        return m.achievement_id if query_kind == "n" else m.need_id

    # The files may still hold listings since withdrawn or deleted.
    alive = _published(other, {partner(m) for results in found.values() for m in results})
    return {key: [m for m in results if partner(m) in alive][:limit] for key, results in found.items()}


def _compute(
    matcher: Matcher,
    queries: Sequence[tuple[Doc, Sequence[int]]],
    weights_: Weights,
    query_kind: str,
    limit: int,
    gone: set[int],
    fresh: list[Doc],
    penalties: Mapping[tuple[int, int], float],
) -> dict[int, list[Match]]:
    """The engine's answers for several queries of one kind (pure: no database)."""
    matcher.weights = weights_
    find = matcher.for_need if query_kind == "n" else matcher.for_achievement
    return {
        doc.id: find(doc, limit=limit, exclude=set(excluded) | gone, extra=fresh, pair_penalty=penalties)
        for doc, excluded in queries
    }


# -- helper processes for the full re-match ----------------------------------------------------
#
# The engine is pure Python over memory-mapped arrays, so one process uses one core. The full
# re-match forks helper processes that each answer part of every batch, while the database work
# (reading the listings, writing the suggestions) stays in the process that owns the transaction.
# A helper inherits the loaded index when forked (the pages of the files are shared) and loads
# another generation from its files if the index was rebuilt in the meantime.

_helpers: dict = {}
_helper_state: dict = {}


def _helper_run(args) -> dict[int, list[Match]]:
    target, queries, *work = args
    if _helper_state.get("target") != target:
        inherited = next((s for s in _loaded.values() if s["generation"] == Path(target).name), None)
        _helper_state.update(target=target, state=inherited or _load(Path(target)))
    return _compute(_helper_state["state"]["matcher"], queries, *work)


@contextmanager
def helpers(processes: int | None = None):
    """Fork `processes` helpers (default MATCH_PROCESSES, else one per core) that `match_many` hands
    its queries to inside this block. Only from a process with a single thread (a command, a Celery
    worker's child): forking beside other threads can copy a lock one of them holds. Otherwise, or
    with one process, matching stays in this process."""
    import billiard  # Celery's multiprocessing: its workers, daemonic, may have children

    processes = processes or current_app.config.get("MATCH_PROCESSES") or os.cpu_count() or 1
    if processes < 2 or _helpers or threading.active_count() > 1:
        if processes > 1 and not _helpers:
            log.info("matching in this process: %s threads run here", threading.active_count())
        yield
        return
    _state()  # loaded before the fork, so the helpers share it
    pool = billiard.get_context("fork").Pool(processes)
    log.info("matching in %s helper processes", processes)
    _helpers.update(pool=pool, processes=processes)
    try:
        yield
    finally:
        _helpers.clear()
        pool.terminate()
        pool.join()


def match_need(need, *, limit: int | None = None, exclude: Iterable[int] = ()) -> list[Match]:
    """The best published achievements for a need, best first."""
    return _run([need], "n", limit, {need.id: exclude})[need.id]


def match_achievement(achievement, *, limit: int | None = None, exclude: Iterable[int] = ()) -> list[Match]:
    """The best published needs for an achievement, best first."""
    return _run([achievement], "a", limit, {achievement.id: exclude})[achievement.id]


def match_many(query_kind: str, listings: Sequence, exclude: Mapping[int, Iterable[int]]) -> dict[int, list[Match]]:
    """`match_need` or `match_achievement` ("n" / "a") for several listings at once, by listing id."""
    return _run(listings, query_kind, None, exclude)
