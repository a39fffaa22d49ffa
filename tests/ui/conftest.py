"""View-model tests that need a server use the real app in-process (the server tests' fixtures)."""

from tests.server.conftest import _cheap_password_hashing, api, world  # noqa: F401
