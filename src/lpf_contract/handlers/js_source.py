"""Reading a lambda's JavaScript source without running it: comments, strings, template literals and
regular expressions blanked out (line breaks kept), the top-level ``lambda`` found, its runtime told.

A light scanner, not a JavaScript parser (see verify/deploy_rules.py for what it misses). The Node
adapter needs ``detect_runtime`` before it starts a worker; the deploy rules build on the rest.
"""

from __future__ import annotations

import re

_REGEX_AFTER = set("(,=:[!&|?{};+-*%<>~^")
_REGEX_AFTER_WORDS = {
    "return",
    "typeof",
    "instanceof",
    "in",
    "of",
    "new",
    "delete",
    "void",
    "throw",
    "case",
    "do",
    "else",
    "yield",
    "await",
}


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


def line_of(src: str, pos: int) -> int:
    return src.count("\n", 0, pos) + 1


def depth_at(code: str) -> list[int]:
    depths = []
    d = 0
    for ch in code:
        depths.append(d)
        if ch in "{(":
            d += 1
        elif ch in "})":
            d -= 1
    return depths


def matching_brace(code: str, open_pos: int) -> int:
    d = 0
    for k in range(open_pos, len(code)):
        if code[k] == "{":
            d += 1
        elif code[k] == "}":
            d -= 1
            if d == 0:
                return k
    return len(code)


LAMBDA_DECL = re.compile(r"\b(?:async\s+)?function\s*\*?\s*lambda\s*\(")
LAMBDA_BINDING = re.compile(r"\b(?:const|let|var)\s+lambda\s*=")
LAMBDA_EXPORT = re.compile(r"\b(?:module\.exports(?:\.lambda)?|exports\.lambda)\s*=")
REQUIRE = re.compile(r"(?<![\w$.])(require|import)\s*\(\s*")
EVAL = re.compile(r"(?<![\w$.])eval\s*\(")
NEW_FUNCTION = re.compile(r"\bnew\s+Function\b")


def params_of_lambda(code: str) -> tuple[list[str], int, int] | None:
    """Parameter names of the top-level lambda, the position of its body's ``{`` (or -1) and, for an
    arrow function with an expression body, where that expression starts (or -1)."""
    found = _raw_params_of_lambda(code)
    if found is None:
        return None
    raw, body_open, expr_start = found
    params = [p.split("=")[0].strip() for p in raw]
    return [p for p in params if p], body_open, expr_start


def _raw_params_of_lambda(code: str) -> tuple[list[str], int, int] | None:
    """As ``params_of_lambda``, with each parameter's text as written (defaults and ``...`` kept)."""
    depths = depth_at(code)
    candidates = [m for m in LAMBDA_DECL.finditer(code) if depths[m.start()] == 0]
    if not candidates:
        for m in LAMBDA_BINDING.finditer(code):
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
    params = [p.strip() for p in split_top(params_text) if p.strip()]
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


def expression_end(code: str, start: int) -> int:
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


def split_top(text: str) -> list[str]:
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
