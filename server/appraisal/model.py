"""The plain, frozen inputs of the appraisal logic; the server maps its rows to these.

Times are timezone-aware ``datetime`` (a naive one is refused: its instant is unknown); calendar days
(activities, requests, terms) are ``date`` in the deployment's time zone. Record ids are the strings the
phone made (UUIDs); activities use their server id.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from shared import rules
from shared.geo import Area
from shared.records import FEEDBACK_CATEGORIES, OPINION_KINDS
from shared.rules import ADOPTION, ATTENDANCE, DEFAULT_TZ, PENDING, REVIEW_STATES


def _aware(value: datetime | None, name: str) -> None:
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise ValueError(f"{name}: needs a timezone")


@dataclass(frozen=True)
class Planner:
    id: int
    name: str
    district_id: int
    district_name: str = ""
    #: PDS-1 responsibility area (WGS-84); None when none was drawn, so distance is not checked.
    area: Area | None = None
    #: First day of the current term (PDS-10 term_years); None when the profile sets no term.
    term_start: date | None = None


@dataclass(frozen=True)
class Visit:
    id: str
    planner_id: int
    district_id: int
    started_at: datetime
    ended_at: datetime | None
    site: str = ""
    purpose: str = ""
    lat: float | None = None
    lon: float | None = None
    accuracy_m: float | None = None
    #: Photo digests the record lists, and those of them the server has not received yet.
    photos: tuple[str, ...] = ()
    photos_missing: tuple[str, ...] = ()
    #: When the server first received the record; None while it exists only on the phone.
    received_at: datetime | None = None
    #: server time minus the phone's clock, in seconds, as measured at sync (see shared.protocol).
    clock_offset_s: float | None = None
    review: str = PENDING
    reason_code: str | None = None

    def __post_init__(self) -> None:
        _aware(self.started_at, "started_at")
        _aware(self.ended_at, "ended_at")
        _aware(self.received_at, "received_at")
        if self.review not in REVIEW_STATES:
            raise ValueError(f"review: must be one of {', '.join(REVIEW_STATES)}")


@dataclass(frozen=True)
class Opinion:
    """A written opinion (PDS-2b, CQ-5) with the district's assessment once given."""

    id: str
    planner_id: int
    district_id: int
    subject: str
    opinion_kind: str
    body: str
    issued_at: datetime
    suggestions: str | None = None
    required_changes: str | None = None
    #: CQ-6: the planner's dissent, kept on record.
    dissent: str | None = None
    #: 1 (poor) to 5 (excellent), set by the district or bureau; None while unrated.
    quality: int | None = None
    adoption: str | None = None

    def __post_init__(self) -> None:
        _aware(self.issued_at, "issued_at")
        if self.opinion_kind not in OPINION_KINDS:
            raise ValueError(f"opinion_kind: must be one of {', '.join(OPINION_KINDS)}")
        if self.quality is not None and not 1 <= self.quality <= 5:
            raise ValueError("quality: must be between 1 and 5")
        if self.adoption is not None and self.adoption not in ADOPTION:
            raise ValueError(f"adoption: must be one of {', '.join(ADOPTION)}")


@dataclass(frozen=True)
class Feedback:
    """Residents' opinions and needs collected by a planner (PDS-2c)."""

    id: str
    planner_id: int
    district_id: int
    place: str
    category: str
    content: str
    collected_at: datetime

    def __post_init__(self) -> None:
        _aware(self.collected_at, "collected_at")
        if self.category not in FEEDBACK_CATEGORIES:
            raise ValueError(f"category: must be one of {', '.join(FEEDBACK_CATEGORIES)}")


@dataclass(frozen=True)
class Attendance:
    """A planner's attendance at an activity they were invited to (CQ-11): a district's, or the bureau's own
    (``district_id`` None)."""

    activity_id: int
    planner_id: int
    district_id: int | None
    on: date
    status: str
    topic: str = ""

    def __post_init__(self) -> None:
        if self.status not in ATTENDANCE:
            raise ValueError(f"status: must be one of {', '.join(ATTENDANCE)}")

    @property
    def ref(self) -> str:
        """How dossiers name this record: the activity, since a planner attends each at most once."""
        return f"activity-{self.activity_id}"


@dataclass(frozen=True)
class GradeRecord:
    """One year's final grade of a planner (the grade name as in the profile, e.g. 优秀)."""

    planner_id: int
    year: int
    grade: str


@dataclass(frozen=True)
class Indicator:
    """A number in a dossier and the records it was computed from, so every figure can be traced."""

    value: float | int | None
    kind: str
    record_ids: tuple[str, ...] = field(default=())


def counted_visits(visits: Iterable[Visit], year: int, tz: str = DEFAULT_TZ) -> list[Visit]:
    """The visits that count toward ``year``, in start order.

    Decided by shared.rules.counted_visits: confirmed, checked out, started in that local year.
    """
    chosen = [
        v
        for v in visits
        if rules.counted_visits(
            [rules.VisitFacts(v.started_at.isoformat(), _iso(v.ended_at), v.review)],
            year,
            tz,
        )
    ]
    return sorted(chosen, key=lambda v: (v.started_at, v.id))


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()
