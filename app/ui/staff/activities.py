"""Consultation activities: create one and invite planners, then record who attended (CQ-11).

Attended, excused (a reason is required) or unexcused; the server counts unexcused absences in a row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import flet as ft

from app import i18n
from app.errors import ServerError
from app.ui.staff.base import StaffBase
from app.ui.theme import FONT, MUTED
from app.ui.widgets import (
    banner,
    big_button,
    chip,
    choice_button,
    choice_row,
    column,
    logged,
    panel,
    tap_card,
    text,
    text_field,
)
from shared import rules

if TYPE_CHECKING:
    from app.ui.staff.state import StaffState


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


class ActivitiesState(StaffBase):
    """List, create and open activities; record attendance."""

    async def load_activities(self) -> None:
        try:
            self.activities = await self.client.activities(self.district_id, self.year)
            self.planners = await self.client.planners(self.year)
        except ServerError as exc:
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
        except ServerError as exc:
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
        except ServerError as exc:
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
        except ServerError as exc:
            self._fail(exc)
            return False
        self.error = None
        self.notice = self.tr("activity.recorded")
        return True


@ft.component
@logged
def ActivitiesScreen(staff: StaffState) -> ft.Control:
    def card_of(a: dict[str, Any]) -> ft.Control:
        async def open_(_: Any) -> None:
            await staff.open_activity(a.get("id"))

        return tap_card(
            [
                text(str(a.get("topic") or ""), 19, ft.FontWeight.BOLD),
                text(f"{staff.when(a.get('starts_at'))} · {a.get('place') or ''}", 16, color=MUTED),
            ],
            open_,
        )

    cards = [card_of(a) for a in staff.activities]
    return column(
        text(staff.tr("activity.title"), 26, ft.FontWeight.BOLD),
        banner(staff.notice),
        banner(staff.error, error=True),
        big_button(staff.tr("activity.new"), lambda _: staff.new_activity(), icon=ft.Icons.ADD),
        *(cards or [text(staff.tr("activity.none"), 18, color=MUTED)]),
    )


@ft.component
@logged
def NewActivityScreen(staff: StaffState) -> ft.Control:
    form = staff.activity_form

    def setter(key: str) -> Any:
        def on_change(e: ft.Event[ft.TextField]) -> None:
            setattr(form, key, e.control.value or "")

        return on_change

    def toggle(pid: int) -> Any:
        def on_change(_: Any) -> None:
            staff.toggle_invite(pid)

        return on_change

    async def create(_: Any) -> None:
        await staff.create_activity()

    boxes: list[ft.Control] = [
        ft.Checkbox(
            label=str(p.get("display_name") or p["planner_id"]),
            value=int(p["planner_id"]) in form.planner_ids,
            on_change=toggle(int(p["planner_id"])),
            label_style=ft.TextStyle(size=18, font_family=FONT),
        )
        for p in staff.planners
    ]
    return column(
        text(staff.tr("activity.new"), 26, ft.FontWeight.BOLD),
        text_field(staff.tr("activity.topic"), form.topic, setter("topic")),
        text_field(staff.tr("activity.place"), form.place, setter("place")),
        ft.Row(
            [
                ft.Container(
                    text_field(staff.tr("activity.date"), form.date, setter("date"), hint="2026-11-30"),
                    expand=3,
                ),
                ft.Container(
                    text_field(staff.tr("activity.time"), form.time, setter("time"), hint="09:00"), expand=2
                ),
            ],
            spacing=10,
        ),
        text(staff.tr("activity.invite"), 18, ft.FontWeight.BOLD),
        *(boxes or [text(staff.tr("activity.no_planners"), 17, color=MUTED)]),
        banner(staff.error, error=True),
        big_button(staff.tr("activity.create"), create, icon=ft.Icons.SEND),
    )


@ft.component
@logged
def ActivityScreen(staff: StaffState) -> ft.Control:
    a = staff.activity or {}
    reasons: Any = ft.use_ref(lambda: {})
    typed: dict[int, str] = reasons.current

    def reason_setter(pid: int) -> Any:
        def on_change(e: ft.Event[ft.TextField]) -> None:
            typed[pid] = e.control.value or ""

        return on_change

    def mark(status: str, pid: int) -> Any:
        async def on_click(_: Any) -> None:
            await staff.record_attendance(pid, status, typed.get(pid))

        return on_click

    def row(r: dict[str, Any]) -> ft.Control:
        pid = int(r["planner_id"])
        status = r.get("status")
        answer = r.get("response")
        return panel(
            text(str(r["name"]), 19, ft.FontWeight.BOLD),
            ft.Row(
                [
                    chip("synced", staff.tr(f"activity.response.{answer or 'none'}")),
                    *([] if status else [chip("saved", staff.tr("activity.status.none"))]),
                ],
                wrap=True,
            ),
            text(staff.tr("activity.reason_shown", reason=r["reason"]), 16, color=MUTED)
            if r.get("reason")
            else None,
            choice_row(
                [
                    choice_button(staff.tr(f"activity.mark.{s}"), status == s, mark(s, pid), size=16)
                    for s in (rules.ATTENDED, rules.EXCUSED, rules.UNEXCUSED)
                ]
            ),
            ft.Container(
                text_field(
                    staff.tr("activity.reason"),
                    typed.get(pid),
                    reason_setter(pid),
                    hint=staff.tr("activity.reason_hint"),
                ),
                width=float("inf"),
            ),
        )

    rows = [row(r) for r in staff.activity_rows()]
    return column(
        text(str(a.get("topic") or ""), 24, ft.FontWeight.BOLD),
        text(f"{staff.when(a.get('starts_at'))} · {a.get('place') or ''}", 17, color=MUTED),
        banner(staff.notice),
        banner(staff.error, error=True),
        text(staff.tr("activity.attendance"), 20, ft.FontWeight.BOLD),
        *(rows or [text(staff.tr("activity.no_planners"), 17, color=MUTED)]),
    )
