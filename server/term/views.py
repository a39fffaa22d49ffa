"""The term's answers as JSON, built in one place for the API, the archive and the DOCX documents:
candidates, objections, requests, dispatches with their terms, contracts and appointment steps, and the
text of the dispatch notice (PDS-7).

Dates are ISO ``YYYY-MM-DD``; amounts are yuan as text with two decimals; codes are those of
`shared.term`, whose labels the screens show.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from server.term import status
from server.term.data import CandidateView, Pool, request_status
from server.term.forms import yuan
from shared import term as vocab
from shared.profiles import Profile


def iso(value: Any) -> str | None:
    return None if value is None else value.isoformat()


def objection_json(o: Any, names: dict[int, str]) -> dict[str, Any]:
    return {
        "id": o.id,
        "candidate_id": o.candidate_id,
        "filed_on": iso(o.filed_on),
        "content": o.content,
        "source": o.source,
        "status": o.status,
        "decision_note": o.decision_note,
        "decided_on": iso(o.decided_on),
        "decided_by": names.get(o.decided_by) if o.decided_by else None,
    }


def notice_json(row: Any, objections: list[Any], profile: Profile) -> dict[str, Any] | None:
    if row.notice_starts_on is None:
        return None
    enters = status.entry_day(
        row.notice_ends_on, [status.Objection(o.status, o.decided_on) for o in objections]
    )
    return {
        "rule_id": "PDS-4",
        "starts_on": iso(row.notice_starts_on),
        "ends_on": iso(row.notice_ends_on),
        "working_days_required": profile.pool_notice_working_days,
        "earliest_end": iso(status.notice_end(row.notice_starts_on, profile)),
        #: The day the candidate enters the pool if no objection is found valid.
        "enters_on": iso(enters),
    }


def service_json(d: Any | None, pool: Pool) -> dict[str, Any] | None:
    if d is None:
        return None
    return {
        "dispatch_id": d.id,
        "district_id": d.district_id,
        "district_name": pool.districts.get(d.district_id, ""),
        "status": d.status,
        "starts_on": iso(d.starts_on),
        "ends_on": iso(d.ends_on),
    }


def candidate_json(
    view: CandidateView, pool: Pool, names: dict[int, str], profile: Profile
) -> dict[str, Any]:
    r = view.row
    return {
        "id": r.id,
        "name": r.name,
        "applied_on": iso(r.applied_on),
        "organisation": r.organisation,
        "contact": r.contact,
        "user_id": r.user_id,
        "degree": r.degree,
        "degree_field": r.degree_field,
        "title": r.title,
        "registered_planner": bool(r.registered_planner),
        "practising_qualification": r.practising_qualification,
        "years_in_field": r.years_in_field,
        "specialties": list(r.specialties or []),
        "local_familiarity": r.local_familiarity,
        "violations": list(r.violations or []),
        "exception": None
        if r.exception_reason is None
        else {"reason": r.exception_reason, "by": names.get(r.exception_by), "at": iso(r.exception_at)},
        "status": view.standing.status,
        "member_since": iso(view.standing.member_since),
        "objection_open": view.standing.objection_open,
        "eligibility": view.assessment.json(),
        "review": None
        if r.reviewed_on is None
        else {"on": iso(r.reviewed_on), "note": r.review_note, "by": names.get(r.reviewed_by)},
        "notice": notice_json(r, view.objections, profile),
        "objections": [objection_json(o, names) for o in view.objections],
        "removal": None
        if r.removed_on is None
        else {
            "on": iso(r.removed_on),
            "reason": r.removal_reason,
            "rule_id": r.removal_rule,
            "note": r.removal_note,
            "by": names.get(r.removed_by),
        },
        "service": service_json(view.holding, pool),
        "latest_grade": None if view.grade is None else {"year": view.grade[0], "grade": view.grade[1]},
    }


def candidate_names(pool: Pool) -> Iterable[int | None]:
    for v in pool.candidates.values():
        r = v.row
        yield from (r.exception_by, r.reviewed_by, r.removed_by, r.notice_by)
        yield from (o.decided_by for o in v.objections)


def request_json(
    row: Any, seated: list[Any], districts: dict[int, str], names: dict[int, str]
) -> dict[str, Any]:
    return {
        "id": row.id,
        "district_id": row.district_id,
        "district_name": districts.get(row.district_id, ""),
        "specialties": list(row.specialties or []),
        "planners_needed": row.planners_needed,
        "service_focus": row.service_focus,
        "responsibility_area": row.responsibility_area,
        "note": row.note,
        "filed_on": iso(row.filed_on),
        "filed_by": names.get(row.filed_by) if row.filed_by else None,
        "replaces_dispatch_id": row.replaces_dispatch_id,
        "status": request_status(row, len(seated)),
        "seats_filled": len(seated),
        "dispatch_ids": [d.id for d in seated],
        "withdrawn_on": iso(row.withdrawn_on),
        "withdraw_note": row.withdraw_note,
    }


def contract_json(c: Any | None, area: Any, profile: Profile, names: dict[int, str]) -> dict[str, Any]:
    """PDS-8's record; ``missing`` lists the clauses the profile asks for that are not set yet."""
    values = {
        "certificate_no": None if c is None else c.certificate_no,
        "signed_on": None if c is None else iso(c.signed_on),
        "tasks": None if c is None else c.tasks,
        "service_mode": None if c is None else c.service_mode,
        "service_fee_cny": None if c is None else yuan(c.service_fee_fen),
        "fee_note": None if c is None else c.fee_note,
        "rights_duties": None if c is None else c.rights_duties,
        "appraisal": None if c is None else c.appraisal,
        "breach": None if c is None else c.breach,
        "responsibility_area": area,
    }
    present = {
        "tasks": values["tasks"],
        "service_mode": values["service_mode"],
        "service_fee": values["service_fee_cny"] or values["fee_note"],
        "responsibility_area": area,
        "rights_duties": values["rights_duties"],
        "appraisal": values["appraisal"],
        "breach": values["breach"],
    }
    return {
        **values,
        "recorded": c is not None,
        "recorded_by": None if c is None else names.get(c.recorded_by),
        "missing": [k for k in profile.contract_clauses if not present.get(k)],
    }


