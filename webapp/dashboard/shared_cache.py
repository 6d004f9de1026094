"""The dashboard's figures shared by every process and host through Redis (when REDIS_URL is set).

An entry is the JSON of one computation (exact ints) under a key naming the database, the figure, its
arguments and the ledger's version (`stats_turnover.ledger_version`): a change to the ledger gives a new
key, so an entry is never stale, only unused, and expires after DASHBOARD_CACHE_TTL seconds.

Redis is a convenience here, never a dependency: short socket timeouts, any error counts as a miss
(the figures are then computed), and after a failure this process leaves Redis alone for
DASHBOARD_CACHE_BACKOFF_SECONDS, so that a hung Redis costs one timeout, not one per request.
"""

from __future__ import annotations

import hashlib
import json
import logging

from flask import current_app

from webapp.core.breaker import Breaker
from webapp.extensions import db

log = logging.getLogger(__name__)

PREFIX = "jiebang:dashboard"


health = Breaker()  # per Redis address


def enabled() -> bool:
    return bool(current_app.config.get("REDIS_URL"))


def _client():
    """The application's Redis client for the cache (one connection pool per app and process)."""
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    app = current_app._get_current_object()
    url = app.config["REDIS_URL"]
    clients = app.extensions.setdefault("dashboard_redis", {})
    client = clients.get(url)
    if client is None:
        timeout = float(app.config.get("DASHBOARD_CACHE_REDIS_TIMEOUT", 0.2))
        client = clients[url] = redis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout, retry=Retry(NoBackoff(), 0)
        )
    return client


def key(name: str, args: tuple, version: tuple) -> str:
    """prefix:database:name:args:version. The database is named by its address without the password
    (two databases sharing one Redis never share figures)."""
    url = db.session.get_bind().engine.url
    where = f"{url.get_backend_name()}://{url.host or ''}:{url.port or ''}/{url.database or ''}"
    database = hashlib.sha1(where.encode()).hexdigest()[:12]
    prefix = current_app.config.get("DASHBOARD_CACHE_PREFIX") or PREFIX
    text = ",".join("-" if a is None else str(a) for a in args)
    return f"{prefix}:{database}:{name}:{text}:{'|'.join(version)}"


def _call(what: str, fn):
    url = current_app.config["REDIS_URL"]
    if not health.available(url):
        return None
    try:
        return fn(_client())
    except Exception as exc:  # down, hung, refused, or a bad entry: compute instead
        log.warning("dashboard cache: Redis %s failed: %s", what, exc)
        health.failed(float(current_app.config.get("DASHBOARD_CACHE_BACKOFF_SECONDS", 10)), url)
        return None


def get(cache_key: str):
    """The JSON stored under the key, or None (absent, or Redis unavailable)."""
    if not enabled():
        return None
    raw = _call("get", lambda client: client.get(cache_key))
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def has(cache_key: str) -> bool | None:
    """Whether the key is there; None when Redis is unavailable."""
    if not enabled():
        return None
    found = _call("exists", lambda client: client.exists(cache_key))
    return None if found is None else bool(found)


def put(cache_key: str, value) -> bool:
    if not enabled():
        return False
    ttl = int(current_app.config.get("DASHBOARD_CACHE_TTL", 86400))
    text = json.dumps(value, separators=(",", ":"))
    return bool(_call("set", lambda client: client.set(cache_key, text, ex=ttl)))
