"""RFC 6901 JSON pointers: the one place that escapes and unescapes their tokens."""

from __future__ import annotations

from typing import Any


def escape(token: Any) -> str:
    """One reference token, escaped ("~" -> "~0", "/" -> "~1")."""
    return str(token).replace("~", "~0").replace("/", "~1")


def unescape(token: str) -> str:
    """The inverse of :func:`escape`."""
    return token.replace("~1", "/").replace("~0", "~")


def json_pointer(parts: Any) -> str:
    """RFC 6901 pointer from path parts ("" is the whole document)."""
    return "".join("/" + escape(p) for p in parts)


def resolve_pointer(doc: Any, pointer: str) -> Any:
    """The value at ``pointer`` in ``doc``; raises KeyError when absent."""
    if pointer == "":
        return doc
    node = doc
    for raw in pointer.lstrip("/").split("/"):
        part = unescape(raw)
        if isinstance(node, list):
            node = node[int(part)]
        elif isinstance(node, dict):
            node = node[part]
        else:
            raise KeyError(pointer)
    return node
