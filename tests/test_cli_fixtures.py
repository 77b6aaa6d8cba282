"""--fixtures, --record and --http-faults on the command line, in the config file and in the pytest plugin."""

from __future__ import annotations

import shutil

import pytest
import yaml

from tests.conftest import FIXTURES, REPO, load_json, run_pytest

DATA = FIXTURES / "fixtures_file"
JS = str(REPO / "examples" / "handlers" / "survey_v1.js")
PY = str(REPO / "examples" / "handlers" / "survey_handler.py") + ":handle"
EVENT = "surveybot_messaging_survey_ended"


def _verify(run_cli, tmp_path, *args):
    return run_cli(
        "verify", *args, "--event", EVENT, "--examples", "1", "--no-systematic", "--report-dir", tmp_path / "r", "--no-progress"
    )


def test_an_invalid_fixtures_file_is_exit_2_naming_the_entry(run_cli, tmp_path):
    code, out, err = _verify(run_cli, tmp_path, JS, "--fixtures", DATA / "both_answers.json")
    assert code == 2
    assert f"fixtures file invalid: path={DATA / 'both_answers.json'} at=/http/1: exactly one of response / fault" in err
    assert "Traceback" not in err
    doc = load_json(tmp_path / "r" / "conformance.json")  # the report says why nothing ran
    assert doc["summary"]["verdict"] == "error" and "fixtures file invalid" in doc["reason"]


@pytest.mark.parametrize(
    ("target", "flags", "said"),
    [
        (PY, ["--fixtures", str(DATA / "mail.yaml")], "--fixtures apply to Node lambdas only"),
        (PY, ["--http-faults=all"], "--http-faults apply to Node lambdas only"),
        ("http://127.0.0.1:9", ["--http-faults", "5xx"], "--http-faults apply to Node lambdas only"),
        (PY, ["--record", "out.yaml"], "--record apply to Node lambdas only"),
        (JS, ["--http-faults", "5xx,slow"], "bad --http-faults: modes=5xx,slow; expected a comma list of 5xx, refused, timeout"),
    ],
)
def test_options_that_cannot_apply_are_exit_2(run_cli, tmp_path, target, flags, said):
    code, out, err = _verify(run_cli, tmp_path, target, *flags)
    assert code == 2
    assert said in err


def test_a_bare_http_faults_before_the_target_says_where_to_put_it(run_cli, tmp_path):
    code, out, err = run_cli("verify", "--http-faults", JS, "--examples", "0")
    assert code == 2  # argparse: the target was taken as MODES, so PATH is missing


def test_record_is_refused_for_several_functions(run_cli, tmp_path):
    code, out, err = run_cli("verify", JS, JS, "--record", tmp_path / "r.yaml", "--examples", "0")
    assert code == 2 and "--record records one function's full run" in err


def test_fixtures_reach_the_options_and_never_answering_ones_are_warned_about(run_cli, tmp_path, monkeypatch):
    from lpf_contract.commands import verify as command

    seen = {}
    real = command._verify_one

    def spy(registry, prepared):
        seen["options"] = prepared.options
        return real(registry, prepared)

    monkeypatch.setattr(command, "_verify_one", spy)
    code, out, err = _verify(
        run_cli, tmp_path, JS, "--fixtures", DATA / "mail.yaml", "--allow-domain", "api.mail.example", "--http-faults"
    )
    assert code == 0, out + err
    options = seen["options"]
    assert options.fixtures["http"][0]["name"] == "mail ok"
    assert options.fixtures_file == DATA / "mail.yaml"
    assert options.http_faults == ("5xx", "refused", "timeout")
    assert options.handler_options()["fixtures"] is options.fixtures
    assert "WARNING fixture never answers:" in err and "host=api.crm.example" in err
    assert "host=api.mail.example" not in err


def test_record_writes_the_engines_exchanges_redacted_after_the_given_fixtures(run_cli, tmp_path, monkeypatch):
    from lpf_contract.commands import verify as command

    # Verifier.recorded is the engine's (helper C2); here its exchanges are the recorded test data.
    monkeypatch.setattr(command, "_recorded", lambda verifier: load_json(DATA / "exchanges.json"))
    out_file = tmp_path / "recorded.yaml"
    code, out, err = _verify(
        run_cli,
        tmp_path,
        JS,
        "--fixtures",
        DATA / "mail.yaml",
        "--record",
        out_file,
        "--secrets",
        DATA / "secrets.json",
        "--env",
        "MAIL_TOKEN=env-token-value",
    )
    assert code == 0, out + err
    text = out_file.read_text()
    assert "sk-live-abcdef" not in text and "K-123456" not in text
    doc = yaml.safe_load(text)
    assert [e.get("name") for e in doc["http"][:3]] == ["mail ok", None, None]  # the given file, as written
    assert [e["name"] for e in doc["http"][3:]] == [
        "recorded: GET api.crm.example/contacts/42",
        "recorded: POST api.mail.example/v3/send",
        "recorded: POST auth.example/oauth/token",
    ]
    assert f"recorded=3 fixtures file={out_file}" in err


