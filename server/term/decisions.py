"""The end of a term, decided from the appraisal (PDS-10, CQ-9, CQ-11): renew, not renew, or dismiss.

A person records the decision with the grade beside it; these rules say which decisions the grade allows
and what each leads to. The grade's consequences come from the profile's ``[[consequences]]`` for a
failing grade: pingdingshan's ``not_renewed`` and ``removed_from_pool`` (PDS-10: an unqualified planner is
not renewed and leaves the pool), chongqing's ``dismissal`` (CQ-11 (四): graded incompetent).

* ``renew``: needs a final grade that is not the failing one; the next term starts the day after this one
  ends and lasts the profile's ``term_years`` (PDS-10), or until the day a person enters (chongqing sets
  no term length).
* ``not_renew``: service ends on the term's last day. With a failing grade where the profile removes from
  the pool, the member leaves the pool (reason ``appraisal_unqualified``); with any other grade a note
  must say why, and the member stays in the pool.
* ``dismiss`` (a profile with dismissal grounds, CQ-11): a ground is required; ``incompetent`` needs the
  failing grade and ``absences`` the CQ-11 absence rule to hold in that year; the other grounds need a
  note. Service ends on the day given (default today, or the term's last day if that is past), within
  the term.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from server.appraisal.alerts import term_last_day
from shared import term as vocab
from shared.profiles import Profile
from shared.rules import AbsenceWarning

RENEW, NOT_RENEW, DISMISS = "renew", "not_renew", "dismiss"
DECISIONS = (RENEW, NOT_RENEW, DISMISS)


class DecisionError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


@dataclass(frozen=True)
class Term:
    starts_on: date
    #: The last day of the term.
    ends_on: date


@dataclass(frozen=True)
class Outcome:
    decision: str
    rule_id: str
    #: The dismissal ground, or the removal reason when the member leaves the pool.
    ground: str | None
    #: The member's new pool stage (removed, dismissed), None when it stays.
    pool_stage: str | None
    #: The last day of service (None when renewed).
    service_ends_on: date | None
    end_reason: str | None
    next_term: Term | None = None


def failing_consequences(profile: Profile) -> dict[str, str]:
    """Consequence code -> rule ID of the profile's failing grade."""
    codes = {c.code: c.rule_id for c in profile.consequences if c.when == "failing"}
    if not profile.failing_grade_removes_from_pool:
        codes.pop("removed_from_pool", None)
    return codes


def next_term(term: Term, profile: Profile, ends_on: date | None) -> Term:
    """The term after ``term``: the profile's length (PDS-10), or ``ends_on`` a person entered."""
    start = term.ends_on + timedelta(days=1)
    return Term(start, term_end(start, profile, ends_on, "next_term_ends_on"))


def term_end(start: date, profile: Profile, given: date | None, field: str) -> date:
    """A term's last day: computed from ``term_years`` (PDS-10) and then not given, or given by a person."""
    if profile.term_years is not None:
        if given is not None:
            raise DecisionError(field, f"is set by the profile: a term is {profile.term_years} year(s)")
        return term_last_day(start, profile.term_years)
    if given is None:
        raise DecisionError(field, f"is required: the {profile.name} profile sets no term length")
    if given < start:
        raise DecisionError(field, f"must be on or after the term's first day {start.isoformat()}")
    return given


def suggestion(
    profile: Profile, grade: str | None, year: int | None, warning: AbsenceWarning | None
) -> dict[str, Any]:
    """What the grade and the absences suggest; a suggestion only, with its reason."""
    failing = failing_consequences(profile)
    if warning is not None and "absences" in profile.dismissal_codes:
        why = vocab.label(vocab.DISMISSAL_GROUNDS, "absences").format(
            consecutive=profile.absence_consecutive_limit, yearly=profile.absence_yearly_limit
        )
        return {
            "decision": DISMISS,
            "ground": "absences",
            "reason": {"code": "suggest_dismiss", "params": {"why": why}},
        }
    if grade is None:
        return {"decision": None, "ground": None, "reason": {"code": "suggest_none", "params": {}}}
    if grade == profile.failing_grade:
        if "dismissal" in failing:
            why = vocab.label(vocab.DISMISSAL_GROUNDS, "incompetent")
            return {
                "decision": DISMISS,
                "ground": "incompetent",
                "reason": {"code": "suggest_dismiss", "params": {"why": why, "grade": grade, "year": year}},
            }
        return {
            "decision": NOT_RENEW,
            "ground": "appraisal_unqualified" if "removed_from_pool" in failing else None,
            "reason": {"code": "suggest_not_renew", "params": {"grade": grade, "year": year}},
        }
    return {
        "decision": RENEW,
        "ground": None,
        "reason": {"code": "suggest_renew", "params": {"grade": grade, "year": year}},
    }


