"""The matching blueprint: the pages of `webapp.matching.views` and of
`webapp.matching.introduction_views` are its routes."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("matching", __name__, template_folder="templates")
