"""Documents for the bureau, in Chinese: the periodic consultation-service record of a district and its
summary for the HR bureau (CQ-8, XLSX; the period is the profile's ``report_period_months``, a quarter in
Chongqing), the annual work report draft (CQ-4, DOCX), each written opinion as a formal document (PDS-2b,
CQ-5, with the dissent on record of CQ-6), and a settlement list of the allowance (PDS-9, XLSX).

Workbooks are written with openpyxl in write-only mode, which streams rows to the output instead of
holding the sheet in memory, so a large export cannot exhaust the server. Every writer takes plain
dataclasses and a binary stream. A period's services are the counted visits (confirmed, checked out),
written opinions issued, and consultation activities held in it, by local date.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any, Final
from zoneinfo import ZoneInfo

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from server.appraisal.grading import Dossier
from server.appraisal.model import (
    Attendance,
    Feedback,
    Opinion,
    Planner,
    Visit,
    counted_visits,
)
from shared.profiles import Profile
from shared.rules import ADOPTED, ATTENDED, DEFAULT_TZ, EXCUSED, NOT_ADOPTED, PARTLY, UNEXCUSED, visit_hours

CJK_FONT: Final = "宋体"
HEADING_FONT: Final = "黑体"

OPINION_KIND_LABELS: Final = {
    "plan_review": "规划方案审查",
    "design_review": "建筑设计方案审查",
    "consultation": "技术咨询",
    "other": "其他",
}

#: The title of a formal opinion document by kind.
OPINION_TITLES: Final = {
    "plan_review": "书面审查意见",
    "design_review": "书面审查意见",
    "consultation": "技术咨询意见",
    "other": "书面意见",
}
FEEDBACK_CATEGORY_LABELS: Final = {
    "planning": "规划编制",
    "environment": "人居环境",
    "traffic": "道路交通",
    "public_facilities": "公共设施",
    "housing": "住房",
    "other": "其他",
}
ADOPTION_LABELS: Final = {ADOPTED: "采纳", PARTLY: "部分采纳", NOT_ADOPTED: "未采纳"}
ATTENDANCE_LABELS: Final = {ATTENDED: "出席", EXCUSED: "请假", UNEXCUSED: "无故缺席"}

KIND_VISIT: Final = "实地指导"
KIND_OPINION: Final = "书面意见"
KIND_ACTIVITY: Final = "技术咨询活动"


def _local(at: datetime, tz: str) -> date:
    return at.astimezone(ZoneInfo(tz)).date()


def _hours(v: Visit) -> float:
    """A visit's hours as shown everywhere (shared.rules.visit_hours)."""
    return visit_hours(v.started_at.isoformat(), v.ended_at.isoformat() if v.ended_at else None)


def _cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def periods_in_year(months: int) -> int:
    if months not in (1, 2, 3, 4, 6, 12):
        raise ValueError("months: must divide a year (1, 2, 3, 4, 6 or 12)")
    return 12 // months


def period_bounds(year: int, period: int, months: int) -> tuple[date, date]:
    """The first day of the ``period``-th period of ``months`` months in ``year``, and the first day after."""
    count = periods_in_year(months)
    if not 1 <= period <= count:
        raise ValueError(f"period: must be between 1 and {count}")
    first_month = months * (period - 1) + 1
    start = date(year, first_month, 1)
    end = date(year + 1, 1, 1) if period == count else date(year, first_month + months, 1)
    return start, end


def period_label(period: int, months: int) -> str:
    """How a period is named in Chinese: 第3季度, 上半年, 5月, 全年, 第2期（3—4月）."""
    if months == 3:
        return f"第{period}季度"
    if months == 12:
        return "全年"
    if months == 6:
        return "上半年" if period == 1 else "下半年"
    if months == 1:
        return f"{period}月"
    first = months * (period - 1) + 1
    return f"第{period}期（{first}—{first + months - 1}月）"


def _report_kind(months: int) -> str:
    return {1: "月度", 3: "季度", 6: "半年", 12: "年度"}.get(months, "定期")


