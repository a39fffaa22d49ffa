"""PDS-7's ranking of pool members for a request, and PDS-11's days without a planner per district."""

from __future__ import annotations

from datetime import date

from server.term.gaps import district_gap
from server.term.ranking import Member, rank_members


def _m(cid: int, name: str, specialties: tuple[str, ...], **kw: object) -> Member:
    base: dict[str, object] = {"status": "member", "years_in_field": 10, "eligible": True}
    base.update(kw)
    return Member(candidate_id=cid, name=name, specialties=specialties, **base)  # type: ignore[arg-type]


def test_pds7_more_matching_specialties_rank_first_then_grade_then_years() -> None:
    wanted = ("urban_renewal", "landscape")
    members = [
        _m(1, "甲", ("urban_renewal",), years_in_field=30),
        _m(2, "乙", ("urban_renewal", "landscape")),
        _m(3, "丙", ("urban_renewal",), grade="优秀", grade_year=2025, grade_rank=0),
        _m(4, "丁", ("farmland_protection",), years_in_field=40),
        _m(5, "戊", ("urban_renewal",), grade="不合格", grade_year=2025, grade_rank=2),
    ]
    ranked, excluded = rank_members(wanted, members)
    assert [r.member.name for r in ranked] == ["乙", "丙", "甲", "戊", "丁"]
    assert excluded == []
    top = ranked[0]
    assert top.matched == ("urban_renewal", "landscape") and top.missing == ()
    assert top.reasons[0] == {
        "code": "specialty_match",
        "params": {"matched": 2, "wanted": 2, "names": "城市更新、风景园林"},
    }
    assert {"code": "specialty_missing", "params": {"names": "风景园林"}} in ranked[1].reasons


def test_pds7_members_serving_elsewhere_or_in_notice_are_left_out_with_the_reason() -> None:
    members = [
        _m(1, "甲", ("urban_renewal",), service=("serving", "江北区", date(2026, 1, 1))),
        _m(2, "乙", ("urban_renewal",), service=("proposed", "南岸区", None)),
        _m(3, "丙", ("urban_renewal",), status="in_notice", notice_ends_on=date(2026, 12, 10)),
        _m(4, "丁", ("urban_renewal",), eligible=False),
        _m(5, "戊", ("urban_renewal",), status="removed"),
        _m(6, "己", ("urban_renewal",)),
    ]
    ranked, excluded = rank_members(("urban_renewal",), members)
    assert [r.member.name for r in ranked] == ["己"]
    assert [(e.member.name, e.reason["code"]) for e in excluded] == [
        ("甲", "serving"),
        ("乙", "proposed"),
        ("丙", "in_notice"),
        ("丁", "not_eligible"),
    ]
    assert excluded[0].reason["params"] == {"district": "江北区", "since": "2026-01-01"}
    assert excluded[2].reason["params"] == {"ends_on": "2026-12-10"}


def test_pds11_a_district_counts_days_without_a_planner_from_its_first_request() -> None:
    # Asked on 5 January, served from 1 February to 9 March, then nobody until the end of March.
    g = district_gap(
        [(date(2026, 2, 1), date(2026, 3, 9))], date(2026, 1, 5), date(2026, 1, 1), date(2026, 3, 31)
    )
    assert g.spans == ((date(2026, 1, 5), date(2026, 1, 31)), (date(2026, 3, 10), date(2026, 3, 31)))
    assert g.days == 27 + 22
    assert g.current == 22


def test_pds11_a_replacement_the_day_after_leaves_no_gap() -> None:
    served = [(date(2026, 1, 1), date(2026, 3, 9)), (date(2026, 3, 10), None)]
    g = district_gap(served, date(2025, 12, 1), date(2026, 1, 1), date(2026, 6, 30))
    assert (g.days, g.spans, g.current) == (0, (), None)


def test_pds11_two_services_from_one_day_one_still_running_count_as_covered() -> None:
    served = [(date(2026, 1, 1), None), (date(2026, 1, 1), date(2026, 3, 9))]
    g = district_gap(served, date(2025, 12, 1), date(2026, 1, 1), date(2026, 6, 30))
    assert (g.days, g.spans, g.current) == (0, (), None)


def test_pds11_a_district_that_never_asked_has_no_gap() -> None:
    assert district_gap([], None, date(2026, 1, 1), date(2026, 6, 30)).days == 0


def test_pds11_the_current_gap_counts_from_the_last_service_even_before_the_period() -> None:
    g = district_gap(
        [(date(2025, 1, 1), date(2025, 12, 20))], date(2024, 12, 1), date(2026, 1, 1), date(2026, 1, 10)
    )
    assert (g.days, g.current) == (10, 21)
