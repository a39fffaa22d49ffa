"""The coordinator's screens of the planner's term, without a page, against the real server app (in-process
over ASGI, real database, both profiles where the rule is in both): the pool and a candidate's page
(eligibility in words, review, the notice's computed end, objections, CQ-2's exception, PDS-6's removal),
a request's ranking and the pick, CQ-3's steps, PDS-8's contract, the end-of-term decision with the grade
beside it, PDS-9's settlement list, CQ-6's work funds and the personal archive.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any, cast

import docx
import httpx
import pytest

from app.online import OnlineClient
from app.ui.coordinator.state import CoordinatorState
from tests.server.conftest import Api, World
from tests.server.term_world import NOTICE_STARTS, add_member, add_request, day, dispatch, ok
from tests.server.world import make_api

PROFILES = ["chongqing", "pingdingshan"]


def online(api: Api, client: httpx.AsyncClient) -> OnlineClient:
    token = client.headers["authorization"].split()[1]
    return OnlineClient("http://fieldlog", token, transport=httpx.ASGITransport(app=cast(Any, api.app)))


def coordinator(api: Api, w: World, lang: str = "zh") -> CoordinatorState:
    return CoordinatorState(client=online(api, w.coord), lang=lang)


def candidate_values(**over: Any) -> dict[str, Any]:
    """What a coordinator types and taps on the new candidate's screen."""
    values: dict[str, Any] = {
        "name": "王规划",
        "applied_on": "2026-09-01",
        "organisation": "市规划设计研究院",
        "degree": "master",
        "degree_field": "urban_rural_planning",
        "title": "associate_senior",
        "registered_planner": True,
        "years_in_field": "12",
        "specialties": ["urban_renewal", "spatial_planning"],
        "local_familiarity": "长期参与老城区更新项目",
        "violations": "",
    }
    values.update(over)
    return values


async def test_pds4_a_candidate_entered_on_the_phone_passes_review_and_the_national_day_notice_into_the_pool(
    db_url: str, tmp_path: Path
) -> None:
    async with make_api(db_url, tmp_path, "pingdingshan") as api:
        w = await World(api).build()
        coord = coordinator(api, w)
        assert await coord.load_term_hub()
        coord.new_candidate()
        assert not await coord.add_candidate(candidate_values(name=" "))
        assert coord.error == "姓名：必填" and await api.count("pool_candidates") == 0
        assert await coord.add_candidate(candidate_values())
        assert coord.screen == "candidate" and coord.route() == f"/term/pool/{coord.candidate['id']}"
        words, ok_ = coord.eligibility_text(coord.candidate)
        assert (words, ok_) == ("符合入库条件（PDS-3）", True)
        facts = dict(coord.candidate_facts())
        assert facts["最高学历"] == "硕士研究生" and facts["专业方向"] == "城市更新、国土空间规划"

        # Rejecting needs a note; the date must be a day.
        assert not await coord.review("rejected", "", "2026-09-28")
        assert coord.error == "审核意见：必填"
        assert not await coord.review("approved", "", "28/09/2026")
        assert coord.error == "审核日期：请按 2026-09-29 的格式填写日期"
        assert await coord.review("approved", "", "2026-09-28")
        assert coord.candidate["status"] == "approved" and coord.notice == "审核通过。"

        # PDS-4: five working days from 29 September 2026 run over National Day week to Saturday 10 October
        # (an adjusted working day); the server computed it, the screen says it.
        assert await coord.publish_notice(NOTICE_STARTS)
        assert coord.notice == "已公示：2026-09-29 至 2026-10-10"
        notice = coord.candidate["notice"]
        assert (notice["ends_on"], notice["earliest_end"], notice["enters_on"]) == (
            "2026-10-10",
            "2026-10-10",
            "2026-10-11",
        )
        # The notice has run out with no objection: the candidate is in the pool.
        assert coord.candidate["status"] == "member"
        assert await coord.load_pool("member")
        [row] = [r for r in coord.candidate_rows() if r.name == "王规划"]
        assert (row.status_label, row.eligible) == ("在库", True)
        assert ("member", "在库 1") in coord.filters()


