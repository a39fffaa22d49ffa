"""Helpers for the term's API tests: a candidate's body, a member made through the API in either profile
(review, then in pingdingshan the notice of 29 September 2026 over National Day week), a district request,
and a dispatch (pingdingshan: the pick starts it; chongqing: the pick, then CQ-3's five steps).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx

from server.appraisal.alerts import term_last_day

#: The notice the members of these tests went through: 29 September to 10 October 2026 (PDS-4).
NOTICE_STARTS = "2026-09-29"
STEPS = ("needs_survey", "qualification_check", "joint_deliberation", "district_opinion", "appointment")


def candidate(**over: Any) -> dict[str, Any]:
    """A candidate eligible in both profiles (PDS-3 and CQ-2's usual conditions)."""
    body: dict[str, Any] = {
        "name": "王规划",
        "applied_on": "2026-09-01",
        "organisation": "市规划设计研究院",
        "degree": "master",
        "degree_field": "urban_rural_planning",
        "title": "associate_senior",
        "registered_planner": True,
        "years_in_field": 12,
        "specialties": ["urban_renewal", "spatial_planning"],
        "local_familiarity": "长期参与老城区更新项目",
    }
    body.update(over)
    return body


async def ok(resp: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    body: dict[str, Any] = resp.json()
    return body


async def add_member(coord: httpx.AsyncClient, profile: str, **over: Any) -> int:
    """A pool member: entered, approved on 28 September 2026, and in pingdingshan through the notice."""
    cid = (await ok(await coord.post("/api/pool/candidates", json=candidate(**over)), 201))["id"]
    await ok(
        await coord.post(
            f"/api/pool/candidates/{cid}/review", json={"outcome": "approved", "reviewed_on": "2026-09-28"}
        )
    )
    if profile == "pingdingshan":
        await ok(await coord.post(f"/api/pool/candidates/{cid}/notice", json={"starts_on": NOTICE_STARTS}))
    return int(cid)


async def add_request(
    client: httpx.AsyncClient, district_id: int, specialties: list[str] | None = None, **over: Any
) -> int:
    body: dict[str, Any] = {
        "district_id": district_id,
        "specialties": specialties or ["urban_renewal"],
        "planners_needed": 1,
        "service_focus": "老城区更新改造技术把关",
        "responsibility_area": {"center": [29.56, 106.55], "radius_m": 3000},
    }
    body.update(over)
    return int((await ok(await client.post("/api/dispatch-requests", json=body), 201))["id"])


async def dispatch(
    coord: httpx.AsyncClient,
    profile: str,
    request_id: int,
    candidate_id: int,
    starts_on: str,
    account: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Dispatch ``candidate_id`` for ``request_id`` so that service starts on ``starts_on``."""
    if profile == "pingdingshan":
        body: dict[str, Any] = {"candidate_id": candidate_id, "starts_on": starts_on}
        if account:
            body["account"] = account
        return await ok(await coord.post(f"/api/dispatch-requests/{request_id}/dispatches", json=body), 201)
    d = await ok(
        await coord.post(
            f"/api/dispatch-requests/{request_id}/dispatches", json={"candidate_id": candidate_id}
        ),
        201,
    )
    start = date.fromisoformat(starts_on)
    for step in STEPS:
        body = {"step": step, "done_on": starts_on, "note": f"{step} 已完成"}
        if step == "appointment":
            body.update(term_ends_on=term_last_day(start, 1).isoformat(), certificate_no=f"聘-{candidate_id}")
            if account:
                body["account"] = account
        d = await ok(await coord.post(f"/api/dispatches/{d['id']}/steps", json=body))
    return d


def day(offset: int) -> str:
    """Today in Beijing moved by ``offset`` days, as ISO text."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return (datetime.now(ZoneInfo("Asia/Shanghai")).date() + timedelta(days=offset)).isoformat()
