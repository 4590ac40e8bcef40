"""Shared pytest fixtures; each lives in tests/fixtures/<name>.py and is loaded as a plugin."""

pytest_plugins = [
    "tests.fixtures.scenes",
    "tests.fixtures.sample",
    "tests.fixtures.build",
    "tests.fixtures.layouts",
]
