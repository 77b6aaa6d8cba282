"""ECMA-262 regular expressions (JSON Schema's "pattern") in Python, and a draft-07 validator using them.

JSON Schema patterns are ECMA-262 regexes; Python's ``re`` differs on a few escapes, so a pattern is
translated before it is compiled (:func:`ecma_to_python`), and the validators of every check use it:

- ``$`` matches only at the very end (Python's also before a trailing newline); ``.`` is left as
  Python's (any character but ``\\n``), which is what jsonschema-rs does although ECMA-262 also
  excludes ``\\r``, U+2028 and U+2029: the two validators must agree;
- ``\\d``, ``\\w`` (and ``\\b``) are ASCII, ``\\s`` is ECMA's WhiteSpace + LineTerminator set (Unicode
  spaces such as U+00A0 and U+FEFF, not Python's U+001C..U+001F or U+0085);
- ``\\cX`` is the control character X % 32.

``\\p{...}``/``\\P{...}`` of a Unicode General_Category (``Letter``, ``Nd``...) become the class of
its code points (unicodedata's Unicode version). What ``re`` cannot express the same way (scripts and
other properties, ``\\k<name>``, a negated class escape inside brackets) raises :class:`EcmaPatternError`: the caller refuses the schema instead
of guessing. jsonschema-rs gives the same verdicts on the JSON-Schema-Test-Suite's
``optional/ecmascript-regex.json`` (tests/test_core_ecma.py).
"""

from __future__ import annotations

import functools
import re

from .errors import ContractError

# ECMA-262 WhiteSpace and LineTerminator code points (ECMA-262 §12.2, §12.3), what "\s" matches.
_ECMA_SPACE = "\\t\\n\\x0b\\x0c\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff"
_CLASS_BODY = {"d": "0-9", "w": "A-Za-z0-9_", "s": _ECMA_SPACE}


class EcmaPatternError(ContractError):
    """An ECMA-262 pattern this Python translation cannot reproduce exactly."""

    def __init__(self, pattern: str, feature: str):
        self.feature = feature
        super().__init__(
            f"unsupported ECMA-262 regex feature={feature} in pattern={pattern!r}; "
            "rewrite the pattern without it (e.g. an explicit character class)"
        )


def ecma_to_python(pattern: str) -> str:
    """The Python ``re`` source (to compile with ``re.ASCII``) that matches what ECMA-262 matches."""
    out: list[str] = []
    i, n = 0, len(pattern)
    in_class = False
    while i < n:
        c = pattern[i]
        if c == "\\":
            if i + 1 >= n:
                raise EcmaPatternError(pattern, "a trailing backslash")
            e = pattern[i + 1]
            i += 2
            if e in "dws":
                out.append(_CLASS_BODY[e] if in_class else f"[{_CLASS_BODY[e]}]")
            elif e in "DWS":
                if in_class:
                    raise EcmaPatternError(pattern, f"\\{e} inside a character class")
                out.append(f"[^{_CLASS_BODY[e.lower()]}]")
            elif e == "c" and i < n and pattern[i].isascii() and pattern[i].isalpha():
                out.append(f"\\x{ord(pattern[i]) % 32:02x}")
                i += 1
            elif e in "pP" and i < n and pattern[i] == "{" and "}" in pattern[i:]:
                name = pattern[i + 1 : pattern.index("}", i)]
                i = pattern.index("}", i) + 1
                body = _category_class(name)
                if body is None or (e == "P" and in_class):
                    raise EcmaPatternError(pattern, f"\\{e}{{{name}}}")
                out.append(body if in_class else f"[{'^' if e == 'P' else ''}{body}]")
            elif e in "pPk":
                raise EcmaPatternError(pattern, f"\\{e}")
            elif e == "u" and i < n and pattern[i] == "{":
                raise EcmaPatternError(pattern, "\\u{...}")
            elif e == "/":
                out.append("/")
            elif e.isascii() and e.isalpha() and e not in "bBfnrtvxu":
                # ECMA reads an unknown letter escape as the letter itself (Annex B); Python refuses it.
                out.append(re.escape(e))
            elif e == "v":
                out.append("\\x0b")
            else:
                out.append("\\" + e)
            continue
        if in_class:
            if c == "]":
                in_class = False
            elif c == "[":
                out.append("\\[")  # a literal "[" in an ECMA class; a nested set or warning in Python
                i += 1
                continue
            out.append(c)
            i += 1
            continue
        if c == "[":
            negated = pattern.startswith("^", i + 1)
            i += 2 if negated else 1
            if pattern.startswith("]", i):
                out.append("(?s:.)" if negated else "(?!)")  # ECMA "[^]" is any character, "[]" none
                i += 1
            else:
                out.append("[^" if negated else "[")
                in_class = True
            continue
        if c == "$":
            out.append("\\Z")
        elif c == "(" and pattern.startswith("(?<", i) and not pattern.startswith(("(?<=", "(?<!"), i):
            out.append("(?P<")
            i += 3
            continue
        else:
            out.append(c)
        i += 1
    return "".join(out)


