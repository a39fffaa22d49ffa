"""View-model of the district staff screens: the review queue, consultation activities, opinion follow-up.

Plain Python over `app.online.OnlineClient` (async), testable without a page. The queue is built for speed:
a decision takes one tap (two for a flagged visit: the reason code, then confirm), and the next visit opens
by itself. A refusal from the server is shown in plain words naming the field, and nothing moves on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import flet as ft

from app import i18n
from app.i18n import fmt_hours, fmt_time
from app.online import OnlineError
from app.ui.online_state import OnlineScreens
from shared import rules

STAFF_SCREENS = ("queue", "visit", "activities", "new_activity", "activity", "opinions", "follow_up")
ADOPTION = ("adopted", "partly", "not_adopted")


@dataclass(frozen=True)
class VisitView:
    """One visit as the reviewer reads it."""

    id: str
    planner: str
    site: str
    when: str
    duration: str
    hours: float | None
    lat: float | None
    lon: float | None
    accuracy: str
    participants: str
    notes: str
    photos: tuple[str, ...]
    photos_missing: int
    flags: tuple[str, ...]
    flag_labels: tuple[str, ...]
    purpose: str

    @property
    def flagged(self) -> bool:
        return bool(self.flags)


@dataclass
class ReviewDraft:
    """What the reviewer typed for the visit on screen; plain, so typing does not re-render the screen."""

    note: str = ""
    reason: str = ""


@dataclass
class ActivityForm:
    """A new consultation activity: topic, place, date and time, planners invited."""

    topic: str = ""
    place: str = ""
    date: str = ""
    time: str = "09:00"
    planner_ids: list[int] = field(default_factory=list)

    def starts_at(self, tz: str) -> str:
        """ISO 8601 with the deployment's offset; raises ValueError naming the field."""
        try:
            day = datetime.strptime(self.date.strip(), "%Y-%m-%d")
        except ValueError:
            raise ValueError("date") from None
        try:
            hh, mm = (int(x) for x in self.time.strip().split(":"))
            moment = day.replace(hour=hh, minute=mm, tzinfo=ZoneInfo(tz))
        except ValueError:
            raise ValueError("time") from None
        return moment.isoformat()


