"""Security defaults every route inherits: headers, safe redirects, the production secret check."""

from __future__ import annotations

import secrets
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask

from config import INSECURE_SECRET_KEYS

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def register_headers(app: Flask) -> None:
    @app.after_request
    def set_headers(response):
        h = response.headers
        h.setdefault("Content-Security-Policy", CSP)
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("X-Frame-Options", "DENY")
        h.setdefault("Referrer-Policy", "same-origin")
        h.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        h.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if app.config.get("SESSION_COOKIE_SECURE"):
            h.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response


def is_safe_next(target: str | None) -> bool:
    """Only same-site absolute paths: '/x', never '//host', '/\\host', schemes or control characters."""
    if not target or not isinstance(target, str):
        return False
    if any(ord(c) < 32 or c in "\\\x7f" for c in target):
        return False
    if not target.startswith("/") or target.startswith("//"):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def ensure_secret_key(app: Flask, instance_dir: Path) -> None:
    """Production refuses to start without a real key; development keeps a generated one on disk."""
    key = app.config.get("SECRET_KEY")
    if app.config["ENV_NAME"] == "production":
        if not key or key.strip().lower() in INSECURE_SECRET_KEYS or len(key) < 24:
            raise RuntimeError("SECRET_KEY must be set to a random value of at least 24 characters in production")
        return
    if key:
        return
    instance_dir.mkdir(parents=True, exist_ok=True)
    path = instance_dir / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    app.config["SECRET_KEY"] = path.read_text().strip()
