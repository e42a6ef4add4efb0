"""Shared test set-up: browser fixtures (tests/browser.py) and built sites (tests/sites.py)."""

pytest_plugins = ["tests.browser", "tests.sites"]
