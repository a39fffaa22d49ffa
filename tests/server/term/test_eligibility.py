"""Who may join the pool, from a candidate's data and the profile: PDS-3 (pingdingshan), CQ-2 (chongqing)."""

from __future__ import annotations

from dataclasses import replace

from server.term.eligibility import Facts, assess
from shared.profiles import Profile

PLANNER = Facts(
    degree="bachelor",
    degree_field="urban_rural_planning",
    title="intermediate",
    registered_planner=False,
    practising_qualification=None,
    years_in_field=4,
    violations=0,
)


def _failed(facts: Facts, profile: Profile) -> set[str]:
    return {c.code for c in assess(facts, profile.eligibility).checks if not c.ok}


def test_pds3_related_bachelor_with_a_mid_level_title_is_eligible(pingdingshan: Profile) -> None:
    a = assess(PLANNER, pingdingshan.eligibility)
    assert (a.eligible, a.route, a.rule_id) == (True, "qualifications", "PDS-3")


def test_pds3_a_practising_qualification_stands_in_for_the_title(pingdingshan: Profile) -> None:
    junior = replace(PLANNER, title="junior")
    assert not assess(junior, pingdingshan.eligibility).eligible
    assert _failed(junior, pingdingshan) == {"title_or_qualification", "years_in_field"}
    for qualified in (
        replace(junior, practising_qualification="一级注册建筑师"),
        replace(junior, registered_planner=True),
    ):
        assert assess(qualified, pingdingshan.eligibility).route == "qualifications"


def test_pds3_the_degree_must_be_related_and_at_least_a_bachelor(pingdingshan: Profile) -> None:
    assert _failed(replace(PLANNER, degree="college"), pingdingshan) == {"degree", "years_in_field"}
    assert _failed(replace(PLANNER, degree_field="other"), pingdingshan) == {"degree_field", "years_in_field"}
    assert assess(
        replace(PLANNER, degree="doctorate", degree_field="landscape_architecture"), pingdingshan.eligibility
    ).eligible


def test_pds3_ten_years_in_the_field_suffice_without_degree_or_title(pingdingshan: Profile) -> None:
    nine = replace(PLANNER, degree="none", degree_field="other", title="none", years_in_field=9)
    assert not assess(nine, pingdingshan.eligibility).eligible
    ten = assess(replace(nine, years_in_field=10), pingdingshan.eligibility)
    assert (ten.eligible, ten.route) == (True, "experience")


def test_pds3_any_violation_record_excludes_whatever_the_route(pingdingshan: Profile) -> None:
    for facts in (PLANNER, replace(PLANNER, years_in_field=30)):
        a = assess(replace(facts, violations=1), pingdingshan.eligibility)
        assert (a.eligible, a.route) == (False, None)
        assert "violations" in {c.code for c in a.checks if not c.ok}


def test_cq2_associate_senior_title_and_registered_planner_as_a_rule(chongqing: Profile) -> None:
    usual = replace(PLANNER, title="associate_senior", registered_planner=True)
    a = assess(usual, chongqing.eligibility)
    assert (a.eligible, a.route, a.rule_id) == (True, "qualifications", "CQ-2")
    assert _failed(replace(usual, title="intermediate"), chongqing) == {"title"}
    assert _failed(replace(usual, registered_planner=False), chongqing) == {"registered_planner"}
    # Chongqing counts neither degree nor years: 30 years without the title and registration are not enough.
    assert not assess(replace(PLANNER, years_in_field=30), chongqing.eligibility).eligible


def test_cq2_the_exception_for_outstanding_practice_needs_a_persons_written_reason(
    chongqing: Profile,
) -> None:
    strong = replace(PLANNER, title="senior", registered_planner=False)
    before = assess(strong, chongqing.eligibility)
    assert (before.eligible, before.exception_possible) == (False, True)
    after = assess(
        replace(strong, exception_reason="主持多项国家级规划，行业影响力突出"), chongqing.eligibility
    )
    assert (after.eligible, after.route) == (True, "exception")
    # A violation record excludes even then, and no exception is offered.
    barred = assess(replace(strong, violations=1, exception_reason="同上"), chongqing.eligibility)
    assert (barred.eligible, barred.exception_possible) == (False, False)


def test_pds3_has_no_exception_to_grant(pingdingshan: Profile) -> None:
    weak = replace(PLANNER, title="none", years_in_field=2, exception_reason="理由")
    a = assess(weak, pingdingshan.eligibility)
    assert (a.eligible, a.exception_possible) == (False, False)


def test_every_check_names_its_values_for_the_reason_shown(profile: Profile) -> None:
    a = assess(PLANNER, profile.eligibility)
    assert a.checks and all(c.params for c in a.checks)
    assert a.json()["checks"][0].keys() == {"code", "ok", "params"}
