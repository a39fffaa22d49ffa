"""PDS-9's allowance through the API: a settlement period lists each term that ended in it, a full term due
5,000 CNY (the Pingdingshan seed), a shorter one flagged until a person enters its amount with a reason;
paid and unpaid with who and when; the list as XLSX; bad input stored nowhere. Chongqing pays none."""

from __future__ import annotations

import asyncio
import io
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest

from tests.server.conftest import Api, World
from tests.server.world import make_api

YEAR_2025 = {"name": "2025年度", "starts_on": "2025-01-01", "ends_on": "2025-12-31"}


async def _term(w: World, planner_id: int, start: str) -> None:
    resp = await w.coord.put(f"/api/planners/{planner_id}", json={"term_start": start})
    assert resp.status_code == 200, resp.text


async def _terms(api: Api, w: World) -> dict[str, int]:
    """p1: 2025 served whole; p2: a term to February 2026; p3: left early on 1 July 2025 (PDS-11);
    p4: serves district A with no term start recorded."""
    p3 = await api.add_user("p3", "planner", (w.a,), display_name="赵规划")
    p4 = await api.add_user("p4", "planner", (w.a,), display_name="孙规划")
    await _term(w, w.p1_id, "2025-01-01")
    await _term(w, w.p2_id, "2025-03-01")
    await _term(w, p3, "2025-01-01")
    exit_ = await w.coord.post(
        f"/api/planners/{p3}/exit-requests", json={"filed_on": "2025-05-01", "leave_on": "2025-07-01"}
    )
    assert exit_.status_code == 201, exit_.text
    return {"p3": p3, "p4": p4}


async def _stored(api: Api) -> dict[str, int]:
    return {t: await api.count(t) for t in ("allowance_periods", "allowance_lines", "audit_log")}


async def _open(w: World, body: dict[str, Any] = YEAR_2025) -> httpx.Response:
    return await w.coord.post("/api/allowance/periods", json=body)


@pytest.mark.parametrize("profile", ["pingdingshan", "chongqing"])
async def test_pds9_full_term_is_due_5000_cny_and_a_short_one_is_flagged_for_a_person(
    db_url: str, tmp_path: Path, profile: str
) -> None:
    async with make_api(db_url, tmp_path, profile) as api:
        w = await World(api).build()
        more = await _terms(api, w)
        before = await _stored(api)
        resp = await _open(w)
        if profile == "chongqing":
            assert resp.status_code == 409 and resp.json()["field"] == "allowance_cny_per_year"
            assert await _stored(api) == before
            return
        assert resp.status_code == 201, resp.text
        period = resp.json()
        assert period["yearly_amount"] == "5000.00"  # allowance_cny_per_year of the seed
        lines = {x["planner_id"]: x for x in period["lines"]}
        assert set(lines) == {w.p1_id, more["p3"]}  # p2's term ends in 2026
        full, short = lines[w.p1_id], lines[more["p3"]]
        assert (full["basis"], full["amount"], full["flagged"], full["days_served"]) == (
            "full_term",
            "5000.00",
            False,
            365,
        )
        assert (full["term_first"], full["term_last"]) == ("2025-01-01", "2025-12-31")
        assert (short["basis"], short["amount"], short["flagged"]) == ("short_term", None, True)
        assert (short["served_last"], short["days_served"]) == ("2025-06-30", 181)
        assert short["rule_amount"] is None  # no pro-rata rule is invented
        assert [u["planner_id"] for u in period["unknown_terms"]] == [more["p4"]]
        assert period["totals"] == {
            "lines": 2,
            "flagged": 1,
            "paid_lines": 0,
            "due": "5000.00",
            "due_fen": 500_000,
            "paid": "0.00",
            "paid_fen": 0,
            "unpaid": "5000.00",
        }


