"""/developers/api: the API's OpenAPI document as a readable page (Swagger UI, served by the app
from static/vendor like every other library), with how to get a token."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("developers", __name__, template_folder="templates", url_prefix="/developers")


@bp.route("/api")
def api():
    return render_template("api/docs.html")
