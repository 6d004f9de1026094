"""The deals blueprint: the pages of `webapp.deals.views` and the forms of a deal's page
(`webapp.deals.actions`) are its routes."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("deals", __name__, url_prefix="/deals", template_folder="templates")
