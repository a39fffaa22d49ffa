"""Policy profiles are data: the numbers of RULES.md, and empty where a policy sets none."""

from __future__ import annotations

import pytest

from shared.profiles import active_profile, load_profile


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
