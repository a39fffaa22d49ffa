"""Visit exceptions: what makes a visit need a reason code before district staff may confirm it.

Thresholds come from the profile's ``[exceptions]`` table. A visit is flagged when it is
``outside_area`` (farther than ``distance_tolerance_m`` from the planner's responsibility area),
``no_location`` (an area is set but the visit has no position), ``inaccurate_location`` (the GPS accuracy
circle is wider than the tolerance, so the position proves nothing), ``too_short`` / ``too_long``
(under ``min_visit_minutes`` or over ``max_visit_hours``), ``no_photo``, ``photos_missing`` (listed photos
the server has not received), ``late_sync`` (received more than ``late_sync_days`` after it ended),
``clock_skew`` (the phone's clock was off by more than ``clock_skew_minutes``) or ``open`` (no check-out).

Confirming a flagged visit needs one of `REASON_CODES`; ``other`` also needs a note. An open visit cannot
be confirmed at all: it has no end, so no hours, and would never count (shared.rules.counted_visits).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Final

from server.appraisal.model import Visit
from shared.geo import Area, distance_to_area_m
from shared.profiles import Profile

OUTSIDE_AREA: Final = "outside_area"
NO_LOCATION: Final = "no_location"
INACCURATE_LOCATION: Final = "inaccurate_location"
TOO_SHORT: Final = "too_short"
TOO_LONG: Final = "too_long"
NO_PHOTO: Final = "no_photo"
PHOTOS_MISSING: Final = "photos_missing"
LATE_SYNC: Final = "late_sync"
CLOCK_SKEW: Final = "clock_skew"
OPEN: Final = "open"

#: Flag codes in display order, with their labels (zh-CN first).
FLAG_LABELS: Final[dict[str, tuple[str, str]]] = {
    OUTSIDE_AREA: ("超出责任范围", "Outside the responsibility area"),
    NO_LOCATION: ("无定位", "No location"),
    INACCURATE_LOCATION: ("定位精度不足", "Location too inaccurate"),
    TOO_SHORT: ("时长过短", "Too short"),
    TOO_LONG: ("时长过长", "Too long"),
    NO_PHOTO: ("无现场照片", "No photo"),
    PHOTOS_MISSING: ("照片未上传完", "Photos not yet uploaded"),
    LATE_SYNC: ("同步过晚", "Synced late"),
    CLOCK_SKEW: ("设备时间偏差", "Device clock off"),
    OPEN: ("未签退", "No check-out"),
}
FLAGS: Final = tuple(FLAG_LABELS)


@dataclass(frozen=True)
class ReasonCode:
    code: str
    label_zh: str
    label_en: str
    needs_note: bool = False


#: Why staff confirm a flagged visit anyway. Data, so the UI lists exactly these.
REASON_CODES: Final = (
    ReasonCode("verified_by_phone", "已电话核实", "Verified by phone"),
    ReasonCode("gps_unavailable", "定位信号不可用", "GPS unavailable"),
    ReasonCode("area_boundary", "责任范围边界附近或相关区域", "At or near the area boundary"),
    ReasonCode("device_clock", "设备时间有误", "Device clock was wrong"),
    ReasonCode("no_network", "现场无网络，延后同步", "No network on site, synced later"),
    ReasonCode("photo_not_allowed", "现场不便拍照", "Photos not possible on site"),
    ReasonCode("other", "其他（须填写说明）", "Other (note required)", needs_note=True),
)
REASONS_BY_CODE: Final = {r.code: r for r in REASON_CODES}


@dataclass(frozen=True)
class Flag:
    """One exception on a visit with what was measured, for the reviewer's screen."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)


def visit_flag_details(visit: Visit, profile: Profile, area: Area | None = None) -> tuple[Flag, ...]:
    """The exceptions on ``visit`` under ``profile``, measured against the planner's responsibility ``area``.

    A threshold the profile leaves empty is not checked.
    """
    ex = profile.exceptions
    flags: list[Flag] = []
    if area is not None and ex.distance_tolerance_m is not None:
        if visit.lat is None or visit.lon is None:
            flags.append(Flag(NO_LOCATION))
        else:
            distance = distance_to_area_m((visit.lat, visit.lon), area)
            if distance > ex.distance_tolerance_m:
                flags.append(
                    Flag(
                        OUTSIDE_AREA, {"distance_m": round(distance), "tolerance_m": ex.distance_tolerance_m}
                    )
                )
            if visit.accuracy_m is not None and visit.accuracy_m > ex.distance_tolerance_m:
                flags.append(
                    Flag(
                        INACCURATE_LOCATION,
                        {"accuracy_m": round(visit.accuracy_m), "tolerance_m": ex.distance_tolerance_m},
                    )
                )
    if visit.ended_at is not None:
        minutes = (visit.ended_at - visit.started_at).total_seconds() / 60
        if ex.min_visit_minutes is not None and minutes < ex.min_visit_minutes:
            flags.append(Flag(TOO_SHORT, {"minutes": round(minutes), "min_minutes": ex.min_visit_minutes}))
        if ex.max_visit_hours is not None and minutes > ex.max_visit_hours * 60:
            flags.append(Flag(TOO_LONG, {"hours": round(minutes / 60, 1), "max_hours": ex.max_visit_hours}))
    if not visit.photos:
        flags.append(Flag(NO_PHOTO))
    elif visit.photos_missing:
        flags.append(Flag(PHOTOS_MISSING, {"missing": len(visit.photos_missing), "total": len(visit.photos)}))
    if ex.late_sync_days is not None and visit.received_at is not None:
        end = visit.ended_at or visit.started_at
        days = (visit.received_at - end).total_seconds() / 86_400
        if days > ex.late_sync_days:
            flags.append(Flag(LATE_SYNC, {"days": round(days, 1), "max_days": ex.late_sync_days}))
    if ex.clock_skew_minutes is not None and visit.clock_offset_s is not None:
        skew = abs(visit.clock_offset_s) / 60
        if skew > ex.clock_skew_minutes:
            flags.append(Flag(CLOCK_SKEW, {"minutes": round(skew), "max_minutes": ex.clock_skew_minutes}))
    if visit.ended_at is None:
        flags.append(Flag(OPEN))
    return tuple(flags)


def visit_flags(visit: Visit, profile: Profile, area: Area | None = None) -> tuple[str, ...]:
    """The flag codes of `visit_flag_details`."""
    return tuple(f.code for f in visit_flag_details(visit, profile, area))


class ConfirmationError(ValueError):
    """A confirmation the rules refuse; ``field`` names what to fix (reason_code, note or ended_at)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def validate_confirmation(flags: Iterable[str], reason_code: str | None, note: str | None = None) -> None:
    """Allow confirming a visit with ``flags``, or raise `ConfirmationError` naming the field to fix.

    A visit without flags needs no reason; one with flags needs a known reason code; ``other`` needs a note.
    """
    codes = tuple(flags)
    if OPEN in codes:
        raise ConfirmationError("ended_at", "an open visit (no check-out) cannot be confirmed")
    if reason_code is not None and reason_code != "" and reason_code not in REASONS_BY_CODE:
        raise ConfirmationError("reason_code", f"must be one of {', '.join(REASONS_BY_CODE)}")
    if codes and not reason_code:
        raise ConfirmationError("reason_code", f"is required to confirm a visit flagged {', '.join(codes)}")
    if reason_code and REASONS_BY_CODE[reason_code].needs_note and not (note and note.strip()):
        raise ConfirmationError("note", f"is required with reason code {reason_code}")