@ft.observable
@dataclass
class StaffState(OnlineScreens):
    """The state of one signed-in staff member's session."""

    SCREENS: ClassVar[tuple[str, ...]] = STAFF_SCREENS

    client: Any = field(repr=False)
    lang: str = i18n.DEFAULT_LANG
    tz: str = rules.DEFAULT_TZ
    screen: str = "queue"
    loaded: bool = False
    busy: bool = False
    notice: str | None = None
    error: str | None = None
    config: dict[str, Any] = field(default_factory=dict)
    districts: list[dict[str, Any]] = field(default_factory=list)
    district_id: int | None = None
    queue: list[dict[str, Any]] = field(default_factory=list)
    current_id: str | None = None
    decided: int = 0
    reason_code: str | None = None
    rejecting: bool = False
    draft: ReviewDraft = field(default_factory=ReviewDraft)
    photos: dict[str, bytes] = field(default_factory=dict, repr=False)
    activities: list[dict[str, Any]] = field(default_factory=list)
    activity: dict[str, Any] | None = None
    activity_form: ActivityForm = field(default_factory=ActivityForm)
    planners: list[dict[str, Any]] = field(default_factory=list)
    opinions: list[dict[str, Any]] = field(default_factory=list)
    opinion_id: str | None = None
    year: int = field(default_factory=lambda: datetime.now(ZoneInfo(rules.DEFAULT_TZ)).year)

    def _required(self, label_key: str) -> str:
        return i18n.t(self.lang, "error.field", field=self.tr(label_key), message=self.tr("error.required"))

    def when(self, value: Any) -> str:
        return (
            fmt_time(value, self.lang, self.tz)
            if isinstance(value, str) and "T" in value
            else str(value or "")
        )

    # --- loading ---------------------------------------------------------------------------------------

    async def load(self) -> bool:
        """Configuration, districts and the queue; False (with the error in words) when the server says no."""
        self.busy = True
        try:
            self.config = await self.client.config()
            self.districts = await self.client.districts()
            await self.refresh_queue()
        except OnlineError as exc:
            self._fail(exc)
            return False
        finally:
            self.busy = False
        self.loaded = True
        return True

    async def refresh_queue(self) -> None:
        self.queue = await self.client.review_queue(self.district_id, "pending")
        self.current_id = self.queue[0]["id"] if self.queue else None
        self.reason_code = None

    def district_name(self, district_id: Any) -> str:
        for d in self.districts:
            if d.get("id") == district_id:
                return str(d.get("name") or district_id)
        return str(district_id or "")

    # --- the queue -------------------------------------------------------------------------------------

    def flag_label(self, code: str) -> str:
        labels = self.config.get("flag_labels") or {}
        entry = labels.get(code) or {}
        return str(entry.get(self.lang) or entry.get("zh") or code)

    def reason_choices(self) -> list[tuple[str, str]]:
        return [
            (str(r["code"]), str(r.get(self.lang) or r.get("zh") or r["code"]))
            for r in self.config.get("reason_codes") or []
        ]

    def view(self, v: dict[str, Any]) -> VisitView:
        started, ended = v.get("started_at"), v.get("ended_at")
        hrs = v.get("hours")
        if hrs is None and started and ended:
            hrs = rules.visit_hours(started, ended)
        when = fmt_time(started, self.lang, self.tz) if started else ""
        if ended:
            when = f"{when} – {fmt_time(ended, self.lang, self.tz).split(' ')[-1]}"
        duration = (
            self.tr("staff.duration", hours=fmt_hours(float(hrs)), minutes=round(float(hrs) * 60))
            if hrs is not None
            else self.tr("staff.no_checkout")
        )
        flags = tuple(str(f if isinstance(f, str) else f.get("code")) for f in v.get("flags") or [])
        acc = v.get("accuracy_m")
        return VisitView(
            id=str(v["id"]),
            planner=str(v.get("planner_name") or v.get("planner_id") or ""),
            site=str(v.get("site") or ""),
            when=when,
            duration=duration,
            hours=float(hrs) if hrs is not None else None,
            lat=v.get("lat"),
            lon=v.get("lon"),
            accuracy=self.tr("staff.accuracy", acc=f"{acc:.0f}") if isinstance(acc, int | float) else "",
            participants=str(v.get("participants") or ""),
            notes=str(v.get("notes") or ""),
            photos=tuple(v.get("photos") or ()),
            photos_missing=len(v.get("photos_missing") or ())
            if isinstance(v.get("photos_missing"), list)
            else int(v.get("photos_missing") or 0),
            flags=flags,
            flag_labels=tuple(self.flag_label(f) for f in flags),
            purpose=str(v.get("purpose") or ""),
        )

    def queue_views(self) -> list[VisitView]:
        return [self.view(v) for v in self.queue]

    def current(self) -> VisitView | None:
        for v in self.queue:
            if v["id"] == self.current_id:
                return self.view(v)
        return None

    def pick_reason(self, code: str) -> None:
        self.reason_code = code
        self.error = None

    def open_visit(self, visit_id: str) -> None:
        self.current_id = visit_id
        self.reason_code = None
        self.rejecting = False
        self.draft = ReviewDraft()
        self.go("visit")

    async def photo(self, sha256: str) -> bytes | None:
        """A visit photo from the server, fetched once per session."""
        if sha256 not in self.photos:
            try:
                self.photos[sha256] = await self.client.attachment(sha256)
            except OnlineError:
                return None
        return self.photos[sha256]

    def _advance(self, decided_id: str, notice: str) -> None:
        """Drop the decided visit and open the next one, so clearing a queue is tap, tap, tap."""
        index = next((i for i, v in enumerate(self.queue) if v["id"] == decided_id), 0)
        self.queue = [v for v in self.queue if v["id"] != decided_id]
        self.decided += 1
        self.reason_code = None
        self.rejecting = False
        self.draft = ReviewDraft()
        self.error = None
        self.notice = notice
        if self.queue:
            self.current_id = self.queue[min(index, len(self.queue) - 1)]["id"]
        else:
            self.current_id = None
            self.screen = "queue"  # which says the queue is empty

    async def confirm(self, note: str | None = None) -> bool:
        """Confirm the visit on screen; a flagged one needs the reason code chosen first."""
        v = self.current()
        if v is None:
            return False
        if v.flagged and not self.reason_code:
            self.error = self.tr("staff.reason_needed")
            return False
        try:
            await self.client.confirm(
                v.id, self.reason_code if v.flagged else None, (note or "").strip() or None
            )
        except OnlineError as exc:
            if exc.field in ("reason_code", "note"):
                self.error = self.tr(f"staff.refused.{exc.field}", detail=exc.detail)
            else:
                self._fail(exc)
            return False
        self._advance(v.id, self.tr("staff.confirmed", site=v.site))
        return True

    async def reject(self, reason: str) -> bool:
        v = self.current()
        if v is None:
            return False
        if not reason.strip():
            self.error = self._required("staff.reject_reason")
            return False
        try:
            await self.client.reject(v.id, reason.strip())
        except OnlineError as exc:
            self._fail(exc)
            return False
        self._advance(v.id, self.tr("staff.rejected", site=v.site))
        return True

    # --- activities ------------------------------------------------------------------------------------

    async def load_activities(self) -> None:
        try:
            self.activities = await self.client.activities(self.district_id, self.year)
            self.planners = await self.client.planners(self.year)
        except OnlineError as exc:
            self._fail(exc)
        self.go("activities")

    def new_activity(self) -> None:
        # Tomorrow by default: an activity is planned ahead, and invitations need time to reach phones.
        tomorrow = datetime.now(ZoneInfo(self.tz)) + timedelta(days=1)
        self.activity_form = ActivityForm(date=tomorrow.strftime("%Y-%m-%d"))
        self.go("new_activity")

    def toggle_invite(self, planner_id: int) -> None:
        ids = self.activity_form.planner_ids
        if planner_id in ids:
            ids.remove(planner_id)
        else:
            ids.append(planner_id)

    def _district_for_new(self) -> int | None:
        if self.district_id is not None:
            return self.district_id
        return int(self.districts[0]["id"]) if self.districts else None

    async def create_activity(self) -> bool:
        f = self.activity_form
        for name in ("topic", "place"):
            if not getattr(f, name).strip():
                self.error = self._required(f"activity.{name}")
                return False
        try:
            starts_at = f.starts_at(self.tz)
        except ValueError as exc:
            self.error = i18n.t(
                self.lang,
                "error.field",
                field=self.tr(f"activity.{exc.args[0]}"),
                message=self.tr("activity.bad_time"),
            )
            return False
        if not f.planner_ids:
            self.error = self.tr("activity.no_planners")
            return False
        district = self._district_for_new()
        if district is None:
            self.error = self.tr("signin.no_district")
            return False
        try:
            created = await self.client.create_activity(
                district, f.topic.strip(), f.place.strip(), starts_at, list(f.planner_ids)
            )
        except OnlineError as exc:
            self._fail(exc)
            return False
        self.activities = [created, *self.activities]
        self.activity = created
        self.screen = "activity"
        self.error = None
        self.notice = self.tr("activity.created", count=len(f.planner_ids))
        return True

    async def open_activity(self, activity_id: Any) -> None:
        try:
            self.activity = await self.client.activity(activity_id)
        except OnlineError as exc:
            self._fail(exc)
            return
        self.go("activity")

    def activity_rows(self) -> list[dict[str, Any]]:
        """Invited planners with answer and attendance: {planner_id, name, response, status, reason}."""
        a = self.activity or {}
        rows = a.get("invitations") or a.get("planners") or a.get("attendance") or []
        names = {p.get("planner_id"): p.get("display_name") for p in self.planners}
        out = []
        for r in rows:
            pid = r.get("planner_id")
            out.append(
                {
                    "planner_id": pid,
                    "name": r.get("planner_name") or r.get("display_name") or names.get(pid) or str(pid),
                    "response": r.get("response"),
                    "status": r.get("status") or r.get("attendance"),
                    "reason": r.get("reason"),
                }
            )
        return out

    async def record_attendance(self, planner_id: int, status: str, reason: str | None = None) -> bool:
        """Attended, excused (a reason is required) or unexcused; CQ-11 counts the unexcused ones."""
        if status not in rules.ATTENDANCE:
            raise ValueError(f"status: unknown {status!r}")
        if status == rules.EXCUSED and not (reason or "").strip():
            self.error = self._required("activity.reason")
            return False
        a = self.activity or {}
        try:
            await self.client.attendance(a.get("id"), planner_id, status, (reason or "").strip() or None)
            self.activity = await self.client.activity(a.get("id"))
        except OnlineError as exc:
            self._fail(exc)
            return False
        self.error = None
        self.notice = self.tr("activity.recorded")
        return True

    # --- opinion follow-up -----------------------------------------------------------------------------

    async def load_opinions(self) -> None:
        try:
            self.opinions = await self.client.opinions(self.district_id)
            if not self.planners:
                self.planners = await self.client.planners(self.year)
        except OnlineError as exc:
            self._fail(exc)
        self.go("opinions")

    def open_follow_up(self, opinion_id: str) -> None:
        self.opinion_id = opinion_id
        self.go("follow_up")

    def planner_name(self, planner_id: Any) -> str:
        for p in self.planners:
            if p.get("planner_id") == planner_id:
                return str(p.get("display_name") or planner_id)
        return str(planner_id or "")

    def current_opinion(self) -> dict[str, Any] | None:
        return next((o for o in self.opinions if str(o.get("id")) == self.opinion_id), None)

    async def follow_up(self, adoption: str | None, quality: int | None, note: str | None = None) -> bool:
        """Whether the design unit adopted the opinion, and its quality 1..5 (CQ-9, PDS-2b)."""
        if adoption not in ADOPTION:
            self.error = self._required("follow.adoption")
            return False
        if quality is None or not 1 <= quality <= 5:
            self.error = self._required("follow.quality")
            return False
        if self.opinion_id is None:
            return False
        try:
            await self.client.follow_up(self.opinion_id, adoption, quality, (note or "").strip() or None)
        except OnlineError as exc:
            self._fail(exc)
            return False
        for o in self.opinions:
            if str(o.get("id")) == self.opinion_id:
                o["follow_up"] = {"adoption": adoption, "quality": quality}
        self.notice = self.tr("follow.saved")
        self.go("opinions")
        self.notice = self.tr("follow.saved")
        return True
