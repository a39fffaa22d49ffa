"""Policy profiles are data: the numbers of RULES.md, and empty where a policy sets none."""

from __future__ import annotations

import pytest

from shared.profiles import active_profile, load_profile, parse_profile


def test_cq5_cq9_cq11_chongqing_numbers() -> None:
    p = load_profile("chongqing")
    assert p.visit_target == 10
    assert p.grades == ("优秀", "称职", "不称职")
    assert p.excellent_cap == pytest.approx(0.30)
    assert (p.absence_consecutive_limit, p.absence_yearly_limit) == (3, 5)
    assert p.report_period_months == 3


def test_pds_pingdingshan_numbers() -> None:
    p = load_profile("pingdingshan")
    assert p.grades == ("优秀", "合格", "不合格")  # PDS-10
    assert p.term_years == 1  # PDS-10
    assert p.pool_notice_working_days == 5  # PDS-4
    assert p.exit_notice_working_days == 15  # PDS-11
    assert p.allowance_cny_per_year == 5000  # PDS-9


def test_the_parts_of_the_term_each_profile_has() -> None:
    pds, cq = load_profile("pingdingshan"), load_profile("chongqing")
    # CQ-6: travel claims and work funds; CQ-1, CQ-8: the HR bureau; PDS-10: the district's part.
    assert (cq.travel_claims, cq.work_funds, cq.hr_bureau) == (True, True, "重庆市人力资源和社会保障局")
    assert (pds.travel_claims, pds.work_funds, pds.hr_bureau) == (False, False, None)
    assert pds.district_assessment_criteria == (
        "service_attitude",
        "professional_ability",
        "district_feedback",
    )
    assert cq.district_assessment_criteria == ()
    assert (pds.bureau_name, cq.bureau_name) == ("平顶山市自然资源和规划局", "重庆市规划和自然资源局")


def test_fieldlogs_own_settings_live_in_the_profile_and_say_what_suggestions_rest_on() -> None:
    for p in (load_profile("pingdingshan"), load_profile("chongqing")):
        assert p.term_warning_days == 30
        assert p.suggestions.failing_when == ("below_target", "no_service")
        assert p.suggestions.excellent_min_quality == 4.0


def test_a_profile_naming_an_unknown_suggestion_condition_is_refused() -> None:
    text = 'name = "x"\ncity = "x"\nplanner_title = "x"\nplanner_title_en = "x"\n'
    text += 'grades = ["a", "b", "c"]\ngrades_en = ["a", "b", "c"]\n[suggestions]\nfailing_when = ["late"]\n'
    with pytest.raises(ValueError, match=r"^suggestions\.failing_when: 'late'"):
        parse_profile(text)


def test_numbers_a_policy_does_not_set_stay_empty() -> None:
    pds, cq = load_profile("pingdingshan"), load_profile("chongqing")
    assert pds.visit_target is None and pds.excellent_cap is None and pds.absence_yearly_limit is None
    assert cq.term_years is None and cq.exit_notice_working_days is None and cq.allowance_cny_per_year is None


def test_deployment_picks_its_profile_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FIELDLOG_PROFILE", "pingdingshan")
    assert active_profile().name == "pingdingshan"
    monkeypatch.setenv("FIELDLOG_PROFILE", "shanghai")
    with pytest.raises(ValueError, match="FIELDLOG_PROFILE"):
        active_profile()
