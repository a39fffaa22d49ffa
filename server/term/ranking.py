"""Candidates for a district's request, ranked (PDS-7: "by specialty and ability match").

Only pool members who meet the conditions today and serve nowhere are candidates; the others who would
otherwise count (in public notice, serving or being appointed elsewhere, no longer eligible) are listed
apart with the reason. Order: more of the requested specialties first; then the better latest appraisal
grade (the ability the bureau has seen; none ranks below the middle grade, above the failing one); then
more years in the field; then name. Each candidate carries the reasons for its place.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from shared import term as vocab


@dataclass(frozen=True)
class Member:
    candidate_id: int
    name: str
    status: str
    specialties: tuple[str, ...]
    years_in_field: int
    eligible: bool
    local_familiarity: str | None = None
    #: Latest final grade and its year, and its place in the profile's grades (0 = excellent).
    grade: str | None = None
    grade_year: int | None = None
    grade_rank: int | None = None
    notice_ends_on: date | None = None
    #: A dispatch not ended: (status proposed|serving, district name, start day or None).
    service: tuple[str, str, date | None] | None = None


@dataclass(frozen=True)
class Ranked:
    member: Member
    matched: tuple[str, ...]
    missing: tuple[str, ...]
    reasons: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class Excluded:
    member: Member
    reason: dict[str, Any]


def _names(codes: Iterable[str]) -> str:
    return "、".join(vocab.label(vocab.SPECIALTIES, c) for c in codes)


def _reason(code: str, **params: Any) -> dict[str, Any]:
    return {"code": code, "params": params}


def exclusion(m: Member) -> dict[str, Any] | None:
    """Why ``m`` cannot be picked now, or None when they can."""
    if m.service is not None:
        status, district, since = m.service
        if status == "serving":
            return _reason("serving", district=district, since=since.isoformat() if since else None)
        return _reason("proposed", district=district)
    if m.status == "in_notice":
        return _reason("in_notice", ends_on=m.notice_ends_on.isoformat() if m.notice_ends_on else None)
    if m.status != "member":
        return _reason("not_member", status=m.status)
    if not m.eligible:
        return _reason("not_eligible")
    return None


def rank_members(
    wanted: Sequence[str], members: Iterable[Member], failing_rank: int = 2
) -> tuple[list[Ranked], list[Excluded]]:
    """The request's candidates in order, and the members left out (those in notice or serving too)."""
    ranked: list[Ranked] = []
    excluded: list[Excluded] = []
    for m in members:
        why = exclusion(m)
        if why is not None:
            if why["code"] != "not_member":
                excluded.append(Excluded(m, why))
            continue
        matched = tuple(c for c in wanted if c in m.specialties)
        missing = tuple(c for c in wanted if c not in m.specialties)
        reasons = [
            _reason("specialty_match", matched=len(matched), wanted=len(wanted), names=_names(matched) or "—")
        ]
        if missing:
            reasons.append(_reason("specialty_missing", names=_names(missing)))
        if m.grade is not None:
            reasons.append(_reason("last_grade", year=m.grade_year, grade=m.grade))
        else:
            reasons.append(_reason("no_grade"))
        reasons.append(_reason("experience", years=m.years_in_field))
        if m.local_familiarity:
            reasons.append(_reason("local_familiarity", text=m.local_familiarity))
        ranked.append(Ranked(m, matched, missing, tuple(reasons)))

    def grade_key(m: Member) -> float:
        # No grade sits between the middle grade and the failing one.
        return failing_rank - 0.5 if m.grade_rank is None else m.grade_rank

    ranked.sort(
        key=lambda r: (
            -len(r.matched),
            grade_key(r.member),
            -r.member.years_in_field,
            r.member.name,
            r.member.candidate_id,
        )
    )
    return ranked, excluded
