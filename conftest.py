"""Top-level pytest configuration: loads lpf-contract's pytest plugin (``--handler`` and friends)."""

pytest_plugins = ["lpf_contract.pytest_plugin", "lpf_contract.pytest_snapshot"]
