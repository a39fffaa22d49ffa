"""The yearly appraisal: an indicator dossier per planner, suggested grades, final grades under the CQ-9 cap,
and the consequences of grades (PDS-10, CQ-10, CQ-11).

Every number in a `Dossier` is an `Indicator` carrying the ids of the records behind it. `Values` are the
same numbers without the records (a dossier's ``values()``, or computed by SQL aggregates for everyone at
once); the suggested grade reads only these.

Suggested grade: a proposal with its reasons, for the coordinator, who sets the final grade. The profile
says what it rests on (``[suggestions]``, `shared.profiles.Suggestions`):

1. **Failing** (the profile's last grade) when any condition of ``failing_when`` holds: ``below_target``
   (fewer confirmed visits than the profile's ``visit_target``, CQ-5), ``no_service`` (no confirmed visit
   and no written opinion in the year: PDS-6(3) long refusal of service, PDS-10 results),
   ``absence_warning`` (a CQ-11 absence warning). The seeds list the first two: CQ-11 makes absences a
   ground for dismissal (`server.people.dismissal`), shown beside the grade, not a grade.
2. **Excellent candidates** are the others whose written opinions have a mean quality of at least
   ``excellent_min_quality`` (CQ-9: number of consultations and quality of opinions). They are ranked by
   confirmed visits, then mean opinion quality, then hours, then planner id; the first
   ``shared.rules.max_excellent(appraised, excellent_cap)`` are suggested **excellent** (``top_ranked``),
   or all of them when the profile sets no cap. Candidates beyond the cap get ``over_cap``. A profile
   without ``excellent_min_quality`` suggests nobody excellent.
3. Everyone else gets the middle grade (qualified / competent).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from server.appraisal.attendance import planner_absence_warning
from server.appraisal.model import (
    Attendance,
    Feedback,
    GradeRecord,
    Indicator,
    Opinion,
    Planner,
    Visit,
    counted_visits,
)
from shared.profiles import Profile
from shared.rules import (
    ADOPTED,
    ATTENDED,
    DEFAULT_TZ,
    EXCUSED,
    NOT_ADOPTED,
    PARTLY,
    UNEXCUSED,
    AbsenceWarning,
    local_year,
    max_excellent,
    visit_hours,
)


@dataclass(frozen=True)
class Dossier:
    planner_id: int
    planner_name: str
    district_id: int
    district_name: str
    year: int
    visit_target: int | None
    confirmed_visits: Indicator
    hours: Indicator
    opinions: Indicator
    #: Mean quality of the rated opinions (None when none is rated); its ids are the rated opinions.
    opinion_quality: Indicator
    adopted: Indicator
    partly_adopted: Indicator
    not_adopted: Indicator
    #: CQ-6: opinions with a dissent kept on record.
    dissents: Indicator
    feedback: Indicator
    activities_attended: Indicator
    absences_excused: Indicator
    absences_unexcused: Indicator
    absence_warning: AbsenceWarning | None

    @property
    def meets_target(self) -> bool | None:
        return _meets(int(self.confirmed_visits.value or 0), self.visit_target)

    def values(self) -> Values:
        """The dossier's numbers without the records behind them."""

        def n(i: Indicator) -> int:
            return int(i.value or 0)

        q = self.opinion_quality.value
        return Values(
            planner_id=self.planner_id,
            visit_target=self.visit_target,
            confirmed_visits=n(self.confirmed_visits),
            hours=float(self.hours.value or 0),
            opinions=n(self.opinions),
            opinion_quality=None if q is None else float(q),
            adopted=n(self.adopted),
            partly_adopted=n(self.partly_adopted),
            not_adopted=n(self.not_adopted),
            dissents=n(self.dissents),
            feedback=n(self.feedback),
            activities_attended=n(self.activities_attended),
            absences_excused=n(self.absences_excused),
            absences_unexcused=n(self.absences_unexcused),
            absence_warning=self.absence_warning,
        )


#: Every indicator of a dossier and the kind of record behind it, in the order shown.
INDICATOR_KINDS: Final[dict[str, str]] = {
    "confirmed_visits": "visit",
    "hours": "visit",
    "opinions": "opinion",
    "opinion_quality": "opinion",
    "adopted": "opinion",
    "partly_adopted": "opinion",
    "not_adopted": "opinion",
    "dissents": "opinion",
    "feedback": "feedback",
    "activities_attended": "activity",
    "absences_excused": "activity",
    "absences_unexcused": "activity",
}


@dataclass(frozen=True)
class Values:
    """A dossier's numbers (the values of its indicators) without the records behind them."""

    planner_id: int
    visit_target: int | None
    confirmed_visits: int
    hours: float
    opinions: int
    opinion_quality: float | None
    adopted: int
    partly_adopted: int
    not_adopted: int
    dissents: int
    feedback: int
    activities_attended: int
    absences_excused: int
    absences_unexcused: int
    absence_warning: AbsenceWarning | None

    @property
    def meets_target(self) -> bool | None:
        return _meets(self.confirmed_visits, self.visit_target)


