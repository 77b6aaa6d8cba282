"""External calls (issue 17) as the reports and the snapshot messages show them: one line per call, the
fault a --http-faults run injected, and a missing fixture's suggested entry as a copyable YAML block.

Every value here comes from ``core.outcome.ExternalCall`` (as a dict: ``Failure.calls``) or from
``RunResult.missing_fixtures``; both may come from an older or newer report, so they are read defensively.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..core.outcome import call_name as core_call_name
from ..core.text import printable

# What each answer means to a reader (core.outcome.CallAnswer); decided here.
ANSWER_WORDS = {
    "fixture": "fixture",
    "network": "the real host",
    "allow-list": "refused: host not allow-listed",
    "no-fixture": "no fixture: not answered",
    "injected": "injected fault",
    "emulated": "emulated in memory",
}

# --http-faults modes (the design's '5xx' | 'refused' | 'timeout'), as a failure shows them.
FAULT_WORDS = {
    "5xx": "5xx (HTTP 503)",
    "refused": "refused (ECONNREFUSED)",
    "timeout": "timeout (ETIMEDOUT)",
}


def _str(value: Any) -> str:
    return "" if value is None else printable(str(value))


def calls_of(items: Any) -> list[Mapping[str, Any]]:
    """The call records of a failure, dropping anything that is not one (a report from another tool)."""
    return [c for c in (items or ()) if isinstance(c, Mapping)]


def call_name(call: Mapping[str, Any]) -> str:
    """``POST https://api.mail.example/v3/send (via fetch)``, ``Toolbelt.ConversationUtil().getConversationById``,
    ``SecretClient.readSecret my-key``: what was called (``core.outcome.call_name``), by whom."""
    kind, via, method, target = (_str(call.get(k)) for k in ("kind", "via", "method", "target"))
    name = core_call_name(kind=kind, via=via, method=method, target=target)
    return name + (f" (via {via})" if kind == "http" and via else "")


def call_answer(call: Mapping[str, Any]) -> str:
    """Who answered it: ``fixture "mail ok"``, ``injected fault 5xx``, ``the real host``..."""
    answer = _str(call.get("answer"))
    word = ANSWER_WORDS.get(answer, answer or "?")
    if answer == "fixture" and call.get("fixture"):
        return f'{word} "{_str(call.get("fixture"))}"'
    if answer == "injected" and call.get("fault"):
        return f"{word} {_str(call.get('fault'))}"
    return word


def call_result(call: Mapping[str, Any]) -> str:
    """What the lambda got: the HTTP status, the error, both, or ``-``."""
    status, error = call.get("status"), _str(call.get("error"))
    parts = [str(status)] if isinstance(status, int) and not isinstance(status, bool) else []
    if error:
        parts.append(error)
    return " · ".join(parts) or "-"


def call_line(call: Mapping[str, Any]) -> str:
    """One line: ``POST https://h/p (via fetch) -> 200 [fixture "mail ok"]``."""
    return f"{call_name(call)} -> {call_result(call)} [{call_answer(call)}]"


def faults_sentence(faults: str) -> str:
    """The failure's --http-faults mode as a sentence; empty when the case ran with the fixtures as given."""
    if not faults:
        return ""
    return f"with every external call failing: {FAULT_WORDS.get(faults, printable(faults))}"


def fixture_section(suggestion: Any) -> str:
    """The fixtures file's list a suggested entry goes into: ``toolbelt`` (it names a ``call``) or ``http``."""
    return "toolbelt" if isinstance(suggestion, Mapping) and "call" in suggestion else "http"


def suggestion_yaml(suggestion: Any) -> str:
    """The suggested fixture entry as a YAML block to paste into the fixtures file, its list key included::

        http:
        - request:
            method: POST
            url: https://api.mail.example/v3/send
          response:
            status: 200

    Keys keep the order the suggestion has (the runner writes request before response). Empty when there
    is no suggestion.
    """
    if not isinstance(suggestion, Mapping) or not suggestion:
        return ""
    import yaml

    return yaml.safe_dump(
        {fixture_section(suggestion): [dict(suggestion)]},
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=120,
    ).rstrip("\n")


def missing_fixtures(items: Any) -> list[Mapping[str, Any]]:
    """``RunResult.missing_fixtures`` entries, read defensively, in a stable order (target, method)."""
    rows = [m for m in (items or ()) if isinstance(m, Mapping)]
    return sorted(rows, key=lambda m: (str(m.get("target", "")), str(m.get("method", "")), str(m.get("via", ""))))


def missing_cases(entry: Mapping[str, Any]) -> int:
    """How many cases made this call (``cases`` is a count; a list of case names counts its length)."""
    cases = entry.get("cases")
    if isinstance(cases, bool):
        return 0
    if isinstance(cases, int):
        return max(cases, 0)
    if isinstance(cases, (list, tuple)):
        return len(cases)
    return 0


def missing_events(entry: Mapping[str, Any]) -> list[str]:
    events = entry.get("events")
    return [str(e) for e in events] if isinstance(events, (list, tuple)) else []


def missing_name(entry: Mapping[str, Any]) -> str:
    """``POST https://api.mail.example/v3/send`` or ``Toolbelt.ConversationUtil().getConversationById``."""
    method, target, via = _str(entry.get("method")), _str(entry.get("target")), _str(entry.get("via"))
    kind = "http" if target.startswith(("http://", "https://", "tcp://")) else "secret" if via == "SecretClient" else "toolbelt"
    return core_call_name(kind=kind, via=via, method=method, target=target)
