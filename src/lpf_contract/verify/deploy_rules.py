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

from ..core.errors import InputFileError
from ..handlers.provision import RUNTIMES, platform_modules, toolbelt_module

MAX_SOURCE_CHARS = 100_000  # platform-facts.md, "The handler": save-time rules
# What each runtime lets a lambda require besides Node's built-ins: its npm modules and its toolbelt,
# from node/platform.json (with LivePerson's sources), the list the runner enforces too.
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

RULES = {
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
    rule: str  # a key of RULES
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


_REGEX_AFTER = set("(,=:[!&|?{};+-*%<>~^")
_REGEX_AFTER_WORDS = {"return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "throw", "case", "do", "else", "yield", "await"}


def blank_source(src: str) -> tuple[str, list[tuple[int, int, str]]]:
    """``src`` with comments, string/template/regex contents replaced by spaces (newlines kept).

    Also returns the string literals as ``(start, end, value)`` spans (raw text between the quotes).
    """
    out = list(src)
    strings: list[tuple[int, int, str]] = []
    n = len(src)
    i = 0
    last_sig = ""  # last significant code character, to tell a regex from a division
    last_word = ""
    template_depth: list[int] = []  # brace depth at each open `${`
    brace = 0

    def blank(a: int, b: int) -> None:
        for k in range(a, b):
            if out[k] != "\n":
                out[k] = " "

    while i < n:
        c = src[i]
        nxt = src[i + 1] if i + 1 < n else ""
        if c == "/" and nxt == "/":
            j = src.find("\n", i)
            j = n if j < 0 else j
            blank(i, j)
            i = j
            continue
        if c == "/" and nxt == "*":
            j = src.find("*/", i + 2)
            j = n if j < 0 else j + 2
            blank(i, j)
            i = j
            continue
        if c in "'\"":
            j = i + 1
            while j < n and src[j] != c and src[j] != "\n":
                j += 2 if src[j] == "\\" else 1
            strings.append((i, min(j + 1, n), src[i + 1 : j]))
            blank(i + 1, min(j, n))
            i = j + 1
            last_sig, last_word = c, ""
            continue
        if c == "`" or (c == "}" and template_depth and template_depth[-1] == brace):
            if c == "}":
                template_depth.pop()
            j = i + 1
            while j < n:
                if src[j] == "\\":
                    j += 2
                    continue
                if src[j] == "`":
                    break
                if src[j] == "$" and j + 1 < n and src[j + 1] == "{":
                    break
                j += 1
            if c == "`":
                strings.append((i, min(j + 1, n), src[i + 1 : j]))
            blank(i + 1, min(j, n))
            if j < n and src[j] == "$":
                template_depth.append(brace)
                i = j + 2
                last_sig, last_word = "{", ""
            else:
                i = j + 1
                last_sig, last_word = "`", ""
            continue
        if c == "/" and (last_sig in _REGEX_AFTER or last_sig == "" or last_word in _REGEX_AFTER_WORDS):
            j = i + 1
            in_class = False
            while j < n and src[j] != "\n":
                if src[j] == "\\":
                    j += 2
                    continue
                if src[j] == "[":
                    in_class = True
                elif src[j] == "]":
                    in_class = False
                elif src[j] == "/" and not in_class:
                    break
                j += 1
            blank(i + 1, min(j, n))
            i = j + 1
            last_sig, last_word = "/", ""
            continue
        if c == "{":
            brace += 1
        elif c == "}":
            brace -= 1
        if c.isalnum() or c in "_$":
            j = i
            while j < n and (src[j].isalnum() or src[j] in "_$"):
                j += 1
            last_word = src[i:j]
            last_sig = "a"
            i = j
            continue
        if not c.isspace():
            last_sig, last_word = c, ""
        i += 1
    return "".join(out), strings


def _line(src: str, pos: int) -> int:
    return src.count("\n", 0, pos) + 1


def _depth_at(code: str) -> list[int]:
    depths = []
    d = 0
    for ch in code:
        depths.append(d)
        if ch in "{(":
            d += 1
        elif ch in "})":
            d -= 1
    return depths


def _matching_brace(code: str, open_pos: int) -> int:
    d = 0
    for k in range(open_pos, len(code)):
        if code[k] == "{":
            d += 1
        elif code[k] == "}":
            d -= 1
            if d == 0:
                return k
    return len(code)


_LAMBDA_DECL = re.compile(r"\b(?:async\s+)?function\s*\*?\s*lambda\s*\(")
_LAMBDA_BINDING = re.compile(r"\b(?:const|let|var)\s+lambda\s*=")
_LAMBDA_EXPORT = re.compile(r"\b(?:module\.exports(?:\.lambda)?|exports\.lambda)\s*=")
_REQUIRE = re.compile(r"(?<![\w$.])(require|import)\s*\(\s*")
_EVAL = re.compile(r"(?<![\w$.])eval\s*\(")
_NEW_FUNCTION = re.compile(r"\bnew\s+Function\b")


def _params_of_lambda(code: str) -> tuple[list[str], int, int] | None:
    """Parameter names of the top-level lambda, the position of its body's ``{`` (or -1) and, for an
    arrow function with an expression body, where that expression starts (or -1)."""
    found = _raw_params_of_lambda(code)
    if found is None:
        return None
    raw, body_open, expr_start = found
    params = [p.split("=")[0].strip() for p in raw]
    return [p for p in params if p], body_open, expr_start


def _raw_params_of_lambda(code: str) -> tuple[list[str], int, int] | None:
    """As ``_params_of_lambda``, with each parameter's text as written (defaults and ``...`` kept)."""
    depths = _depth_at(code)
    candidates = [m for m in _LAMBDA_DECL.finditer(code) if depths[m.start()] == 0]
    if not candidates:
        for m in _LAMBDA_BINDING.finditer(code):
            if depths[m.start()] == 0:
                rest = re.compile(r"\s*(?:async\s*)?(?:function\s*\w*\s*)?\(").match(code, m.end())
                if rest:
                    candidates = [rest]
                    break
                single = re.compile(r"\s*(?:async\s+)?([A-Za-z_$][\w$]*)\s*=>").match(code, m.end())
                if single:
                    return [single.group(1)], -1, -1
    if not candidates:
        return None
    open_paren = candidates[0].end() - 1
    d, k = 0, open_paren
    while k < len(code):
        if code[k] == "(":
            d += 1
        elif code[k] == ")":
            d -= 1
            if d == 0:
                break
        k += 1
    params_text = code[open_paren + 1 : k]
    params = [p.strip() for p in _split_top(params_text) if p.strip()]
    after = re.compile(r"\s*(?:=>\s*)?\{").match(code, k + 1)
    if after:
        return params, after.end() - 1, -1
    arrow = re.compile(r"\s*=>").match(code, k + 1)
    return params, -1, (arrow.end() if arrow else -1)


def detect_runtime(src: str) -> str | None:
    """``"v1"`` or ``"v2"`` as the platform tells them apart, read from the source; None when it cannot.

    The rule is the runner's: a top-level ``lambda`` of arity 2 or more (``function lambda(input,
    callback)``, ``async function lambda(input, callback)``, ``const lambda = (input, callback) =>``)
    is V1, arity 0 or 1 is V2. Arity counts the parameters before the first one with a default
    value or a rest parameter, as JavaScript's ``Function.length`` does. Other forms
    (``module.exports = ...``, a ``lambda`` built by a call) give None: the runner decides.
    """
    found = _raw_params_of_lambda(blank_source(src)[0])
    if found is None:
        return None
    arity = 0
    for param in found[0]:
        if param.startswith("...") or "=" in re.sub(r"=>", "", _strip_brackets(param)):
            break
        arity += 1
    return "v1" if arity >= 2 else "v2"


def _strip_brackets(text: str) -> str:
    """``text`` without what is inside (), [] and {} (a destructuring pattern's own defaults)."""
    out, d = [], 0
    for ch in text:
        if ch in "([{":
            d += 1
        elif ch in ")]}":
            d -= 1
        elif d == 0:
            out.append(ch)
    return "".join(out)


def _expression_end(code: str, start: int) -> int:
    """End of an arrow function's expression body: a `;`, a line break or a closing bracket at depth 0."""
    d = 0
    for k in range(start, len(code)):
        ch = code[k]
        if ch in "([{":
            d += 1
        elif ch in ")]}":
            if d == 0:
                return k
            d -= 1
        elif ch in ";\n" and d == 0 and code[start:k].strip():
            return k
    return len(code)


def _split_top(text: str) -> list[str]:
    parts, d, start = [], 0, 0
    for k, ch in enumerate(text):
        if ch in "([{":
            d += 1
        elif ch in ")]}":
            d -= 1
        elif ch == "," and d == 0:
            parts.append(text[start:k])
            start = k + 1
    parts.append(text[start:])
    return parts


def lint_source(src: str, *, runtime: str | None = None) -> list[LintIssue]:
    """Apply the static deploy rules to JavaScript source text (no syntax check).

    ``runtime`` (``v1``/``v2``, else read from the source; either when it does not tell) decides
    which modules are available."""
    runtime = runtime or detect_runtime(src)
    issues: list[LintIssue] = []
    if len(src) >= MAX_SOURCE_CHARS:
        issues.append(
            LintIssue("size", f"the source has chars={len(src)}; the platform accepts under {MAX_SOURCE_CHARS}", None)
        )
    code, strings = blank_source(src)
    by_start = {s[0]: s for s in strings}
    depths = _depth_at(code)

    has_decl = any(depths[m.start()] == 0 for m in _LAMBDA_DECL.finditer(code))
    has_binding = any(depths[m.start()] == 0 for m in _LAMBDA_BINDING.finditer(code))
    has_export = any(depths[m.start()] == 0 for m in _LAMBDA_EXPORT.finditer(code))
    if not (has_decl or has_binding or has_export):
        issues.append(
            LintIssue(
                "lambda-missing",
                "no top-level function named lambda; declare `function lambda(input, callback)` (V1) "
                "or `async function lambda(input)` (V2)",
                None,
            )
        )
    for m in _EVAL.finditer(code):
        issues.append(LintIssue("eval", "eval is refused by the platform", _line(src, m.start())))
    for m in _NEW_FUNCTION.finditer(code):
        issues.append(LintIssue("new-function", "new Function evaluates code like eval; the platform refuses it", _line(src, m.start())))
    for m in _REQUIRE.finditer(code):
        lit = by_start.get(m.end())
        line = _line(src, m.start())
        after = code[lit[1] :].lstrip()[:1] if lit else ""
        if lit is None or after != ")" or "${" in lit[2]:
            issues.append(
                LintIssue("dynamic-require", f"{m.group(1)}() with a computed module name cannot be checked", line)
            )
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
    found = _params_of_lambda(code)
    if found is not None:
        params, body_open, expr_start = found
        if len(params) >= 2:
            cb = params[1]
            if re.fullmatch(r"[A-Za-z_$][\w$]*", cb):
                if body_open >= 0:
                    body = code[body_open : _matching_brace(code, body_open) + 1]
                elif expr_start >= 0:
                    body = code[expr_start : _expression_end(code, expr_start)]
                else:
                    body = ""
                if not re.search(r"(?<![\w$.])" + re.escape(cb) + r"(?![\w$])", body):
                    issues.append(
                        LintIssue(
                            "callback-unused",
                            f"the V1 lambda never uses its callback parameter={cb}; end with {cb}(null, result)",
                            _line(src, body_open) if body_open >= 0 else None,
                        )
                    )
    return sorted(issues, key=lambda i: (i.line or 0, i.rule, i.message))


def _syntax_issue(path: Path, node: str) -> LintIssue | None:
    proc = subprocess.run([node, "--check", str(path)], capture_output=True, text=True, env={}, timeout=60)
    if proc.returncode == 0:
        return None
    text = proc.stderr
    m = re.search(re.escape(str(path)) + r":(\d+)", text)
    err = next((ln for ln in text.splitlines() if re.match(r"^\w*Error\b", ln)), text.strip().splitlines()[-1:] or ["syntax error"])
    return LintIssue("syntax", f"the source does not parse: {err if isinstance(err, str) else err[0]}", int(m.group(1)) if m else None)


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
