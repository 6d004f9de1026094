"""Security defaults every page inherits: headers, no inline script, upload limit, error pages,
the production secret check and cookie flags."""

from __future__ import annotations

import io
import logging
import secrets
from html.parser import HTMLParser

import pytest

from tests.conftest import PASSWORD, Client
from webapp import create_app
from webapp.accounts.models import OrgKind
from webapp.extensions import limiter
from webapp.notifications.models import Notification

PUBLIC_PAGES = ["/", "/login", "/register", "/password/forgot", "/no-such-page"]
SIGNED_IN_PAGES = ["/account", "/account/password", "/notifications/"]
ADMIN_PAGES = [
    "/admin/",
    "/admin/users",
    "/admin/users/new",
    "/admin/users/{user_id}",
    "/admin/organisations",
    "/admin/organisations/new",
    "/admin/organisations/{org_id}",
    "/admin/audit",
    "/organisations/{org_id}",
]


def _csp(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy", "")
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def _assert_security_headers(response, url):
    csp = _csp(response)
    assert csp, f"{url}: no Content-Security-Policy"
    script_src = csp.get("script-src", csp.get("default-src"))
    assert script_src is not None, f"{url}: CSP does not restrict scripts"
    assert "'self'" in script_src, f"{url}: script-src {script_src}"
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src, f"{url}: {script_src}"
    assert csp.get("frame-ancestors") == ["'none'"], f"{url}: frame-ancestors {csp.get('frame-ancestors')}"
    assert response.headers.get("X-Content-Type-Options") == "nosniff", url


class _InlineCode(HTMLParser):
    """Collects what a strict CSP would block: inline scripts and styles, event handler
    attributes, javascript: URLs."""

    URL_ATTRS = {"href", "src", "action", "formaction"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and not attrs.get("src"):
            self.found.append("<script> without src")
        if tag == "style":
            self.found.append("<style> block")
        for name, value in attrs.items():
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
            if name == "style":
                self.found.append(f"<{tag} style=...>")
            if name in self.URL_ATTRS and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value!r}>")


def _inline_code(html: str) -> list[str]:
    parser = _InlineCode()
    parser.feed(html)
    parser.close()
    return parser.found


@pytest.fixture
def admin_client(client, make_user, make_org, query):
    """An administrator's browser, plus ids for the edit pages and a notification to list."""
    org = make_org(OrgKind.ENTERPRISE)
    other = make_user("researcher")
    admin = make_user("admin")

    def add_notification(session):
        session.add(Notification(user_id=admin.id, kind="account.welcome", params={"name": "<b>x</b>"}))
        session.commit()

    query(add_notification)
    assert client.login(admin.email).status_code == 302
    client.ids = {"user_id": other.id, "org_id": org.id}
    return client


def _pages_as_admin(admin_client) -> list[str]:
    return PUBLIC_PAGES[:1] + SIGNED_IN_PAGES + [p.format(**admin_client.ids) for p in ADMIN_PAGES]


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_public_pages_send_security_headers(url, client):
    response = client.get(url)
    assert response.status_code in (200, 404)
    assert response.mimetype == "text/html"
    _assert_security_headers(response, url)


def test_signed_in_and_admin_pages_send_security_headers(admin_client):
    for url in _pages_as_admin(admin_client):
        response = admin_client.get(url)
        assert response.status_code == 200, url
        _assert_security_headers(response, url)


def test_redirects_and_errors_send_security_headers(client, make_user):
    _assert_security_headers(client.get("/account"), "/account (redirect to login)")
    _assert_security_headers(client.post("/login", {}, csrf=False), "/login without CSRF token (400)")
    user = make_user("enterprise")
    client.login(user.email)
    _assert_security_headers(client.get("/admin/"), "/admin/ as enterprise (403)")


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_public_pages_have_no_inline_code(url, client):
    found = _inline_code(client.get(url).get_data(as_text=True))
    assert not found, f"{url}: {found}"


def test_signed_in_and_admin_pages_have_no_inline_code(admin_client):
    problems = []
    for url in _pages_as_admin(admin_client):
        response = admin_client.get(url)
        assert response.status_code == 200, url
        found = _inline_code(response.get_data(as_text=True))
        if found:
            problems.append(f"{url}: {found}")
    assert not problems, "\n".join(problems)


def test_the_inline_code_check_finds_what_it_looks_for():
    html = (
        '<script src="/static/js/app.js"></script><script>alert(1)</script>'
        '<a href="javascript:alert(1)" onclick="x()">x</a><div style="color:red"></div><style>p{}</style>'
    )
    assert len(_inline_code(html)) == 5


def test_request_bigger_than_the_upload_limit_is_refused(app, client):
    client.http.set_cookie("lang", "en")
    token = client.csrf()
    old = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 4096
    try:
        small = client.http.post(
            "/login", data={"csrf_token": token, "file": (io.BytesIO(b"x" * 1000), "small.pdf")}, buffered=True
        )
        big = client.http.post(
            "/login", data={"csrf_token": token, "file": (io.BytesIO(b"x" * 8192), "big.pdf")}, buffered=True
        )
    finally:
        app.config["MAX_CONTENT_LENGTH"] = old
    assert small.status_code == 200  # the login form again, with its field errors
    assert big.status_code == 413
    body = big.get_data(as_text=True)
    assert "Upload too large" in body
    assert "Traceback" not in body


def _failing_app(config_name: str, database_url: str, **overrides):
    fresh = create_app(config_name, SQLALCHEMY_DATABASE_URI=database_url, **overrides)

    @fresh.route("/boom")
    def boom():
        raise RuntimeError("secret internal detail 7f3a")

    return fresh


@pytest.mark.parametrize("config_name", ["testing", "production"])
def test_an_unhandled_exception_answers_the_generic_500_page(config_name, app, database_url, caplog):
    overrides = {"SECRET_KEY": secrets.token_urlsafe(32)} if config_name == "production" else {}
    try:
        fresh = _failing_app(config_name, database_url, **overrides)
        client = Client(fresh)
        client.http.set_cookie("lang", "en")
        with caplog.at_level(logging.ERROR, logger="webapp.core.errors"):
            response = client.get("/boom")
    finally:
        limiter.init_app(app)  # the Limiter keeps the storage of the last app it was given
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Server error" in body
    assert "Something went wrong on our side" in body
    for leak in ("Traceback", "RuntimeError", "secret internal detail", 'File "'):
        assert leak not in body
    assert "secret internal detail 7f3a" in caplog.text  # logged for the operators instead


@pytest.mark.parametrize(
    "secret_key",
    [None, "", "dev", "DEV", " dev ", "change-me", "secret", "short-key-1234", "x" * 23],
    ids=["missing", "empty", "dev", "DEV", "dev-padded", "change-me", "secret", "short", "23-chars"],
)
def test_production_refuses_to_start_without_a_real_secret_key(secret_key, database_url):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production", SECRET_KEY=secret_key, SQLALCHEMY_DATABASE_URI=database_url)


def test_production_with_a_good_key_sets_secure_cookies(app, database_url):
    try:
        prod = create_app("production", SECRET_KEY=secrets.token_urlsafe(32), SQLALCHEMY_DATABASE_URI=database_url)
        assert prod.config["SESSION_COOKIE_SECURE"] is True
        assert prod.config["SESSION_COOKIE_HTTPONLY"] is True
        assert prod.config["SESSION_COOKIE_SAMESITE"] == "Lax"
        assert prod.config["REMEMBER_COOKIE_SECURE"] is True
        assert prod.config["REMEMBER_COOKIE_HTTPONLY"] is True

        response = prod.test_client().get("/", base_url="https://localhost")
    finally:
        limiter.init_app(app)
    assert response.status_code == 200
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "Secure" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def _cookie(response, name: str) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith(f"{name}=")]
    assert cookies, f"no {name} cookie set"
    return cookies[-1]


def test_login_cookies_are_httponly_and_samesite_lax(client, make_user):
    user = make_user("enterprise")
    response = client.post("/login", {"email": user.email, "password": PASSWORD, "remember": "y"})
    assert response.status_code == 302
    for name in ("session", "remember_token"):
        cookie = _cookie(response, name)
        assert "HttpOnly" in cookie, cookie
        assert "SameSite=Lax" in cookie, cookie
