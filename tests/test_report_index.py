"""The index of a many-function run (report/index.py)."""

from __future__ import annotations

import json

from lpf_contract.report.index import IndexEntry, render_index_json, render_index_md, run_verdict, worst_code, write_index

ROWS = [
    IndexEntry(
        name="b", target="functions/b", verdict="fail", events=("e",), cases=3, failed=1, errors=1, report="b/conformance.md"
    ),
    IndexEntry(
        name="a",
        target="functions/a",
        verdict="pass",
        events=("e",),
        cases=3,
        report="a/conformance.md",
        notes=("the sample | input breaks",),
    ),
    IndexEntry(name="c", target="functions/c", verdict="skipped", reason="no contract"),
]


def test_exit_code_is_the_worst_verdict():
    assert worst_code(ROWS) == 1 and run_verdict(ROWS) == "fail"
    assert worst_code([*ROWS, IndexEntry(name="d", target="d", verdict="error")]) == 2
    assert worst_code([ROWS[1], ROWS[2]]) == 0 and run_verdict([ROWS[2]]) == "pass"
    assert worst_code([]) == 0 and run_verdict(ROWS, interrupted=True) == "interrupted"


def test_json_index_is_sorted_and_counts_verdicts():
    doc = json.loads(render_index_json(ROWS, shard=(1, 2), total=5))
    assert [r["name"] for r in doc["functions"]] == ["a", "b", "c"]
    assert doc["summary"] == {"functions": 3, "pass": 1, "fail": 1, "error": 0, "skipped": 1, "not-run": 0}
    assert doc["shard"] == "1/2" and doc["functions_total"] == 5
    assert render_index_json(ROWS) == render_index_json(list(reversed(ROWS)))  # deterministic


def test_markdown_index_links_reports_and_escapes_cells(tmp_path):
    md = render_index_md(ROWS, shard=(1, 2), total=5)
    assert "[b/conformance.md](b/conformance.md)" in md and "Shard 1/2: 3 of 5 functions" in md
    assert "| `c` | ⏭️ skipped |" in md and "no contract" in md
    assert "the sample \\| input breaks" in md
    paths = write_index(tmp_path, ROWS)
    assert [p.name for p in paths] == ["index.json", "index.md"] and all(p.is_file() for p in paths)
