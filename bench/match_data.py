"""Corpora for the matching benchmarks: the real records as engine `Doc`s, and generated ones
(bench/generate.py) at 10k–300k achievements, cached under /tmp between runs.

- `real_corpus()`: the 7,626 real records (achievements-51jishu.jsonl, then papers-csl.jsonl) as
  achievement Docs with ids 1..7,626, plus the evaluation `Item`s they came from; `real_needs()`:
  the 1,806 real needs (needs-51jishu.jsonl) as need Docs.
- `generated_achievements(n)`, `generated_needs(n)`: Docs from bench/generate.py rows (the import
  format), with the price, maturity and cooperation modes parsed by the app's own parsers and a
  field path made from the generator's field names (root, leaf).

Generated corpora and built indexes are cached in JIEBANG_BENCH_CACHE (default
/tmp/jiebang-match-bench), keyed by size, seed and a hash of the engine's source, so a 300k index
is built once, not per run. Delete the folder to start afresh.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import re
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from bench.evaluation import Item, corpus_items, read_jsonl
from config import DATA_DIR as DATA
from webapp.matching.sources import KEYWORD_TERMS_MAX

CACHE = Path(os.environ.get("JIEBANG_BENCH_CACHE", "/tmp/jiebang-match-bench"))
ENGINE_SOURCES = ("text.py", "index.py", "signals.py", "scoring.py", "engine.py")


def data_file(name: str) -> Path:
    if (DATA / name).exists():
        return DATA / name
    raise FileNotFoundError(f"{name} not found in {DATA}: set JIEBANG_DATA to the folder of the shared data")


def engine_version() -> str:
    """Changes whenever the engine's code changes: cached indexes are rebuilt."""
    digest = hashlib.sha256()
    folder = Path(__file__).resolve().parents[1] / "webapp" / "matching"
    for name in ENGINE_SOURCES:
        path = folder / name
        if path.exists():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


# --------------------------------------------------------------------------------------------
# Parsing helpers: the app's parsers, forgiving (a benchmark takes real noise as it is)


def _maturity(value) -> int | None:
    from webapp.listings.validation import parse_maturity

    try:
        maturity = parse_maturity(value)
    except Exception:  # unknown wording: no maturity, as the importer would leave it
        return None
    return maturity.rank if maturity else None


def _money(value) -> tuple[int | None, int | None]:
    from webapp.core.money import parse_wan_range

    try:
        return parse_wan_range(value)
    except Exception:
        return None, None


def _coop(value) -> int:
    from webapp.listings.models import modes_to_mask
    from webapp.listings.validation import parse_coop_modes

    try:
        return modes_to_mask(parse_coop_modes(value))
    except Exception:
        return 0


