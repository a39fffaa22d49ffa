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
class Profile:
    name: str
    city: str
    planner_title: str
    planner_title_en: str
    grades: tuple[str, str, str]
    grades_en: tuple[str, str, str]
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