@dataclass(frozen=True)
class ServiceRow:
    """One consultation service in a district's periodic record."""

    on: date
    planner_id: int
    planner_name: str
    kind: str
    subject: str
    detail: str
    hours: float | None
    record_id: str


@dataclass(frozen=True)
class PlannerQuarter:
    """One planner's totals in a period; ``*_ids`` trace each number to its records."""

    district_name: str
    planner_id: int
    planner_name: str
    visits: int
    hours: float
    opinions: int
    activities_attended: int
    absences_excused: int
    absences_unexcused: int
    visit_ids: tuple[str, ...] = ()
    opinion_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class ConsultationRecord:
    district_id: int
    district_name: str
    year: int
    period: int
    period_months: int
    rows: tuple[ServiceRow, ...]
    totals: tuple[PlannerQuarter, ...]

    @property
    def label(self) -> str:
        return f"{self.year}年{period_label(self.period, self.period_months)}"


def consultation_record(
    district_id: int,
    district_name: str,
    year: int,
    period: int,
    planners: Iterable[Planner],
    visits: Iterable[Visit] = (),
    opinions: Iterable[Opinion] = (),
    attendance: Iterable[Attendance] = (),
    tz: str = DEFAULT_TZ,
    months: int = 3,
) -> ConsultationRecord:
    """CQ-8: a district's consultation services in one period of ``months`` months (the ``period``-th of the
    year), by date, and each planner's totals."""
    start, end = period_bounds(year, period, months)
    names = {p.id: p.name for p in planners}

    def here(planner_id: int, rec_district: int | None, on: date) -> bool:
        return rec_district == district_id and planner_id in names and start <= on < end

    vs = [
        v
        for v in counted_visits(visits, year, tz)
        if here(v.planner_id, v.district_id, _local(v.started_at, tz))
    ]
    ops = [o for o in opinions if here(o.planner_id, o.district_id, _local(o.issued_at, tz))]
    att = [a for a in attendance if here(a.planner_id, a.district_id, a.on)]
    rows: list[ServiceRow] = []
    hours_by_visit: dict[str, float] = {}
    for v in vs:
        h = hours_by_visit[v.id] = _hours(v)
        rows.append(
            ServiceRow(
                _local(v.started_at, tz),
                v.planner_id,
                names[v.planner_id],
                KIND_VISIT,
                v.site,
                v.purpose,
                h,
                v.id,
            )
        )
    for o in ops:
        detail = OPINION_KIND_LABELS[o.opinion_kind]
        if o.adoption:
            detail += f"（{ADOPTION_LABELS[o.adoption]}）"
        rows.append(
            ServiceRow(
                _local(o.issued_at, tz),
                o.planner_id,
                names[o.planner_id],
                KIND_OPINION,
                o.subject,
                detail,
                None,
                o.id,
            )
        )
    for a in att:
        rows.append(
            ServiceRow(
                a.on,
                a.planner_id,
                names[a.planner_id],
                KIND_ACTIVITY,
                a.topic,
                ATTENDANCE_LABELS[a.status],
                None,
                a.ref,
            )
        )
    rows.sort(key=lambda r: (r.on, r.planner_id, r.kind, r.record_id))
    totals = []
    for pid, name in names.items():
        mine = [v for v in vs if v.planner_id == pid]
        my_ops = [o for o in ops if o.planner_id == pid]
        my_att = [a for a in att if a.planner_id == pid]
        totals.append(
            PlannerQuarter(
                district_name,
                pid,
                name,
                len(mine),
                round(sum(hours_by_visit[v.id] for v in mine), 2),
                len(my_ops),
                sum(a.status == ATTENDED for a in my_att),
                sum(a.status == EXCUSED for a in my_att),
                sum(a.status == UNEXCUSED for a in my_att),
                tuple(v.id for v in mine),
                tuple(o.id for o in my_ops),
            )
        )
    return ConsultationRecord(district_id, district_name, year, period, months, tuple(rows), tuple(totals))


