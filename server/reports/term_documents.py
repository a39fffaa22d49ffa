"""The term's documents, in Chinese: a member's personal archive (个人档案) and a dispatch notice (PDS-7).

Both print what `server.term` answers as JSON (`server.term.archive`, `server.term.views`), so the page and
the paper say the same.
"""

from __future__ import annotations

from datetime import date
from typing import IO, Any

from docx.enum.text import WD_ALIGN_PARAGRAPH

from server.reports.writers import _cn_date, _new_document, _table
from shared import term as vocab
from shared.profiles import Profile


def _day(text: str | None) -> str:
    return "" if not text else _cn_date(date.fromisoformat(text))


def _labels(labels: vocab.Labels, codes: list[str]) -> str:
    return "、".join(vocab.label(labels, c) for c in codes) or "无"


def write_archive_docx(archive: dict[str, Any], profile: Profile, out: IO[bytes]) -> None:
    """The personal archive: the person, the eligibility with its reasons, and every event in order."""
    c = archive["candidate"]
    doc = _new_document()
    heading = doc.add_heading(f"{profile.city}{profile.planner_title}个人档案", level=0)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER

    doc.add_heading("一、基本情况", level=1)
    qualification = c["practising_qualification"] or ("注册城乡规划师" if c["registered_planner"] else "无")
    degree = (
        f"{vocab.label(vocab.DEGREES, c['degree'])}，{vocab.label(vocab.DEGREE_FIELDS, c['degree_field'])}"
    )
    violations = "；".join(f"{v['on'] or ''} {v['note']}".strip() for v in c["violations"]) or "无"
    _table(
        doc,
        ("姓名", c["name"]),
        [
            ("工作单位", c["organisation"] or ""),
            ("学历、专业", degree),
            ("职称", vocab.label(vocab.TITLES, c["title"])),
            ("执业资格", qualification),
            ("注册城乡规划师", "是" if c["registered_planner"] else "否"),
            ("从业年限", f"{c['years_in_field']}年"),
            ("专业方向", _labels(vocab.SPECIALTIES, c["specialties"])),
            ("属地熟悉度", c["local_familiarity"] or ""),
            ("不良记录", violations),
            ("当前状态", vocab.label(vocab.POOL_STATUSES, c["status"])),
            ("入库日期", _day(c["member_since"])),
        ],
    )

    e = c["eligibility"]
    doc.add_heading(f"二、入库条件（{e['rule_id']}）", level=1)
    verdict = "符合" if e["eligible"] else "不符合"
    doc.add_paragraph(f"结论：{verdict}入库条件。")
    for check in e["checks"]:
        params = dict(check["params"])
        for key, labels in (
            ("degree", vocab.DEGREES),
            ("min_degree", vocab.DEGREES),
            ("title", vocab.TITLES),
            ("min_title", vocab.TITLES),
            ("field", vocab.DEGREE_FIELDS),
        ):
            if isinstance(params.get(key), str):
                params[key] = vocab.label(labels, params[key])
        if "value" in params:
            params["value"] = "是" if params["value"] else "否"
        if params.get("qualification") == "registered_planner":
            params["qualification"] = "注册城乡规划师"
        mark = "✓" if check["ok"] else "✗"
        doc.add_paragraph(f"{mark} {vocab.describe(check['code'], params)}")

    doc.add_heading("三、档案记录", level=1)
    _table(doc, ("日期", "事项"), [(_day(ev["on"]), ev["text"]) for ev in archive["events"]])

    doc.add_heading("四、派驻与聘期", level=1)
    if not archive["dispatches"]:
        doc.add_paragraph("暂无派驻记录。")
    for d in archive["dispatches"]:
        doc.add_paragraph(
            f"{d['district_name']}：{vocab.label(vocab.DISPATCH_STATUSES, d['status'])}"
            + (f"，{_day(d['starts_on'])}起" if d["starts_on"] else "")
            + (f"，至{_day(d['ends_on'])}" if d["ends_on"] else "")
        )
        rows = []
        for t in d["terms"]:
            dec = t["decision"]
            what = "待定" if dec is None else vocab.label(vocab.DECISIONS, dec["decision"])
            grade = "" if dec is None else (dec["grade"] or "")
            rows.append(
                (f"第{t['number']}个聘期", f"{_day(t['starts_on'])}至{_day(t['ends_on'])}", grade, what)
            )
        if rows:
            _table(doc, ("聘期", "起止", "考核等次", "续聘决定"), rows)

    doc.add_heading("五、年度考核及结果运用", level=1)
    if not archive["grades"]:
        doc.add_paragraph("暂无考核结果。")
    else:
        _table(
            doc,
            ("年度", "等次", "结果运用"),
            [
                (
                    g["year"],
                    g["grade"],
                    "；".join(vocab.label(vocab.CONSEQUENCES, x["code"]) for x in g["consequences"]) or "无",
                )
                for g in archive["grades"]
            ],
        )
    sign = doc.add_paragraph(profile.bureau_name or profile.city)
    sign.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    doc.save(out)


def write_dispatch_notice_docx(dispatch: dict[str, Any], profile: Profile, out: IO[bytes]) -> None:
    """PDS-7's dispatch notice to district and planner, as `server.term.views.notice_text` words it."""
    notice = dispatch["notice"]
    doc = _new_document()
    heading = doc.add_heading(notice["title"], level=0)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    number = doc.add_paragraph(f"编号：{notice['no']}")
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for text in notice["paragraphs"]:
        doc.add_paragraph(text)
    sign = doc.add_paragraph(notice["issuer"])
    sign.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    when = doc.add_paragraph(_day(notice["on"]))
    when.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    doc.save(out)
