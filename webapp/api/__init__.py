"""The JSON API v1 under /api/v1/: token authentication, a rate limit per token, problem+json
errors, the Idempotency-Key on POST, and the OpenAPI 3.1 document at /api/v1/openapi.json
(generated from the operations' schemas) with its readable page at /developers/api."""

from __future__ import annotations

import functools
import hashlib

from flask import Flask, current_app, request
from flask_limiter.util import get_remote_address
from flask_smorest import Api as _Api

from webapp.api.idempotency import HEADER as IDEMPOTENCY_HEADER
from webapp.api.idempotency import KEY_PATTERN
from webapp.api.schemas import PROBLEM_JSON, Problem
from webapp.core.errors import http_exception_response

UNSAFE = ("post", "put", "patch", "delete")


class Api(_Api):
    ERROR_SCHEMA = Problem

    def _register_responses(self):
        """The error responses the document names are problem+json, as they are sent."""
        self.DEFAULT_RESPONSE_CONTENT_TYPE = PROBLEM_JSON
        try:
            super()._register_responses()
        finally:
            del self.DEFAULT_RESPONSE_CONTENT_TYPE

    def handle_http_exception(self, error):
        """flask-smorest's errors take the same problem+json shape as every other /api/ error."""
        return http_exception_response(error)


def _rate_key() -> str:
    """The budget a request draws on: its bearer token's (a hash of it: the token itself is never
    kept), or its address's without one."""
    header = request.headers.get("Authorization", "")
    if header:
        return "api-token:" + hashlib.sha256(header.encode()).hexdigest()[:32]
    return "api-addr:" + get_remote_address()


@functools.cache
def _shared_limit(limiter):
    """One budget per token over every API blueprint; the limit is read from the serving app's
    config at each request."""
    return limiter.shared_limit(lambda: current_app.config["API_RATE_LIMIT"], scope="api", key_func=_rate_key)


def _rate_limit(limiter, blueprint) -> None:
    """Put a blueprint under the shared budget, once however many apps a process makes."""
    if not getattr(blueprint, "rate_limited", False):
        _shared_limit(limiter)(blueprint)
        blueprint.rate_limited = True


def _tag(name: str) -> str:
    """A blueprint's tag in the document: api_listings → Listings."""
    return name.removeprefix("api_").replace("_", " ").capitalize()


def _document_common_answers(spec) -> None:
    """What any operation may answer, named in each: 401 (a bad token), 429 (over the rate
    limit, with Retry-After); for a change also 403 (the token may only read, or the role may not), 422 (invalid
    input), and for a POST the Idempotency-Key header and its 400."""
    for tag in spec._tags:
        tag["name"] = _tag(tag["name"])
    components = spec.components
    too_many = components.responses.get("TOO_MANY_REQUESTS") or components.responses_lazy["TOO_MANY_REQUESTS"]
    too_many.setdefault("headers", {})["Retry-After"] = {
        "description": "Seconds until the token's budget lets a request through again.",
        "schema": {"type": "integer", "minimum": 1},
    }
    for operations in spec._paths.values():
        for method, operation in operations.items():
            if method not in ("get", "head", "options", *UNSAFE):
                continue  # the path's own parameters
            operation["tags"] = [_tag(name) for name in operation.get("tags", [])]
            responses = operation.setdefault("responses", {})
            answers = {"401": "UNAUTHORIZED", "429": "TOO_MANY_REQUESTS"}
            if method in UNSAFE:
                answers |= {"403": "FORBIDDEN", "422": "UNPROCESSABLE_ENTITY"}
            if method == "post":
                answers["400"] = "BAD_REQUEST"
                parameters = operation.setdefault("parameters", [])
                parameters.append(
                    {
                        "in": "header",
                        "name": IDEMPOTENCY_HEADER,
                        "required": False,
                        "description": "Any unique string (a UUID): the same request sent again with it "
                        "changes nothing and gets the first answer again, for 24 hours.",
                        "schema": {"type": "string", "pattern": KEY_PATTERN},
                    }
                )
            for code, name in answers.items():
                responses.setdefault(code, spec.components.get_ref("response", name))


def init_app(app: Flask) -> None:
    from webapp.api import (
        applications,  # noqa: F401 - its operations join the challenges blueprint
        deal_writes,  # noqa: F401 - its operations join the deals blueprint
        listing_writes,  # noqa: F401 - its operations join the listings blueprint
    )
    from webapp.api.auth import authenticate_request
    from webapp.api.challenges import bp as challenges
    from webapp.api.dashboard import bp as dashboard
    from webapp.api.deals import bp as deals
    from webapp.api.docs import bp as developers
    from webapp.api.imports import bp as imports
    from webapp.api.listings import bp as listings
    from webapp.api.matching import bp as matching
    from webapp.api.notifications import bp as notifications
    from webapp.api.performance import bp as performance
    from webapp.api.rooms import bp as rooms
    from webapp.extensions import csrf, limiter

    blueprints = [listings, challenges, deals, performance, dashboard, imports, matching, rooms, notifications]
    app.config.setdefault("API_TITLE", "Jiebang API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api/v1")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    api = Api(
        app,
        spec_kwargs={
            "info": {
                "description": "The achievements and needs libraries, the taxonomy, the matching, "
                "challenges, deals and performance reports of Jiebang, and each user's own notifications and "
                "their settings, as each user may see and change them on the pages."
            },
            "components": {
                "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            },
            "security": [{"bearer": []}, {}],
        },
    )
    for blueprint in blueprints:
        csrf.exempt(blueprint)
        _rate_limit(limiter, blueprint)
        api.register_blueprint(blueprint)
    _document_common_answers(api.spec)
    app.register_blueprint(developers)

    @app.before_request
    def api_token():
        """Every /api/ request (the OpenAPI document and unknown paths too) by its token alone."""
        if request.path.startswith("/api/"):
            authenticate_request()