def decide(
    profile: Profile,
    decision: str,
    term: Term,
    today: date,
    *,
    grade: str | None,
    grade_year: int,
    warning: AbsenceWarning | None = None,
    ground: str | None = None,
    note: str | None = None,
    ends_on: date | None = None,
    next_term_ends_on: date | None = None,
) -> Outcome:
    """The outcome of ``decision`` for ``term``, or `DecisionError` naming the field (module docstring)."""
    if decision not in DECISIONS:
        raise DecisionError("decision", f"must be one of {', '.join(DECISIONS)}")
    failing = failing_consequences(profile)
    is_failing = grade == profile.failing_grade
    if decision != DISMISS and ground is not None:
        raise DecisionError("ground", "is only for a dismissal")
    if decision != DISMISS and ends_on is not None:
        raise DecisionError("ends_on", "is only for a dismissal; the term's last day ends the service")
    if decision != RENEW and next_term_ends_on is not None:
        raise DecisionError("next_term_ends_on", "is only for a renewal")
    if decision == RENEW:
        if grade is None:
            raise DecisionError(
                "grade_year", f"has no final grade ({grade_year}): renewal is decided from the appraisal"
            )
        if is_failing:
            if "dismissal" in failing:
                raise DecisionError(
                    "decision", f"a planner graded {grade} is dismissed ({failing['dismissal']})"
                )
            rule = failing.get("not_renewed", profile.appraisal_rule_id)
            raise DecisionError("decision", f"a planner graded {grade} is not renewed ({rule})")
        return Outcome(
            RENEW,
            profile.appraisal_rule_id,
            None,
            None,
            None,
            None,
            next_term(term, profile, next_term_ends_on),
        )
    if decision == NOT_RENEW:
        if is_failing and "dismissal" in failing:
            raise DecisionError("decision", f"a planner graded {grade} is dismissed ({failing['dismissal']})")
        if is_failing and "removed_from_pool" in failing:
            return Outcome(
                NOT_RENEW,
                failing["removed_from_pool"],
                "appraisal_unqualified",
                "removed",
                term.ends_on,
                "not_renewed",
            )
        if not note:
            shown = grade or "no grade"
            raise DecisionError("note", f"is required: say why a planner with {shown} is not renewed")
        rule = (
            failing.get("not_renewed", profile.appraisal_rule_id) if is_failing else profile.appraisal_rule_id
        )
        return Outcome(NOT_RENEW, rule, None, None, term.ends_on, "not_renewed")
    if not profile.dismissal_codes:
        raise DecisionError(
            "decision",
            f"the {profile.name} profile has no dismissal: a term is not renewed, or the planner leaves "
            "early or is removed from the pool",
        )
    if ground not in profile.dismissal_codes:
        raise DecisionError("ground", f"must be one of {', '.join(profile.dismissal_codes)}")
    if ground == "incompetent" and not is_failing:
        raise DecisionError(
            "ground", f"the {grade_year} grade is {grade or 'not set'}, not {profile.failing_grade}"
        )
    if ground == "absences" and warning is None:
        raise DecisionError(
            "ground",
            f"the CQ-11 absence rule does not hold in {grade_year} (limits: "
            f"{profile.absence_consecutive_limit} in a row, {profile.absence_yearly_limit} in the year)",
        )
    if ground not in ("incompetent", "absences") and not note:
        raise DecisionError("note", "is required: record the reason for the dismissal")
    last = ends_on or min(today, term.ends_on)
    if not term.starts_on <= last <= term.ends_on:
        raise DecisionError(
            "ends_on", f"must lie in the term, {term.starts_on.isoformat()} to {term.ends_on.isoformat()}"
        )
    rule = failing.get("dismissal", "CQ-11")
    return Outcome(DISMISS, rule, ground, "dismissed", last, "dismissed")
