"""conformance.html: one self-contained page (inline CSS, no script, no network), laptop and phone."""

from __future__ import annotations

from ..core.results import Failure, RunResult, StaticFinding
from ..core.text import html_text
from . import _view as v

# Nothing may be fetched: the policy forbids every source except the inline stylesheet.
_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

_CSS = """
:root{--fg:#1f2328;--muted:#59636e;--bg:#fff;--panel:#f6f8fa;--line:#d1d9e0;--ok:#1a7f37;--bad:#cf222e;
--warn:#9a6700;--bar:#e6eaef;--accent:#0969da}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9198a1;--bg:#0d1117;--panel:#151b23;--line:#3d444d;
--ok:#3fb950;--bad:#f85149;--warn:#d29922;--bar:#262c36;--accent:#4493f8}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:1100px;margin:0 auto;padding:16px}
h1{font-size:1.6em;margin:0 0 .3em}h2{font-size:1.25em;margin:1.6em 0 .6em;border-bottom:1px solid var(--line);padding-bottom:.2em}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em}
code{background:var(--panel);border-radius:4px;padding:.1em .3em;overflow-wrap:anywhere}
pre{background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:10px;overflow:auto;max-height:28em;
white-space:pre-wrap;overflow-wrap:anywhere}
.verdict{border-radius:8px;padding:16px;border:2px solid var(--line)}
.verdict.pass{border-color:var(--ok)}.verdict.fail,.verdict.interrupted,.verdict.error{border-color:var(--bad)}
.badge{display:inline-block;border-radius:6px;padding:.05em .5em;color:#fff;font-weight:700;letter-spacing:.03em}
.pass .badge{background:var(--ok)}.fail .badge,.interrupted .badge{background:var(--bad)}
.sentence{font-size:1.1em;font-weight:600;margin:.4em 0}.muted{color:var(--muted)}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em;margin:0}dl.meta dt{color:var(--muted)}
dl.meta dd{margin:0;overflow-wrap:anywhere;white-space:pre-wrap}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%}th,td{border:1px solid var(--line);padding:6px 8px;text-align:left;vertical-align:top}
th{background:var(--panel)}td.n{text-align:right;font-variant-numeric:tabular-nums}
.bar{display:inline-block;width:5.5em;height:.8em;background:var(--bar);border-radius:4px;overflow:hidden;vertical-align:middle}
.bar>span{display:block;height:100%;background:var(--ok)}.bar.low>span{background:var(--warn)}
.cov{white-space:nowrap}.cov .num{margin-left:.4em;font-variant-numeric:tabular-nums}
td.event>code{overflow-wrap:normal}
ul.missing{margin:.3em 0 0;padding-left:1.2em;font-size:.9em}
details.failure{border:1px solid var(--line);border-left:4px solid var(--bad);border-radius:6px;margin:.6em 0;background:var(--bg)}
details.failure.warning{border-left-color:var(--warn)}
details.failure>summary{cursor:pointer;padding:8px 10px}
details.failure[open]>summary{border-bottom:1px solid var(--line)}
.failure .body{padding:4px 12px 10px}.failure h4{margin:.8em 0 .3em;font-size:.95em}
.sev{display:inline-block;border-radius:4px;padding:0 .4em;font-size:.8em;font-weight:700;color:#fff;background:var(--bad);
text-transform:uppercase}.warning .sev,.sev.warning{background:var(--warn)}
.badge-inline.pass{color:var(--ok)}.badge-inline.fail{color:var(--bad)}
.msg{display:block;margin-top:.2em;overflow-wrap:anywhere}
.note{border-left:4px solid var(--warn);background:var(--panel);padding:8px 12px;border-radius:4px}
footer{margin:2em 0 1em;color:var(--muted);font-size:.85em}
@media (max-width:640px){
body{font-size:14px}main{padding:10px}
table.cards thead{display:none}
table.cards,table.cards tbody,table.cards tr,table.cards td{display:block;width:100%}
table.cards tr{border:1px solid var(--line);border-radius:6px;margin-bottom:10px;padding:4px 0}
table.cards td{border:0;text-align:right;padding:3px 10px}
table.cards td::before{content:attr(data-label);float:left;color:var(--muted);font-weight:600;margin-right:1em}
table.cards td.event{text-align:left;font-weight:600}table.cards td.event::before{content:none}
table.cards ul.missing{text-align:left;clear:both}
}
"""


