"""The contracts layer: the registry of contract versions (loading, ``$ref`` resolution, validators,
examples), payload checking (``payloads``) and the OpenAPI document (``openapi``).

    from lpf_contract.contracts import load_registry
    registry = load_registry()            # the packaged contracts, or $LPF_CONTRACTS
"""

from __future__ import annotations

from .registry import (
    DOCUMENTATION_RATINGS,
    EventSpec,
    Example,
    Registry,
    SchemaError,
    Version,
    default_contracts_dir,
    load_registry,
)

__all__ = [
    "DOCUMENTATION_RATINGS",
    "EventSpec",
    "Example",
    "Registry",
    "SchemaError",
    "Version",
    "default_contracts_dir",
    "load_registry",
]
