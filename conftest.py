"""Top-level pytest configuration.

lpf-contract's pytest plugin (``--lpf-handler`` and friends) is loaded through its ``pytest11`` entry
point, as in any repository where the package is installed; nothing to declare here.
"""