async def test_pds4_an_objection_found_valid_cancels_the_entry_and_the_decision_needs_a_reason(
    db_url: str, tmp_path: Path
) -> None:
    async with make_api(db_url, tmp_path, "pingdingshan") as api:
        w = await World(api).build()
        coord = coordinator(api, w)
        await coord.ensure_words()
        assert await coord.add_candidate(candidate_values(applied_on=day(-2)))
        assert await coord.review("approved", "", day(0))
        assert await coord.publish_notice(day(0))
        assert coord.candidate["status"] == "in_notice"
        assert await coord.load_pool()
        [row] = coord.candidate_rows()
        assert row.notice is not None and row.notice.startswith(f"公示 {day(0)} 至 ")
        await coord.open_candidate(row.candidate_id)
        assert not await coord.add_objection(day(0), "  ", "来信")
        assert coord.error == "异议内容：必填"
        assert await coord.add_objection(day(0), "反映其参与项目存在质量问题", "来信")
        [objection] = coord.candidate["objections"]
        assert objection["status"] == "open" and coord.candidate["objection_open"]
        assert not await coord.decide_objection(int(objection["id"]), "upheld", "")
        assert coord.error == "处理说明：必填"
        assert await coord.decide_objection(int(objection["id"]), "upheld", "经核查属实")
        assert coord.notice == "异议处理：查证属实"
        assert coord.candidate["status"] == "cancelled"
        assert coord.label("pool_statuses", "cancelled") == "取消入库资格"


async def test_cq2_the_exception_is_granted_only_with_a_written_reason_which_is_kept(
    db_url: str, tmp_path: Path
) -> None:
    async with make_api(db_url, tmp_path, "chongqing") as api:
        w = await World(api).build()
        coord = coordinator(api, w)
        await coord.ensure_words()
        assert await coord.add_candidate(candidate_values(title="intermediate", registered_planner=False))
        words, eligible = coord.eligibility_text(coord.candidate)
        assert not eligible
        assert words.startswith("不符合一般条件（CQ-2）：职称：中级（要求副高级及以上）")
        assert words.endswith("可书面说明理由后破格认定。")
        assert not await coord.grant_exception("   ")
        assert coord.error == "破格理由（书面说明）：必填"
        assert await coord.grant_exception("主持完成多项市级国土空间规划")
        assert coord.eligibility_text(coord.candidate) == ("经破格认定符合条件（CQ-2）", True)
        checks = [coord.reason(c) for c in coord.candidate["eligibility"]["checks"]]
        assert "破格认定：主持完成多项市级国土空间规划" in checks
        assert coord.candidate["exception"]["reason"] == "主持完成多项市级国土空间规划"


@pytest.mark.parametrize("profile", PROFILES)
async def test_pds6_cq7_removal_needs_one_of_the_coded_reasons_and_a_note(
    db_url: str, tmp_path: Path, profile: str
) -> None:
    async with make_api(db_url, tmp_path, profile) as api:
        w = await World(api).build()
        cid = await add_member(w.coord, profile)
        coord = coordinator(api, w)
        await coord.open_candidate(cid)
        assert coord.candidate["status"] == "member"
        reasons = [code for code, _ in coord.choices("removal_reasons")]
        assert reasons == (
            ["violation", "misconduct", "refused_service", "own_request", "other"]
            if profile == "pingdingshan"
            else ["other"]
        )
        assert not await coord.remove("", "本人申请", day(0))
        assert coord.error == "调出原因：必填"
        assert not await coord.remove(reasons[-1], "", day(0))
        assert coord.error == "调出说明：必填"
        assert await coord.remove(reasons[-1], "不宜继续担任", day(0))
        removal = coord.candidate["removal"]
        assert coord.candidate["status"] == "removed" and removal["note"] == "不宜继续担任"
        assert removal["rule_id"] == coord.words.rules["pool_removal_rule_id"]


