"""Who may join the pool (PDS-3, CQ-2), from a candidate's data and the profile's `Eligibility` rules.

Every check is returned with its outcome, as a reason `shared.term.describe` renders, so a screen can show
*why*. A route is the first that holds: ``qualifications`` (every requirement the profile sets), then
``experience`` (years in the field alone, PDS-3), then ``exception`` (CQ-2's outstanding practice, granted by
a person with a written reason). A record of violations excludes whatever the route.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shared import term as vocab
from shared.profiles import Eligibility


@dataclass(frozen=True)
class Facts:
    """What the rules look at, as stored for a candidate (codes of `shared.term`)."""

    degree: str
    degree_field: str
    title: str
    registered_planner: bool
    practising_qualification: str | None
    years_in_field: int
    violations: int
    exception_reason: str | None = None


@dataclass(frozen=True)
class Check:
    code: str
    ok: bool
    params: dict[str, Any] = field(default_factory=dict)

    def json(self) -> dict[str, Any]:
        return {"code": self.code, "ok": self.ok, "params": self.params}


@dataclass(frozen=True)
class Assessment:
    eligible: bool
    #: qualifications | experience | exception, or None when not eligible.
    route: str | None
    rule_id: str
    checks: tuple[Check, ...]
    #: A person may grant CQ-2's exception: the profile allows it and the usual conditions fail.
    exception_possible: bool = False

    def json(self) -> dict[str, Any]:
        return {
            "eligible": self.eligible,
            "route": self.route,
            "rule_id": self.rule_id,
            "checks": [c.json() for c in self.checks],
            "exception_possible": self.exception_possible,
        }


def _at_least(labels: vocab.Labels, have: str, need: str) -> bool:
    return vocab.rank(labels, have) >= vocab.rank(labels, need)


def assess(facts: Facts, rules: Eligibility) -> Assessment:
    """PDS-3 / CQ-2 for one candidate (see the module docstring)."""
    route_checks: list[Check] = []
    if rules.min_degree is not None:
        route_checks.append(
            Check(
                "degree",
                _at_least(vocab.DEGREES, facts.degree, rules.min_degree),
                {"degree": facts.degree, "min_degree": rules.min_degree},
            )
        )
    if rules.degree_fields:
        route_checks.append(
            Check("degree_field", facts.degree_field in rules.degree_fields, {"field": facts.degree_field})
        )
    qualified = facts.registered_planner or bool(facts.practising_qualification)
    if rules.min_title is not None:
        title_ok = _at_least(vocab.TITLES, facts.title, rules.min_title)
        if rules.title_or_qualification:
            route_checks.append(
                Check(
                    "title_or_qualification",
                    title_ok or qualified,
                    {
                        "title": facts.title,
                        "min_title": rules.min_title,
                        "qualification": facts.practising_qualification
                        or ("registered_planner" if facts.registered_planner else None),
                    },
                )
            )
        else:
            route_checks.append(
                Check("title", title_ok, {"title": facts.title, "min_title": rules.min_title})
            )
    if rules.registered_planner_required:
        route_checks.append(
            Check("registered_planner", facts.registered_planner, {"value": facts.registered_planner})
        )
    checks = list(route_checks)
    by_qualifications = bool(route_checks) and all(c.ok for c in route_checks)
    by_experience = False
    if rules.min_years_in_field is not None:
        by_experience = facts.years_in_field >= rules.min_years_in_field
        checks.append(
            Check(
                "years_in_field",
                by_experience,
                {"years": facts.years_in_field, "min_years": rules.min_years_in_field},
            )
        )
    usual = by_qualifications or by_experience
    by_exception = rules.exception_by_person and not usual and bool(facts.exception_reason)
    if by_exception:
        checks.append(Check("exception", True, {"reason": facts.exception_reason}))
    clean = True
    if rules.violation_excludes:
        clean = facts.violations == 0
        checks.append(Check("violations", clean, {"count": facts.violations}))
    route = (
        "qualifications"
        if by_qualifications
        else "experience"
        if by_experience
        else "exception"
        if by_exception
        else None
    )
    eligible = clean and route is not None
    possible = rules.exception_by_person and clean and not usual and not by_exception
    return Assessment(eligible, route if eligible else None, rules.rule_id, tuple(checks), possible)
