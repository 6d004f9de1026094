"""Deals: the technology-contract ledger (技术合同) — parties, value, signing, registration,
payment schedule and payments received (到账)."""
