"""Configuration classes; every value that differs between machines comes from the environment."""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("JIEBANG_INSTANCE", BASE_DIR / "instance"))
# The real lists and judged pairs (demo, tests, benchmarks): beside the checkout unless set.
DATA_DIR = Path(os.environ.get("JIEBANG_DATA") or BASE_DIR.parent / "shared" / "data")

# Values that must never protect a production deployment.
INSECURE_SECRET_KEYS = frozenset({"", "dev", "change-me", "changeme", "secret", "development"})


def database_url(raw: str | None) -> str | None:
    """Accept the usual `postgres://` and `postgresql://` forms and select the psycopg 3 driver."""
    if not raw:
        return None
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix) :]
    return raw


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    ENV_NAME = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("DATABASE_URL")) or (
        f"sqlite:///{INSTANCE_DIR / 'jiebang.sqlite3'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}

    # Celery runs tasks in-process when no Redis is configured (the embedded default).
    REDIS_URL = os.environ.get("REDIS_URL") or None
    REDIS_SOCKET_TIMEOUT = float(os.environ.get("REDIS_SOCKET_TIMEOUT", "2"))
    OUTBOX_RELAY_SECONDS = float(os.environ.get("OUTBOX_RELAY_SECONDS", "15"))
    # Without Redis the serving process runs the beat's schedule itself (webapp/core/embedded_beat.py).
    EMBEDDED_BEAT = os.environ.get("EMBEDDED_BEAT", "1") != "0"
    # After a failed hand-over to Redis, requests skip the broker for this long; the relay catches up.
    OUTBOX_BROKER_BACKOFF_SECONDS = float(os.environ.get("OUTBOX_BROKER_BACKOFF_SECONDS", "10"))
    # The dashboard's figures are cached by the ledger's version (webapp/dashboard/stats_turnover.py);
    # JIEBANG_DASHBOARD_CACHE=0 turns the cache off, every request computing them (the benchmark measures both).
    DASHBOARD_CACHE = os.environ.get("JIEBANG_DASHBOARD_CACHE", "1") != "0"
    # The dashboard's figures shared through the same Redis (webapp/dashboard/shared_cache.py): a request
    # waits at most this long on Redis, then computes, and leaves Redis alone for the back-off.
    DASHBOARD_CACHE_REDIS_TIMEOUT = float(os.environ.get("DASHBOARD_CACHE_REDIS_TIMEOUT", "0.2"))
    DASHBOARD_CACHE_BACKOFF_SECONDS = float(os.environ.get("DASHBOARD_CACHE_BACKOFF_SECONDS", "10"))
    DASHBOARD_CACHE_TTL = int(os.environ.get("DASHBOARD_CACHE_TTL", str(24 * 3600)))
    DASHBOARD_CACHE_PREFIX = os.environ.get("DASHBOARD_CACHE_PREFIX", "jiebang:dashboard")

    # Sessions and cookies
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = False
    LOGIN_SESSION_HOURS = int(os.environ.get("LOGIN_SESSION_HOURS", "12"))
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_UPLOAD_MB", "20")) * 1024 * 1024
    # What one import file may hold (webapp/imports/readers.py: Limits), and imports per person at a time.
    IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", "100000"))
    IMPORT_MAX_ROW_KB = int(os.environ.get("IMPORT_MAX_ROW_KB", "1024"))
    IMPORT_MAX_UNPACKED_MB = int(os.environ.get("IMPORT_MAX_UNPACKED_MB", "64"))
    IMPORT_MAX_RATIO = int(os.environ.get("IMPORT_MAX_RATIO", "100"))
    IMPORT_MAX_ACTIVE_PER_USER = int(os.environ.get("IMPORT_MAX_ACTIVE_PER_USER", "2"))
    IMPORT_CHUNK_ROWS = int(os.environ.get("IMPORT_CHUNK_ROWS", "5000"))  # rows per import task, with Celery
    CHALLENGE_FILE_MAX_MB = float(os.environ.get("CHALLENGE_FILE_MAX_MB", "10"))  # each application/evidence file
    # A performance report (事后绩效) falls due this many months after completion or full payment.
    PERFORMANCE_REPORT_MONTHS = int(os.environ.get("PERFORMANCE_REPORT_MONTHS", "12"))

    WTF_CSRF_TIME_LIMIT = 8 * 3600

    # Rate limits: Redis shared by all processes when configured, an in-memory fallback otherwise
    # and whenever Redis is unreachable, so limits keep holding during an outage.
    # Counted in Redis, or in the database when Redis is absent or down (webapp/core/ratelimit.py), so
    # every web process shares one count; create_app names the database and Redis in the options.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or "jiebang://"
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = False
    RATELIMIT_STORAGE_OPTIONS = {"socket_timeout": 1, "socket_connect_timeout": 1}
    RATELIMIT_HEADERS_ENABLED = False
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "5 per minute")
    # Each API token (or, without one, each address) shares this budget over all /api/ operations.
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "300 per minute")

    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = {"zh_CN": "中文", "en": "English"}

    BOOTSTRAP_SERVE_LOCAL = True
    BOOTSTRAP_BOOTSWATCH_THEME = None

    # Mail: SMTP when MAIL_SERVER is set, otherwise .eml files in MAIL_FOLDER.
    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = env_bool("MAIL_USE_TLS")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "Jiebang <noreply@jiebang.local>")
    MAIL_FOLDER = os.environ.get("MAIL_FOLDER") or str(INSTANCE_DIR / "mail")

    PASSWORD_RESET_HOURS = 2

    # Matching: the best this many suggestions per listing, among those in a confidence band. The
    # bands come with the fitted matching weights, not from here: the lowest band's bound is the
    # threshold, read through webapp.matching.sources.threshold().
    MATCH_TOP_K = int(os.environ.get("MATCH_TOP_K", "10"))
    # Listings changed since the last index build that are read from the database at each query
    # before the index is rebuilt.
    MATCH_DELTA_LIMIT = int(os.environ.get("MATCH_DELTA_LIMIT", "500"))
    # The keyword index files (rebuilt from the database whenever needed; one directory per machine).
    MATCH_INDEX_DIR = os.environ.get("MATCH_INDEX_DIR") or str(INSTANCE_DIR / "match-index")
    # Processes the full re-match matches in (one per core when unset; 1 keeps it in one process).
    MATCH_PROCESSES = int(os.environ.get("MATCH_PROCESSES") or 0) or None

    SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:5000")
    PROXY_FIX = bool(os.environ.get("PROXY_FIX"))  # behind a reverse proxy: trust X-Forwarded-*
    DATA_DIR = str(DATA_DIR)
    DEMO_REAL_DATA = os.environ.get("DEMO_REAL_DATA", "1") != "0"  # the demo imports the real lists


class DevelopmentConfig(Config):
    pass


class TestConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production"
    RATELIMIT_STORAGE_URI = "memory://"
    API_RATE_LIMIT = "100000 per minute"  # the API's own limit is tested with its own app
    MAIL_SERVER = None
    EMBEDDED_BEAT = False  # tests run the scheduled tasks themselves, at the instants they choose


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestConfig,
    "production": ProductionConfig,
}
