from __future__ import annotations

import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture
def run_cli(capsys):
    """Run the CLI in process: returns (exit_code, stdout, stderr)."""
    from lpf_contract.cli import main

    def run(*argv: str):
        code = main([str(a) for a in argv])
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def load_json(path: Path):
    return json.loads(Path(path).read_text(encoding="utf-8"))
