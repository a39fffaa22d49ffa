"""Profile fixtures for tests of the pure rules: each rule runs in both deployments unless it is of one."""

from __future__ import annotations

import pytest

from shared.profiles import PROFILE_NAMES, Profile, load_profile


@pytest.fixture(params=PROFILE_NAMES)
def profile(request: pytest.FixtureRequest) -> Profile:
    return load_profile(request.param)


@pytest.fixture
def chongqing() -> Profile:
    return load_profile("chongqing")


@pytest.fixture
def pingdingshan() -> Profile:
    return load_profile("pingdingshan")
