"""`next` parameters never send the visitor to another site (open redirect)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

TEST_HOST = "localhost"

HOSTILE_NEXT = [
    "//evil.example",
    "///evil.example",
    "////evil.example",
    "//evil.example:443/account",
    "https://evil.example",
    "http://evil.example/account",
    "HTTPS://EVIL.EXAMPLE",
    "ftp://evil.example",
    "http:evil.example",
    "https:evil.example",
    "https:/evil.example",
    "https:/\\evil.example",
    "https:\\\\evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "/\\/evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(document.cookie)",
    " javascript:alert(1)",
    "vbscript:msgbox(1)",
    "data:text/html,<script>alert(1)</script>",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "user@evil.example",
    "//user@evil.example",
    "https://localhost@evil.example",
    "http://localhost.evil.example",
    "%2F%2Fevil.example",
    "/%2F/evil.example",
    "%5C%5Cevil.example",
    "/%5Cevil.example",
    "/%09/evil.example",
    " //evil.example",
    "\t//evil.example",
    "\n//evil.example",
    "\r\n//evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "\x00//evil.example",
    "/account\r\nSet-Cookie: pwned=1",
]

SAFE_NEXT = ["/account", "/notifications/?page=2"]

C0_AND_SPACE = "".join(chr(i) for i in range(33))


def off_site(location: str) -> str | None:
    """Why a browser following this Location could leave the site, or None if it cannot.

    Checks the header as sent and as a browser reads it (the URL standard strips leading and
    trailing control characters and spaces, drops tabs and newlines anywhere and reads a
    backslash as a slash).
    """
    browser = location.strip(C0_AND_SPACE).replace("\t", "").replace("\n", "").replace("\r", "")
    browser = browser.replace("\\", "/")
    for form in (location, browser):
        if form.startswith(("//", "/\\")):
            return f"{form!r} is protocol-relative"
        parts = urlsplit(form)
        if parts.scheme and parts.scheme.lower() not in ("http", "https"):
            return f"{form!r} has scheme {parts.scheme!r}"
        if parts.scheme and parts.netloc != TEST_HOST:
            return f"{form!r} names a scheme without this host"
        if parts.netloc not in ("", TEST_HOST):
            return f"{form!r} points at host {parts.netloc!r}"
    return None


def test_the_list_has_forty_hostile_values():
    assert len(HOSTILE_NEXT) == 40
    assert len(set(HOSTILE_NEXT)) == 40


@pytest.mark.parametrize(
    "location",
    [
        "//evil.example",
        "https://evil.example",
        "/\\evil.example",
        "\t//evil.example",
        "javascript:alert(1)",
        "http:evil.example",
    ],
)
def test_the_checker_recognises_off_site_locations(location):
    assert off_site(location)


@pytest.mark.parametrize("location", ["/", "/account", "/notifications/?page=2", "http://localhost/account"])
def test_the_checker_accepts_same_site_locations(location):
    assert off_site(location) is None


def _refused(response, value) -> bool:
    """A NUL character is refused at the edge (400) before any redirect is considered."""
    if "\x00" in value:
        assert response.status_code == 400 and "Location" not in response.headers, f"next={value!r}"
        return True
    return False


def _assert_stays_on_site(response, value):
    if _refused(response, value):
        return
    assert response.status_code == 302, f"next={value!r}: {response.status_code}"
    location = response.headers["Location"]
    problem = off_site(location)
    assert problem is None, f"next={value!r} redirected off-site: {problem}"
    assert "pwned" not in response.headers.get("Set-Cookie", "")


@pytest.mark.parametrize("value", HOSTILE_NEXT)
def test_login_never_redirects_off_site(value, make_client, make_user):
    user = make_user("enterprise")
    client = make_client()
    response = client.login(user.email, query_string={"next": value})
    _assert_stays_on_site(response, value)
    if not _refused(response, value):
        assert client.get("/account").status_code == 200  # the login itself succeeded


@pytest.mark.parametrize("value", HOSTILE_NEXT)
def test_language_switch_never_redirects_off_site(value, client):
    _assert_stays_on_site(client.get("/lang/en", query_string={"next": value}), value)
    # The same value written into the address as it stands (percent escapes decoded once).
    raw = value.replace(" ", "%20").replace("#", "%23").replace("&", "%26")
    _assert_stays_on_site(client.get(f"/lang/en?next={raw}"), value)


def test_signed_in_redirects_never_go_off_site(client, make_user):
    """A signed-in visitor opening /login?next=..., and the 'mark all read' form's next field."""
    user = make_user("researcher")
    assert client.login(user.email).status_code == 302
    failures = []
    for value in HOSTILE_NEXT:
        for label, response in (
            ("GET /login", client.get("/login", query_string={"next": value})),
            ("POST /notifications/read-all", client.post("/notifications/read-all", {"next": value})),
        ):
            if _refused(response, value):
                continue
            problem = off_site(response.headers.get("Location", "")) if response.status_code == 302 else "no redirect"
            if problem:
                failures.append(f"{label} next={value!r}: {problem}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("value", SAFE_NEXT)
def test_login_honours_a_safe_next(value, client, make_user):
    user = make_user("enterprise")
    response = client.login(user.email, query_string={"next": value})
    assert response.status_code == 302
    assert response.headers["Location"] == value


@pytest.mark.parametrize("value", SAFE_NEXT)
def test_language_switch_honours_a_safe_next(value, client):
    response = client.get("/lang/en", query_string={"next": value})
    assert response.status_code == 302
    assert response.headers["Location"] == value
    assert "lang=en" in response.headers["Set-Cookie"]
