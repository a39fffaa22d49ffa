"""Record factories shared by the app and end-to-end tests."""

from __future__ import annotations

from typing import Any


def visit(
    district_id: int = 1, *, site: str = "老城片区", day: int = 1, hours: float = 2.0, **extra: Any
) -> dict[str, Any]:
    """A checked-out visit on 2026-03-<day> starting 09:00 Beijing time."""
    start_h, end_min = 9, round(hours * 60)
    end_h, end_m = start_h + end_min // 60, end_min % 60
    data: dict[str, Any] = {
        "district_id": district_id,
        "site": site,
        "purpose": "现场指导",
        "started_at": f"2026-03-{day:02d}T{start_h:02d}:00:00+08:00",
        "ended_at": f"2026-03-{day:02d}T{end_h:02d}:{end_m:02d}:00+08:00",
    }
    data.update(extra)
    return data


def feedback(district_id: int = 1, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "district_id": district_id,
        "place": "和平路社区",
        "category": "traffic",
        "content": "路口缺少人行横道",
        "collected_at": "2026-04-02T15:00:00+08:00",
    }
    data.update(extra)
    return data
