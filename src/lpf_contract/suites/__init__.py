"""The test modules the pytest plugin collects for ``--lpf-handler`` (this repository's suites/ import them too)."""
