"""Near-duplicate listings for admins to merge or dismiss."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("dedupe", __name__, template_folder="templates", url_prefix="/admin/duplicates")
