from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import xmlschema

from lpf_contract.verify.checks import CHECKS
from lpf_contract.report import load_run, render_junit
from lpf_contract.report.junit import STATIC_SUITE

FIX = Path(__file__).parent / "fixtures" / "report"
CASE_CHECKS = [c.id for c in CHECKS if c.fn is not None]


@pytest.fixture(scope="module")
def xsd():
    return xmlschema.XMLSchema(FIX / "junit-10.xsd")


def run(name):
    return load_run(FIX / f"{name}.json")


@pytest.mark.parametrize("name", ["pass", "fail", "interrupted", "huge", "snapshots"])
def test_validates_against_the_jenkins_junit_schema(xsd, name):
    xsd.validate(render_junit(run(name)))


def test_rejects_what_jenkins_would_reject(xsd):
    # the XSD is strict enough to matter: a testcase without a name is refused
    bad = render_junit(run("pass")).replace('name="response-schema"', "", 1)
    assert not xsd.is_valid(bad)


def test_one_suite_per_event_one_case_per_check_family():
    r = run("fail")
    root = ET.fromstring(render_junit(r))
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert set(suites) == set(r.events) | {STATIC_SUITE}
    for event in r.events:
        names = [c.get("name") for c in suites[event].findall("testcase")]
        assert names == CASE_CHECKS
        assert suites[event].get("tests") == str(len(CASE_CHECKS))


def test_failures_carry_message_and_repro_and_warnings_do_not_fail():
    r = run("fail")
    root = ET.fromstring(render_junit(r))
    failing = {}
    for suite in root.findall("testsuite"):
        for case in suite.findall("testcase"):
            fail = case.find("failure")
            if fail is not None:
                failing[(suite.get("name"), case.get("name"))] = fail
    errors = {(f.event, f.check) for f in r.failures if f.severity == "error"}
    assert set(failing) - {(STATIC_SUITE, "deploy-rules")} == errors
    assert root.get("failures") == str(len(errors) + 1)
    for f in r.failures:
        if f.severity == "error":
            el = failing[(f.event, f.check)]
            assert el.get("message") == f.message and f.repro in el.text
    warn = next(f for f in r.failures if f.severity == "warning")
    case = root.find(f"testsuite[@name='{warn.event}']/testcase[@name='{warn.check}']")
    assert case.find("failure") is None and warn.repro in case.find("system-out").text


def test_interrupted_run_is_an_error_for_ci():
    root = ET.fromstring(render_junit(run("interrupted")))
    assert root.get("errors") == "1"
    assert root.find("testsuite[@name='run']/testcase/error").get("type") == "interrupted"


def test_control_characters_and_unknown_checks():
    r = run("fail")
    odd = dataclasses.replace(r.failures[0], check="from-a-newer-tool", message="bell\x07 nul\x00")
    xml = render_junit(dataclasses.replace(r, failures=(*r.failures, odd)))
    root = ET.fromstring(xml)  # would raise on a raw control character
    case = root.find(f"testsuite[@name='{odd.event}']/testcase[@name='from-a-newer-tool']")
    assert case.find("failure").get("message") == "bell\\u0007 nul\\u0000"
