"""The JSON API v1 under /api/v1/: read-only views of the public libraries and the taxonomy,
token authentication, problem+json errors and the OpenAPI 3.1 document at /api/v1/openapi.json."""

from __future__ import annotations

from flask import Flask, request
from flask_smorest import Api as _Api

from webapp.api.schemas import PROBLEM_JSON, Problem
from webapp.core.errors import http_exception_response


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


def init_app(app: Flask) -> None:
    from webapp.api.auth import authenticate_request
    from webapp.api.views import bp
    from webapp.extensions import csrf

    app.config.setdefault("API_TITLE", "Jiebang API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api/v1")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    api = Api(
        app,
        spec_kwargs={
            "info": {"description": "Read-only access to the achievements and needs libraries and the taxonomy."},
            "components": {
                "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            },
            "security": [{"bearer": []}, {}],
        },
    )
    csrf.exempt(bp)
    api.register_blueprint(bp)

    @app.before_request
    def api_token():
        """Every /api/ request (the OpenAPI document and unknown paths too) by its token alone."""
        if request.path.startswith("/api/"):
            authenticate_request()
