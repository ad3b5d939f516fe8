"""Helpers shared by the test suites (stdlib only)."""