def test_the_config_file_gives_fixtures_and_http_faults(run_cli, tmp_path, monkeypatch):
    from lpf_contract.commands import verify as command

    shutil.copy(DATA / "mail.yaml", tmp_path / "fx.yaml")
    (tmp_path / "lpf-contract.toml").write_text(
        'fixtures = "fx.yaml"\nhttp-faults = ["timeout", "5xx"]\n[functions.survey_v1]\nhttp-faults = false\n'
    )
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    seen = []
    real = command._verify_one
    monkeypatch.setattr(command, "_verify_one", lambda r, p: (seen.append(p.options), real(r, p))[1])
    code, out, err = _verify(run_cli, tmp_path, JS)
    assert code == 0, out + err
    assert seen[0].fixtures_file == tmp_path / "fx.yaml"  # relative to the config file
    assert seen[0].http_faults == ()  # the function's own table wins
    code, out, err = _verify(run_cli, tmp_path, JS, "--http-faults", "refused")
    assert seen[1].http_faults == ("refused",)  # the flag wins


@pytest.mark.parametrize(
    ("toml", "said"),
    [
        ('http-faults = ["slow"]', "bad value in config: key=http-faults"),
        ("http-faults = 3", "bad value in config: key=http-faults"),
        ('fixtures = "missing.yaml"', "fixtures file not found: path="),
    ],
)
def test_bad_config_values_are_exit_2(run_cli, tmp_path, monkeypatch, toml, said):
    (tmp_path / "lpf-contract.toml").write_text(toml + "\n")
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    code, out, err = _verify(run_cli, tmp_path, JS)
    assert code == 2 and said in err


def test_config_parses_the_keys(tmp_path):
    from lpf_contract.config import load_config_file

    path = tmp_path / "lpf-contract.toml"
    path.write_text('fixtures = "f.yaml"\nhttp-faults = true\n[functions.a]\nhttp-faults = ["refused"]\n')
    cfg = load_config_file(path)
    assert cfg.settings.fixtures == tmp_path / "f.yaml"
    assert cfg.settings.http_faults == ("5xx", "refused", "timeout")
    assert cfg.for_function("a").http_faults == ("refused",)
    assert cfg.for_function("b").fixtures == tmp_path / "f.yaml"


def test_snapshot_and_serve_refuse_an_invalid_fixtures_file(run_cli, tmp_path):
    code, out, err = run_cli("snapshot", JS, "--snapshot-dir", tmp_path, "--fixtures", DATA / "unknown_key.yaml")
    assert code == 2 and "unknown key 'respons'" in err
    code, out, err = run_cli("serve", JS, "--port", "0", "--fixtures", DATA / "bad_yaml.yaml")
    assert code == 2 and "fixtures file is not valid YAML" in err


def test_snapshot_hands_the_fixtures_to_the_handler(run_cli, tmp_path, monkeypatch):
    import lpf_contract.handlers as handlers

    seen = {}
    real = handlers.load_handler

    def spy(target, **kw):
        seen.update(kw)
        return real(target, **kw)

    monkeypatch.setattr(handlers, "load_handler", spy)
    code, out, err = run_cli(
        "snapshot", JS, "--snapshot-dir", tmp_path, "--update", "--event", EVENT, "--fixtures", DATA / "empty.yaml"
    )
    assert code == 0, out + err
    assert seen["fixtures"] == {"version": 1, "http": [], "toolbelt": [], "context": {"namespaces": {}}}


def test_the_pytest_plugin_reads_lpf_fixtures(tmp_path):
    shutil.copy(JS, tmp_path / "survey_v1.js")
    result = run_pytest(tmp_path, "--lpf-handler", "survey_v1.js", "--lpf-fixtures", str(DATA / "both_answers.json"), examples=0)
    assert result.returncode == 4, result.stdout + result.stderr  # pytest's usage error
    assert "fixtures file invalid:" in result.stderr and "at=/http/1" in result.stderr


def test_help_describes_each_option(run_cli):
    code, text, _ = run_cli("verify", "--help")
    assert code == 0
    for option in ("--fixtures FILE", "--record FILE", "--http-faults [MODES]"):
        assert option in text
    readme = (REPO / "README.md").read_text()
    for option in ("--fixtures FILE", "--record FILE", "--http-faults", "--lpf-fixtures", "http-faults = ", "fixtures = "):
        assert option in readme, option
