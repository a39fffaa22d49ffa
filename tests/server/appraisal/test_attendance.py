"""CQ-11: absent without good reason 3 times in a row, or 5 times in one year, warns of dismissal."""

from __future__ import annotations

from datetime import date

from server.appraisal.attendance import absence_warnings, planner_absence_warning
from server.appraisal.model import Attendance
from shared.profiles import Profile
from tests.server.factories import attendance


def test_cq11_three_unexcused_absences_in_a_row_warn(chongqing: Profile) -> None:
    warning = planner_absence_warning(attendance(7, "AUUU"), 2026, chongqing)
    assert warning is not None
    assert (warning.reason, warning.count, warning.limit) == ("consecutive", 3, 3)


def test_cq11_two_unexcused_absences_in_a_row_do_not_warn(chongqing: Profile) -> None:
    assert planner_absence_warning(attendance(7, "AUUAUA"), 2026, chongqing) is None


def test_cq11_five_unexcused_absences_in_one_year_warn_even_apart(chongqing: Profile) -> None:
    warning = planner_absence_warning(attendance(7, "UUAUUAU"), 2026, chongqing)
    assert warning is not None
    assert (warning.reason, warning.count, warning.limit) == ("yearly", 5, 5)


def test_cq11_an_excused_absence_breaks_the_run(chongqing: Profile) -> None:
    assert planner_absence_warning(attendance(7, "UUEU"), 2026, chongqing) is None


def test_cq11_absences_in_another_year_do_not_count(chongqing: Profile) -> None:
    records = [
        Attendance(1, 7, 1, date(2025, 12, 10), "unexcused"),
        Attendance(2, 7, 1, date(2025, 12, 20), "unexcused"),
        Attendance(3, 7, 1, date(2026, 1, 5), "unexcused"),
    ]
    assert planner_absence_warning(records, 2026, chongqing) is None
    assert planner_absence_warning(records, 2025, chongqing) is None


def test_cq11_warnings_are_kept_per_planner(chongqing: Profile) -> None:
    records = attendance(1, "UUU") + attendance(2, "UAU", start_id=10) + attendance(3, "UUAUUAU", start_id=20)
    warnings = absence_warnings(records, 2026, chongqing)
    assert sorted(warnings) == [1, 3]
    assert warnings[1].reason == "consecutive"
    assert warnings[3].reason == "yearly"


def test_cq11_order_of_records_does_not_matter(chongqing: Profile) -> None:
    records = attendance(7, "UAUUU")
    assert planner_absence_warning(list(reversed(records)), 2026, chongqing) == planner_absence_warning(
        records, 2026, chongqing
    )


def test_cq11_pingdingshan_sets_no_absence_thresholds_so_never_warns(pingdingshan: Profile) -> None:
    assert pingdingshan.absence_consecutive_limit is None and pingdingshan.absence_yearly_limit is None
    records = attendance(7, "UUUUUUU")
    assert planner_absence_warning(records, 2026, pingdingshan) is None
    assert absence_warnings(records, 2026, pingdingshan) == {}