_e = html_text


def _breakable(name: str) -> str:
    # Event ids are long snake_case words: let them wrap at underscores, not mid-word.
    return _e(name).replace("_", "_<wbr>")


def _bar(t: v.Tally, what: str) -> str:
    pct = t.percent
    if pct is None and t.total == 0 and t.covered is not None:
        return '<span class="muted">none in schema</span>'
    if pct is None:
        return f'<span class="muted">{v.NA}</span>'
    low = " low" if pct < 100 else ""
    label = f"{t.covered} of {t.total} {what} covered"
    return (
        f'<span class="cov"><span class="bar{low}" role="img" aria-label="{_e(label)}">'
        f'<span style="width:{pct:.1f}%"></span></span><span class="num">{_e(t.ratio())}</span></span>'
    )


def _pct_bar(pct: float | None) -> str:
    if pct is None:
        return f'<span class="muted">{v.NA}</span>'
    low = " low" if pct < 100 else ""
    return (
        f'<span class="cov"><span class="bar{low}" role="img" aria-label="coverage {_e(v.fmt_percent(pct))}">'
        f'<span style="width:{pct:.1f}%"></span></span><span class="num">{_e(v.fmt_percent(pct))}</span></span>'
    )


def _missing(t: v.Tally, what: str) -> str:
    if not t.missing:
        return ""
    items = "".join(f"<li><code>{_e(m)}</code></li>" for m in t.missing)
    return f'<details><summary>{_e(v.plural(len(t.missing), what))} missing</summary><ul class="missing">{items}</ul></details>'


