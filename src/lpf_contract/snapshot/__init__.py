"""Snapshot tests: record what a handler returns for each golden example, compare later runs with it."""
