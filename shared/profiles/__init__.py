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