class FieldPaths:
    """Made-up TechField ids for "root-leaf" field names: (root id, leaf id)."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}

    def __call__(self, name: str | None) -> tuple[int, ...]:
        if not name:
            return ()
        path = []
        parts = [p for p in name.replace("——", "-").split("-") if p]
        for depth in range(1, len(parts) + 1):
            label = "-".join(parts[:depth])
            path.append(self.ids.setdefault(label, len(self.ids) + 1))
        return tuple(path)


# --------------------------------------------------------------------------------------------
# Real records


def real_items() -> list[Item]:
    return corpus_items(read_jsonl(data_file("achievements-51jishu.jsonl")), read_jsonl(data_file("papers-csl.jsonl")))


def item_doc(item: Item, fields: FieldPaths | None = None):
    """An evaluation record as an achievement Doc (what the platform would hold after import)."""
    from webapp.matching.index import Doc

    raw = item.raw
    if item.source == "51jishu":
        low, high = _money(raw.get("price"))
        return Doc(
            id=item.id,
            title=item.title,
            keywords=item.keywords,
            body=item.body,
            field_path=fields(raw.get("tech_field")) if fields else (),
            maturity=_maturity(raw.get("maturity")),
            money_min=low,
            money_max=high,
            coop_mask=_coop(raw.get("cooperation_method")),
        )
    return Doc(id=item.id, title=item.title, keywords=item.keywords, body=item.body)


def real_corpus() -> tuple[list[Item], list]:
    """(items, achievement Docs) for the 7,626 real records; same ids."""
    items = real_items()
    fields = FieldPaths()
    return items, [item_doc(item, fields) for item in items]


def real_needs(first_id: int = 1) -> list:
    from bench.evaluation import clean, key
    from webapp.matching.index import Doc

    docs = []
    for offset, row in enumerate(read_jsonl(data_file("needs-51jishu.jsonl"))):
        title = row.get("name") or ""
        body = clean(row.get("description"))
        docs.append(
            Doc(
                id=first_id + offset,
                title=title,
                keywords=(),
                body="" if key(body) == key(title) else body,
                coop_mask=_coop(row.get("cooperation_method")),
            )
        )
    return docs


# --------------------------------------------------------------------------------------------
# Generated corpora (bench/generate.py), cached


VOCABULARIES = ("csl", "base")
_TERM = re.compile(r"[0-9A-Za-z\u3400-\u9fff·.+#]+")
_LETTER = re.compile(r"[A-Za-z\u3400-\u9fff]")


def vocabulary(name: str) -> dict[str, list[str]]:
    """The generator's terms per field. `base`: bench/generate.py's own 12 fields of 10 terms (every
    term common: the hardest case for a keyword index). `csl`: the author keywords of the real CSL
    papers (2–12 characters), one field per discipline ("category-discipline", 10+ keywords): about
    as many distinct technical terms as real listings use, each in few of them."""
    from bench.generate import FIELDS

    if name == "base":
        return FIELDS
    if name != "csl":
        raise ValueError(f"unknown vocabulary {name!r}: one of {', '.join(VOCABULARIES)}")
    from bench.evaluation import clean

    terms: dict[str, set[str]] = {}
    for row in read_jsonl(data_file("papers-csl.jsonl")):
        field = f"{row.get('category') or '其他'}-{row.get('discipline') or '其他'}"
        for word in row.get("keywords") or ():
            word = clean(word)
            if 2 <= len(word) <= KEYWORD_TERMS_MAX and _TERM.fullmatch(word) and _LETTER.search(word):
                terms.setdefault(field, set()).add(word)
    return {field: sorted(words) for field, words in sorted(terms.items()) if len(words) >= 10}


def generator_fields(vocab: str) -> FieldPaths:
    """Field ids numbered in the vocabulary's order, the same for achievements and needs."""
    fields = FieldPaths()
    for name in vocabulary(vocab):
        fields(name)
    return fields


def generator_field_names(vocab: str) -> list[str]:
    return sorted({part for name in vocabulary(vocab) for part in (name, *name.split("-"))})


def _achievement_docs(n: int, seed: int, vocab: str) -> list:
    from bench.generate import achievements
    from webapp.matching.index import Doc

    fields = generator_fields(vocab)
    docs = []
    for offset, row in enumerate(achievements(n, seed=seed, vocabulary=vocabulary(vocab))):
        low, high = _money(row["price"])
        docs.append(
            Doc(
                id=1 + offset,
                title=row["title"],
                keywords=tuple(row["keywords"]),
                body=row["summary"],
                field_path=fields(row["field"]),
                maturity=_maturity(row["maturity"]),
                money_min=low,
                money_max=high,
                coop_mask=_coop(row["transfer_modes"]),
                org=row["institution"],
            )
        )
    return docs


def _need_docs(n: int, seed: int, vocab: str) -> list:
    from bench.generate import needs
    from webapp.matching.index import Doc

    fields = generator_fields(vocab)
    docs = []
    maturities = [None, None, 1, 2, 3, 4]  # expected maturity: none given for a third of them
    for offset, row in enumerate(needs(n, seed=seed, vocabulary=vocabulary(vocab))):
        low, high = _money(row["budget"])
        docs.append(
            Doc(
                id=1 + offset,
                title=row["title"],
                keywords=tuple(row["keywords"]),
                body=row["description"],
                field_path=fields(row["field"]),
                maturity=maturities[offset % len(maturities)],
                money_min=low,
                money_max=high,
                coop_mask=_coop(row["cooperation_modes"]),
                org=row["organisation"],
            )
        )
    return docs


def _cached(name: str, build: Callable[[], object]) -> object:
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"{name}.pickle"
    if path.exists():
        with path.open("rb") as f:
            return pickle.load(f)
    value = build()
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    with tmp.open("wb") as f:
        pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
    tmp.replace(path)
    return value


ACHIEVEMENT_SEED = 4242
NEED_SEED = 4343


