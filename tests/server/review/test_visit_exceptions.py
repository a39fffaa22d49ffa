"""Exceptions on visits and confirming them with a reason code, in both profiles."""

from __future__ import annotations

from datetime import timedelta

import pytest

from server.review.exceptions import (
    CLOCK_SKEW,
    FLAG_LABELS,
    FLAGS,
    INACCURATE_LOCATION,
    LATE_SYNC,
    NO_LOCATION,
    NO_PHOTO,
    OPEN,
    OUTSIDE_AREA,
    PHOTOS_MISSING,
    REASON_CODES,
    TOO_LONG,
    TOO_SHORT,
    ConfirmationError,
    validate_confirmation,
    visit_flag_details,
    visit_flags,
)
from shared.geo import Circle, Polygon, haversine_m
from shared.profiles import Profile
from tests.server.factories import PHOTO, at, visit

CENTRE = (33.7453, 113.1925)
AREA = Circle(CENTRE, 2_000)
METRES_PER_DEG_LAT = haversine_m((33.0, 113.0), (34.0, 113.0))


def north_of_edge(metres: float) -> tuple[float, float]:
    """A point ``metres`` north of AREA's northern edge."""
    return (CENTRE[0] + (2_000 + metres) / METRES_PER_DEG_LAT, CENTRE[1])


def test_a_normal_visit_inside_the_area_has_no_flags(profile: Profile) -> None:
    assert visit_flags(visit(), profile, AREA) == ()


def test_a_visit_beyond_the_distance_tolerance_is_outside_area(profile: Profile) -> None:
    tolerance = profile.exceptions.distance_tolerance_m
    assert tolerance is not None
    lat, lon = north_of_edge(tolerance + 300)
    details = visit_flag_details(visit(lat=lat, lon=lon), profile, AREA)
    assert [f.code for f in details] == [OUTSIDE_AREA]
    assert details[0].params["distance_m"] == pytest.approx(tolerance + 300, abs=2)


def test_a_visit_just_outside_the_area_but_within_tolerance_is_not_flagged(profile: Profile) -> None:
    tolerance = profile.exceptions.distance_tolerance_m
    assert tolerance is not None
    lat, lon = north_of_edge(tolerance - 100)
    assert visit_flags(visit(lat=lat, lon=lon), profile, AREA) == ()


def test_distance_is_measured_to_a_polygon_area_too(profile: Profile) -> None:
    square = Polygon(((33.70, 113.15), (33.70, 113.25), (33.78, 113.25), (33.78, 113.15)))
    assert visit_flags(visit(lat=33.74, lon=113.20), profile, square) == ()
    assert OUTSIDE_AREA in visit_flags(visit(lat=33.74, lon=113.30), profile, square)  # ~4.6 km east


def test_without_an_area_the_position_is_not_checked(profile: Profile) -> None:
    assert visit_flags(visit(lat=39.9, lon=116.4), profile, None) == ()
    assert visit_flags(visit(lat=None, lon=None), profile, None) == ()


def test_a_visit_without_position_in_a_planner_with_an_area_is_flagged(profile: Profile) -> None:
    assert visit_flags(visit(lat=None, lon=None), profile, AREA) == (NO_LOCATION,)


def test_a_gps_fix_less_precise_than_the_tolerance_is_flagged(profile: Profile) -> None:
    tolerance = profile.exceptions.distance_tolerance_m
    assert tolerance is not None
    assert visit_flags(visit(accuracy_m=tolerance * 3), profile, AREA) == (INACCURATE_LOCATION,)


def test_a_visit_under_the_minimum_duration_is_too_short(profile: Profile) -> None:
    minimum = profile.exceptions.min_visit_minutes
    assert minimum is not None
    assert visit_flags(visit(minutes=minimum - 1), profile, AREA) == (TOO_SHORT,)
    assert visit_flags(visit(minutes=minimum), profile, AREA) == ()


def test_a_visit_over_the_maximum_duration_is_too_long(profile: Profile) -> None:
    maximum = profile.exceptions.max_visit_hours
    assert maximum is not None
    assert visit_flags(visit(minutes=maximum * 60 + 1), profile, AREA) == (TOO_LONG,)
    assert visit_flags(visit(minutes=maximum * 60), profile, AREA) == ()


def test_a_visit_without_photos_is_flagged(profile: Profile) -> None:
    assert visit_flags(visit(photos=()), profile, AREA) == (NO_PHOTO,)


