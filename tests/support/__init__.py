"""Helpers shared by test suites (on the pytest pythonpath)."""