def generated_achievements(n: int, vocab: str = "csl") -> list:
    """n generated achievements (ids 1..n), the same for the same n and vocabulary; cached."""

    def build() -> list:
        started = time.perf_counter()
        docs = _achievement_docs(n, ACHIEVEMENT_SEED, vocab)
        print(f"  generated {n:,} achievements ({vocab}) in {time.perf_counter() - started:.1f}s", flush=True)
        return docs

    return _cached(f"achievements-{vocab}-{n}-{ACHIEVEMENT_SEED}", build)


def generated_needs(n: int, vocab: str = "csl") -> list:
    return _cached(f"needs-{vocab}-{n}-{NEED_SEED}", lambda: _need_docs(n, NEED_SEED, vocab))


# --------------------------------------------------------------------------------------------
# The engine as the application sets it up


def _seeded_lexicon_lists() -> tuple[list[str], list[tuple[str, str]]]:
    """The stop words and synonyms the matching migration seeds (what a new installation starts from)."""
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "migrations" / "versions" / "0003_matching.py"
    spec = importlib.util.spec_from_file_location("_matching_migration", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return list(module.STOPWORDS), list(module.SYNONYMS)


def lexicon(docs: Iterable, field_names: Iterable[str] = ()):
    """The lexicon `sources.current_lexicon()` would build for these listings on a new installation:
    the seeded stop words and synonyms, the search's grammar words, the field names and every
    listing keyword up to KEYWORD_TERMS_MAX characters as terms."""
    from webapp.listings.text import STOPWORDS as GRAMMAR_WORDS
    from webapp.matching.text import Lexicon

    terms = list(field_names)
    for doc in docs:
        terms.extend(k for k in doc.keywords if len(k) <= KEYWORD_TERMS_MAX)
    try:
        stopwords, synonyms = _seeded_lexicon_lists()
    except (OSError, AttributeError):  # no migration seed: the engine's built-in defaults
        return Lexicon.default(terms=terms)
    return Lexicon.build(terms=terms, stopwords=[*GRAMMAR_WORDS, *stopwords], synonyms=dict(synonyms))


def taxonomy_names() -> list[str]:
    return [node["n"] for node in json.loads(data_file("tech-field-taxonomy-51jishu.json").read_text("utf-8"))]


def cached_matcher(name: str, achievements: list, needs: list, field_names: Iterable[str] = ()):
    """(matcher, analyser, seconds to build or None when loaded) for these docs; the built index
    is saved under the cache folder and memory-mapped on later runs."""
    from webapp.matching.engine import Matcher
    from webapp.matching.text import Analyser

    lex = lexicon([*achievements, *needs], field_names)
    folder = CACHE / f"matcher-{name}-{engine_version()}-{lex.fingerprint()}"
    analyser = Analyser(lex)
    if (folder / "done").exists():
        return Matcher.load(folder, analyser), analyser, None, folder
    import shutil

    for stale in CACHE.glob(f"matcher-{name}-*"):  # built by another version of the engine or lexicon
        if stale.is_dir() and ".tmp" not in stale.name:
            shutil.rmtree(stale, ignore_errors=True)
    started = time.perf_counter()
    matcher = Matcher.build(analyser, achievements, needs)
    built = time.perf_counter() - started
    tmp = folder.with_name(folder.name + f".tmp{os.getpid()}")
    matcher.save(tmp)
    (tmp / "lexicon.json").write_text(
        json.dumps(
            {"terms": sorted(lex.terms), "stopwords": sorted(lex.stopwords), "synonyms": dict(lex.synonyms)},
            ensure_ascii=False,
        ),
        "utf-8",
    )
    (tmp / "done").write_text(f"{built:.1f}\n")
    if folder.exists():  # another run finished first
        shutil.rmtree(tmp, ignore_errors=True)
    else:
        tmp.replace(folder)
    # Load what was saved, as the application does: the figures are for the memory-mapped index.
    return Matcher.load(folder, analyser), analyser, built, folder


def load_matcher(folder: Path):
    """A matcher from a folder `cached_matcher` wrote (for worker processes)."""
    from webapp.matching.engine import Matcher
    from webapp.matching.text import Analyser, Lexicon

    raw = json.loads((folder / "lexicon.json").read_text("utf-8"))
    analyser = Analyser(Lexicon(frozenset(raw["terms"]), frozenset(raw["stopwords"]), raw["synonyms"]))
    return Matcher.load(folder, analyser)