async def test_pds9_a_short_terms_amount_is_entered_with_a_reason_and_lines_are_paid_by_someone_at_a_time(
    db_url: str, tmp_path: Path
) -> None:
    async with make_api(db_url, tmp_path, "pingdingshan") as api:
        w = await World(api).build()
        more = await _terms(api, w)
        period = (await _open(w)).json()
        base = f"/api/allowance/periods/{period['id']}/lines"
        short, full = f"{base}/{more['p3']}", f"{base}/{w.p1_id}"

        before = await _stored(api)
        no_reason = await w.coord.put(short, json={"amount": "2500.00"})
        assert no_reason.status_code == 400 and no_reason.json()["field"] == "reason"
        unsettled = await w.coord.put(short, json={"paid": True})
        assert unsettled.status_code == 409 and unsettled.json()["field"] == "amount"
        fixed = await w.coord.put(full, json={"amount": "4000", "reason": "少发"})
        assert fixed.status_code == 409 and fixed.json()["field"] == "amount"
        assert await _stored(api) == before

        entered = await w.coord.put(short, json={"amount": "2500.00", "reason": "服务半年，局务会核定"})
        assert entered.status_code == 200, entered.text
        line = entered.json()
        assert (line["amount"], line["flagged"], line["amount_reason"]) == (
            "2500.00",
            False,
            "服务半年，局务会核定",
        )
        assert (line["amount_set_by"], line["amount_set_by_name"]) == (w.coord_id, "coord")

        paid = (await w.admin.put(full, json={"paid": True})).json()
        assert (paid["paid"], paid["paid_by"], paid["paid_by_name"]) == (True, w.admin_id, "root")
        assert datetime.fromisoformat(paid["paid_at"]).tzinfo is not None
        locked = await w.coord.put(full, json={"paid": False, "amount": "1", "reason": "改"})
        assert locked.status_code == 409 and locked.json()["field"] == "amount"  # a full term's is the rule's
        again = await w.coord.put(short, json={"paid": True})
        assert again.status_code == 200
        changed = await w.coord.put(short, json={"amount": "3000", "reason": "改"})
        assert changed.status_code == 409 and changed.json()["field"] == "paid"

        detail = (await w.coord.get(f"/api/allowance/periods/{period['id']}")).json()
        assert detail["totals"]["due"] == "7500.00" and detail["totals"]["paid"] == "7500.00"
        undone = await w.coord.put(full, json={"paid": False})
        assert undone.json()["paid"] is False and undone.json()["paid_by"] is None
        actions = [
            e["action"]
            for e in (await w.coord.get("/api/audit", params={"action": "allowance"})).json()["entries"]
        ]
        assert actions == ["allowance.line"] * 4 + ["allowance.period"]
        mine = (await w.p1.get(f"/api/allowance/planners/{w.p1_id}")).json()["lines"]
        assert [(x["period_name"], x["amount"], x["paid"]) for x in mine] == [("2025年度", "5000.00", False)]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**YEAR_2025, "ends_on": "2024-12-31"}, "ends_on"),
        ({**YEAR_2025, "starts_on": "2025-13-01"}, "starts_on"),
        ({**YEAR_2025, "starts_on": 20250101}, "starts_on"),
        ({**YEAR_2025, "ends_on": "2030-12-31"}, "ends_on"),
        ({**YEAR_2025, "name": ""}, "name"),
        ({"starts_on": "2025-01-01", "ends_on": "2025-12-31"}, "name"),
    ],
)
async def test_pds9_a_period_with_bad_dates_is_a_400_naming_the_field_and_nothing_is_stored(
    db_url: str, tmp_path: Path, body: dict[str, Any], field: str
) -> None:
    async with make_api(db_url, tmp_path, "pingdingshan") as api:
        w = await World(api).build()
        await _terms(api, w)
        before = await _stored(api)
        resp = await _open(w, body)
        assert resp.status_code == 400 and resp.json()["field"] == field, resp.text
        assert await _stored(api) == before


@pytest.mark.parametrize("amount", [12.5, "12.345", "-5", "五千", True, "1000000000"])
async def test_pds9_a_bad_amount_is_a_400_naming_amount_and_nothing_is_stored(
    db_url: str, tmp_path: Path, amount: object
) -> None:
    async with make_api(db_url, tmp_path, "pingdingshan") as api:
        w = await World(api).build()
        more = await _terms(api, w)
        period = (await _open(w)).json()
        before = await _stored(api)
        resp = await w.coord.put(
            f"/api/allowance/periods/{period['id']}/lines/{more['p3']}",
            json={"amount": amount, "reason": "核定"},
        )
        assert resp.status_code == 400 and resp.json()["field"] == "amount", resp.text
        assert await _stored(api) == before


