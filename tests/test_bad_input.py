"""The bad-input catalogue: every row of tests/fixtures/bad_input/cases.yaml through the real console script.

Each input we cannot check must end with its exit code (2, or 1 where the data says why), exactly one
line on stderr, the row's message fragment, and never a traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import FIXTURES, REPO

HERE = FIXTURES / "bad_input"
CLI = Path(sys.executable).with_name("lpf-contract")
CASES = yaml.safe_load((HERE / "cases.yaml").read_text(encoding="utf-8"))["cases"]
# serve on a good handler would run forever; every row must end on its own well before this.
ROW_TIMEOUT_S = 60


def _fill(text: str, tmp: Path) -> str:
    return text.format(
        here=HERE,
        fixtures=FIXTURES,
        example=REPO / "examples" / "handlers" / "survey_v1.js",
        example_py=f"{REPO / 'examples' / 'handlers' / 'survey_handler.py'}:handle",
        tmp=tmp,
    )


def test_catalogue_ids_are_unique_and_rows_complete():
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids))
    for case in CASES:
        assert case["argv"] and case["message"], case["id"]
        assert set(case) <= {"id", "argv", "exit", "message", "message_also", "stream", "prefix_command"}, case["id"]


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_bad_input(case, tmp_path):
    argv = [_fill(str(a), tmp_path) for a in case["argv"]]
    env = {k: v for k, v in os.environ.items() if k != "LPF_CONTRACTS"}
    env["CI"] = "true"  # a fixed seed, and no progress bar
    proc = subprocess.run(
        [str(CLI), *argv],
        capture_output=True,
        text=True,
        timeout=ROW_TIMEOUT_S,
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    where = f"argv={argv}\nexit={proc.returncode}\nstdout={proc.stdout[-2000:]}\nstderr={proc.stderr[-2000:]}"
    assert "Traceback" not in proc.stderr + proc.stdout, where
    assert proc.returncode == case.get("exit", 2), where
    err_lines = proc.stderr.splitlines()
    assert len(err_lines) == 1, where
    if case.get("exit", 2) == 2:
        # The prefix names the command, or none when the command itself is what is wrong.
        command = case.get(
            "prefix_command",
            next(a for a in case["argv"] if not str(a).startswith("-") and "{" not in str(a) and "/" not in str(a)),
        )
        prefix = f"lpf-contract {command}: error: " if command else "lpf-contract: error: "
        assert err_lines[0].startswith(prefix), where
    shown = proc.stdout if case.get("stream") == "stdout" else proc.stderr
    assert _fill(case["message"], tmp_path) in shown, where
    if "message_also" in case:
        assert _fill(case["message_also"], tmp_path) in proc.stdout + proc.stderr, where