def _meets(confirmed: int, target: int | None) -> bool | None:
    return None if target is None else confirmed >= target


def _count(kind: str, ids: Iterable[str]) -> Indicator:
    chosen = tuple(ids)
    return Indicator(len(chosen), kind, chosen)


def build_dossier(
    planner: Planner,
    year: int,
    profile: Profile,
    visits: Iterable[Visit] = (),
    opinions: Iterable[Opinion] = (),
    feedback: Iterable[Feedback] = (),
    attendance: Iterable[Attendance] = (),
    tz: str = DEFAULT_TZ,
) -> Dossier:
    """One planner's indicators for ``year``; records of other planners and years are ignored."""
    counted = counted_visits((v for v in visits if v.planner_id == planner.id), year, tz)
    hours = round(sum(visit_hours(v.started_at.isoformat(), _iso(v.ended_at)) for v in counted), 2)
    ops = sorted(
        (o for o in opinions if o.planner_id == planner.id and local_year(o.issued_at, tz) == year),
        key=lambda o: (o.issued_at, o.id),
    )
    rated = [o for o in ops if o.quality is not None]
    quality = round(sum(o.quality or 0 for o in rated) / len(rated), 2) if rated else None
    fb = sorted(
        (f for f in feedback if f.planner_id == planner.id and local_year(f.collected_at, tz) == year),
        key=lambda f: (f.collected_at, f.id),
    )
    att = sorted(
        (a for a in attendance if a.planner_id == planner.id and a.on.year == year), key=lambda a: a.on
    )
    return Dossier(
        planner_id=planner.id,
        planner_name=planner.name,
        district_id=planner.district_id,
        district_name=planner.district_name,
        year=year,
        visit_target=profile.visit_target,
        confirmed_visits=_count("visit", (v.id for v in counted)),
        hours=Indicator(hours, "visit", tuple(v.id for v in counted)),
        opinions=_count("opinion", (o.id for o in ops)),
        opinion_quality=Indicator(quality, "opinion", tuple(o.id for o in rated)),
        adopted=_count("opinion", (o.id for o in ops if o.adoption == ADOPTED)),
        partly_adopted=_count("opinion", (o.id for o in ops if o.adoption == PARTLY)),
        not_adopted=_count("opinion", (o.id for o in ops if o.adoption == NOT_ADOPTED)),
        dissents=_count("opinion", (o.id for o in ops if o.dissent)),
        feedback=_count("feedback", (f.id for f in fb)),
        activities_attended=_count("activity", (a.ref for a in att if a.status == ATTENDED)),
        absences_excused=_count("activity", (a.ref for a in att if a.status == EXCUSED)),
        absences_unexcused=_count("activity", (a.ref for a in att if a.status == UNEXCUSED)),
        absence_warning=planner_absence_warning(att, year, profile),
    )


def build_dossiers(
    planners: Iterable[Planner],
    year: int,
    profile: Profile,
    visits: Iterable[Visit] = (),
    opinions: Iterable[Opinion] = (),
    feedback: Iterable[Feedback] = (),
    attendance: Iterable[Attendance] = (),
    tz: str = DEFAULT_TZ,
) -> list[Dossier]:
    vs, ops, fb, att = list(visits), list(opinions), list(feedback), list(attendance)
    return [build_dossier(p, year, profile, vs, ops, fb, att, tz) for p in planners]


BELOW_TARGET: Final = "below_target"
ABSENCE_WARNING: Final = "absence_warning"
NO_SERVICE: Final = "no_service"
TOP_RANKED: Final = "top_ranked"
OVER_CAP: Final = "over_cap"


@dataclass(frozen=True)
class Suggestion:
    planner_id: int
    grade: str
    #: Why (codes above); empty for a plain middle grade.
    reasons: tuple[str, ...] = ()
    #: Place among the excellent candidates (1 = first), None for others.
    rank: int | None = None


#: The rule each reason of a suggestion rests on.
REASON_RULES: Final[dict[str, str]] = {
    BELOW_TARGET: "CQ-5",
    NO_SERVICE: "PDS-10",
    ABSENCE_WARNING: "CQ-11",
    TOP_RANKED: "CQ-9",
    OVER_CAP: "CQ-9",
}


def _failing_reasons(d: Values, failing_when: tuple[str, ...]) -> tuple[str, ...]:
    holds = {
        ABSENCE_WARNING: d.absence_warning is not None,
        BELOW_TARGET: d.meets_target is False,
        NO_SERVICE: not d.confirmed_visits and not d.opinions,
    }
    return tuple(
        code for code in (ABSENCE_WARNING, BELOW_TARGET, NO_SERVICE) if code in failing_when and holds[code]
    )


