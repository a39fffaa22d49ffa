"""The public notice (PDS-4) on China's calendar, and where a candidate stands, computed when read."""

from __future__ import annotations

from datetime import date

from server.term.status import Objection, entry_day, notice_end, notice_long_enough, standing
from shared.profiles import Profile


def test_pds4_a_notice_filed_on_29_september_runs_past_national_day_week(pingdingshan: Profile) -> None:
    # Tue 29 and Wed 30 Sep, then 1-7 Oct off, then Thu 8, Fri 9 and the adjusted working Saturday 10 Oct.
    assert notice_end(date(2026, 9, 29), pingdingshan) == date(2026, 10, 10)
    assert entry_day(date(2026, 10, 10), []) == date(2026, 10, 11)


def test_pds4_an_adjusted_working_saturday_counts(pingdingshan: Profile) -> None:
    # Saturday 28 February 2026 is a working day (Spring Festival schedule): Tue 24 to Sat 28 is five.
    assert notice_end(date(2026, 2, 24), pingdingshan) == date(2026, 2, 28)
    # Sunday 20 September 2026 likewise (Mid-Autumn and National Day schedule): Tue 15 to Sun 20.
    assert notice_end(date(2026, 9, 15), pingdingshan) == date(2026, 9, 20)
    # An ordinary week: Mon 9 to Fri 13 March.
    assert notice_end(date(2026, 3, 9), pingdingshan) == date(2026, 3, 13)


def test_pds4_a_notice_shorter_than_five_working_days_is_not_long_enough(pingdingshan: Profile) -> None:
    assert notice_long_enough(date(2026, 9, 29), date(2026, 10, 10), pingdingshan)
    assert not notice_long_enough(date(2026, 9, 29), date(2026, 10, 9), pingdingshan)
    # Seven calendar days over National Day are only two working days.
    assert not notice_long_enough(date(2026, 9, 29), date(2026, 10, 7), pingdingshan)


def test_cq_sets_no_public_notice(chongqing: Profile) -> None:
    assert notice_end(date(2026, 9, 29), chongqing) is None
    assert notice_long_enough(date(2026, 9, 29), date(2026, 9, 29), chongqing)


def test_pds4_the_candidate_is_a_member_from_the_day_after_the_notice_ends() -> None:
    ends = date(2026, 10, 10)
    on_last_day = standing("in_notice", date(2026, 10, 10), date(2026, 9, 28), ends)
    assert (on_last_day.status, on_last_day.member_since) == ("in_notice", None)
    after = standing("in_notice", date(2026, 10, 11), date(2026, 9, 28), ends)
    assert (after.status, after.member_since) == ("member", date(2026, 10, 11))
    # Read weeks later, the entry day is the same.
    assert standing("in_notice", date(2026, 12, 1), date(2026, 9, 28), ends).member_since == date(
        2026, 10, 11
    )


def test_pds4_an_open_objection_holds_the_entry_and_a_dismissed_one_lets_it_be() -> None:
    ends = date(2026, 10, 10)
    waiting = standing("in_notice", date(2026, 10, 20), date(2026, 9, 28), ends, [Objection("open")])
    assert (waiting.status, waiting.objection_open) == ("in_notice", True)
    in_time = standing(
        "in_notice", date(2026, 10, 20), None, ends, [Objection("dismissed", date(2026, 10, 9))]
    )
    assert in_time.member_since == date(2026, 10, 11)
    late = standing("in_notice", date(2026, 10, 20), None, ends, [Objection("dismissed", date(2026, 10, 15))])
    assert late.member_since == date(2026, 10, 15)


def test_cq_an_approved_candidate_is_a_member_from_the_review() -> None:
    s = standing("member", date(2026, 12, 1), date(2026, 11, 2))
    assert (s.status, s.member_since) == ("member", date(2026, 11, 2))


def test_a_removed_member_keeps_the_day_they_entered() -> None:
    s = standing("removed", date(2026, 12, 1), date(2026, 9, 28), date(2026, 10, 10))
    assert (s.status, s.member_since) == ("removed", date(2026, 10, 11))
