"""District staff's screens of the planner's term, without a page, against the real server app: filing a
request (PDS-7) and seeing their own planners' terms and gap (PDS-11), deciding travel claims with their
receipts (CQ-6), and writing the district's part of the joint appraisal (PDS-10).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import httpx

from app.online import OnlineClient
from app.ui.staff.state import StaffState
from app.ui.termkit import gap_line
from tests.server.conftest import Api, World
from tests.server.term_world import add_member, add_request, day, dispatch, ok
from tests.server.world import make_api, upload


def online(api: Api, client: httpx.AsyncClient) -> OnlineClient:
    token = client.headers["authorization"].split()[1]
    return OnlineClient("http://fieldlog", token, transport=httpx.ASGITransport(app=cast(Any, api.app)))


def request_values(**over: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "specialties": ["urban_renewal"],
        "planners_needed": "1",
        "service_focus": "老城区更新改造技术把关",
        "lat": "",
        "lon": "",
        "radius_m": "",
        "note": "",
    }
    values.update(over)
    return values


async def test_pds7_pds11_staff_file_a_request_and_see_only_their_planners_terms_and_gap(
    db_url: str, tmp_path: Path
) -> None:
    async with make_api(db_url, tmp_path, "pingdingshan") as api:
        w = await World(api).build()
        theirs = await add_member(w.coord, "pingdingshan", name="甲")
        others = await add_member(w.coord, "pingdingshan", name="乙")
        await dispatch(
            w.coord,
            "pingdingshan",
            await add_request(w.s2, w.b),
            others,
            day(-40),
            {"username": "yi", "password": "a-long-password"},
        )
        staff = StaffState(client=online(api, w.s1))
        assert await staff.load_term()
        assert staff.staff_terms["terms"] == [] and staff.request_rows() == []
        staff.new_request()
        assert staff.route() == "/term/new"
        assert not await staff.file_request(request_values(specialties=[]))
        assert staff.error == "专业方向：必填"
        assert not await staff.file_request(request_values(planners_needed="0"))
        assert staff.error == "需要人数：必填"
        assert not await staff.file_request(request_values(lat="29.56", lon="abc", radius_m="3000"))
        assert staff.error == "责任范围：必填"
        assert await api.count("dispatch_requests") == 1
        assert await staff.file_request(request_values(lat="29.56", lon="106.55", radius_m="3000"))
        assert staff.screen == "term" and staff.notice == "A区 的派驻申请已提交。"
        [row] = staff.request_rows()
        assert (row.status_label, row.specialties, row.seats) == ("待派驻", "城市更新", "已派 0 / 需 1 人")
        [gap] = staff.staff_gaps["districts"]
        assert gap["district_name"] == "A区" and gap_line(staff, gap).startswith("无规划师 1 天")

        await dispatch(
            w.coord,
            "pingdingshan",
            row.request_id,
            theirs,
            day(0),
            {"username": "jia", "password": "a-long-password"},
        )
        assert await staff.load_term()
        [term] = staff.staff_terms["terms"]
        assert term["name"] == "甲" and term["district_name"] == "A区"
        assert "suggestion" not in term  # the bureau's suggestion is the bureau's
        assert staff.request_rows()[0].status_label == "已派驻"


async def test_cq6_staff_decide_their_districts_travel_claims_and_a_rejection_needs_a_reason(
    db_url: str, tmp_path: Path
) -> None:
    async with make_api(db_url, tmp_path, "chongqing") as api:
        w = await World(api).build()
        claims = []
        for n in range(2):
            sha = await upload(w.p1, n)
            body = {
                "district_id": w.a,
                "trip_on": day(-3),
                "trip": f"往返现场{n}",
                "amount": "86.50",
                "receipt_sha256": sha,
            }
            claims.append(await ok(await w.p1.post("/api/claims", json=body), 201))
        other = StaffState(client=online(api, w.s2))
        assert await other.load_claims()
        assert other.claims["claims"] == []
        staff = StaffState(client=online(api, w.s1))
        assert await staff.load_term()
        assert staff.pending_claims() == 2
        assert await staff.load_claims()
        assert staff.route() == "/term/claims"
        assert set(staff.receipts) == {c["id"] for c in claims}
        assert all(r[:8] == b"\x89PNG\r\n\x1a\n" for r in staff.receipts.values())
        assert staff.totals_line() == "待审核 173.00 元 · 已同意 0.00 元 · 不予报销 0.00 元"
        first, second = (str(c["id"]) for c in claims)
        assert not await staff.reject_claim(first, " ")
        assert staff.error == "不予报销的原因：必填"
        assert await staff.reject_claim(first, "票据与行程不符")
        assert await staff.approve_claim(second)
        assert staff.notice == "已同意报销。"
        decided = {c["id"]: c for c in staff.claims["claims"]}
        assert (
            decided[first]["status"] == "rejected" and decided[first]["decision_reason"] == "票据与行程不符"
        )
        assert staff.claim_status(decided[second]) == "已同意"
        # A decision is final.
        assert not await staff.approve_claim(first)
        assert staff.error is not None and staff.error.startswith("状态：")


async def test_pds10_the_district_writes_its_part_of_the_joint_appraisal_in_words(
    db_url: str, tmp_path: Path
) -> None:
    async with make_api(db_url, tmp_path, "pingdingshan") as api:
        w = await World(api).build()
        staff = StaffState(client=online(api, w.s1), year=2025)
        assert await staff.load_term()
        assert await staff.open_assessment(w.p1_id)
        assert staff.route() == f"/term/assess/{w.p1_id}"
        assert [label for _, label in staff.criteria()] == ["服务态度", "专业能力", "属地反馈"]
        assert [g for g, _ in staff.grade_choices()] == ["优秀", "合格", "不合格"]
        words = {"service_attitude": "积极主动", "professional_ability": "熟悉政策", "district_feedback": ""}
        assert not await staff.save_assessment(words, "合格")
        assert staff.error == "属地反馈：必填"
        words["district_feedback"] = "社区反映良好"
        assert await staff.save_assessment(words, "合格")
        own = staff.own_assessment()
        assert own["criteria"] == words and own["grade"] == "合格" and own["district_id"] == w.a
        staff.lang = "en"
        assert [label for _, label in staff.criteria()] == [
            "service attitude",
            "professional ability",
            "district feedback",
        ]