def suggest_grades(dossiers: Sequence[Dossier | Values], profile: Profile) -> list[Suggestion]:
    """A suggested grade for each dossier (or its `Values`), in the same order (see the module doc for the
    formula)."""
    excellent, middle, failing = profile.grades
    basis = profile.suggestions
    values = [d.values() if isinstance(d, Dossier) else d for d in dossiers]
    failing_by = {d.planner_id: _failing_reasons(d, basis.failing_when) for d in values}
    least = basis.excellent_min_quality
    candidates = [
        d
        for d in values
        if not failing_by[d.planner_id]
        and least is not None
        and d.opinion_quality is not None
        and d.opinion_quality >= least
    ]
    candidates.sort(key=lambda d: (-d.confirmed_visits, -(d.opinion_quality or 0.0), -d.hours, d.planner_id))
    limit = max_excellent(len(values), profile.excellent_cap)
    rank = {d.planner_id: i + 1 for i, d in enumerate(candidates)}
    out: list[Suggestion] = []
    for d in values:
        if failing_by[d.planner_id]:
            out.append(Suggestion(d.planner_id, failing, failing_by[d.planner_id]))
        elif d.planner_id in rank:
            r = rank[d.planner_id]
            if limit is None or r <= limit:
                out.append(Suggestion(d.planner_id, excellent, (TOP_RANKED,), r))
            else:
                out.append(Suggestion(d.planner_id, middle, (OVER_CAP,), r))
        else:
            out.append(Suggestion(d.planner_id, middle))
    return out


class GradeError(ValueError):
    """A refused final grade; names the planner and the grade (``field`` is ``grades.<planner id>``)."""

    def __init__(self, planner_id: int, grade: str | None, message: str) -> None:
        self.field = f"grades.{planner_id}"
        self.planner_id = planner_id
        self.grade = grade
        self.message = message
        super().__init__(f"{self.field}: {message}")


def normalise_grade(grade: str, profile: Profile) -> str | None:
    """The profile's grade name for ``grade`` given in Chinese or English, or None when unknown."""
    if grade in profile.grades:
        return grade
    if grade in profile.grades_en:
        return profile.grades[profile.grades_en.index(grade)]
    return None


def set_final_grades(grades: Mapping[int, str | None], profile: Profile) -> dict[int, str | None]:
    """Check the final grades of everyone appraised (planner id -> grade, None for not yet graded).

    Returns them with grade names as in the profile, or raises `GradeError` for the first unknown grade,
    or for the first excellent (in the order given) beyond CQ-9's cap of ``max_excellent(appraised)``.
    """
    clean: dict[int, str | None] = {}
    for planner_id, grade in grades.items():
        if grade is None:
            clean[planner_id] = None
            continue
        name = normalise_grade(grade, profile)
        if name is None:
            raise GradeError(
                planner_id, grade, f"{grade!r} is not a grade; use one of {', '.join(profile.grades)}"
            )
        clean[planner_id] = name
    limit = max_excellent(len(clean), profile.excellent_cap)
    if limit is not None:
        seen = 0
        for planner_id, grade in clean.items():
            if grade == profile.excellent_grade:
                seen += 1
                if seen > limit:
                    raise GradeError(
                        planner_id,
                        grade,
                        f"at most {limit} of {len(clean)} appraised may be graded {grade} "
                        f"(cap {profile.excellent_cap:.0%}); planner {planner_id} would be number {seen}",
                    )
    return clean


@dataclass(frozen=True)
class Consequence:
    code: str
    planner_id: int
    rule_id: str
    year: int
    params: dict[str, Any] = field(default_factory=dict)


def consequences(history: Iterable[GradeRecord], year: int, profile: Profile) -> list[Consequence]:
    """What follows from the grades of ``year``, given every planner's grade history (earlier years too).

    Only planners graded in ``year`` get consequences. Years served are the years with a grade.
    """
    by_planner: dict[int, dict[int, str]] = {}
    for record in history:
        name = normalise_grade(record.grade, profile)
        if name is None:
            raise GradeError(
                record.planner_id, record.grade, f"{record.grade!r} is not a grade of {profile.name}"
            )
        by_planner.setdefault(record.planner_id, {})[record.year] = name
    excellent, middle, failing = profile.grades
    out: list[Consequence] = []
    for planner_id, grades in sorted(by_planner.items()):
        if year not in grades:
            continue
        served = sorted(y for y in grades if y <= year)
        for rule in profile.consequences:
            if rule.code == "removed_from_pool" and not profile.failing_grade_removes_from_pool:
                continue
            params: dict[str, Any] = {"grade": grades[year]}
            if rule.when == "failing":
                hit = grades[year] == failing
            elif rule.when == "middle_or_better":
                hit = grades[year] in (excellent, middle)
            elif rule.when == "served_with_excellent":
                excellent_years = [y for y in served if grades[y] == excellent]
                hit = len(served) >= rule.years and bool(excellent_years)
                params = {"years_served": len(served), "excellent_years": excellent_years}
            else:
                run = list(range(year - rule.years + 1, year + 1))
                hit = all(grades.get(y) == excellent for y in run)
                params = {"excellent_years": run}
            if hit:
                out.append(Consequence(rule.code, planner_id, rule.rule_id, year, params))
    return out


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()