def _events(run: RunResult) -> str:
    rows = []
    for ev in v.events(run):
        extra = _missing(ev.enum, "enum value") + _missing(ev.optional, "optional-field presence")
        if ev.skipped:
            extra += f'<p class="muted">Skipped {ev.skipped} cases: {_e(ev.skipped_reason)}</p>'
        if ev.unchecked:
            extra += (
                f'<p class="muted unchecked">Not judged: {_e(v.plural(ev.unchecked, "case"))} made a call no fixture answers '
                '(see <a href="#missing-fixtures">Missing fixtures</a>)</p>'
            )
        rows.append(
            "<tr>"
            f'<td class="event"><code>{_breakable(ev.name)}</code>{extra}</td>'
            f'<td class="n" data-label="Cases">{ev.cases}</td>'
            f'<td class="n" data-label="Failed cases">{ev.failed}</td>'
            f'<td class="n" data-label="Skipped">{ev.skipped}</td>'
            f'<td class="n" data-label="Distinct failures">{ev.distinct} '
            f'<span class="muted">({v.plural(ev.errors, "error")}, {v.plural(ev.warnings, "warning")})</span></td>'
            f'<td data-label="Enum values">{_bar(ev.enum, "enum values")}</td>'
            f'<td data-label="Optional fields">{_bar(ev.optional, "optional-field presences")}</td>'
            f'<td data-label="Coverage">{_pct_bar(ev.percent)}</td>'
            "</tr>"
        )
    if not rows:
        return '<p id="coverage-table">No event ran.</p>'
    return (
        '<div class="scroll"><table class="cards" id="coverage-table"><thead><tr>'
        "<th>Event</th><th>Cases</th><th>Failed cases</th><th>Skipped</th><th>Distinct failures</th>"
        "<th>Enum values</th><th>Optional fields</th><th>Coverage</th>"
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


def _static(items: tuple[StaticFinding, ...]) -> str:
    if not items:
        return ""
    rows = "".join(
        f'<tr class="{_e(s.severity)}"><td data-label="Severity"><span class="sev {_e(s.severity)}">{_e(s.severity)}</span></td>'
        f'<td data-label="Check"><code class="check">{_e(s.check)}</code></td><td data-label="Rule"><code>{_e(s.rule)}</code></td>'
        f'<td class="n" data-label="Line">{_e(s.line or "")}</td><td data-label="Message">{_e(s.message)}</td></tr>'
        for s in items
    )
    return (
        '<section id="static"><h2>Deploy rules (checked on the handler\'s source)</h2><div class="scroll">'
        '<table class="cards"><thead><tr><th>Severity</th><th>Check</th><th>Rule</th><th>Line</th><th>Message</th></tr></thead>'
        f"<tbody>{rows}</tbody></table></div></section>"
    )


def _missing_fixtures(run: RunResult) -> str:
    sentence = v.missing_sentence(run)
    if not sentence:
        return ""
    items = []
    for m in v.missing_fixtures(run):
        where = v.plural(m.cases, "case") + (" in " + ", ".join(f"<code>{_e(e)}</code>" for e in m.events) if m.events else "")
        block = f'<pre class="fixture">{_e(m.yaml)}</pre>' if m.yaml else ""
        items.append(f"<li><code>{_e(m.name)}</code> via <code>{_e(m.via or '?')}</code>: {where}{block}</li>")
    return (
        '<section id="missing-fixtures"><h2>Missing fixtures</h2>'
        f'<p class="note">{_e(sentence)}</p><ul class="fixtures">{"".join(items)}</ul></section>'
    )


def _calls(f: Failure) -> str:
    views, more = v.calls(f)
    if not views:
        return ""
    rows = "".join(
        f'<tr{" class=no-fixture" if c.no_fixture else ""}><td class="n" data-label="#">{c.n}</td>'
        f'<td data-label="Call"><code>{_e(c.name)}</code></td><td data-label="Answered by">{_e(c.answer)}</td>'
        f'<td data-label="Got"><code>{_e(c.result)}</code></td></tr>'
        for c in views
    )
    tail = f'<p class="muted">… and {more} more calls, listed in conformance.json.</p>' if more else ""
    return (
        f"<h4>External calls of this case ({len(views) + more})</h4>"
        '<div class="scroll"><table class="cards calls"><thead><tr><th>#</th><th>Call</th><th>Answered by</th><th>Got</th>'
        f"</tr></thead><tbody>{rows}</tbody></table></div>{tail}"
    )


def _snapshots(snap: v.SnapshotView | None) -> str:
    if snap is None:
        return ""
    counts = "".join(f"<dt>{_e(k)}</dt><dd>{n}</dd>" for k, n in snap.counts)
    rows = []
    for c in snap.cases:
        changes = "".join(
            f"<li><code>{_e(x.get('path', ''))}</code> {_e(x.get('kind', ''))}: <code>{_e(v.compact(x.get('old')))}</code> → "
            f"<code>{_e(v.compact(x.get('new')))}</code></li>"
            for x in c.changes
        ) + "".join(f"<li>{_e(n)}</li>" for n in v.snapshot_change_texts(c))
        status = f'<span class="sev">{_e(c.status)}</span>' if c.failed else _e(c.status)
        rows.append(
            f'<tr><td data-label="Event"><code>{_e(c.event)}</code></td><td data-label="Example"><code>{_e(c.example)}</code></td>'
            f'<td data-label="Status">{status}</td><td data-label="File"><code>{_e(c.file)}</code></td>'
            f'<td data-label="Changes">{f"<ul class=missing>{changes}</ul>" if changes else ""}</td></tr>'
        )
    table = (
        '<div class="scroll"><table class="cards"><thead><tr><th>Event</th><th>Example</th><th>Status</th><th>File</th>'
        f"<th>Changes</th></tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
        if rows
        else ""
    )
    return (
        f'<section id="snapshots"><h2>Snapshots: <span class="badge-inline {snap.verdict}">{_e(snap.verdict.upper())}</span></h2>'
        f'<dl class="meta">{counts}</dl>{table}</section>'
    )


def _failure(n: int, f: Failure) -> str:
    # The first failure starts open so a reader sees what the collapsed ones hold.
    at = (
        (f" at <code>{_e(f.path)}</code>" if f.path else "")
        + (f' · <code class="source">{_e(f.source)}</code>' if f.source else "")
        + (f' · with faults <code class="faults">{_e(f.faults)}</code>' if f.faults else "")
    )
    facts = "".join(f"<dt>{_e(label)}</dt><dd>{_e(value)}</dd>" for label, value in v.outcome_lines(f))
    logs = v.logs_text(f)
    return (
        f'<details class="failure {_e(f.severity)}" id="failure-{n}"{" open" if n == 1 else ""}><summary>'
        f'<span class="sev">{_e(f.severity)}</span> <code class="check">{_e(f.check)}</code> in <code>{_e(f.event)}</code>{at}'
        f'<span class="msg">{_e(f.message)}</span></summary><div class="body">'
        f'<dl class="meta">{facts}</dl>'
        + (f'<h4>Stack (the lambda\'s own frames)</h4><pre class="stack">{_e(v.stack_text(f))}</pre>' if f.stack else "")
        + _calls(f)
        + f"<h4>Minimal payload</h4><pre>{_e(v.pretty(f.payload))}</pre>"
        f"<h4>Result</h4><pre>{_e(v.result_text(f))}</pre>"
        + (f"<h4>Logs</h4><pre>{_e(logs)}</pre>" if logs else '<h4>Logs</h4><p class="muted">No logs.</p>')
        + f'<h4>Reproduce</h4><pre class="repro">{_e(f.repro or "(no repro command recorded)")}</pre>'
        + (f'<p class="muted">Payload saved as <code>{_e(f.repro_file)}</code> in the report dir.</p>' if f.repro_file else "")
        + "</div></details>"
    )


def render_html(run: RunResult) -> str:
    """The HTML report: the Markdown report's content, with expandable failures and coverage bars."""
    word = v.verdict_word(run)
    h = run.handler
    failures = v.ordered_failures(run)
    meta = [
        ("Handler", f"<code>{_e(h.get('target', v.NA))}</code>"),
        ("Kind / runtime", _e(f"{h.get('kind') or v.NA} / {h.get('runtime') or v.NA}")),
        ("Contract version", f"<code>{_e(run.contract_version)}</code>"),
        ("Seed", _e(run.seed)),
        ("Generated examples per event", _e(run.examples)),
        ("Tool", _e(f"{run.tool.get('name', '?')} {run.tool.get('version', '?')}")),
        *([("Severity policy", _e(v.severity_policy(run)))] if run.severity is not None else []),
    ]
    interrupted = (
        '<p class="note">The run was interrupted before it finished: counts and coverage are partial, '
        "and failures found so far were not shrunk.</p>"
        if run.interrupted
        else ""
    )
    if failures:
        failure_html = "".join(_failure(i, f) for i, f in enumerate(failures, 1))
    else:
        failure_html = '<p class="muted">None.</p>'
    snapshots = _snapshots(v.snapshots(run))
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        f"<title>{_e(word)} · contract {_e(run.contract_version)} · {_e(h.get('target', ''))}</title>"
        f"<style>{_CSS}</style></head><body><main>"
        f'<header class="verdict {word.lower()}" id="verdict">'
        f'<h1><span class="badge">{_e(word)}</span> Contract conformance report</h1>'
        f'<p class="sentence">{_e(v.verdict_sentence(run))}</p>'
        f'<p class="headline">{_e(v.headline(run))}</p></header>'
        f"{interrupted}"
        f'<section id="run"><h2>Run</h2><dl class="meta">{"".join(f"<dt>{k}</dt><dd>{val}</dd>" for k, val in meta)}</dl></section>'
        f'<section id="coverage"><h2>Events and coverage</h2>{_events(run)}</section>'
        f"{_missing_fixtures(run)}"
        f"{_static(run.static)}"
        f'<section id="failures"><h2>Failures ({len(failures)})</h2>{failure_html}</section>'
        f"{snapshots}"
        f"<footer>{_e(run.tool.get('name', 'lpf-contract'))} {_e(run.tool.get('version', ''))} · "
        "the same results are in conformance.json, conformance.md and junit.xml</footer>"
        "</main></body></html>\n"
    )