def term_json(
    t: Any, contract: Any | None, area: Any, profile: Profile, names: dict[int, str], today: date
) -> dict[str, Any]:
    return {
        "id": t.id,
        "number": t.number,
        "starts_on": iso(t.starts_on),
        "ends_on": iso(t.ends_on),
        "days_left": (t.ends_on - today).days,
        "decision": None
        if t.decision is None
        else {
            "decision": t.decision,
            "rule_id": t.decision_rule,
            "ground": t.ground,
            "grade": t.grade,
            "grade_year": t.grade_year,
            "note": t.decision_note,
            "by": names.get(t.decided_by),
            "at": iso(t.decided_at),
        },
        "contract": contract_json(contract, area, profile, names),
    }


def steps_json(done: dict[str, Any], profile: Profile, names: dict[int, str]) -> list[dict[str, Any]]:
    """CQ-3's checklist: every step of the profile, done or not, in order."""
    out = []
    for step in profile.appointment_steps:
        s = done.get(step)
        out.append(
            {
                "step": step,
                "rule_id": "CQ-3",
                "done_on": None if s is None else iso(s.done_on),
                "note": None if s is None else s.note,
                "recorded_by": None if s is None else names.get(s.recorded_by),
                "recorded_at": None if s is None else iso(s.recorded_at),
            }
        )
    return out


def notice_text(
    profile: Profile, name: str, district: str, starts_on: date, ends_on: date, request: Any | None
) -> dict[str, Any]:
    """The dispatch notice to district and planner (PDS-7), as its title and paragraphs."""
    title = f"{profile.planner_title}派驻通知"
    specialties = "、".join(
        vocab.label(vocab.SPECIALTIES, c) for c in (request.specialties if request else [])
    )
    body = [
        f"{district}、{name}同志：",
        f"根据{district}提出的派驻申请，{profile.bureau_name or profile.city}按照专业匹配、能力适配的原则，从"
        f"{profile.city}{profile.planner_title}{profile.pool_name}中遴选{name}同志，自{_cn(starts_on)}起派驻{district}"
        f"担任{profile.planner_title}，聘期至{_cn(ends_on)}。",
    ]
    if request is not None:
        if specialties:
            body.append(f"专业方向：{specialties}。")
        body.append(f"服务重点：{request.service_focus}")
    body.append(
        f"请{district}为{profile.planner_title}提供必要的办公场所、工作设备、基础规划资料等工作条件，保障其顺利开展工作。"
    )
    return {"title": title, "paragraphs": body, "issuer": profile.bureau_name or profile.city}


def _cn(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def dispatch_json(
    d: Any,
    *,
    profile: Profile,
    today: date,
    districts: dict[int, str],
    names: dict[int, str],
    candidate_name: str,
    request: Any | None,
    terms: list[Any],
    contracts: dict[int, Any],
    steps: dict[str, Any],
) -> dict[str, Any]:
    current = terms[-1] if terms else None
    district = districts.get(d.district_id, "")
    notice = None
    if d.status in ("serving", "ended") and d.starts_on is not None and terms:
        notice = {
            "no": d.notice_no,
            "on": iso(d.notice_on),
            **notice_text(profile, candidate_name, district, d.starts_on, terms[0].ends_on, request),
        }
    return {
        "id": d.id,
        "request_id": d.request_id,
        "candidate_id": d.candidate_id,
        "name": candidate_name,
        "planner_id": d.planner_id,
        "district_id": d.district_id,
        "district_name": district,
        "status": d.status,
        "starts_on": iso(d.starts_on),
        "ends_on": iso(d.ends_on),
        "end": None
        if d.end_reason is None
        else {"reason": d.end_reason, "rule_id": d.end_rule, "note": d.end_note},
        "closed_at": iso(d.closed_at),
        #: The service has ended by its dates but the district link is still there: close it.
        "close_due": d.status == "serving" and d.ends_on is not None and d.ends_on <= today,
        "responsibility_area": d.responsibility_area,
        "notice": notice,
        "steps": steps_json(steps, profile, names),
        "terms": [
            term_json(t, contracts.get(t.id), d.responsibility_area, profile, names, today) for t in terms
        ],
        "current_term": None if current is None else current.number,
    }
