"""The platform's save-time rules for a lambda, checked statically (``lpf-contract lint``).

A light analysis, not a JavaScript parser: the source is scanned once to blank out comments,
strings, template literals and regular expressions (keeping line breaks), and the rules are
regular expressions over what is left. ``node --check`` adds the syntax rule, run by the Node of the
lambda's runtime (14.19.0 for V1, 22 for V2; ``provision.py``), so syntax newer than the platform's
Node (``??=`` in a V1 lambda) is a finding. Known limits: code built at run time (``global["ev" + "al"]``) and aliasing
(``const e = eval``) are not seen; a regular expression literal is told from a division by the
token before it, which covers ordinary code but can be fooled.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ..core import platform
from ..core.errors import InputFileError
from ..handlers.js_source import (
    EVAL,
    LAMBDA_BINDING,
    LAMBDA_DECL,
    LAMBDA_EXPORT,
    NEW_FUNCTION,
    REQUIRE,
    blank_source,
    depth_at,
    detect_runtime,
    expression_end,
    line_of,
    matching_brace,
    params_of_lambda,
)
from ..handlers.provision import RUNTIMES, platform_modules, toolbelt_module

MAX_SOURCE_CHARS = platform.MAX_SOURCE_CHARS  # save-time rules (core/platform.json)
# What each runtime lets a lambda require besides Node's built-ins: its npm modules and its toolbelt,
# from core/platform.json (with LivePerson's sources), the list the runner enforces too.
PLATFORM_MODULES = {rt: frozenset(platform_modules(rt)) for rt in RUNTIMES}
TOOLBELTS = {rt: toolbelt_module(rt) for rt in RUNTIMES}
# Node's built-in modules (union of 14, 20 and 22; `require('module').builtinModules`).
NODE_BUILTINS = frozenset(
    "assert assert/strict async_hooks buffer child_process cluster console constants crypto dgram "
    "diagnostics_channel dns dns/promises domain events fs fs/promises http http2 https inspector "
    "inspector/promises module net os path path/posix path/win32 perf_hooks process punycode querystring "
    "readline readline/promises repl stream stream/consumers stream/promises stream/web string_decoder sys "
    "timers timers/promises tls trace_events tty url util util/types v8 vm wasi worker_threads zlib".split()
)

DEPLOY_RULES = {
    "syntax": "the source must parse",
    "size": f"the source must be under {MAX_SOURCE_CHARS} characters",
    "lambda-missing": "a top-level function named lambda",
    "eval": "no eval",
    "new-function": "no new Function",
    "module-unavailable": "only the platform's modules",
    "dynamic-require": "require with a literal module name",
    "callback-unused": "a V1 lambda must use its callback",
}


@dataclass(frozen=True, slots=True)
class LintIssue:
    rule: str  # a key of DEPLOY_RULES
    message: str
    line: int | None  # 1-based; None when the rule is about the whole file


def module_available(name: str, runtime: str | None = None) -> bool:
    """True when ``require(name)`` works on the platform's ``runtime`` (``None``: on either, so that
    a lambda whose runtime the source does not tell is never a false alarm)."""
    bare = name[5:] if name.startswith("node:") else name
    if bare in NODE_BUILTINS:
        return True
    top = "/".join(name.split("/")[:2]) if name.startswith("@") else name.split("/")[0]
    return any(top in PLATFORM_MODULES[rt] or top == TOOLBELTS[rt] for rt in ((runtime,) if runtime else RUNTIMES))


def available_modules(runtime: str | None = None) -> str:
    """The modules ``runtime`` (or either runtime) offers, for messages: "lodash, luxon and lp-faas-toolbelt"."""
    names = sorted({m for rt in ((runtime,) if runtime else RUNTIMES) for m in (*PLATFORM_MODULES[rt], TOOLBELTS[rt])})
    return ", ".join(names[:-1]) + " and " + names[-1]


def lint_source(src: str, *, runtime: str | None = None) -> list[LintIssue]:
    """Apply the static deploy rules to JavaScript source text (no syntax check).

    ``runtime`` (``v1``/``v2``, else read from the source; either when it does not tell) decides
    which modules are available."""
    runtime = runtime or detect_runtime(src)
    issues: list[LintIssue] = []
    if len(src) >= MAX_SOURCE_CHARS:
        issues.append(LintIssue("size", f"the source has chars={len(src)}; the platform accepts under {MAX_SOURCE_CHARS}", None))
    code, strings = blank_source(src)
    by_start = {s[0]: s for s in strings}
    depths = depth_at(code)

    has_decl = any(depths[m.start()] == 0 for m in LAMBDA_DECL.finditer(code))
    has_binding = any(depths[m.start()] == 0 for m in LAMBDA_BINDING.finditer(code))
    has_export = any(depths[m.start()] == 0 for m in LAMBDA_EXPORT.finditer(code))
    if not (has_decl or has_binding or has_export):
        issues.append(
            LintIssue(
                "lambda-missing",
                "no top-level function named lambda; declare `function lambda(input, callback)` (V1) "
                "or `async function lambda(input)` (V2)",
                None,
            )
        )
    for m in EVAL.finditer(code):
        issues.append(LintIssue("eval", "eval is refused by the platform", line_of(src, m.start())))
    for m in NEW_FUNCTION.finditer(code):
        issues.append(
            LintIssue("new-function", "new Function evaluates code like eval; the platform refuses it", line_of(src, m.start()))
        )
    for m in REQUIRE.finditer(code):
        lit = by_start.get(m.end())
        line = line_of(src, m.start())
        after = code[lit[1] :].lstrip()[:1] if lit else ""
        if lit is None or after != ")" or "${" in lit[2]:
            issues.append(LintIssue("dynamic-require", f"{m.group(1)}() with a computed module name cannot be checked", line))
            continue
        name = lit[2]
        if not module_available(name, runtime):
            where = f" {runtime.upper()}" if runtime else ""
            issues.append(
                LintIssue(
                    "module-unavailable",
                    f"module {name} is not available on LivePerson Functions{where} (only Node built-ins, "
                    f"{available_modules(runtime)})",
                    line,
                )
            )
    found = params_of_lambda(code)
    if found is not None:
        params, body_open, expr_start = found
        if len(params) >= 2:
            cb = params[1]
            if re.fullmatch(r"[A-Za-z_$][\w$]*", cb):
                if body_open >= 0:
                    body = code[body_open : matching_brace(code, body_open) + 1]
                elif expr_start >= 0:
                    body = code[expr_start : expression_end(code, expr_start)]
                else:
                    body = ""
                if not re.search(r"(?<![\w$.])" + re.escape(cb) + r"(?![\w$])", body):
                    issues.append(
                        LintIssue(
                            "callback-unused",
                            f"the V1 lambda never uses its callback parameter={cb}; end with {cb}(null, result)",
                            line_of(src, body_open) if body_open >= 0 else None,
                        )
                    )
    return sorted(issues, key=lambda i: (i.line or 0, i.rule, i.message))


def _syntax_issue(path: Path, node: str) -> LintIssue | None:
    proc = subprocess.run([node, "--check", str(path)], capture_output=True, text=True, env={}, timeout=60)
    if proc.returncode == 0:
        return None
    text = proc.stderr
    m = re.search(re.escape(str(path)) + r":(\d+)", text)
    err = next(
        (ln for ln in text.splitlines() if re.match(r"^\w*Error\b", ln)), text.strip().splitlines()[-1:] or ["syntax error"]
    )
    return LintIssue(
        "syntax", f"the source does not parse: {err if isinstance(err, str) else err[0]}", int(m.group(1)) if m else None
    )


def resolve_source(target: str | Path) -> Path:
    """The JavaScript file a lint target names (a folder means its ``index.js``)."""
    path = Path(target)
    if path.is_dir():
        path = path / "index.js"
    if not path.is_file():
        raise InputFileError(f"handler file not found: path={path}")
    return path


def lint_file(path: str | Path, *, runtime: str | None = None, node: str | None = None) -> list[LintIssue]:
    """Static deploy rules for one lambda file (or ``functions/<name>/`` folder), in line order.

    The syntax rule runs ``node --check`` with the Node of the lambda's runtime (``runtime``, else
    read from the source by ``detect_runtime``; Node 22 when the source does not tell, so that only
    syntax no platform Node accepts is reported). ``node`` overrides the binary as ``--node`` does
    (a path, or ``"local"``). Raises HandlerLoadError (exit 2) when that Node cannot be installed.
    """
    source = resolve_source(path)
    try:
        src = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(f"cannot read handler: path={source}: {exc}") from exc
    runtime = runtime or detect_runtime(src)
    binary = syntax_node(runtime or "v2", node=node)
    syntax = _syntax_issue(source.resolve(), binary)
    issues = lint_source(src, runtime=runtime)
    if syntax is not None:
        issues.insert(0, syntax)
    return issues


def syntax_node(runtime: str, *, node: str | None = None) -> str:
    """The ``node`` binary that parses a ``runtime`` lambda (no modules needed to parse)."""
    from ..handlers import provision

    binary, _, _ = provision.resolve_node_option(node)
    if binary is not None:
        return binary
    cache = provision.ensure((runtime,), modules=False)
    return str(provision.node_binary(provision.node_build(runtime), cache))
