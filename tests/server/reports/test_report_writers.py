"""Exports read back with openpyxl and python-docx: CQ-8 periodic record and HR summary, CQ-4 annual report
draft with what PDS-2c's forwarding records allow it to say, the formal written opinion with its CQ-6
dissent, and the PDS-9 settlement list, in both profiles."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from docx import Document
from docx.oxml.ns import qn
from openpyxl import load_workbook

from server.appraisal.grading import build_dossier
from server.appraisal.model import Attendance, Opinion, Planner, Visit
from server.reports.writers import (
    Forwarded,
    Settlement,
    SettlementLine,
    consultation_record,
    period_bounds,
    period_label,
    write_annual_report_docx,
    write_consultation_record_xlsx,
    write_hr_summary_xlsx,
    write_opinion_docx,
    write_settlement_xlsx,
)
from shared.profiles import Profile
from tests.server.factories import at, attendance, confirmed_visits, feedback, opinion, visit

WANG = Planner(1, "王规划", 1, "示范区")
LI = Planner(2, "李规划", 1, "示范区")
ZHAO = Planner(3, "赵规划", 2, "新华区")


def _q3_inputs() -> tuple[list[Visit], list[Opinion], list[Attendance]]:
    visits = [
        visit(1, at(2026, 7, 6), 90, site="体育路片区", purpose="控规调整踏勘"),
        visit(1, at(2026, 8, 3), 45, site="湛河公园", purpose="景观方案"),
        visit(1, at(2026, 7, 1, 0, 30), 60),  # 30 June 16:30 UTC, but 1 July in Beijing: third quarter
        visit(1, at(2026, 6, 30, 10), 60),  # second quarter
        visit(1, at(2026, 9, 1), 60, review="pending"),  # not confirmed
        visit(2, at(2026, 9, 10), 120),
        visit(3, at(2026, 9, 10), 120, district_id=2),
    ]
    opinions = [
        opinion(1, 4, "partly", issued_at=at(2026, 7, 20), subject="体育路片区控规"),
        opinion(2, 5, "adopted", issued_at=at(2026, 9, 2)),
        opinion(3, 5, "adopted", issued_at=at(2026, 9, 2), district_id=2),
    ]
    att = [
        Attendance(11, 1, 1, date(2026, 7, 15), "attended", "城市更新专题会"),
        Attendance(11, 2, 1, date(2026, 7, 15), "unexcused", "城市更新专题会"),
        Attendance(12, 2, 1, date(2026, 8, 12), "excused", "详规评审会"),
        Attendance(13, 3, 2, date(2026, 8, 12), "attended", "新华区评审会"),
    ]
    return visits, opinions, att


def test_cq8_quarters_run_from_the_first_of_january_april_july_october(chongqing: Profile) -> None:
    months = chongqing.report_period_months
    assert months == 3
    assert period_bounds(2026, 3, months) == (date(2026, 7, 1), date(2026, 10, 1))
    assert period_bounds(2026, 4, months) == (date(2026, 10, 1), date(2027, 1, 1))
    assert period_label(3, months) == "第3季度"
    with pytest.raises(ValueError, match=r"^period:"):
        period_bounds(2026, 5, months)


def test_report_periods_of_other_lengths_divide_the_year_into_whole_months() -> None:
    assert period_bounds(2026, 2, 6) == (date(2026, 7, 1), date(2027, 1, 1))
    assert period_bounds(2026, 12, 1) == (date(2026, 12, 1), date(2027, 1, 1))
    assert period_bounds(2026, 1, 12) == (date(2026, 1, 1), date(2027, 1, 1))
    assert [period_label(n, m) for n, m in ((1, 6), (2, 6), (5, 1), (1, 12), (2, 4))] == [
        "上半年",
        "下半年",
        "5月",
        "全年",
        "第2期（5—8月）",
    ]
    with pytest.raises(ValueError, match=r"^months:"):
        period_bounds(2026, 1, 5)


def test_cq8_a_monthly_record_counts_only_its_month(chongqing: Profile) -> None:
    visits, opinions, att = _q3_inputs()
    record = consultation_record(1, "示范区", 2026, 8, [WANG, LI], visits, opinions, att, months=1)
    out = io.BytesIO()
    write_consultation_record_xlsx(record, chongqing, out)
    wb = load_workbook(io.BytesIO(out.getvalue()))
    assert wb["咨询服务记录"]["A1"].value == "示范区区县首席规划师咨询服务记录（2026年8月）"
    totals = list(wb["汇总"].iter_rows(values_only=True))
    assert totals[2][:5] == ("示范区", "王规划", 1, 0.75, 0)  # 3 August only


def test_cq8_quarterly_record_lists_the_districts_services_and_totals(profile: Profile) -> None:
    visits, opinions, att = _q3_inputs()
    record = consultation_record(1, "示范区", 2026, 3, [WANG, LI], visits, opinions, att)
    out = io.BytesIO()
    write_consultation_record_xlsx(record, profile, out)

    wb = load_workbook(io.BytesIO(out.getvalue()))
    assert wb.sheetnames == ["咨询服务记录", "汇总"]
    ws = wb["咨询服务记录"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == f"示范区{profile.planner_title}咨询服务记录（2026年第3季度）"
    assert rows[1][:4] == ("序号", "日期", "规划师", "服务类型")
    data = rows[2:]
    # Wang: 3 visits (1 Jul, 6 Jul, 3 Aug), 1 opinion, 1 activity; Li: 1 visit, 1 opinion, 2 activities.
    assert len(data) == 9
    assert [r[0] for r in data] == list(range(1, 10))
    assert [(r[1], r[2], r[3]) for r in data[:3]] == [
        (datetime(2026, 7, 1), "王规划", "实地指导"),
        (datetime(2026, 7, 6), "王规划", "实地指导"),
        (datetime(2026, 7, 15), "王规划", "技术咨询活动"),
    ]
    assert data[1][4:7] == ("体育路片区", "控规调整踏勘", 1.5)
    assert ws.cell(row=3, column=2).number_format == "yyyy-mm-dd"
    assert data[3][2:6] == ("李规划", "技术咨询活动", "城市更新专题会", "无故缺席")
    assert ("王规划", "书面意见", "体育路片区控规", "规划方案审查（部分采纳）") in [r[2:6] for r in data]

    totals = list(wb["汇总"].iter_rows(values_only=True))
    assert totals[1][:3] == ("区县", "规划师", "实地指导（次）")
    assert totals[2] == ("示范区", "王规划", 3, 3.25, 1, 1, 0, 0)
    assert totals[3] == ("示范区", "李规划", 1, 2.0, 1, 0, 1, 1)
    assert totals[4] == ("合计", None, 4, 5.25, 2, 1, 1, 1)


def test_cq8_record_totals_trace_back_to_records(profile: Profile) -> None:
    visits, opinions, att = _q3_inputs()
    record = consultation_record(1, "示范区", 2026, 3, [WANG, LI], visits, opinions, att)
    wang = record.totals[0]
    assert set(wang.visit_ids) == {visits[0].id, visits[1].id, visits[2].id}
    assert wang.opinion_ids == (opinions[0].id,)


def test_cq8_hr_bureau_summary_covers_every_district(chongqing: Profile) -> None:
    visits, opinions, att = _q3_inputs()
    records = [
        consultation_record(1, "示范区", 2026, 3, [WANG, LI], visits, opinions, att),
        consultation_record(2, "新华区", 2026, 3, [ZHAO], visits, opinions, att),
    ]
    out = io.BytesIO()
    write_hr_summary_xlsx(records, chongqing, 2026, 3, out)
    rows = list(load_workbook(io.BytesIO(out.getvalue()))["季度通报"].iter_rows(values_only=True))
    assert rows[0][0] == "重庆市区县首席规划师工作情况（2026年第3季度）"
    assert rows[2:] == [
        ("示范区", "王规划", 3, 3.25, 1, 1, 0, 0),
        ("示范区", "李规划", 1, 2.0, 1, 0, 1, 1),
        ("新华区", "赵规划", 1, 2.0, 1, 1, 0, 0),
        ("合计", None, 5, 7.25, 3, 2, 1, 1),
    ]


def test_cq8_hr_summary_refuses_a_record_of_another_quarter(chongqing: Profile) -> None:
    record = consultation_record(1, "示范区", 2026, 2, [WANG])
    with pytest.raises(ValueError, match=r"^records:"):
        write_hr_summary_xlsx([record], chongqing, 2026, 3, io.BytesIO())


def test_cq8_a_large_quarter_streams_every_row(chongqing: Profile) -> None:
    start = at(2026, 7, 1, 8)
    visits = [visit(1, start + timedelta(minutes=30 * i), 20) for i in range(3000)]
    record = consultation_record(1, "示范区", 2026, 3, [WANG], visits)
    out = io.BytesIO()
    write_consultation_record_xlsx(record, chongqing, out)
    wb = load_workbook(io.BytesIO(out.getvalue()), read_only=True)
    assert sum(1 for _ in wb["咨询服务记录"].iter_rows()) == 3000 + 2
    totals = list(wb["汇总"].iter_rows(values_only=True))
    assert totals[2][2:4] == (3000, 990.0)  # 0.33 h each


def _docx_text(data: bytes) -> tuple[str, list[list[list[str]]], Any]:
    doc = Document(io.BytesIO(data))
    text = "\n".join(p.text for p in doc.paragraphs)
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables]
    return text, tables, doc


def test_cq4_annual_report_draft_states_the_dossier_numbers_in_chinese(profile: Profile) -> None:
    visits = confirmed_visits(1, 3, minutes=90)
    ops = [
        opinion(1, 5, "adopted", issued_at=at(2026, 3, 1), dissent="保留意见"),
        opinion(1, 3, "not_adopted", issued_at=at(2026, 4, 1)),
    ]
    fb = [feedback(1, category="traffic"), feedback(1, category="traffic"), feedback(1, category="housing")]
    att = attendance(1, "AAU")
    dossier = build_dossier(WANG, 2026, profile, visits, ops, fb, att)
    out = io.BytesIO()
    write_annual_report_docx(dossier, profile, out, visits, ops, fb)
    text, tables, doc = _docx_text(out.getvalue())

    assert f"2026年度{profile.planner_title}工作报告（草稿）" in text
    assert (
        "经区县确认的实地指导共3次，累计4.5小时；出具书面意见2份；收集群众意见建议3条；参加技术咨询活动2次。"
        in text
    )
    if profile.visit_target is not None:
        assert f"年度实地指导任务为不少于{profile.visit_target}次，尚差7次。" in text
    else:
        assert "年度实地指导任务" not in text
    assert "其中采纳1份、部分采纳0份、未采纳1份；意见质量平均4.0分（满分5分）；保留个人意见1份。" in text
    assert "其中出席2次、请假0次、无故缺席1次。" in text

    visit_table, opinion_table, feedback_table, place_table = tables
    assert visit_table[0] == ["序号", "日期", "地点", "事由", "时长（小时）"]
    assert len(visit_table) == 1 + 3 + 1
    assert visit_table[1][1] == "2026-01-10" and visit_table[1][4] == "1.5"
    assert visit_table[-1] == ["合计", "", "", "3次", "4.5"]
    assert [row[4] for row in opinion_table[1:]] == ["采纳", "未采纳"]
    assert feedback_table[1:] == [["住房", "1"], ["道路交通", "2"], ["合计", "3"]]
    assert place_table[1:] == [["建设路社区", "3"], ["合计", "3"]]
    # PDS-2c: nothing records that the feedback was fed back, so the report does not claim it.
    assert "共收集群众意见建议3条，尚未记录反馈市局及属地。" in text
    assert "已梳理反馈" not in text

    normal = doc.styles["Normal"]
    assert normal.element.rPr.rFonts.get(qn("w:eastAsia")) == "宋体"


def test_opinion_document_has_every_part_and_the_dissent_on_record(profile: Profile) -> None:
    o = opinion(
        1,
        issued_at=at(2026, 6, 3, 15),
        subject="湛河区滨河商业街建筑设计方案",
        opinion_kind="design_review",
        body="方案总体可行。\n沿河立面需要加强。",
        suggestions="增加公共开放空间。",
        required_changes="建筑高度控制在 24 米以内。",
        dissent="本人认为容积率 3.0 偏高，保留意见。",
    )
    out = io.BytesIO()
    write_opinion_docx(o, WANG, profile, out)
    text, tables, doc = _docx_text(out.getvalue())

    assert text.splitlines()[0] == "书面审查意见"
    assert tables[0] == [
        ["项目名称", "湛河区滨河商业街建筑设计方案"],
        ["意见类型", "建筑设计方案审查"],
        ["服务区县", "示范区"],
        ["出具人", f"王规划（{profile.planner_title}）"],
        ["出具日期", "2026年6月3日"],
        ["意见编号", o.id],
    ]
    lines = text.splitlines()
    assert lines[lines.index("一、意见") + 1 : lines.index("二、优化建议")] == [
        "方案总体可行。",
        "沿河立面需要加强。",
    ]
    assert lines[lines.index("三、修改要求") + 1] == "建筑高度控制在 24 米以内。"
    assert lines[lines.index("四、保留意见") + 1] == "本人认为容积率 3.0 偏高，保留意见。"
    assert lines[-2:] == [f"{profile.planner_title}：王规划", "2026年6月3日"]
    title = doc.styles["Title"]
    assert title.element.rPr.rFonts.get(qn("w:eastAsia")) == "黑体"


def test_opinion_document_without_dissent_says_none(profile: Profile) -> None:
    o = opinion(
        1, opinion_kind="consultation", suggestions=None, dissent=None, issued_at=at(2026, 12, 31, 23, 30)
    )
    out = io.BytesIO()
    write_opinion_docx(o, WANG, profile, out)
    text, _, _ = _docx_text(out.getvalue())
    lines = text.splitlines()
    assert lines[0] == "技术咨询意见"
    assert lines[lines.index("二、优化建议") + 1] == "无"
    assert lines[lines.index("四、保留意见") + 1] == "无"
    assert lines[-1] == "2026年12月31日"


def test_pds2c_annual_report_says_the_feedback_was_fed_back_only_as_the_records_show(
    profile: Profile,
) -> None:
    fb = [feedback(1, place="建设路社区"), feedback(1, place="湛河公园")]
    dossier = build_dossier(WANG, 2026, profile, (), (), fb)

    def said(forwards: list[Forwarded]) -> str:
        out = io.BytesIO()
        write_annual_report_docx(dossier, profile, out, (), (), fb, forwards=forwards)
        return _docx_text(out.getvalue())[0]

    bureau = Forwarded("bureau", profile.bureau_name, date(2027, 1, 10))
    district = Forwarded("district", "示范区", date(2027, 1, 12))
    both = said([district, bureau])
    assert (
        f"已梳理形成分析意见，于2027年1月10日反馈{profile.bureau_name}，于2027年1月12日反馈示范区。" in both
    )
    assert f"已于2027年1月10日反馈{profile.bureau_name}，尚未记录反馈属地。" in said([bureau])
    assert "已于2027年1月12日反馈示范区，尚未记录反馈市局。" in said([district])


def _line(name: str, **over: Any) -> SettlementLine:
    values: dict[str, Any] = {
        "planner_name": name,
        "districts": "示范区",
        "term_first": date(2025, 1, 1),
        "term_last": date(2025, 12, 31),
        "served_last": date(2025, 12, 31),
        "days_served": 365,
        "basis": "full_term",
        "amount_fen": 500_000,
        "amount_reason": None,
        "paid": False,
        "paid_by": None,
        "paid_on": None,
    }
    values.update(over)
    return SettlementLine(**values)


def test_pds9_settlement_list_reads_back_with_amounts_states_and_totals(pingdingshan: Profile) -> None:
    yearly = pingdingshan.allowance_cny_per_year
    assert yearly == 5000
    settlement = Settlement(
        "2025年度",
        date(2025, 1, 1),
        date(2025, 12, 31),
        yearly * 100,
        (
            _line("王规划", paid=True, paid_by="王统筹", paid_on=date(2026, 1, 8)),
            _line(
                "李规划", basis="short_term", served_last=date(2025, 6, 30), days_served=181, amount_fen=None
            ),
            _line(
                "赵规划",
                basis="short_term",
                served_last=date(2025, 9, 30),
                days_served=273,
                amount_fen=250_050,
                amount_reason="工作调动，经局务会研究按实际服务核定",
            ),
        ),
        ("周规划",),
    )
    out = io.BytesIO()
    write_settlement_xlsx(settlement, pingdingshan, out)
    ws = load_workbook(io.BytesIO(out.getvalue()))["结算清单"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "平顶山市责任规划师交通通讯费用结算清单（2025年度，2025年1月1日至2025年12月31日）"
    assert "每人每年5000.00元" in rows[1][0]
    assert rows[2][:3] == ("序号", "规划师", "服务区县")
    wang, li, zhao = rows[3:6]
    assert wang[:7] == (
        1,
        "王规划",
        "示范区",
        datetime(2025, 1, 1),
        datetime(2025, 12, 31),
        datetime(2025, 12, 31),
        365,
    )
    assert wang[7:] == ("聘期届满", 5000, None, "已支付", "王统筹", datetime(2026, 1, 8))
    assert li[7:11] == ("聘期不足一年（待人工核定）", "待核定", None, "未支付")
    assert zhao[7:10] == (
        "聘期不足一年（已人工核定）",
        Decimal("2500.50"),
        "工作调动，经局务会研究按实际服务核定",
    )
    assert ws.cell(row=4, column=9).number_format == "0.00"
    totals = {r[0]: r[8] for r in rows[6:9]}
    assert totals == {"合计应付": 7500.5, "已支付": 5000, "未支付": 2500.5}
    assert rows[9][0] == "另有1人待核定金额，未计入合计"
    assert rows[10][0] == "未记录聘期开始、无法结算的规划师：周规划"
