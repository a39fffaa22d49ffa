"""The appraisal: dossier (PDS-10, CQ-9), suggested and final grades (CQ-9 cap), consequences (CQ-10)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.appraisal.grading import (
    ABSENCE_WARNING,
    BELOW_TARGET,
    NO_SERVICE,
    OVER_CAP,
    TOP_RANKED,
    GradeError,
    build_dossier,
    build_dossiers,
    consequences,
    set_final_grades,
    suggest_grades,
)
from server.appraisal.model import GradeRecord, Opinion, Planner
from server.people.dismissal import found_grounds
from shared.profiles import Profile, load_profile
from tests.server.factories import at, attendance, confirmed_visits, feedback, opinion, visit

PLANNER = Planner(1, "王规划", 1, "示范区")


def planners(n: int) -> list[Planner]:
    return [Planner(i, f"规划师{i}", 1, "示范区") for i in range(1, n + 1)]


def test_dossier_numbers_trace_back_to_their_records(profile: Profile) -> None:
    visits = confirmed_visits(1, 3, minutes=90)
    pending = visit(1, at(2026, 8, 1), review="pending")
    other_planner = visit(2, at(2026, 8, 2))
    ops = [
        opinion(1, 5, "adopted", dissent="保留意见：建筑限高应为 24 米。", issued_at=at(2026, 3, 1)),
        opinion(1, 3, "partly", issued_at=at(2026, 4, 1)),
        opinion(1, None, None, issued_at=at(2026, 5, 1)),
        opinion(1, 4, "not_adopted", issued_at=at(2025, 12, 30)),  # last year
    ]
    fb = [feedback(1, collected_at=at(2026, 2, 1)), feedback(1, collected_at=at(2026, 2, 2)), feedback(2)]
    att = attendance(1, "AEUA")
    d = build_dossier(PLANNER, 2026, profile, [*visits, pending, other_planner], ops, fb, att)

    assert d.confirmed_visits.value == 3
    assert d.confirmed_visits.record_ids == tuple(v.id for v in visits)
    assert d.hours.value == 4.5
    assert d.hours.record_ids == tuple(v.id for v in visits)
    assert d.opinions.value == 3
    assert d.opinions.record_ids == (ops[0].id, ops[1].id, ops[2].id)
    assert d.opinion_quality.value == 4.0  # (5 + 3) / 2; the unrated one is left out
    assert d.opinion_quality.record_ids == (ops[0].id, ops[1].id)
    assert (d.adopted.value, d.partly_adopted.value, d.not_adopted.value) == (1, 1, 0)
    assert d.adopted.record_ids == (ops[0].id,)
    assert d.dissents.record_ids == (ops[0].id,)
    assert d.feedback.value == 2
    assert d.feedback.record_ids == (fb[0].id, fb[1].id)
    assert (d.activities_attended.value, d.absences_excused.value, d.absences_unexcused.value) == (2, 1, 1)
    assert d.absences_unexcused.record_ids == (att[2].ref,)
    assert d.absences_unexcused.kind == "activity"


def test_dossier_hours_are_the_sum_of_each_visits_rounded_hours(profile: Profile) -> None:
    # 20 minutes = 0.33 h as shown on each visit; three of them are 0.99 h, not 1.00 h.
    d = build_dossier(PLANNER, 2026, profile, confirmed_visits(1, 3, minutes=20))
    assert d.hours.value == 0.99


def test_dossier_without_records_has_zeros_and_no_quality(profile: Profile) -> None:
    d = build_dossier(PLANNER, 2026, profile)
    assert (d.confirmed_visits.value, d.hours.value, d.opinions.value) == (0, 0, 0)
    assert d.opinion_quality.value is None
    assert d.opinion_quality.record_ids == ()


def test_cq5_dossier_compares_visits_to_the_target(profile: Profile) -> None:
    d = build_dossier(PLANNER, 2026, profile, confirmed_visits(1, 9))
    assert d.meets_target is (None if profile.visit_target is None else False)


# --- final grades: CQ-9 cap ---


def test_cq9_fourth_excellent_among_10_planners_is_refused(chongqing: Profile) -> None:
    grades: dict[int, str | None] = {i: "称职" for i in range(1, 11)}
    for pid in (2, 5, 7, 9):
        grades[pid] = "优秀"
    with pytest.raises(GradeError) as err:
        set_final_grades(grades, chongqing)
    assert (err.value.planner_id, err.value.grade, err.value.field) == (9, "优秀", "grades.9")
    assert "at most 3 of 10" in str(err.value)


def test_cq9_three_excellent_among_10_planners_are_accepted(chongqing: Profile) -> None:
    grades: dict[int, str | None] = {i: "称职" for i in range(1, 11)}
    for pid in (2, 5, 7):
        grades[pid] = "优秀"
    assert set_final_grades(grades, chongqing) == grades


def test_cq9_nine_planners_allow_only_two_excellent(chongqing: Profile) -> None:
    grades: dict[int, str | None] = {i: "称职" for i in range(1, 10)}
    grades[1] = grades[2] = grades[3] = "优秀"
    with pytest.raises(GradeError) as err:
        set_final_grades(grades, chongqing)
    assert err.value.planner_id == 3


def test_cq9_planners_not_yet_graded_still_count_as_appraised(chongqing: Profile) -> None:
    grades: dict[int, str | None] = {i: None for i in range(1, 11)}
    grades[1] = grades[2] = grades[3] = "优秀"
    assert set_final_grades(grades, chongqing)[3] == "优秀"


def test_pds10_pingdingshan_sets_no_excellent_cap(pingdingshan: Profile) -> None:
    grades: dict[int, str | None] = {i: "优秀" for i in range(1, 11)}
    assert set_final_grades(grades, pingdingshan) == grades


def test_a_grade_of_the_other_profile_is_refused_naming_the_planner(profile: Profile) -> None:
    foreign = "合格" if profile.name == "chongqing" else "称职"
    with pytest.raises(GradeError) as err:
        set_final_grades({1: profile.grades[1], 4: foreign}, profile)
    assert (err.value.planner_id, err.value.grade) == (4, foreign)
    assert str(err.value).startswith("grades.4: ")


def test_english_grade_names_are_stored_as_the_profiles_chinese_names(profile: Profile) -> None:
    assert set_final_grades({1: profile.grades_en[1], 2: profile.grades_en[2]}, profile) == {
        1: profile.grades[1],
        2: profile.grades[2],
    }


# --- suggested grades ---


def _opinions(pid: int, quality: int, n: int = 2) -> list[Opinion]:
    return [opinion(pid, quality) for _ in range(n)]


def test_cq9_suggested_excellent_is_limited_by_the_cap_and_ranked_by_visits_then_quality(
    chongqing: Profile,
) -> None:
    ps = planners(10)
    visits = [v for p in ps for v in confirmed_visits(p.id, 10 + p.id % 5)]
    # Candidates (quality >= 4): 1 (11 visits), 2 (12), 3 (13, quality 4), 4 (14), 8 (13, quality 5).
    ops = [*_opinions(1, 5), *_opinions(2, 4), *_opinions(3, 4), *_opinions(4, 5), *_opinions(8, 5)]
    ops += [o for pid in (5, 6, 7, 9, 10) for o in _opinions(pid, 3)]
    dossiers = build_dossiers(ps, 2026, chongqing, visits, ops)
    by_id = {s.planner_id: s for s in suggest_grades(dossiers, chongqing)}
    assert [pid for pid, s in by_id.items() if s.grade == "优秀"] == [3, 4, 8]
    assert [by_id[p].rank for p in (4, 8, 3, 2, 1)] == [1, 2, 3, 4, 5]
    assert by_id[2].grade == by_id[1].grade == "称职"
    assert by_id[2].reasons == (OVER_CAP,)
    assert by_id[4].reasons == (TOP_RANKED,)
    assert by_id[5].grade == "称职" and by_id[5].reasons == ()


def test_cq5_below_target_suggests_incompetent_but_qualified_in_pingdingshan(profile: Profile) -> None:
    d = build_dossier(PLANNER, 2026, profile, confirmed_visits(1, 9), _opinions(1, 3))
    [s] = suggest_grades([d], profile)
    if profile.name == "chongqing":
        assert (s.grade, s.reasons) == ("不称职", (BELOW_TARGET,))
    else:
        assert (s.grade, s.reasons) == ("合格", ())


def test_cq11_absences_are_a_ground_for_dismissal_not_a_suggested_grade(profile: Profile) -> None:
    d = build_dossier(
        PLANNER, 2026, profile, confirmed_visits(1, 12), _opinions(1, 3), attendance=attendance(1, "UUU")
    )
    [s] = suggest_grades([d], profile)
    assert ABSENCE_WARNING not in profile.suggestions.failing_when
    assert (s.grade, s.reasons) == (profile.grades[1], ())
    grounds = [f.ground.code for f in found_grounds(profile, d.absence_warning, None)]
    assert grounds == (["absences"] if profile.name == "chongqing" else [])


def test_a_profile_that_bases_suggestions_on_absences_suggests_the_failing_grade(chongqing: Profile) -> None:
    basis = replace(chongqing.suggestions, failing_when=(ABSENCE_WARNING, BELOW_TARGET, NO_SERVICE))
    strict = replace(chongqing, suggestions=basis)
    d = build_dossier(
        PLANNER, 2026, strict, confirmed_visits(1, 12), _opinions(1, 3), attendance=attendance(1, "UUU")
    )
    [s] = suggest_grades([d], strict)
    assert (s.grade, s.reasons) == ("不称职", (ABSENCE_WARNING,))


def test_cq9_the_profile_sets_the_opinion_quality_an_excellent_suggestion_needs(chongqing: Profile) -> None:
    assert chongqing.suggestions.excellent_min_quality == 4.0
    ps = planners(4)
    visits = [v for p in ps for v in confirmed_visits(p.id, 12)]
    ops = [o for p in ps for o in _opinions(p.id, 4)]
    dossiers = build_dossiers(ps, 2026, chongqing, visits, ops)
    assert [s.grade for s in suggest_grades(dossiers, chongqing)].count("优秀") == 1  # floor(4 x 30%)
    basis = replace(chongqing.suggestions, excellent_min_quality=None)
    none_excellent = replace(chongqing, suggestions=basis)
    assert {s.grade for s in suggest_grades(dossiers, none_excellent)} == {"称职"}


def test_pds10_a_year_without_any_service_suggests_the_failing_grade(profile: Profile) -> None:
    d = build_dossier(PLANNER, 2026, profile, feedback=[feedback(1)])
    [s] = suggest_grades([d], profile)
    assert s.grade == profile.failing_grade
    assert NO_SERVICE in s.reasons


def test_pds10_without_a_cap_every_strong_planner_is_suggested_excellent(pingdingshan: Profile) -> None:
    ps = planners(3)
    dossiers = build_dossiers(
        ps,
        2026,
        pingdingshan,
        [v for p in ps for v in confirmed_visits(p.id, 4)],
        [o for p in ps for o in _opinions(p.id, 5)],
    )
    assert [s.grade for s in suggest_grades(dossiers, pingdingshan)] == ["优秀", "优秀", "优秀"]


def test_cq9_three_planners_allow_no_excellent_suggestion(chongqing: Profile) -> None:
    ps = planners(3)
    dossiers = build_dossiers(
        ps,
        2026,
        chongqing,
        [v for p in ps for v in confirmed_visits(p.id, 12)],
        [o for p in ps for o in _opinions(p.id, 5)],
    )
    assert [s.grade for s in suggest_grades(dossiers, chongqing)] == ["称职", "称职", "称职"]


# --- consequences ---


def _history(pid: int, grades: dict[int, str]) -> list[GradeRecord]:
    return [GradeRecord(pid, y, g) for y, g in grades.items()]


def test_pds10_unqualified_not_renewed_and_removed_from_pool(pingdingshan: Profile) -> None:
    out = consequences(_history(1, {2026: "不合格"}), 2026, pingdingshan)
    assert [(c.code, c.rule_id, c.planner_id) for c in out] == [
        ("not_renewed", "PDS-10", 1),
        ("removed_from_pool", "PDS-10", 1),
    ]


def test_pds10_qualified_and_excellent_have_no_consequence(pingdingshan: Profile) -> None:
    history = _history(1, {2026: "合格"}) + _history(2, {2024: "优秀", 2025: "优秀", 2026: "优秀"})
    assert consequences(history, 2026, pingdingshan) == []


def test_cq10_one_year_competent_waives_a_year_of_continuing_education_hours(chongqing: Profile) -> None:
    out = consequences(_history(1, {2026: "称职"}), 2026, chongqing)
    assert [(c.code, c.rule_id) for c in out] == [("continuing_education_waived", "CQ-10")]


def test_cq11_graded_incompetent_leads_to_dismissal_and_no_waiver(chongqing: Profile) -> None:
    out = consequences(_history(1, {2026: "不称职"}), 2026, chongqing)
    assert [(c.code, c.rule_id) for c in out] == [("dismissal", "CQ-11")]


def test_cq10_three_years_served_with_one_excellent_gives_title_priority(chongqing: Profile) -> None:
    out = consequences(_history(1, {2024: "优秀", 2025: "称职", 2026: "称职"}), 2026, chongqing)
    assert [c.code for c in out] == ["continuing_education_waived", "title_priority"]
    assert out[1].params == {"years_served": 3, "excellent_years": [2024]}


def test_cq10_two_years_served_is_not_yet_title_priority(chongqing: Profile) -> None:
    out = consequences(_history(1, {2025: "优秀", 2026: "优秀"}), 2026, chongqing)
    assert "title_priority" not in [c.code for c in out]


def test_cq10_three_years_without_excellent_is_no_title_priority(chongqing: Profile) -> None:
    out = consequences(_history(1, {2024: "称职", 2025: "称职", 2026: "称职"}), 2026, chongqing)
    assert [c.code for c in out] == ["continuing_education_waived"]


def test_cq10_excellent_three_years_running_recommended_first_for_talent_programmes(
    chongqing: Profile,
) -> None:
    out = consequences(_history(1, {2024: "优秀", 2025: "优秀", 2026: "优秀"}), 2026, chongqing)
    assert [c.code for c in out] == [
        "continuing_education_waived",
        "title_priority",
        "talent_programme_first",
    ]
    assert out[2].params == {"excellent_years": [2024, 2025, 2026]}


def test_cq10_three_excellent_with_a_gap_is_not_running(chongqing: Profile) -> None:
    history = _history(1, {2023: "优秀", 2024: "优秀", 2025: "称职", 2026: "优秀"})
    assert "talent_programme_first" not in [c.code for c in consequences(history, 2026, chongqing)]
    gap = _history(2, {2023: "优秀", 2024: "优秀", 2026: "优秀"})
    assert "talent_programme_first" not in [c.code for c in consequences(gap, 2026, chongqing)]


def test_cq10_consequences_are_given_only_for_the_year_asked_and_to_each_planner(chongqing: Profile) -> None:
    history = _history(1, {2025: "称职"}) + _history(2, {2026: "称职"})
    assert [(c.planner_id, c.year) for c in consequences(history, 2026, chongqing)] == [(2, 2026)]


def test_cq10_rules_do_not_apply_in_pingdingshan(pingdingshan: Profile) -> None:
    history = _history(1, {2024: "优秀", 2025: "优秀", 2026: "优秀"})
    assert consequences(history, 2026, pingdingshan) == []


def test_a_history_with_a_grade_of_another_profile_is_refused(pingdingshan: Profile) -> None:
    with pytest.raises(GradeError) as err:
        consequences(_history(3, {2026: "称职"}), 2026, pingdingshan)
    assert err.value.planner_id == 3


@given(st.lists(st.sampled_from(["优秀", "称职", "不称职", None]), min_size=1, max_size=40))
def test_cq9_final_grades_are_accepted_exactly_when_excellent_is_at_most_30_percent(
    grades: list[str | None],
) -> None:
    chongqing = load_profile("chongqing")
    mapping = dict(enumerate(grades, start=1))
    excellent = grades.count("优秀")
    allowed = excellent * 10 <= len(grades) * 3  # 30%, in whole numbers
    try:
        set_final_grades(mapping, chongqing)
        accepted = True
    except GradeError as err:
        accepted = False
        assert err.grade == "优秀"
    assert accepted is allowed
