"""Policy profiles as data: one TOML file per city, loaded into a frozen `Profile`.

A deployment picks its profile with the environment variable ``FIELDLOG_PROFILE``
(``pingdingshan`` or ``chongqing``). A number the policy does not set is ``None``.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

PROFILE_NAMES = ("pingdingshan", "chongqing")
DEFAULT_PROFILE = "chongqing"


@dataclass(frozen=True)
class Exceptions:
    """Thresholds that make a visit an exception needing a reason code before it is confirmed."""

    distance_tolerance_m: float | None = None
    min_visit_minutes: float | None = None
    max_visit_hours: float | None = None
    late_sync_days: float | None = None
    clock_skew_minutes: float | None = None


@dataclass(frozen=True)
class ConsequenceRule:
    """What a grade leads to (PDS-10, CQ-10, CQ-11): ``when`` is failing, middle_or_better,
    served_with_excellent or excellent_running, looking back over ``years`` graded years."""

    code: str
    rule_id: str
    when: str
    years: int = 1


@dataclass(frozen=True)
class Suggestions:
    """What the suggested grade is based on (fieldlog's choice, not a policy number; a person sets grades).

    ``failing_when``: the last grade is suggested when any of these holds: ``below_target`` (fewer confirmed
    visits than ``visit_target``, CQ-5), ``no_service`` (no confirmed visit and no written opinion in the
    year), ``absence_warning`` (CQ-11's absence rule; the seeds make it a ground for dismissal instead).
    ``excellent_min_quality``: the mean opinion quality (1-5) an excellent candidate needs (CQ-9); None
    suggests nobody excellent.
    """

    failing_when: tuple[str, ...] = ()
    excellent_min_quality: float | None = None


#: The conditions `Suggestions.failing_when` may name.
FAILING_CONDITIONS = ("below_target", "no_service", "absence_warning")


@dataclass(frozen=True)
class DismissalGround:
    """One ground on which a planner is dismissed (CQ-11). ``computed``: fieldlog also finds it from the
    records (the absence rule, a failing grade) and shows it; a person still records the dismissal."""

    code: str
    rule_id: str
    label: str
    label_en: str
    computed: bool = False


@dataclass(frozen=True)
class Eligibility:
    """Who may join the pool (PDS-3, CQ-2), checked by `server.term.eligibility`.

    Eligible when no violation is on record (if ``violation_excludes``) and one route holds: the
    qualifications route (every requirement set here: degree level and field, title, or title-or-
    qualification, registered planner), or ``min_years_in_field`` alone, or an exception a person granted
    with a written reason (if ``exception_by_person``). Codes are those of `shared.term`.
    """

    rule_id: str = ""
    min_degree: str | None = None
    degree_fields: tuple[str, ...] = ()
    min_title: str | None = None
    #: The title requirement is met by a practising qualification too (PDS-3: "或相关执业资格").
    title_or_qualification: bool = False
    registered_planner_required: bool = False
    min_years_in_field: int | None = None
    exception_by_person: bool = False
    violation_excludes: bool = False


@dataclass(frozen=True)
class Profile:
    name: str
    city: str
    planner_title: str
    planner_title_en: str
    grades: tuple[str, str, str]
    grades_en: tuple[str, str, str]
    #: What the policy calls the pool (资源库, 专家库).
    pool_name: str = "资源库"
    visit_target: int | None = None
    excellent_cap: float | None = None
    absence_consecutive_limit: int | None = None
    absence_yearly_limit: int | None = None
    term_years: int | None = None
    pool_notice_working_days: int | None = None
    exit_notice_working_days: int | None = None
    allowance_cny_per_year: int | None = None
    report_period_months: int | None = None
    failing_grade_removes_from_pool: bool = False
    #: The rule of the appraisal a renewal is decided from (PDS-10, CQ-9).
    appraisal_rule_id: str = ""
    exceptions: Exceptions = field(default_factory=Exceptions)
    consequences: tuple[ConsequenceRule, ...] = ()
    #: PDS-10: warn this many days before a term ends (fieldlog's setting, not a policy number).
    term_warning_days: int | None = None
    suggestions: Suggestions = field(default_factory=Suggestions)
    #: CQ-6: planners claim travel costs from the district they serve.
    travel_claims: bool = False
    #: CQ-6: the municipal bureau pays work funds by performance, recorded per planner and year.
    work_funds: bool = False
    #: PDS-10: what the district records in its part of the joint appraisal (no numbers: its words).
    district_assessment_criteria: tuple[str, ...] = ()
    #: The municipal bureau that runs the system (PDS 市自然资源和规划局, CQ 市规划自然资源局).
    bureau_name: str = ""
    #: CQ-1, CQ-8: the bureau that receives the municipal bureau's quarterly report (None: no such step).
    hr_bureau: str | None = None
    #: CQ-11: the grounds for dismissal, as a person records them.
    dismissal_grounds: tuple[DismissalGround, ...] = ()
    eligibility: Eligibility = field(default_factory=Eligibility)
    #: PDS-6: the coded reasons for removal from the pool (none set: a removal is "other", with a note).
    pool_removal_reasons: tuple[str, ...] = ()
    #: The rule a removal from the pool is recorded under (PDS-6, CQ-7).
    pool_removal_rule_id: str = ""
    #: CQ-3: the appointment steps, in order (none set: a dispatch serves from the day the bureau picks).
    appointment_steps: tuple[str, ...] = ()
    #: PDS-8: what a dispatch's contract must set out (none set: the contract record is optional).
    contract_clauses: tuple[str, ...] = ()

    @property
    def dismissal_codes(self) -> tuple[str, ...]:
        """The codes of the CQ-11 grounds for dismissal (none: the profile has no dismissal)."""
        return tuple(g.code for g in self.dismissal_grounds)

    @property
    def excellent_grade(self) -> str:
        return self.grades[0]

    @property
    def failing_grade(self) -> str:
        return self.grades[-1]


def parse_profile(text: str) -> Profile:
    raw = tomllib.loads(text)
    exceptions = Exceptions(**raw.pop("exceptions", {}))
    raw["consequences"] = tuple(ConsequenceRule(**c) for c in raw.pop("consequences", []))
    suggestions = raw.pop("suggestions", {})
    failing = tuple(suggestions.pop("failing_when", ()))
    unknown = [c for c in failing if c not in FAILING_CONDITIONS]
    if unknown:
        choices = ", ".join(FAILING_CONDITIONS)
        raise ValueError(f"suggestions.failing_when: {unknown[0]!r} is not one of {choices}")
    raw["suggestions"] = Suggestions(failing_when=failing, **suggestions)
    raw["dismissal_grounds"] = tuple(DismissalGround(**g) for g in raw.pop("dismissal_grounds", []))
    raw["district_assessment_criteria"] = tuple(raw.pop("district_assessment_criteria", ()))
    eligibility = dict(raw.pop("eligibility", {}))
    eligibility["degree_fields"] = tuple(eligibility.get("degree_fields", ()))
    raw["eligibility"] = Eligibility(**eligibility)
    for name in ("pool_removal_reasons", "appointment_steps", "contract_clauses"):
        raw[name] = tuple(raw.get(name, ()))
    raw["grades"] = tuple(raw["grades"])
    raw["grades_en"] = tuple(raw["grades_en"])
    return Profile(exceptions=exceptions, **raw)


@cache
def load_profile(name: str) -> Profile:
    if name not in PROFILE_NAMES:
        choices = ", ".join(PROFILE_NAMES)
        raise ValueError(f"FIELDLOG_PROFILE: unknown profile {name!r}; choose one of {choices}")
    text = resources.files(__package__).joinpath(f"{name}.toml").read_text(encoding="utf-8")
    return parse_profile(text)


def active_profile() -> Profile:
    """The profile named by ``FIELDLOG_PROFILE`` (default ``chongqing``)."""
    return load_profile(os.environ.get("FIELDLOG_PROFILE", DEFAULT_PROFILE))
