"""The CLI and the pytest plugin repeat the library's defaults (they must not import it at start-up)."""

from __future__ import annotations

from lpf_contract.verify import engine as verify
from lpf_contract.cli import build_parser


def test_verify_command_defaults_are_the_library_defaults(tmp_path, monkeypatch):
    from lpf_contract.commands.verify import _apply_config

    (tmp_path / ".git").mkdir()  # no config file above: the built-in defaults apply
    monkeypatch.chdir(tmp_path)
    args = build_parser().parse_args(["verify", "h.js"])
    assert args.examples is None  # not given: the config file may still set it
    _apply_config(args)
    assert args.examples == verify.DEFAULT_EXAMPLES
    assert args.timeout_ms == verify.DEFAULT_TIMEOUT_MS


def test_pytest_plugin_defaults_are_the_library_defaults(pytestconfig):
    assert pytestconfig.getoption("--lpf-timeout-ms") == verify.DEFAULT_TIMEOUT_MS
    assert pytestconfig.getoption("--lpf-examples") == verify.DEFAULT_EXAMPLES
