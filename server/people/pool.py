"""The planner pool's public notice (PDS-4): whether a notice ran the required working days."""

from __future__ import annotations

from datetime import date

from server.core.workdays import (
    notice_period_working_days,
)
from shared.profiles import Profile


def pool_notice_complete(first_day: date, last_day: date, profile: Profile) -> bool:
    """PDS-4: the public notice ran at least ``pool_notice_working_days``; True when the profile sets none."""
    required = profile.pool_notice_working_days
    return required is None or notice_period_working_days(first_day, last_day) >= required
