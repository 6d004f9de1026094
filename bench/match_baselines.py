"""What the matching engine is compared with, in the same run:

- `BruteFuzz`: RapidFuzz over every achievement with the engine's re-rank scorer (`process.cdist`,
  2 workers): the quality the engine's candidate stage must keep, and the cost it must avoid.
- `PlainBM25`: bm25s over the same records, plain rjieba tokens (no lexicon, no stop words).
- `PlainFuzz`: RapidFuzz brute force on plain text: WRatio over titles, or token_set_ratio over
  segmented title + keywords + text.
- `PgTrigram`: PostgreSQL pg_trgm `similarity()` with a GIN trigram index, in a private schema of
  the database named (dropped afterwards).
- `Fts5Trigram`: SQLite FTS5 with the trigram tokenizer, OR of the need's keywords, cached under
  /tmp like the generated corpora.
"""

from __future__ import annotations

import re
import sqlite3
import time
import unicodedata
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import rjieba
from rapidfuzz import fuzz, process, utils

_PLAIN = re.compile(r"\w", re.UNICODE)


def plain_text(text: str | None) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text or "")).strip().lower()


def plain_tokens(text: str | None) -> list[str]:
    """rjieba's default cut (HMM off), lower case, tokens without a word character dropped."""
    return [t for t in rjieba.cut(plain_text(text), False) if _PLAIN.search(t)]


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indexes of the k best scores, best first; ties by position (stable)."""
    k = min(k, len(scores))
    if k <= 0:
        return np.empty(0, dtype=np.int64)
    part = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
    return part[np.lexsort((part, -scores[part]))]


class BruteFuzz:
    """`scorer` of every query string against every choice string, 2 workers; top k ids."""

    def __init__(
        self, ids: Sequence[int], choices: Sequence[str], scorer: Callable = fuzz.token_set_ratio, workers: int = 2
    ):
        self.ids = np.asarray(ids)
        self.choices = list(choices)
        self.scorer = scorer
        self.workers = workers

    def scores(self, queries: Sequence[str]) -> np.ndarray:
        return process.cdist(
            queries, self.choices, scorer=self.scorer, processor=None, workers=self.workers, dtype=np.float32
        )

    def top(self, queries: Sequence[str], k: int = 10, batch: int = 16) -> list[tuple[list[int], list[float]]]:
        """Per query: (ids, scores) of the k best, best first (ties by position)."""
        out = []
        for i in range(0, len(queries), batch):
            matrix = self.scores(queries[i : i + batch])
            for row in matrix:
                best = top_k(row, k)
                out.append(([int(x) for x in self.ids[best]], [float(x) for x in row[best]]))
        return out


class PlainBM25:
    """bm25s (numpy backend, default k1/b) over plain tokens of title + keywords + text."""

    def __init__(self, ids: Sequence[int], texts: Sequence[str]):
        import bm25s

        self.ids = np.asarray(ids)
        self.retriever = bm25s.BM25()
        self.retriever.index([plain_tokens(t) or [""] for t in texts], show_progress=False)

    def rank(self, text: str, k: int) -> list[int]:
        tokens = [t for t in plain_tokens(text) if t in self.retriever.vocab_dict]
        if not tokens:
            return []
        scores = self.retriever.get_scores(tokens)
        best = [i for i in top_k(scores, k) if scores[i] > 0]
        return [int(x) for x in self.ids[best]]


class PlainFuzz:
    """RapidFuzz brute force on plain strings: `title` (WRatio, RapidFuzz's default processor) or
    `text` (token_set_ratio over rjieba tokens of title + keywords + text joined by spaces)."""

    def __init__(self, ids: Sequence[int], texts: Sequence[str], mode: str = "title", workers: int = 2):
        self.ids = np.asarray(ids)
        self.mode = mode
        self.workers = workers
        if mode == "title":
            self.choices = [utils.default_process(plain_text(t)) for t in texts]
            self.scorer = fuzz.WRatio
        else:
            self.choices = [" ".join(plain_tokens(t)) for t in texts]
            self.scorer = fuzz.token_set_ratio

    def prepare(self, text: str) -> str:
        return utils.default_process(plain_text(text)) if self.mode == "title" else " ".join(plain_tokens(text))

    def rank(self, text: str, k: int) -> list[int]:
        return self.rank_many([text], k)[0]

    def rank_many(self, texts: Sequence[str], k: int, batch: int = 32) -> list[list[int]]:
        """Several queries at once (cdist spreads them over the workers)."""
        queries = [self.prepare(t) for t in texts]
        out: list[list[int]] = []
        for i in range(0, len(queries), batch):
            chunk = queries[i : i + batch]
            matrix = process.cdist(
                chunk, self.choices, scorer=self.scorer, processor=None, workers=self.workers, dtype=np.float32
            )
            for query, row in zip(chunk, matrix, strict=True):
                best = [j for j in top_k(row, k) if row[j] > 0] if query.strip() else []
                out.append([int(x) for x in self.ids[best]])
        return out


# --------------------------------------------------------------------------------------------
# The databases' own similarity search


class PgTrigram:
    """pg_trgm in a private schema `match_bench_<hex>` of the database at `url`; `close()` drops it
    (and the extension, when this object created it)."""

    def __init__(self, url: str, threshold: float = 0.1):
        import psycopg

        self.conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://", 1), autocommit=True)
        self.schema = f"match_bench_{uuid.uuid4().hex[:10]}"
        self.created_extension = False
        self.threshold = threshold
        with self.conn.cursor() as cur:
            cur.execute(f"CREATE SCHEMA {self.schema}")
            cur.execute("SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'pg_trgm'")
            row = cur.fetchone()
            if row is None:
                cur.execute(f"CREATE EXTENSION pg_trgm SCHEMA {self.schema}")
                self.created_extension = True
                self.ext_schema = self.schema
            else:
                self.ext_schema = row[0]
            cur.execute(f"SET search_path = {self.schema}, {self.ext_schema}")
            cur.execute(f"SET pg_trgm.similarity_threshold = {threshold}")
            cur.execute("SET jit = off")

    def load(self, ids: Sequence[int], texts: Sequence[str]) -> float:
        """Copy the rows in and build the GIN trigram index; returns the seconds it took."""
        started = time.perf_counter()
        with self.conn.cursor() as cur:
            cur.execute("CREATE TABLE docs (id integer PRIMARY KEY, txt text NOT NULL)")
            with cur.copy("COPY docs (id, txt) FROM STDIN") as copy:
                for doc_id, text in zip(ids, texts, strict=True):
                    copy.write_row((doc_id, text))
            cur.execute("SET maintenance_work_mem = '256MB'")
            cur.execute(f"CREATE INDEX docs_trgm ON docs USING gin (txt {self.ext_schema}.gin_trgm_ops)")
            cur.execute("ANALYZE docs")
        return time.perf_counter() - started

    def top(self, text: str, k: int = 10) -> list[int]:
        with self.conn.cursor() as cur:
            cur.execute(
                "SELECT id FROM docs WHERE txt %% %(q)s ORDER BY similarity(txt, %(q)s) DESC, id LIMIT %(k)s",
                {"q": text, "k": k},
            )
            return [row[0] for row in cur.fetchall()]

    def close(self) -> None:
        try:
            with self.conn.cursor() as cur:
                cur.execute(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")
                if self.created_extension:
                    cur.execute("DROP EXTENSION IF EXISTS pg_trgm")
        finally:
            self.conn.close()


class Fts5Trigram:
    """SQLite FTS5 (trigram tokenizer) over title + keywords + text, in a file kept between runs
    (`path`); the query is an OR of the need's keywords, best BM25 rank first. Keywords shorter than
    three characters cannot match a trigram index and are left out (counted in `short_only`)."""

    def __init__(self, path: Path):
        self.path = path
        self.conn: sqlite3.Connection | None = None
        self.short_only = 0

    def ensure(self, ids: Sequence[int], texts: Callable[[], Sequence[str]]) -> float | None:
        """Build the file unless it exists; returns the seconds the build took, or None when cached."""
        built = None
        if not self.path.exists():
            started = time.perf_counter()
            tmp = self.path.with_suffix(".tmp")
            tmp.unlink(missing_ok=True)
            conn = sqlite3.connect(tmp)
            conn.execute("PRAGMA journal_mode = OFF")
            conn.execute("PRAGMA synchronous = OFF")
            conn.execute("CREATE VIRTUAL TABLE docs USING fts5(txt, tokenize = 'trigram')")
            conn.executemany("INSERT INTO docs (rowid, txt) VALUES (?, ?)", zip(ids, texts(), strict=True))
            conn.commit()
            conn.execute("INSERT INTO docs (docs) VALUES ('optimize')")
            conn.commit()
            conn.close()
            tmp.replace(self.path)
            built = time.perf_counter() - started
        self.conn = sqlite3.connect(self.path)
        return built

    def match_expression(self, keywords: Sequence[str]) -> str | None:
        words = {plain_text(k).replace('"', "") for k in keywords}
        words = sorted(w for w in words if len(w) >= 3)
        return " OR ".join(f'"{w}"' for w in words) or None

    def top(self, keywords: Sequence[str], k: int = 10) -> list[int]:
        expression = self.match_expression(keywords)
        if expression is None:
            self.short_only += 1
            return []
        rows = self.conn.execute(
            "SELECT rowid FROM docs WHERE docs MATCH ? ORDER BY rank LIMIT ?", (expression, k)
        ).fetchall()
        return [r[0] for r in rows]

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
