"""Facts about the LivePerson Functions platform, read from ``platform.json`` beside this module: the
one data file the Python side and the Node runner (``handlers/node/runner.js``) both read."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any, Mapping

PLATFORM_FILE = Path(__file__).with_name("platform.json")


@functools.cache
def facts() -> Mapping[str, Any]:
    """The whole of ``platform.json`` (read once per process)."""
    return json.loads(PLATFORM_FILE.read_text(encoding="utf-8"))


def runtimes() -> Mapping[str, Any]:
    """Per runtime (``v1``, ``v2``): its toolbelt module and the npm modules a lambda may require."""
    return facts()["runtimes"]
