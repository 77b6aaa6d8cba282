"""The rule families; importing this package declares every rule in ``catalogue.DIFF_RULES``."""

from . import annotations, arrays, branches, enums, events, keywords, numbers, objects, policy, strings, types

__all__ = ["annotations", "arrays", "branches", "enums", "events", "keywords", "numbers", "objects", "policy", "strings", "types"]
