"""Small builders for appraisal inputs; every test states the values it depends on."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from server.appraisal.model import Attendance, Feedback, Opinion, Visit

CST = timezone(timedelta(hours=8))
PHOTO = "a" * 64


def at(y: int, m: int, d: int, h: int = 9, mi: int = 0) -> datetime:
    """A Beijing-time instant."""
    return datetime(y, m, d, h, mi, tzinfo=CST)


def visit(planner_id: int = 1, start: datetime | None = None, minutes: float | None = 90, **kw: Any) -> Visit:
    started = start or at(2026, 5, 12)
    defaults: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "planner_id": planner_id,
        "district_id": 1,
        "started_at": started,
        "ended_at": None if minutes is None else started + timedelta(minutes=minutes),
        "site": "湛河区老旧小区",
        "purpose": "城市更新方案现场踏勘",
        "lat": 33.7453,
        "lon": 113.1925,
        "accuracy_m": 15.0,
        "photos": (PHOTO,),
        "received_at": started + timedelta(hours=3),
        "clock_offset_s": 2.0,
        "review": "confirmed",
    }
    defaults.update(kw)
    return Visit(**defaults)


def confirmed_visits(planner_id: int, n: int, year: int = 2026, minutes: float = 90) -> list[Visit]:
    """``n`` confirmed visits on distinct days from 10 January of ``year``."""
    return [visit(planner_id, at(year, 1, 10) + timedelta(days=7 * i), minutes) for i in range(n)]


def opinion(
    planner_id: int = 1, quality: int | None = 4, adoption: str | None = "adopted", **kw: Any
) -> Opinion:
    defaults: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "planner_id": planner_id,
        "district_id": 1,
        "subject": "新华区体育路片区控制性详细规划",
        "opinion_kind": "plan_review",
        "body": "方案整体结构清晰。",
        "issued_at": at(2026, 6, 3, 15),
        "quality": quality,
        "adoption": adoption,
    }
    defaults.update(kw)
    return Opinion(**defaults)


def feedback(planner_id: int = 1, **kw: Any) -> Feedback:
    defaults: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "planner_id": planner_id,
        "district_id": 1,
        "place": "建设路社区",
        "category": "traffic",
        "content": "早高峰学校门口拥堵。",
        "collected_at": at(2026, 4, 20, 10),
    }
    defaults.update(kw)
    return Feedback(**defaults)


def attendance(planner_id: int, statuses: str, year: int = 2026, start_id: int = 1) -> list[Attendance]:
    """Attendance from a string of A (attended), E (excused), U (unexcused), one activity a week."""
    code = {"A": "attended", "E": "excused", "U": "unexcused"}
    first = date(year, 1, 8)
    return [
        Attendance(start_id + i, planner_id, 1, first + timedelta(days=7 * i), code[s], f"技术咨询会 {i + 1}")
        for i, s in enumerate(statuses)
    ]


__all__ = ["CST", "PHOTO", "UTC", "at", "attendance", "confirmed_visits", "feedback", "opinion", "visit"]
