"""Where rate limits are counted: in Redis when it is there, otherwise — and whenever Redis is
down — in the database, which every web process shares. A per-process count would let an attacker
try five passwords per gunicorn worker; a database count holds across all of them.

`jiebang://` is the storage URI (Flask-Limiter's RATELIMIT_STORAGE_URI); its options name the
database and, optionally, Redis. A Redis that fails is left alone for a while (the same breaker as
the outbox's) and the database counts meanwhile. If the database fails too the request is let
through and the failure logged: a limit never answers 500.
"""

from __future__ import annotations

import logging
import threading
import time

import sqlalchemy as sa
from limits.storage import Storage, storage_from_string

from webapp.core.breaker import Breaker
from webapp.core.db import configure_sqlite
from webapp.extensions import db

log = logging.getLogger(__name__)

counters = sa.Table(
    "rate_limit_counters",
    db.metadata,
    sa.Column("key", sa.String(255), primary_key=True),
    sa.Column("count", sa.Integer, nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False),  # seconds since the epoch
)

BACKOFF_SECONDS = 10.0


class DatabaseStorage:
    """Fixed-window counters in the `rate_limit_counters` table."""

    def __init__(self, url: str):
        self.url = url
        self._engine: sa.Engine | None = None
        self._lock = threading.Lock()

    @property
    def engine(self) -> sa.Engine:
        with self._lock:
            if self._engine is None:
                url = self.url.replace("postgresql://", "postgresql+psycopg://", 1)
                self._engine = (
                    sa.create_engine(url, pool_pre_ping=True, pool_size=2, max_overflow=2)
                    if not url.startswith("sqlite")
                    else sa.create_engine(url, pool_pre_ping=True)
                )
                configure_sqlite(self._engine)
            return self._engine

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        with self.engine.begin() as conn:
            live = counters.c.expires_at > now
            updated = conn.execute(
                counters.update()
                .where(counters.c.key == key)
                .values(
                    count=sa.case((live, counters.c.count + amount), else_=amount),
                    expires_at=sa.case((live, counters.c.expires_at), else_=now + expiry),
                )
            ).rowcount
            if not updated:
                try:
                    with conn.begin_nested():
                        conn.execute(counters.insert().values(key=key, count=amount, expires_at=now + expiry))
                except sa.exc.IntegrityError:  # another process inserted it first: count on theirs
                    conn.execute(counters.update().where(counters.c.key == key).values(count=counters.c.count + amount))
            return conn.execute(sa.select(counters.c.count).where(counters.c.key == key)).scalar_one()

    def get(self, key: str) -> int:
        with self.engine.connect() as conn:
            found = conn.execute(
                sa.select(counters.c.count).where(counters.c.key == key, counters.c.expires_at > time.time())
            ).scalar()
        return found or 0

    def get_expiry(self, key: str) -> float:
        with self.engine.connect() as conn:
            found = conn.execute(sa.select(counters.c.expires_at).where(counters.c.key == key)).scalar()
        return found if found is not None else time.time()

    def check(self) -> bool:
        with self.engine.connect() as conn:
            conn.execute(sa.select(1))
        return True

    def reset(self) -> int | None:
        with self.engine.begin() as conn:
            return conn.execute(counters.delete()).rowcount

    def clear(self, key: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(counters.delete().where(counters.c.key == key))


class SharedStorage(Storage):
    """Redis first (if configured), the database when Redis fails; never raises."""

    STORAGE_SCHEME = ["jiebang"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=False)
        self.database = DatabaseStorage(str(options.pop("database_url")))
        redis_url = options.pop("redis_url", None)
        self.redis = storage_from_string(str(redis_url), **options) if redis_url else None
        self.redis_breaker = Breaker()

    @property
    def base_exceptions(self):
        return Exception

    def _call(self, name: str, *args, default=None):
        if self.redis is not None and self.redis_breaker.available():
            try:
                return getattr(self.redis, name)(*args)
            except Exception as exc:  # noqa: BLE001 - Redis down or hung: count in the database
                log.warning("rate limits: Redis failed (%s); counting in the database", exc)
                self.redis_breaker.failed(BACKOFF_SECONDS)
        try:
            return getattr(self.database, name)(*args)
        except Exception:  # noqa: BLE001 - a limit never answers 500
            log.exception("rate limits: the database failed too; the request is let through")
            return default

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        return self._call("incr", key, expiry, amount, default=0)

    def get(self, key: str) -> int:
        return self._call("get", key, default=0)

    def get_expiry(self, key: str) -> float:
        return self._call("get_expiry", key, default=time.time())

    def check(self) -> bool:
        return True

    def reset(self) -> int | None:
        if self.redis is not None:
            try:
                self.redis.reset()
            except Exception:  # noqa: BLE001
                log.warning("rate limits: Redis could not be reset")
        return self.database.reset()

    def clear(self, key: str) -> None:
        self._call("clear", key)
