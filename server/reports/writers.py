"""Documents for the bureau, in Chinese: the quarterly consultation-service record of a district and its
summary for the HR bureau (CQ-8, XLSX), the annual work report draft (CQ-4, DOCX) and each written opinion
as a formal document (PDS-2b, CQ-5, with the dissent on record of CQ-6).

Workbooks are written with openpyxl in write-only mode, which streams rows to the output instead of
holding the sheet in memory, so a large export cannot exhaust the server. Every writer takes plain
dataclasses and a binary stream. A quarter's services are the counted visits (confirmed, checked out),
written opinions issued, and consultation activities held in it, by local date.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
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


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    """The first day of a quarter and the first day after it."""
    if quarter not in (1, 2, 3, 4):
        raise ValueError("quarter: must be 1, 2, 3 or 4")
    start = date(year, 3 * quarter - 2, 1)
    end = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return start, end


@dataclass(frozen=True)
class ServiceRow:
    """One consultation service in a district's quarterly record."""

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
    """One planner's totals in a quarter; ``*_ids`` trace each number to its records."""

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
    quarter: int
    rows: tuple[ServiceRow, ...]
    totals: tuple[PlannerQuarter, ...]


def consultation_record(
    district_id: int,
    district_name: str,
    year: int,
    quarter: int,
    planners: Iterable[Planner],
    visits: Iterable[Visit] = (),
    opinions: Iterable[Opinion] = (),
    attendance: Iterable[Attendance] = (),
    tz: str = DEFAULT_TZ,
) -> ConsultationRecord:
    """CQ-8: a district's consultation services in one quarter, by date, and each planner's totals."""
    start, end = quarter_bounds(year, quarter)
    names = {p.id: p.name for p in planners}

    def here(planner_id: int, rec_district: int, on: date) -> bool:
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
    return ConsultationRecord(district_id, district_name, year, quarter, tuple(rows), tuple(totals))


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
    """CQ-8: the district's quarterly record: sheet 咨询服务记录 (one row per service) and sheet 汇总."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("咨询服务记录")
    _widths(ws, (6, 12, 12, 14, 32, 24, 12, 38))
    _title(
        ws,
        f"{record.district_name}{profile.planner_title}咨询服务记录（{record.year}年第{record.quarter}季度）",
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
        f"{record.district_name}{profile.planner_title}咨询服务汇总（{record.year}年第{record.quarter}季度）",
    )
    _totals_rows(summary, record.totals)
    wb.save(out)


def write_hr_summary_xlsx(
    records: Sequence[ConsultationRecord], profile: Profile, year: int, quarter: int, out: IO[bytes]
) -> None:
    """CQ-8: the municipal bureau's quarterly report to the HR bureau: every planner of every district."""
    for r in records:
        if (r.year, r.quarter) != (year, quarter):
            raise ValueError(
                f"records: {r.district_name} is for {r.year} Q{r.quarter}, not {year} Q{quarter}"
            )
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("季度通报")
    _widths(ws, (14, 12, 14, 12, 14, 18, 10, 14))
    _title(ws, f"{profile.city}{profile.planner_title}工作情况（{year}年第{quarter}季度）")
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


def write_annual_report_docx(
    dossier: Dossier,
    profile: Profile,
    out: IO[bytes],
    visits: Iterable[Visit] = (),
    opinions: Iterable[Opinion] = (),
    feedback: Iterable[Feedback] = (),
    tz: str = DEFAULT_TZ,
) -> None:
    """CQ-4: the planner's annual work report draft; lists exactly the records the dossier counted."""
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
    for fid in d.feedback.record_ids:
        label = FEEDBACK_CATEGORY_LABELS[fbs[fid].category]
        by_category[label] = by_category.get(label, 0) + 1
    doc.add_paragraph(f"共收集群众意见建议{d.feedback.value}条，已梳理反馈市局及属地。")
    _table(doc, ("类别", "条数"), [*sorted(by_category.items()), ("合计", d.feedback.value)])

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
