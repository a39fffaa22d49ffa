"""The end of a term from the appraisal: PDS-10 (pingdingshan), CQ-9 and CQ-11 (chongqing)."""

from __future__ import annotations

from datetime import date

import pytest

from server.term.decisions import DecisionError, Term, decide, suggestion
from shared.profiles import Profile
from shared.rules import AbsenceWarning

TERM = Term(date(2025, 3, 1), date(2026, 2, 28))
TODAY = date(2026, 3, 10)
ABSENT = AbsenceWarning("consecutive", 3, 3)


def test_pds10_renewal_after_a_qualified_grade_starts_a_one_year_term_the_next_day(
    pingdingshan: Profile,
) -> None:
    o = decide(pingdingshan, "renew", TERM, TODAY, grade="合格", grade_year=2025)
    assert (o.rule_id, o.pool_stage, o.service_ends_on) == ("PDS-10", None, None)
    assert o.next_term == Term(date(2026, 3, 1), date(2027, 2, 28))


def test_pds10_the_term_length_is_the_profiles_not_a_persons(pingdingshan: Profile) -> None:
    with pytest.raises(DecisionError) as e:
        decide(
            pingdingshan,
            "renew",
            TERM,
            TODAY,
            grade="优秀",
            grade_year=2025,
            next_term_ends_on=date(2027, 6, 1),
        )
    assert e.value.field == "next_term_ends_on"


def test_pds10_unqualified_is_not_renewed_and_leaves_the_pool(pingdingshan: Profile) -> None:
    with pytest.raises(DecisionError) as e:
        decide(pingdingshan, "renew", TERM, TODAY, grade="不合格", grade_year=2025)
    assert e.value.field == "decision" and "PDS-10" in e.value.message
    o = decide(pingdingshan, "not_renew", TERM, TODAY, grade="不合格", grade_year=2025)
    assert (o.rule_id, o.ground, o.pool_stage) == ("PDS-10", "appraisal_unqualified", "removed")
    assert (o.service_ends_on, o.end_reason) == (TERM.ends_on, "not_renewed")


def test_pds10_not_renewing_a_qualified_planner_needs_a_note_and_keeps_them_in_the_pool(
    pingdingshan: Profile,
) -> None:
    with pytest.raises(DecisionError) as e:
        decide(pingdingshan, "not_renew", TERM, TODAY, grade="合格", grade_year=2025)
    assert e.value.field == "note"
    o = decide(pingdingshan, "not_renew", TERM, TODAY, grade="合格", grade_year=2025, note="区里调整需求")
    assert (o.pool_stage, o.service_ends_on) == (None, TERM.ends_on)


def test_renewal_is_decided_from_a_grade(profile: Profile) -> None:
    with pytest.raises(DecisionError) as e:
        decide(profile, "renew", TERM, TODAY, grade=None, grade_year=2025)
    assert e.value.field == "grade_year"


def test_pds_has_no_dismissal(pingdingshan: Profile) -> None:
    with pytest.raises(DecisionError) as e:
        decide(
            pingdingshan, "dismiss", TERM, TODAY, grade="合格", grade_year=2025, ground="violation", note="x"
        )
    assert e.value.field == "decision"


def test_cq9_incompetent_leads_to_dismissal_not_renewal(chongqing: Profile) -> None:
    for decision in ("renew", "not_renew"):
        with pytest.raises(DecisionError) as e:
            decide(chongqing, decision, TERM, TODAY, grade="不称职", grade_year=2025)
        assert e.value.field == "decision" and "CQ-11" in e.value.message
    o = decide(
        chongqing,
        "dismiss",
        TERM,
        TODAY,
        grade="不称职",
        grade_year=2025,
        ground="incompetent",
        ends_on=date(2026, 2, 1),
    )
    assert (o.rule_id, o.ground, o.pool_stage, o.service_ends_on) == (
        "CQ-11",
        "incompetent",
        "dismissed",
        date(2026, 2, 1),
    )


def test_cq11_incompetent_as_ground_needs_the_failing_grade(chongqing: Profile) -> None:
    with pytest.raises(DecisionError) as e:
        decide(chongqing, "dismiss", TERM, TODAY, grade="称职", grade_year=2025, ground="incompetent")
    assert e.value.field == "ground"


def test_cq11_absences_as_ground_need_the_absence_rule_to_hold(chongqing: Profile) -> None:
    with pytest.raises(DecisionError) as e:
        decide(chongqing, "dismiss", TERM, TODAY, grade="称职", grade_year=2025, ground="absences")
    assert e.value.field == "ground" and "3 in a row, 5 in the year" in e.value.message
    o = decide(
        chongqing, "dismiss", TERM, TODAY, grade="称职", grade_year=2025, ground="absences", warning=ABSENT
    )
    # The term is over: service ended on its last day, not today.
    assert (o.ground, o.service_ends_on) == ("absences", TERM.ends_on)


def test_cq11_the_other_grounds_are_recorded_with_their_reason(chongqing: Profile) -> None:
    for ground in ("own_request", "unable_to_serve", "violation"):
        with pytest.raises(DecisionError) as e:
            decide(chongqing, "dismiss", TERM, TODAY, grade=None, grade_year=2025, ground=ground)
        assert e.value.field == "note"
        o = decide(
            chongqing, "dismiss", TERM, TODAY, grade=None, grade_year=2025, ground=ground, note="本人书面申请"
        )
        assert o.ground == ground
    with pytest.raises(DecisionError) as e:
        decide(chongqing, "dismiss", TERM, TODAY, grade=None, grade_year=2025, ground="tired", note="x")
    assert e.value.field == "ground"


def test_cq_a_renewed_term_ends_where_a_person_says(chongqing: Profile) -> None:
    with pytest.raises(DecisionError) as e:
        decide(chongqing, "renew", TERM, TODAY, grade="称职", grade_year=2025)
    assert e.value.field == "next_term_ends_on"
    o = decide(
        chongqing, "renew", TERM, TODAY, grade="称职", grade_year=2025, next_term_ends_on=date(2028, 2, 29)
    )
    assert o.next_term == Term(date(2026, 3, 1), date(2028, 2, 29))


def test_a_dismissal_ends_within_the_term(chongqing: Profile) -> None:
    with pytest.raises(DecisionError) as e:
        decide(
            chongqing,
            "dismiss",
            TERM,
            TODAY,
            grade="不称职",
            grade_year=2025,
            ground="incompetent",
            ends_on=date(2024, 1, 1),
        )
    assert e.value.field == "ends_on"


def test_suggestions_follow_the_grade_and_say_so(profile: Profile) -> None:
    excellent, middle, failing = profile.grades
    assert suggestion(profile, middle, 2025, None)["decision"] == "renew"
    assert suggestion(profile, None, None, None)["reason"]["code"] == "suggest_none"
    failed = suggestion(profile, failing, 2025, None)
    if profile.name == "pingdingshan":
        assert (failed["decision"], failed["ground"]) == ("not_renew", "appraisal_unqualified")
        # PDS sets no absence rule: absences suggest nothing.
        assert suggestion(profile, excellent, 2025, ABSENT)["decision"] == "renew"
    else:
        assert (failed["decision"], failed["ground"]) == ("dismiss", "incompetent")
        assert suggestion(profile, excellent, 2025, ABSENT)["ground"] == "absences"
