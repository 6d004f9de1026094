"""Browse and search both libraries, with filters and exports."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("listings", __name__, template_folder="templates")
