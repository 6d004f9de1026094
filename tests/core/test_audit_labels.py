"""Every action the services write to the audit log has a name in the log's pages."""

from __future__ import annotations

import re
from pathlib import Path

from webapp.core import audit

ROOT = Path(__file__).resolve().parents[2] / "webapp"
RECORDED = re.compile(r'audit\.record\(\s*(?:f?)"([a-z_]+\.[a-z_]+)"')


def test_every_recorded_action_has_a_label(app):
    codes = {code for path in ROOT.rglob("*.py") for code in RECORDED.findall(path.read_text("utf-8"))}
    assert {"match.accept", "deal.payment"} <= codes  # the scan sees the services
    unnamed = sorted(code for code in codes if code not in audit.ACTION_LABELS)
    assert unnamed == []
    with app.test_request_context():
        assert audit.action_label("deal.payment") != "deal.payment"
