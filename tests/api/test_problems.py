"""Every error under /api/ is RFC 9457 problem+json in the request's language."""

import pytest


def _problem(response, status: int) -> dict:
    assert response.status_code == status
    assert response.headers["Content-Type"].startswith("application/problem+json")
    body = response.get_json(force=True)
    assert {"type", "title", "status", "detail"} <= set(body) and body["status"] == status
    return body


@pytest.mark.parametrize(
    ("language", "title"),
    [
        (None, "页面不存在"),
        ("en", "Page not found"),
        ("zh-CN,zh;q=0.9", "页面不存在"),
        ("en-US,en;q=0.8", "Page not found"),
    ],
)
def test_an_unknown_api_path_is_a_404_problem_in_the_request_language(client, language, title):
    headers = {"Accept-Language": language} if language else {}
    body = _problem(client.http.get("/api/v1/nothing-here", headers=headers), 404)
    assert body["title"] == title


def test_a_bad_token_is_a_401_problem_asking_for_a_bearer_token(client):
    response = client.http.get("/api/v1/needs", headers={"Authorization": "Bearer jb_not-a-token"})
    body = _problem(response, 401)
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert body["title"] == "需要身份验证"
    english = client.http.get(
        "/api/v1/needs", headers={"Authorization": "Bearer jb_x", "Accept-Language": "en"}
    ).get_json(force=True)
    assert english["title"] == "Authentication required"


def test_a_method_the_api_does_not_take_is_a_405_problem(client):
    response = client.http.delete("/api/v1/needs", headers={"Accept-Language": "en"})
    assert _problem(response, 405)["title"] == "Method not allowed"
    assert {"GET", "POST"} <= {m.strip() for m in response.headers["Allow"].split(",")}


def test_invalid_parameters_are_a_422_problem_with_errors_per_field(client):
    response = client.http.get("/api/v1/achievements?limit=500&maturity=x", headers={"Accept-Language": "en"})
    body = _problem(response, 422)
    assert set(body["errors"]["query"]) == {"limit", "maturity"}
    assert body["title"] == "Invalid parameters"
    assert _problem(client.http.get("/api/v1/achievements?limit=0"), 422)["title"] == "参数无效"


def test_a_session_cookie_does_not_authenticate_an_api_request(client, make_user, query):
    from tests.listings.search_factory import make_listing
    from webapp.listings.models import ListingStatus

    user = make_user("enterprise")
    draft = query(lambda s: (make_listing(s, "n", status=ListingStatus.DRAFT, owner_id=user.id), s.commit())[0].id)
    client.login(user.email)
    assert client.get(f"/needs/{draft}").status_code == 200
    response = client.http.get(f"/api/v1/needs/{draft}")
    _problem(response, 404)
    assert "Set-Cookie" not in response.headers


def test_the_openapi_document_is_served_as_3_1(client):
    response = client.http.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"] == "3.1.0"
    assert {"/api/v1/achievements", "/api/v1/needs", "/api/v1/taxonomy"} <= set(document["paths"])


def test_a_read_token_may_not_write_a_403_problem(client, make_user, make_token):
    token = make_token(make_user("enterprise"), "read")
    response = client.http.post("/api/v1/needs", headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"})
    assert _problem(response, 403)["title"] == "Not allowed"


def test_a_server_error_is_a_500_problem_without_a_traceback(client, monkeypatch):
    import webapp.api.listings as views

    def broken():
        raise RuntimeError("secret internals")

    monkeypatch.setattr(views, "tree", broken)
    response = client.http.get("/api/v1/taxonomy")
    body = _problem(response, 500)
    assert body["title"] == "服务器错误" and "secret internals" not in response.get_data(as_text=True)
