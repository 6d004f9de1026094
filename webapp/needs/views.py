"""Need pages: create, edit, detail, moderation, my listings."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("needs", __name__, template_folder="templates", url_prefix="/needs")
