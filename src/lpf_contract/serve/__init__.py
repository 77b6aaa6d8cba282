"""Serve a handler over HTTP the way the invocation gateway does (the OpenAPI document's routes)."""