async def test_pds7_a_request_ranks_the_pool_with_reasons_and_the_pick_starts_service_with_a_new_account(
    db_url: str, tmp_path: Path
) -> None:
    async with make_api(db_url, tmp_path, "pingdingshan") as api:
        w = await World(api).build()
        both = await add_member(
            w.coord, "pingdingshan", name="甲", specialties=["urban_renewal", "landscape"]
        )
        await add_member(w.coord, "pingdingshan", name="乙", specialties=["farmland_protection"])
        busy = await add_member(w.coord, "pingdingshan", name="丁", specialties=["landscape"])
        elsewhere = await add_request(w.s2, w.b, ["landscape"])
        await dispatch(
            w.coord,
            "pingdingshan",
            elsewhere,
            busy,
            "2026-10-12",
            {"username": "ding", "password": "a-long-password"},
        )
        rid = await add_request(w.s1, w.a, ["urban_renewal", "landscape"])
        coord = coordinator(api, w)
        assert await coord.load_requests()
        [row] = [r for r in coord.request_rows() if r.request_id == rid]
        assert (row.district, row.status_label, row.specialties, row.seats) == (
            "A区",
            "待派驻",
            "城市更新、风景园林",
            "已派 0 / 需 1 人",
        )
        assert await coord.open_request(rid)
        first, second = coord.ranked_lines()
        assert (first["rank"], first["name"], first["full_match"]) == (1, "甲", True)
        assert first["reasons"][0] == "专业匹配2/2：城市更新、风景园林"
        assert second["reasons"][1] == "缺少专业：城市更新、风景园林"
        assert coord.excluded_lines() == ["丁：正在B区派驻（2026-10-12起）"]
        # The member has no planner account: the pick names what is missing, and nothing is dispatched.
        assert not await coord.pick(both, day(-30), "", "")
        assert coord.error == "用户名：必填" and await api.count("dispatches") == 1
        assert not await coord.pick(both, day(-30), "jia", "short")
        assert coord.error is not None and coord.error.startswith("初始密码（至少 8 位）：")
        assert await api.count("dispatches") == 1
        assert await coord.pick(both, day(-30), "jia", "a-long-password")
        assert coord.screen == "dispatch" and coord.notice == "已派驻 甲 到 A区，派驻通知已生成。"
        d = coord.dispatch
        assert d["status"] == "serving" and d["notice"]["title"] == "责任规划师派驻通知"
        assert coord.dispatch_line(d).startswith(f"第 1 个聘期：{day(-30)} 至 ")
        # The new planner signs in with the account the pick made.
        assert (await api.login("jia", "a-long-password")).headers["authorization"]
        url = await coord.notice_link(int(d["id"]))
        assert url is not None
        resp = await api.client().get(url.removeprefix("http://fieldlog"))
        assert resp.status_code == 200
        assert "责任规划师派驻通知" in "\n".join(
            p.text for p in docx.Document(io.BytesIO(resp.content)).paragraphs
        )


async def test_cq3_the_appointment_steps_are_a_checklist_recorded_in_order_and_the_last_starts_service(
    db_url: str, tmp_path: Path
) -> None:
    async with make_api(db_url, tmp_path, "chongqing") as api:
        w = await World(api).build()
        cid = await add_member(w.coord, "chongqing")
        rid = await add_request(w.s1, w.a)
        coord = coordinator(api, w)
        await coord.open_request(rid)
        assert coord.steps_first
        assert await coord.pick(cid, "", "", "")
        assert coord.dispatch["status"] == "proposed"
        assert coord.notice == "已拟派 王规划 到 A区，请逐项记录聘任程序。"
        assert coord.step_lines()[0] == (False, "需求调查：未完成")
        for n, step in enumerate(
            ("needs_survey", "qualification_check", "joint_deliberation", "district_opinion")
        ):
            assert coord.next_step() == step
            assert await coord.record_step({"done_on": day(-10 + n), "note": f"第{n + 1}步"})
        assert coord.step_lines()[2] == (True, f"会同市人力社保局遴选合议：{day(-8)} · coord · 第3步")
        assert coord.next_step() == "appointment"
        values = {"done_on": day(-5), "term_ends_on": day(300), "certificate_no": "", "username": "wang"}
        assert not await coord.record_step(values)
        assert coord.error == "聘书编号：必填"
        values.update(certificate_no="渝规聘-1", password="a-long-password")
        assert await coord.record_step(values)
        d = coord.dispatch
        assert (d["status"], d["starts_on"]) == ("serving", day(-5))
        assert coord.dispatch_line(d) == f"第 1 个聘期：{day(-5)} 至 {day(300)}"
        assert coord.contract_values()["certificate_no"] == "渝规聘-1"


