"""The verify layer: options, the engine (variants -> handler -> checks -> one RunResult), the check
catalogue, shrinking, repro commands, the static deploy rules and lpf's functions/ layout.

    from lpf_contract.verify import verify, VerifyOptions
    result = verify("functions/my-function/", VerifyOptions(examples=50, seed=0))
"""

from __future__ import annotations

from .engine import VerifyOptions, verify

__all__ = ["VerifyOptions", "verify"]
