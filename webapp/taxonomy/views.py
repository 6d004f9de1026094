"""The technical-field taxonomy, edited by admins."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("taxonomy", __name__, template_folder="templates", url_prefix="/admin/fields")