@pytest.mark.parametrize("profile", PROFILES)
async def test_pds8_the_contract_record_says_what_is_missing_and_a_bad_fee_names_its_field(
    db_url: str, tmp_path: Path, profile: str
) -> None:
    async with make_api(db_url, tmp_path, profile) as api:
        w = await World(api).build()
        cid = await add_member(w.coord, profile)
        rid = await add_request(w.s1, w.a)
        d = await dispatch(
            w.coord, profile, rid, cid, day(-20), {"username": "wang", "password": "a-long-password"}
        )
        coord = coordinator(api, w)
        await coord.open_dispatch(int(d["id"]))
        # PDS-8 lists what a contract sets out; chongqing's profile asks for no clause.
        assert ("工作任务" in coord.missing_clauses()) == (profile == "pingdingshan")
        values = {**coord.contract_values(), "tasks": "技术把关", "service_fee_cny": "12.345"}
        assert not await coord.save_contract(values)
        assert coord.error is not None and coord.error.startswith("服务费用（元）：")
        values["service_fee_cny"] = "60000.00"
        assert await coord.save_contract(values)
        assert coord.notice == "合同记录已保存。"
        assert "工作任务" not in coord.missing_clauses() and "服务费用" not in coord.missing_clauses()
        assert coord.contract_values()["service_fee_cny"] == "60000.00"


async def test_pds10_the_grade_beside_the_term_decides_renewal_and_an_unqualified_planner_leaves_the_pool(
    db_url: str, tmp_path: Path
) -> None:
    async with make_api(db_url, tmp_path, "pingdingshan") as api:
        w = await World(api).build()
        good = await dispatch(
            w.coord,
            "pingdingshan",
            await add_request(w.s1, w.a),
            await add_member(w.coord, "pingdingshan", name="甲"),
            "2025-01-01",
            {"username": "jia", "password": "a-long-password"},
        )
        bad = await dispatch(
            w.coord,
            "pingdingshan",
            await add_request(w.s1, w.a),
            await add_member(w.coord, "pingdingshan", name="乙"),
            "2025-01-01",
            {"username": "yi", "password": "a-long-password"},
        )
        await ok(
            await w.coord.put(
                "/api/appraisal/2025/grades",
                json={"grades": {str(good["planner_id"]): "合格", str(bad["planner_id"]): "不合格"}},
            )
        )
        coord = coordinator(api, w)
        assert await coord.load_terms()
        names = [t["name"] for t in coord.term_entries()]
        assert set(names) == {"甲", "乙"}
        assert await coord.open_term(int(good["id"]))
        t = coord.the_term()
        assert coord.suggestion_text(t) == "建议：考核合格：可续聘"
        assert [code for code, _ in coord.decision_choices()] == ["renew", "not_renew"]
        assert await coord.decide("renew", {})
        assert coord.notice == "已记录：甲 续聘"
        renewed = coord.the_term()
        assert renewed["term"]["number"] == 2 and renewed["term"]["starts_on"] == "2026-01-01"

        assert await coord.open_term(int(bad["id"]))
        assert coord.suggestion_text(coord.the_term()) == "建议：考核不合格：不予续聘，并调出资源库（PDS-10）"
        assert not await coord.decide("renew", {})
        assert coord.error is not None and coord.error.startswith("续聘决定：") and "PDS-10" in coord.error
        assert await coord.decide("not_renew", {})
        decided = coord.the_term()["term"]["decision"]
        assert (decided["decision"], decided["grade"], decided["rule_id"]) == (
            "not_renew",
            "不合格",
            "PDS-10",
        )
        await coord.open_candidate(int(bad["candidate_id"]))
        assert coord.candidate["status"] == "removed"
        en = coordinator(api, w, "en")
        await en.open_term(int(bad["id"]))
        assert en.label("decisions", decided["decision"]) == "not renewed"


