"""Schema bundling: a document with every ``$ref`` inlined (what the generator and diff walk)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import ContractError


def inline_refs(node: Any, resolver, *, base: str, stack: tuple[str, ...], where: str, entered: bool = False) -> Any:
    """``node`` with every ``$ref`` replaced by what ``resolver`` finds there; a loop or a dangling ref is a ContractError.

    Resolution is ``referencing``'s, per draft-07: the base URI changes at every subschema with its own ``$id``.
    """
    from urllib.parse import urljoin

    from referencing.exceptions import Unresolvable

    if isinstance(node, list):
        return [inline_refs(x, resolver, base=base, stack=stack, where=where) for x in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    sub_id = node.get("$id")
    if isinstance(sub_id, str) and not isinstance(ref, str) and not sub_id.startswith("#") and not entered:
        # Draft-07: a subschema's own "$id" is the base its refs resolve against ("#/definitions/x"
        # inside it names its definitions, not the root's); a "$id" beside "$ref" is ignored.
        from referencing.jsonschema import DRAFT7

        resolver = resolver.in_subresource(DRAFT7.create_resource(node))
        base = urljoin(base, sub_id).split("#")[0]
    if isinstance(ref, str):
        try:
            resolved = resolver.lookup(ref)
        except Unresolvable:
            raise ContractError(f"dangling $ref={ref!r} in schema {where}: nothing at that address") from None
        target = urljoin(base, ref)
        if "#" not in target:
            target += "#"
        if target in stack:
            raise ContractError(f"$ref loop in schema {where}: {' -> '.join(stack + (target,))}")
        # resolved.resolver already stands in the target's own "$id" (``entered``).
        return inline_refs(
            resolved.contents, resolved.resolver, base=target.split("#")[0], stack=stack + (target,), where=where, entered=True
        )
    return {
        k: (v if k in _LITERAL_KEYWORDS else inline_refs(v, resolver, base=base, stack=stack, where=where))
        for k, v in node.items()
    }


# Keywords whose values are data, not subschemas: a "$ref" key inside them is not a reference.
_LITERAL_KEYWORDS = frozenset({"enum", "const", "examples", "default"})


def bundle_document(doc: Any, *, base_uri: str | None = None, neighbours: Mapping[str, Any] | None = None) -> Any:
    """``doc`` with every ``$ref`` inlined; ``neighbours`` (uri -> document) are what its refs may name."""
    from referencing import Registry as RefRegistry
    from referencing import Resource
    from referencing.jsonschema import DRAFT7

    if not isinstance(doc, dict):
        return doc
    base = doc.get("$id") or base_uri or "urn:lpf-contract:diff"
    resources = {base: Resource.from_contents(doc, default_specification=DRAFT7)}
    for uri, other in (neighbours or {}).items():
        if isinstance(other, dict) and uri not in resources:
            resources[uri] = Resource.from_contents(other, default_specification=DRAFT7)
    resolver = RefRegistry().with_resources(resources.items()).resolver(base_uri=base)
    out = inline_refs(doc, resolver, base=base, stack=(base + "#",), where=base)
    return {k: v for k, v in out.items() if k not in ("$defs", "definitions", "$id")}