def test_a_visit_whose_photos_have_not_all_arrived_is_flagged(profile: Profile) -> None:
    second = "b" * 64
    details = visit_flag_details(visit(photos=(PHOTO, second), photos_missing=(second,)), profile, AREA)
    assert [(f.code, f.params) for f in details] == [(PHOTOS_MISSING, {"missing": 1, "total": 2})]


def test_a_visit_synced_after_the_late_sync_limit_is_flagged(profile: Profile) -> None:
    days = profile.exceptions.late_sync_days
    assert days is not None
    start = at(2026, 5, 12)
    end = start + timedelta(hours=1)
    late = visit(start=start, minutes=60, received_at=end + timedelta(days=days, hours=1))
    on_time = visit(start=start, minutes=60, received_at=end + timedelta(days=days))
    assert visit_flags(late, profile, AREA) == (LATE_SYNC,)
    assert visit_flags(on_time, profile, AREA) == ()


def test_a_visit_from_a_skewed_device_clock_is_flagged_either_way(profile: Profile) -> None:
    limit = profile.exceptions.clock_skew_minutes
    assert limit is not None
    assert visit_flags(visit(clock_offset_s=(limit + 1) * 60), profile, AREA) == (CLOCK_SKEW,)
    assert visit_flags(visit(clock_offset_s=-(limit + 1) * 60), profile, AREA) == (CLOCK_SKEW,)
    assert visit_flags(visit(clock_offset_s=(limit - 1) * 60), profile, AREA) == ()


def test_a_visit_without_check_out_is_open(profile: Profile) -> None:
    assert visit_flags(visit(minutes=None), profile, AREA) == (OPEN,)


def test_several_exceptions_are_all_reported_in_display_order(profile: Profile) -> None:
    lat, lon = north_of_edge(5_000)
    codes = visit_flags(visit(lat=lat, lon=lon, minutes=5, photos=(), clock_offset_s=3600), profile, AREA)
    assert codes == (OUTSIDE_AREA, TOO_SHORT, NO_PHOTO, CLOCK_SKEW)
    assert list(codes) == [f for f in FLAGS if f in codes]


def test_every_flag_and_reason_code_has_a_chinese_and_an_english_label() -> None:
    for zh, en in FLAG_LABELS.values():
        assert zh and en and zh != en
    assert {r.code for r in REASON_CODES} >= {
        "verified_by_phone",
        "gps_unavailable",
        "area_boundary",
        "device_clock",
        "other",
    }
    for r in REASON_CODES:
        assert r.label_zh and r.label_en


def test_a_visit_without_flags_is_confirmed_without_a_reason() -> None:
    validate_confirmation((), None)


def test_a_flagged_visit_cannot_be_confirmed_without_a_reason_code(profile: Profile) -> None:
    flags = visit_flags(visit(photos=()), profile, AREA)
    with pytest.raises(ConfirmationError) as err:
        validate_confirmation(flags, None)
    assert err.value.field == "reason_code"
    assert "no_photo" in str(err.value)
    with pytest.raises(ConfirmationError) as err:
        validate_confirmation(flags, "")
    assert err.value.field == "reason_code"


def test_a_flagged_visit_is_confirmed_with_a_known_reason_code(profile: Profile) -> None:
    flags = visit_flags(visit(clock_offset_s=7200), profile, AREA)
    validate_confirmation(flags, "device_clock")


def test_an_unknown_reason_code_is_refused_by_name() -> None:
    with pytest.raises(ConfirmationError) as err:
        validate_confirmation((OUTSIDE_AREA,), "because")
    assert err.value.field == "reason_code"
    assert str(err.value).startswith("reason_code: must be one of verified_by_phone")


def test_reason_other_needs_a_note() -> None:
    with pytest.raises(ConfirmationError) as err:
        validate_confirmation((OUTSIDE_AREA,), "other", "  ")
    assert err.value.field == "note"
    validate_confirmation((OUTSIDE_AREA,), "other", "区里临时改在相邻街道开会")


def test_an_open_visit_cannot_be_confirmed_even_with_a_reason(profile: Profile) -> None:
    flags = visit_flags(visit(minutes=None), profile, AREA)
    with pytest.raises(ConfirmationError) as err:
        validate_confirmation(flags, "verified_by_phone")
    assert err.value.field == "ended_at"