async def test_pds11_each_districts_days_without_a_planner_are_in_words(db_url: str, tmp_path: Path) -> None:
    async with make_api(db_url, tmp_path, "pingdingshan") as api:
        w = await World(api).build()
        await add_request(w.s2, w.b, filed_on=day(-9))
        coord = coordinator(api, w)
        assert await coord.load_terms()
        from app.ui.termkit import gap_line

        [b] = [g for g in coord.gaps["districts"] if g["district_name"] == "B区"]
        assert gap_line(coord, b) == "无规划师 10 天 · 在岗 0 人 · 待补 1 人；目前已空缺 10 天"
        [a] = [g for g in coord.gaps["districts"] if g["district_name"] == "A区"]
        assert gap_line(coord, a) == "尚未提出派驻申请"


async def test_pds9_a_short_terms_amount_is_entered_with_a_reason_and_lines_are_marked_paid(
    db_url: str, tmp_path: Path
) -> None:
    async with make_api(db_url, tmp_path, "pingdingshan") as api:
        w = await World(api).build()
        full = await dispatch(
            w.coord,
            "pingdingshan",
            await add_request(w.s1, w.a),
            await add_member(w.coord, "pingdingshan", name="甲"),
            "2025-06-01",
            {"username": "jia", "password": "a-long-password"},
        )
        short = await dispatch(
            w.coord,
            "pingdingshan",
            await add_request(w.s1, w.a),
            await add_member(w.coord, "pingdingshan", name="乙"),
            day(-100),
            {"username": "yi", "password": "a-long-password"},
        )
        # 乙 leaves in three weeks (PDS-11): a term shorter than a year, which PDS-9 does not settle.
        exit_body = {"filed_on": day(0), "leave_on": day(21), "reason": "工作调动"}
        await ok(await w.coord.post(f"/api/dispatches/{short['id']}/exit", json=exit_body))
        coord = coordinator(api, w)
        assert await coord.load_periods()
        assert not await coord.open_period_form("结算期", "2026-01-01", "2026-13-31")
        assert coord.error == "结束日期：请按 2026-09-29 的格式填写日期"
        assert await coord.open_period_form("结算期", "2026-01-01", day(30))
        assert coord.screen == "period"
        lines = {ln["display_name"]: ln for ln in coord.period["lines"]}
        assert (
            lines["甲"]["amount"] == "5000.00" and coord.basis_text(lines["甲"]) == "满一个聘期：按政策标准"
        )
        assert lines["乙"]["flagged"] and lines["乙"]["amount"] is None
        assert coord.basis_text(lines["乙"]) == "不满一年：政策未规定，由经办人确定"
        pid = int(short["planner_id"])
        assert not await coord.set_amount(pid, "500.00", " ")
        assert coord.error == "金额说明：必填"
        assert not await coord.set_amount(pid, "500.001", "服务约四个月")
        assert coord.error is not None and coord.error.startswith("金额（元）：")
        assert await coord.set_amount(pid, "500.00", "服务约四个月，按实际服务核定")
        assert coord.notice == "乙：金额已保存。"
        assert await coord.set_paid(int(full["planner_id"]), True)
        assert coord.notice == "甲：已付"
        assert coord.totals_line(coord.period) == "2 人 · 应发 5500.00 元 · 已付 5000.00 元 · 未付 500.00 元"
        url = await coord.settlement_link()
        assert url is not None
        resp = await api.client().get(url.removeprefix("http://fieldlog"))
        assert resp.status_code == 200 and resp.content[:2] == b"PK"


