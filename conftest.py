"""Top-level pytest configuration: registers lpf-contract's options (see suites/)."""
