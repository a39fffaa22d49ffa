"""Fixtures of this folder's tests: the two deployments' profiles."""

from tests.server.profiles import chongqing, pingdingshan, profile

__all__ = ["chongqing", "pingdingshan", "profile"]
