"""Upload pages for importing listings from .jsonl, .csv and .xlsx."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("imports", __name__, template_folder="templates", url_prefix="/imports")
