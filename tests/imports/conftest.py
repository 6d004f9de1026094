"""Building small import files in tmp_path, and running the import command."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def write_csv(path: Path, rows: list[dict], encoding: str = "utf-8") -> Path:
    columns = list(dict.fromkeys(k for r in rows for k in r))
    with path.open("w", encoding=encoding, newline="") as f:
        writer = csv.DictWriter(f, columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[dict]) -> Path:
    from openpyxl import Workbook

    columns = list(dict.fromkeys(k for r in rows for k in r))
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(columns)
    for row in rows:
        sheet.append([row.get(c) for c in columns])
    workbook.save(path)
    return path


def achievement(n: int, **fields) -> dict:
    row = {
        "external_id": f"t-a-{n}",
        "title": f"锂离子电池组热管理系统{n}",
        "summary": f"本成果涉及一种锂离子电池组的液冷热管理方法，第{n}版，适用于储能电站和电动汽车。",
        "keywords": "锂电池、热管理、储能",
        "field": "新能源与节能-动力电池与储能",
        "maturity": "通过中试",
        "trl": 6,
        "patents": "ZL201720001285.X",
        "transfer_modes": "许可转让,技术入股",
        "price": "50-100",
        "institution": "天津大学",
        "team": "张教授团队",
        "scenarios": "储能电站",
        "posted_on": "2026-03-01",
    }
    row.update(fields)
    return row


def need(n: int, **fields) -> dict:
    row = {
        "external_id": f"t-n-{n}",
        "title": f"电池热失控预警技术需求{n}",
        "description": f"我公司需要一种电池热失控的早期预警方法，第{n}项。",
        "keywords": "热失控，预警",
        "field": "动力电池与储能",
        "budget": "30",
        "deadline": "2030-12-31",
        "cooperation_modes": "委托开发",
        "organisation": "天津津南某科技有限公司",
        "posted_on": "2026-02-01",
    }
    row.update(fields)
    return row


@pytest.fixture
def run_import(app):
    """run_import("achievements", path, "--map", "a=b") -> click Result (stdout and stderr apart)."""

    def run(kind: str, path: Path, *args: str):
        return app.test_cli_runner().invoke(args=["import", kind, str(path), *args])

    return run