# Unicode General_Category names (ECMA-262 "\\p{...}", long and short forms; "digit" as jsonschema-rs
# and UTS #18 read it) -> the category prefix unicodedata reports.
_CATEGORIES = {
    "L": "L", "Letter": "L", "Lu": "Lu", "Uppercase_Letter": "Lu", "Ll": "Ll", "Lowercase_Letter": "Ll",
    "Lt": "Lt", "Titlecase_Letter": "Lt", "Lm": "Lm", "Modifier_Letter": "Lm", "Lo": "Lo", "Other_Letter": "Lo",
    "M": "M", "Mark": "M", "N": "N", "Number": "N", "Nd": "Nd", "Decimal_Number": "Nd", "digit": "Nd",
    "Nl": "Nl", "Letter_Number": "Nl", "No": "No", "Other_Number": "No", "P": "P", "Punctuation": "P",
    "S": "S", "Symbol": "S", "Z": "Z", "Separator": "Z", "Zs": "Zs", "Space_Separator": "Zs",
    "Cc": "Cc", "Control": "Cc",
}  # fmt: skip


@functools.lru_cache(maxsize=32)
def _category_class(name: str) -> str | None:
    """The body of a character class holding every code point of General_Category ``name``."""
    import unicodedata

    for prefix in ("General_Category=", "gc="):
        name = name.removeprefix(prefix)
    cat = _CATEGORIES.get(name)
    if cat is None:
        return None  # scripts, binary properties: not translated
    ranges: list[list[int]] = []
    for cp in range(0x110000):
        if unicodedata.category(chr(cp)).startswith(cat):
            if ranges and ranges[-1][1] == cp - 1:
                ranges[-1][1] = cp
            else:
                ranges.append([cp, cp])
    return "".join(f"\\U{a:08x}" if a == b else f"\\U{a:08x}-\\U{b:08x}" for a, b in ranges)


def _ecma_pattern(validator, pattern, instance, schema):
    if not validator.is_type(instance, "string"):
        return
    if compile_ecma_pattern(pattern).search(instance) is None:
        from jsonschema.exceptions import ValidationError

        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _ecma_pattern_properties(validator, pattern_properties, instance, schema):
    # python-jsonschema's own, with the pattern compiled as ECMA-262.
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in pattern_properties.items():
        compiled = compile_ecma_pattern(pattern)
        for k, v in instance.items():
            if compiled.search(k):
                yield from validator.descend(v, subschema, path=k, schema_path=pattern)


def _ecma_additional_properties(validator, additional, instance, schema):
    if not validator.is_type(instance, "object"):
        return
    props = schema.get("properties", {})
    patterns = [compile_ecma_pattern(p) for p in schema.get("patternProperties", {})]
    extras = [k for k in instance if k not in props and not any(p.search(k) for p in patterns)]
    if validator.is_type(additional, "object"):
        for extra in extras:
            yield from validator.descend(instance[extra], additional, path=extra)
    elif not additional and extras:
        from jsonschema.exceptions import ValidationError

        # python-jsonschema's own wording (checks and reports quote it).
        verb = "was" if len(extras) == 1 else "were"
        yield ValidationError(f"Additional properties are not allowed ({', '.join(map(repr, extras))} {verb} unexpected)")


@functools.lru_cache(maxsize=256)
def compile_ecma_pattern(pattern: str) -> re.Pattern[str]:
    """A compiled Python regex with ECMA-262 semantics; :class:`EcmaPatternError` when it has none."""
    try:
        return re.compile(ecma_to_python(pattern), re.ASCII)
    except re.error as exc:
        raise EcmaPatternError(pattern, f"unparsable ({exc})") from None


@functools.lru_cache(maxsize=1)
def validator_class():
    """Draft-07 python-jsonschema validator class with ECMA-262 patterns (pattern, patternProperties)."""
    from jsonschema import Draft7Validator, FormatChecker, validators

    # check_schema's "regex" format: a pattern is valid when it translates (Python's re alone refuses \\cC).
    formats = FormatChecker()
    formats.checkers = dict(Draft7Validator.FORMAT_CHECKER.checkers)
    formats.checks("regex", raises=EcmaPatternError)(lambda p: not isinstance(p, str) or bool(compile_ecma_pattern(p)))
    return validators.extend(
        Draft7Validator,
        {
            "pattern": _ecma_pattern,
            "patternProperties": _ecma_pattern_properties,
            "additionalProperties": _ecma_additional_properties,
        },
        format_checker=formats,
    )
