"""Opinion follow-up: did the design unit adopt the planner's written opinion, and how good was it
(quality 1..5; CQ-9, PDS-2b)?
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import flet as ft

from app.errors import ServerError
from app.ui.staff.base import StaffBase
from app.ui.theme import MUTED
from app.ui.widgets import (
    banner,
    big_button,
    chip,
    choice_button,
    column,
    logged,
    panel,
    tap_card,
    text,
    text_field,
)

if TYPE_CHECKING:
    from app.ui.staff.state import StaffState

ADOPTION = ("adopted", "partly", "not_adopted")


class FollowUpState(StaffBase):
    """The opinions of the staff member's districts and their follow-up."""

    async def load_opinions(self) -> None:
        try:
            self.opinions = await self.client.opinions(self.district_id)
            if not self.planners:
                self.planners = await self.client.planners(self.year)
        except ServerError as exc:
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
        except ServerError as exc:
            self._fail(exc)
            return False
        for o in self.opinions:
            if str(o.get("id")) == self.opinion_id:
                o["follow_up"] = {"adoption": adoption, "quality": quality}
        self.go("opinions")
        self.notice = self.tr("follow.saved")
        return True


@ft.component
@logged
def OpinionsScreen(staff: StaffState) -> ft.Control:
    def card_of(o: dict[str, Any]) -> ft.Control:
        oid = str(o.get("id"))
        fu = o.get("follow_up") or {}
        done = fu.get("adoption") or o.get("adoption")
        quality = fu.get("quality") or o.get("quality")
        return tap_card(
            [
                text(str(o.get("subject") or ""), 19, ft.FontWeight.BOLD),
                text(
                    f"{staff.planner_name(o.get('planner_id'))} · {staff.when(o.get('issued_at'))}",
                    16,
                    color=MUTED,
                ),
                chip(
                    "confirmed",
                    staff.tr("follow.done", adoption=staff.tr(f"follow.{done}"), quality=quality),
                )
                if done
                else chip("photos", staff.tr("follow.todo")),
            ],
            lambda _: staff.open_follow_up(oid),
        )

    cards = [card_of(o) for o in staff.opinions]
    return column(
        text(staff.tr("follow.title"), 26, ft.FontWeight.BOLD),
        banner(staff.notice),
        banner(staff.error, error=True),
        *(cards or [text(staff.tr("follow.none"), 18, color=MUTED)]),
    )


@ft.component
@logged
def FollowUpScreen(staff: StaffState) -> ft.Control:
    o = staff.current_opinion() or {}
    earlier: dict[str, Any] = o.get("follow_up") or {}
    first_adoption: str | None = earlier.get("adoption")
    first_quality: int | None = earlier.get("quality")
    adoption, set_adoption = ft.use_state(first_adoption)
    quality, set_quality = ft.use_state(first_quality)
    note: Any = ft.use_ref(lambda: {"note": ""})

    def set_note(e: ft.Event[ft.TextField]) -> None:
        note.current["note"] = e.control.value or ""

    async def save(_: Any) -> None:
        await staff.follow_up(adoption, quality, note.current.get("note"))

    def choice(label: str, selected: bool, on_click: Any) -> ft.Control:
        return ft.Container(choice_button(label, selected, on_click), expand=True)

    return column(
        text(staff.tr("follow.title"), 24, ft.FontWeight.BOLD),
        panel(
            text(str(o.get("subject") or ""), 19, ft.FontWeight.BOLD),
            text(str(o.get("body") or ""), 16, color=MUTED),
        ),
        text(staff.tr("follow.adoption"), 18, ft.FontWeight.BOLD),
        ft.Row(
            [
                choice(staff.tr(f"follow.{a}"), adoption == a, lambda _, x=a: set_adoption(x))
                for a in ADOPTION
            ],
            spacing=6,
        ),
        text(staff.tr("follow.quality"), 18, ft.FontWeight.BOLD),
        ft.Row([choice(str(q), quality == q, lambda _, x=q: set_quality(x)) for q in range(1, 6)], spacing=6),
        text_field(staff.tr("staff.note"), note.current.get("note"), set_note),
        banner(staff.error, error=True),
        big_button(staff.tr("save"), save, icon=ft.Icons.SAVE),
    )
