"""The first 200 lines of each real file import with the mappings documented in the README."""

from __future__ import annotations

import re

import pytest

from config import DATA_DIR as DATA
from tests.conftest import CI

# The exact --map values of README.md, "Importing the real data".
REAL_FILES = [
    (
        "achievements",
        "achievements-51jishu.jsonl",
        "name=title,description=summary,tech_field=field,cooperation_method=transfer_modes,post_time=posted_on,"
        "id=external_id,scope=scenarios",
    ),
    (
        "needs",
        "needs-51jishu.jsonl",
        "name=title,cooperation_method=cooperation_modes,industry_classification=field,valid_period=deadline,"
        "post_time=posted_on,id=external_id",
    ),
    ("achievements", "papers-csl.jsonl", "abstract=summary,discipline=field,id=external_id"),
]
# Every reason a real row may be skipped for: an empty description, or an over-long keyword.
EXPECTED_SKIPS = re.compile(
    r"^(description \(summary\): 请填写成果简介。|description: 请描述需要解决的问题。"
    r"|name \(title\): 请填写标题。.*|keywords: 每个关键词最多 30 个字符.*)$"
)


@pytest.mark.parametrize(("kind", "name", "mapping"), REAL_FILES, ids=[f[1] for f in REAL_FILES])
def test_the_first_200_real_rows_import_and_the_counts_add_up(kind, name, mapping, run_import, tmp_path):
    source = DATA / name
    if not source.exists():
        if CI:
            pytest.fail(f"CI is set but {source} is not here: the real data must be part of the run")
        pytest.skip(f"{source} is not here")
    head = tmp_path / name
    with source.open(encoding="utf-8") as f:
        head.write_text("".join(next(f) for _ in range(200)), encoding="utf-8")

    first = run_import(kind, head, "--map", mapping)
    again = run_import(kind, head, "--map", mapping)

    assert first.exit_code == 0, first.output
    counts = re.search(r"共 200 行：新导入 (\d+)，更新 (\d+)，未变 (\d+)，跳过 (\d+)。", first.stdout)
    assert counts, first.stdout
    imported, updated, unchanged, skipped = map(int, counts.groups())
    assert imported + skipped == 200 and updated == unchanged == 0
    assert imported >= 180
    reasons = re.findall(r"^  第 \d+ 行：(.*)$", first.stdout, re.M)
    assert len(reasons) == skipped and all(EXPECTED_SKIPS.match(r) for r in reasons), reasons
    assert f"共 200 行：新导入 0，更新 0，未变 {imported}，跳过 {skipped}。" in again.stdout
