"""Achievement pages: create, edit, detail, moderation, my listings, confidential access."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("achievements", __name__, template_folder="templates", url_prefix="/achievements")