async def test_pds9_each_term_is_settled_once_and_a_refresh_adds_what_now_ends_in_the_period(
    db_url: str, tmp_path: Path
) -> None:
    async with make_api(db_url, tmp_path, "pingdingshan") as api:
        w = await World(api).build()
        more = await _terms(api, w)
        period = (await _open(w)).json()
        overlap = await _open(w, {"name": "2025下半年", "starts_on": "2025-07-01", "ends_on": "2026-06-30"})
        assert overlap.status_code == 409 and overlap.json()["field"] == "starts_on"
        twin = await _open(w, {**YEAR_2025, "starts_on": "2027-01-01", "ends_on": "2027-12-31"})
        assert twin.status_code == 409 and twin.json()["field"] == "name"
        later = (
            await _open(w, {"name": "2026上半年", "starts_on": "2026-01-01", "ends_on": "2026-06-30"})
        ).json()
        assert [x["planner_id"] for x in later["lines"]] == [w.p2_id]

        # p4's term start is now known: a term from June 2024 ended on 31 May 2025.
        await _term(w, more["p4"], "2024-06-01")
        await w.coord.put(
            f"/api/allowance/periods/{period['id']}/lines/{more['p3']}",
            json={"amount": "2500", "reason": "核定"},
        )
        refreshed = (await w.coord.post(f"/api/allowance/periods/{period['id']}/refresh")).json()
        lines = {x["planner_id"]: x for x in refreshed["lines"]}
        assert set(lines) == {w.p1_id, more["p3"], more["p4"]}
        assert lines[more["p4"]]["amount"] == "5000.00" and lines[more["p4"]]["term_last"] == "2025-05-31"
        assert lines[more["p3"]]["amount"] == "2500.00"  # a person's amount is never recomputed
        assert refreshed["unknown_terms"] == []


async def test_pds9_settlement_list_downloads_as_xlsx_that_reads_back(db_url: str, tmp_path: Path) -> None:
    async with make_api(db_url, tmp_path, "pingdingshan") as api:
        w = await World(api).build()
        more = await _terms(api, w)
        period = (await _open(w)).json()
        await w.coord.put(f"/api/allowance/periods/{period['id']}/lines/{w.p1_id}", json={"paid": True})
        link = await w.coord.post(
            "/api/reports/links", json={"report": "allowance", "params": {"period_id": period["id"]}}
        )
        resp = await api.client().get(link.json()["url"])
        assert resp.status_code == 200, resp.text
        assert resp.headers["content-type"].startswith("application/vnd.openxmlformats")
        ws = openpyxl.load_workbook(io.BytesIO(resp.content))["结算清单"]
        rows = list(ws.iter_rows(values_only=True))
        assert rows[0][0].startswith("平顶山市责任规划师交通通讯费用结算清单（2025年度")
        data = {r[1]: r for r in rows[3:5]}
        assert data["张规划"][7:11] == ("聘期届满", 5000, None, "已支付")
        assert data["赵规划"][7:11] == ("聘期不足一年（待人工核定）", "待核定", None, "未支付")
        assert {r[0]: r[8] for r in rows[5:8]} == {"合计应付": 5000, "已支付": 5000, "未支付": 0}
        assert any(r[0] == "未记录聘期开始、无法结算的规划师：孙规划" for r in rows)
        assert more  # p3, p4 made above


async def test_pds9_two_periods_opened_at_once_over_the_same_days_settle_each_term_once(
    db_url: str, tmp_path: Path
) -> None:
    async with make_api(db_url, tmp_path, "pingdingshan") as api:
        w = await World(api).build()
        await _terms(api, w)
        answers = await asyncio.gather(_open(w), _open(w, {**YEAR_2025, "name": "2025全年"}))
        assert sorted(r.status_code for r in answers) == [201, 409]
        assert await api.count("allowance_lines") == 2