async def test_cq6_work_funds_are_recorded_beside_the_grade_and_a_bad_amount_names_its_field(
    db_url: str, tmp_path: Path
) -> None:
    async with make_api(db_url, tmp_path, "chongqing") as api:
        w = await World(api).build()
        coord = coordinator(api, w)
        assert await coord.load_funds(2025)
        assert coord.funds["year"] == 2025
        assert not await coord.set_fund(w.p1_id, "lots", "")
        assert coord.error is not None and coord.error.startswith("金额（元）：")
        assert await coord.set_fund(w.p1_id, "20000.00", "按年度工作情况核定")
        [p1] = [p for p in coord.funds["planners"] if p["planner_id"] == w.p1_id]
        assert (p1["amount"], p1["note"], coord.notice) == (
            "20000.00",
            "按年度工作情况核定",
            "张规划：工作经费已保存。",
        )


@pytest.mark.parametrize("profile", PROFILES)
async def test_cq10_the_personal_archive_lists_the_members_history_in_either_language_and_as_docx(
    db_url: str, tmp_path: Path, profile: str
) -> None:
    async with make_api(db_url, tmp_path, profile) as api:
        w = await World(api).build()
        cid = await add_member(w.coord, profile)
        await dispatch(
            w.coord,
            profile,
            await add_request(w.s1, w.a),
            cid,
            "2025-01-01",
            {"username": "wang", "password": "a-long-password"},
        )
        coord = coordinator(api, w)
        assert await coord.open_archive(cid)
        assert coord.route() == f"/term/pool/{cid}/archive"
        events = {what: on for on, what in coord.archive_events()}
        assert events["报名入库"] == "2026-09-01"
        assert events["派驻A区，聘期2025-01-01至2025-12-31（通知编号2025-0001）"] == "2025-01-01"
        coord.lang = "en"
        assert ("2026-09-01", "applied to the pool") in coord.archive_events()
        url = await coord.archive_link()
        assert url is not None
        resp = await api.client().get(url.removeprefix("http://fieldlog"))
        assert resp.status_code == 200 and resp.content[:2] == b"PK"
        await coord.back_to("candidate")
        assert coord.screen == "candidate" and coord.candidate["id"] == cid


async def test_every_term_screen_has_an_address_and_the_address_opens_it(db_url: str, tmp_path: Path) -> None:
    async with make_api(db_url, tmp_path, "pingdingshan") as api:
        w = await World(api).build()
        cid = await add_member(w.coord, "pingdingshan")
        rid = await add_request(w.s1, w.a)
        d = await dispatch(
            w.coord, "pingdingshan", rid, cid, day(-3), {"username": "wang", "password": "a-long-password"}
        )
        coord = coordinator(api, w)
        for path, screen in (
            ("/term", "term"),
            ("/term/pool", "pool"),
            ("/term/pool/new", "new_candidate"),
            (f"/term/pool/{cid}", "candidate"),
            (f"/term/pool/{cid}/archive", "archive"),
            ("/term/requests", "requests"),
            (f"/term/requests/{rid}", "request"),
            ("/term/dispatches", "dispatches"),
            (f"/term/dispatches/{d['id']}", "dispatch"),
            ("/term/terms", "terms"),
            (f"/term/terms/{d['id']}", "term_decision"),
            ("/term/settlements", "settlements"),
            ("/term/nothing-here", "term"),
        ):
            await coord.follow(path)
            assert (coord.screen, coord.route()) == (screen, path if screen != "term" else "/term"), path
        await coord.follow("/term/pool/999999")
        assert coord.error == "没有权限查看或处理这项内容。"
