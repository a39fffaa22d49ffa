"""Leaving early (PDS-11): whether an exit request gave the required working days' notice, and its alert."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from server.core.workdays import (
    add_working_days,
    working_days_between,
)
from shared.profiles import Profile

SHORT_EXIT_NOTICE: Final = "short_exit_notice"


@dataclass(frozen=True)
class ExitRequest:
    """PDS-11: a planner's written request to leave before the term ends."""

    id: str
    planner_id: int
    filed_on: date
    #: The first day the planner no longer serves.
    leave_on: date


@dataclass(frozen=True)
class ShortNotice:
    """PDS-11: an exit request filed with fewer working days' notice than required."""

    request_id: str
    planner_id: int
    notice_working_days: int
    required_working_days: int
    #: The earliest leave date the request could have named on its filing day.
    earliest_leave_on: date


def exit_notice_shortfall(request: ExitRequest, profile: Profile) -> ShortNotice | None:
    """PDS-11: None when the request gives enough notice (or the profile sets no notice period)."""
    required = profile.exit_notice_working_days
    if required is None:
        return None
    given = working_days_between(request.filed_on, request.leave_on)
    if given >= required:
        return None
    return ShortNotice(
        request.id, request.planner_id, given, required, add_working_days(request.filed_on, required)
    )


def exit_notice_params(request: ExitRequest, profile: Profile) -> dict[str, Any] | None:
    """PDS-11 for one exit request, as the alert's parameters; None when the notice is long enough."""
    short = exit_notice_shortfall(request, profile)
    if short is None:
        return None
    return {
        "request_id": request.id,
        "filed_on": request.filed_on.isoformat(),
        "leave_on": request.leave_on.isoformat(),
        "notice_working_days": short.notice_working_days,
        "required_working_days": short.required_working_days,
        "earliest_leave_on": short.earliest_leave_on.isoformat(),
    }


def exit_request_alert(row: Any, profile: Profile) -> dict[str, Any] | None:
    """PDS-11 for one stored exit request (None when the notice is long enough or the profile sets none)."""
    params = exit_notice_params(ExitRequest(row.id, row.planner_id, row.filed_on, row.leave_on), profile)
    if params is None:
        return None
    return {"code": SHORT_EXIT_NOTICE, "planner_id": row.planner_id, "rule_id": "PDS-11", "params": params}