_RECORD_HEADER: Final = (
    "序号",
    "日期",
    "规划师",
    "服务类型",
    "项目/地点/主题",
    "内容/情况",
    "时长（小时）",
    "记录编号",
)
_TOTALS_HEADER: Final = (
    "区县",
    "规划师",
    "实地指导（次）",
    "时长（小时）",
    "书面意见（份）",
    "参加咨询活动（次）",
    "请假（次）",
    "无故缺席（次）",
)


def _bold_row(ws: WriteOnlyWorksheet, values: Iterable[Any]) -> list[WriteOnlyCell]:
    cells = []
    for v in values:
        cell = WriteOnlyCell(ws, value=v)
        cell.font = Font(name=CJK_FONT, bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cells.append(cell)
    return cells


def _title(ws: WriteOnlyWorksheet, text: str) -> None:
    cell = WriteOnlyCell(ws, value=text)
    cell.font = Font(name=CJK_FONT, bold=True, size=14)
    ws.append([cell])


def _widths(ws: WriteOnlyWorksheet, widths: Sequence[int]) -> None:
    for i, w in enumerate(widths):
        ws.column_dimensions[chr(ord("A") + i)].width = w


def _totals_rows(ws: WriteOnlyWorksheet, totals: Iterable[PlannerQuarter]) -> None:
    ws.append(_bold_row(ws, _TOTALS_HEADER))
    sums = [0, 0.0, 0, 0, 0, 0]
    for t in totals:
        values = [
            t.visits,
            t.hours,
            t.opinions,
            t.activities_attended,
            t.absences_excused,
            t.absences_unexcused,
        ]
        sums = [a + b for a, b in zip(sums, values, strict=True)]
        ws.append([t.district_name, t.planner_name, *values])
    sums[1] = round(sums[1], 2)
    ws.append(_bold_row(ws, ["合计", "", *sums]))


def write_consultation_record_xlsx(record: ConsultationRecord, profile: Profile, out: IO[bytes]) -> None:
    """CQ-8: the district's periodic record: sheet 咨询服务记录 (one row per service) and sheet 汇总."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("咨询服务记录")
    _widths(ws, (6, 12, 12, 14, 32, 24, 12, 38))
    _title(
        ws,
        f"{record.district_name}{profile.planner_title}咨询服务记录（{record.label}）",
    )
    ws.append(_bold_row(ws, _RECORD_HEADER))
    for i, r in enumerate(record.rows, start=1):
        day = WriteOnlyCell(ws, value=r.on)
        day.number_format = "yyyy-mm-dd"
        ws.append([i, day, r.planner_name, r.kind, r.subject, r.detail, r.hours, r.record_id])
    summary = wb.create_sheet("汇总")
    _widths(summary, (14, 12, 14, 12, 14, 18, 10, 14))
    _title(
        summary,
        f"{record.district_name}{profile.planner_title}咨询服务汇总（{record.label}）",
    )
    _totals_rows(summary, record.totals)
    wb.save(out)


def write_hr_summary_xlsx(
    records: Sequence[ConsultationRecord],
    profile: Profile,
    year: int,
    period: int,
    out: IO[bytes],
    months: int = 3,
) -> None:
    """CQ-8: the municipal bureau's periodic report to the HR bureau: every planner of every district."""
    for r in records:
        if (r.year, r.period, r.period_months) != (year, period, months):
            raise ValueError(
                f"records: {r.district_name} is for {r.label}, not {year}年{period_label(period, months)}"
            )
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(f"{_report_kind(months)}通报")
    _widths(ws, (14, 12, 14, 12, 14, 18, 10, 14))
    _title(ws, f"{profile.city}{profile.planner_title}工作情况（{year}年{period_label(period, months)}）")
    _totals_rows(ws, (t for r in records for t in r.totals))
    wb.save(out)


def _set_cjk_font(style: Any, name: str, size: float | None = None) -> None:
    style.font.name = name
    if size is not None:
        style.font.size = Pt(size)
    rfonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia"):
        rfonts.set(qn(attr), name)
    # Heading styles name theme fonts, which would override the explicit ones above.
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme"):
        rfonts.attrib.pop(qn(attr), None)


def _new_document() -> DocxDocument:
    doc = Document()
    _set_cjk_font(doc.styles["Normal"], CJK_FONT, 12)
    for name in ("Title", "Heading 1", "Heading 2"):
        _set_cjk_font(doc.styles[name], HEADING_FONT)
    return doc


def _table(doc: DocxDocument, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = "" if value is None else str(value)


@dataclass(frozen=True)
class Forwarded:
    """PDS-2c: the year's feedback analysis was forwarded to ``recipient`` (bureau or district) on a day."""

    recipient: str
    recipient_name: str
    forwarded_on: date


def feedback_forwarded_text(forwards: Iterable[Forwarded]) -> str:
    """What the annual report may say about feeding the analysis back (PDS-2c): only what the records show."""
    first: dict[str, Forwarded] = {}
    for f in sorted(forwards, key=lambda f: f.forwarded_on):
        first.setdefault(f.recipient, f)
    bureau, district = first.get("bureau"), first.get("district")
    if bureau and district:
        return (
            f"已梳理形成分析意见，于{_cn_date(bureau.forwarded_on)}反馈{bureau.recipient_name}，"
            f"于{_cn_date(district.forwarded_on)}反馈{district.recipient_name}。"
        )
    if bureau:
        return f"已于{_cn_date(bureau.forwarded_on)}反馈{bureau.recipient_name}，尚未记录反馈属地。"
    if district:
        return f"已于{_cn_date(district.forwarded_on)}反馈{district.recipient_name}，尚未记录反馈市局。"
    return "尚未记录反馈市局及属地。"


def write_annual_report_docx(
    dossier: Dossier,
    profile: Profile,
    out: IO[bytes],
    visits: Iterable[Visit] = (),
    opinions: Iterable[Opinion] = (),
    feedback: Iterable[Feedback] = (),
    tz: str = DEFAULT_TZ,
    forwards: Iterable[Forwarded] = (),
) -> None:
    """CQ-4: the planner's annual work report draft; lists exactly the records the dossier counted, and says
    the feedback was fed back only as far as ``forwards`` records it (PDS-2c)."""
    d = dossier
    vs = {v.id: v for v in visits}
    ops = {o.id: o for o in opinions}
    fbs = {f.id: f for f in feedback}
    doc = _new_document()
    doc.add_heading(f"{d.year}年度{profile.planner_title}工作报告（草稿）", level=0)
    meta = doc.add_paragraph(f"{profile.city}　{d.district_name}　{profile.planner_title}：{d.planner_name}")
    meta.alignment = WD_ALIGN_PARAGRAPH.CENTER

    doc.add_heading("一、基本情况", level=1)
    summary = (
        f"{d.year}年，本人作为{d.district_name}{profile.planner_title}，经区县确认的实地指导共"
        f"{d.confirmed_visits.value}次，累计{d.hours.value}小时；出具书面意见{d.opinions.value}份；"
        f"收集群众意见建议{d.feedback.value}条；参加技术咨询活动{d.activities_attended.value}次。"
    )
    if d.visit_target is not None:
        done = int(d.confirmed_visits.value or 0)
        gap = d.visit_target - done
        summary += f"年度实地指导任务为不少于{d.visit_target}次，" + (
            "已完成。" if gap <= 0 else f"尚差{gap}次。"
        )
    doc.add_paragraph(summary)

    doc.add_heading("二、实地指导情况", level=1)
    visit_rows: list[tuple[Any, ...]] = []
    for i, vid in enumerate(d.confirmed_visits.record_ids, start=1):
        v = vs[vid]
        visit_rows.append((i, _local(v.started_at, tz).isoformat(), v.site, v.purpose, _hours(v)))
    visit_rows.append(("合计", "", "", f"{d.confirmed_visits.value}次", d.hours.value))
    _table(doc, ("序号", "日期", "地点", "事由", "时长（小时）"), visit_rows)

    doc.add_heading("三、书面意见情况", level=1)
    quality = "暂无评分" if d.opinion_quality.value is None else f"{d.opinion_quality.value}分（满分5分）"
    doc.add_paragraph(
        f"共出具书面意见{d.opinions.value}份，其中采纳{d.adopted.value}份、部分采纳{d.partly_adopted.value}份、"
        f"未采纳{d.not_adopted.value}份；意见质量平均{quality}；保留个人意见{d.dissents.value}份。"
    )
    op_rows: list[tuple[Any, ...]] = []
    for i, oid in enumerate(d.opinions.record_ids, start=1):
        o = ops[oid]
        op_rows.append(
            (
                i,
                _local(o.issued_at, tz).isoformat(),
                o.subject,
                OPINION_KIND_LABELS[o.opinion_kind],
                ADOPTION_LABELS.get(o.adoption or "", "待反馈"),
                o.quality if o.quality is not None else "",
            )
        )
    _table(doc, ("序号", "日期", "项目", "类型", "采纳情况", "质量评分"), op_rows)

    doc.add_heading("四、群众意见建议收集情况", level=1)
    by_category: dict[str, int] = {}
    by_place: dict[str, int] = {}
    for fid in d.feedback.record_ids:
        label = FEEDBACK_CATEGORY_LABELS[fbs[fid].category]
        by_category[label] = by_category.get(label, 0) + 1
        place = fbs[fid].place or "（未填写）"
        by_place[place] = by_place.get(place, 0) + 1
    doc.add_paragraph(f"共收集群众意见建议{d.feedback.value}条，{feedback_forwarded_text(forwards)}")
    _table(doc, ("类别", "条数"), [*sorted(by_category.items()), ("合计", d.feedback.value)])
    if by_place:
        doc.add_paragraph("按地点：")
        places = sorted(by_place.items(), key=lambda kv: (-kv[1], kv[0]))
        _table(doc, ("地点", "条数"), [*places, ("合计", d.feedback.value)])

    doc.add_heading("五、参加技术咨询活动情况", level=1)
    invited = sum(
        int(i.value or 0) for i in (d.activities_attended, d.absences_excused, d.absences_unexcused)
    )
    doc.add_paragraph(
        f"受邀参加技术指导和咨询活动{invited}次，其中出席{d.activities_attended.value}次、"
        f"请假{d.absences_excused.value}次、无故缺席{d.absences_unexcused.value}次。"
    )

    doc.add_heading("六、存在问题及下一步工作计划", level=1)
    doc.add_paragraph("（请规划师补充。）")
    doc.save(out)


def write_opinion_docx(
    opinion: Opinion, planner: Planner, profile: Profile, out: IO[bytes], tz: str = DEFAULT_TZ
) -> None:
    """A written opinion as a formal document; the dissent on record (CQ-6) is always shown, or 无."""
    o = opinion
    doc = _new_document()
    heading = doc.add_heading(OPINION_TITLES[o.opinion_kind], level=0)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    issued = _local(o.issued_at, tz)
    _table(
        doc,
        ("项目名称", o.subject),
        [
            ("意见类型", OPINION_KIND_LABELS[o.opinion_kind]),
            ("服务区县", planner.district_name),
            ("出具人", f"{planner.name}（{profile.planner_title}）"),
            ("出具日期", _cn_date(issued)),
            ("意见编号", o.id),
        ],
    )
    sections = (
        ("一、意见", o.body),
        ("二、优化建议", o.suggestions),
        ("三、修改要求", o.required_changes),
        ("四、保留意见", o.dissent),
    )
    for title, text in sections:
        doc.add_heading(title, level=1)
        for line in (text or "无").splitlines() or ["无"]:
            doc.add_paragraph(line)
    sign = doc.add_paragraph(f"{profile.planner_title}：{planner.name}")
    sign.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    when = doc.add_paragraph(_cn_date(issued))
    when.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    doc.save(out)


@dataclass(frozen=True)
class SettlementLine:
    """One line of a PDS-9 settlement list; amounts in fen (``amount_fen`` None: not settled yet)."""

    planner_name: str
    districts: str
    term_first: date
    term_last: date
    served_last: date
    days_served: int
    basis: str
    amount_fen: int | None
    amount_reason: str | None
    paid: bool
    paid_by: str | None
    paid_on: date | None


@dataclass(frozen=True)
class Settlement:
    name: str
    starts_on: date
    ends_on: date
    yearly_fen: int
    lines: tuple[SettlementLine, ...]
    #: Planners serving a district whose term start is not recorded (no period can list them).
    unknown_terms: tuple[str, ...] = ()


_SETTLEMENT_HEADER: Final = (
    "序号",
    "规划师",
    "服务区县",
    "聘期开始",
    "聘期届满",
    "实际服务至",
    "服务天数",
    "结算依据",
    "应付金额（元）",
    "金额说明",
    "支付状态",
    "经办人",
    "支付日期",
)


def _yuan(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))


def write_settlement_xlsx(settlement: Settlement, profile: Profile, out: IO[bytes]) -> None:
    """PDS-9: a period's allowance settlement list, one line per term that ended in it, with totals.

    A full term shows the amount the rule gives; a shorter one shows the amount a person entered and why,
    or 待核定 (to be settled by a person) while there is none.
    """
    s = settlement
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("结算清单")
    _widths(ws, (6, 12, 16, 12, 12, 12, 10, 20, 14, 28, 10, 12, 12))
    _title(
        ws,
        f"{profile.city}{profile.planner_title}交通通讯费用结算清单（{s.name}，"
        f"{_cn_date(s.starts_on)}至{_cn_date(s.ends_on)}）",
    )
    ws.append(
        [
            f"标准：每人每年{_yuan(s.yearly_fen)}元，每个服务周期末支付；聘期不足一年的由经办人核定金额并注明理由。"
        ]
    )
    ws.append(_bold_row(ws, _SETTLEMENT_HEADER))
    basis_labels = {"full_term": "聘期届满", "short_term": "聘期不足一年（待人工核定）"}
    due = paid = 0
    for i, line in enumerate(s.lines, start=1):
        cells: list[Any] = [i, line.planner_name, line.districts]
        for d in (line.term_first, line.term_last, line.served_last):
            cell = WriteOnlyCell(ws, value=d)
            cell.number_format = "yyyy-mm-dd"
            cells.append(cell)
        cells.append(line.days_served)
        basis = basis_labels.get(line.basis, line.basis)
        if line.basis == "short_term" and line.amount_fen is not None:
            basis = "聘期不足一年（已人工核定）"
        cells.append(basis)
        if line.amount_fen is None:
            cells.append("待核定")
        else:
            amount = WriteOnlyCell(ws, value=_yuan(line.amount_fen))
            amount.number_format = "0.00"
            cells.append(amount)
            due += line.amount_fen
            if line.paid:
                paid += line.amount_fen
        cells.append(line.amount_reason or "")
        cells.append("已支付" if line.paid else "未支付")
        cells.append(line.paid_by or "")
        if line.paid_on is None:
            cells.append("")
        else:
            on = WriteOnlyCell(ws, value=line.paid_on)
            on.number_format = "yyyy-mm-dd"
            cells.append(on)
        ws.append(cells)
    flagged = sum(line.amount_fen is None for line in s.lines)
    for label, fen in (("合计应付", due), ("已支付", paid), ("未支付", due - paid)):
        total = WriteOnlyCell(ws, value=_yuan(fen))
        total.number_format = "0.00"
        ws.append([*_bold_row(ws, [label]), *[""] * 7, total])
    if flagged:
        ws.append(_bold_row(ws, [f"另有{flagged}人待核定金额，未计入合计"]))
    if s.unknown_terms:
        ws.append(_bold_row(ws, ["未记录聘期开始、无法结算的规划师：" + "、".join(s.unknown_terms)]))
    wb.save(out)
