"""Home: the year's progress, the one-tap check-in (or the open visit), new opinion or feedback, invitations.

Invitations to consultation activities arrive through sync (the store's invitations table). The answer is
saved as an ``invitation_response`` record whose id is the invitation's id, through `LocalStore.save`, so
it waits in the outbox like any record and is pushed when the phone is online; answering again before it
went out just replaces the waiting answer (the last answer wins on the server too).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import flet as ft

from app.i18n import fmt_hours, fmt_time
from app.ui.session import SessionBase, get, signed_in
from app.ui.theme import ACCENT, MUTED
from app.ui.widgets import banner, big_button, button, card, chip, column, half_and_half, stack, text
from shared import records as rec
from shared.profiles import active_profile

if TYPE_CHECKING:
    from app.ui.planner.device import Services
    from app.ui.state import AppState


@dataclass(frozen=True)
class InvitationItem:
    id: str
    activity_id: int | None
    title: str
    when: str
    place: str
    #: accepted / declined / None: the planner's answer, local (waiting) or as the server has it.
    answer: str | None
    waiting: bool
    attendance: str | None
    #: When the activity starts (aware), what the list is ordered by; None when the server gave no time.
    starts_at: datetime | None = None


@dataclass(frozen=True)
class HomeSummary:
    year: int
    target: int | None
    visits_confirmed: int
    visits_pending: int
    hours_confirmed: float
    hours_pending: float
    outbox: int
    last_sync_at: datetime | None
    open_visit_id: str | None
    open_visit_site: str | None
    invitations: list[InvitationItem]
    conflicts: int
    #: The phone has pulled from the server at least once: until then its numbers are not the server's.
    fetched: bool = True


def _starts(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return rec.parse_time(value)
    except ValueError:
        return None


def invitation_order(item: InvitationItem, now: datetime) -> tuple[Any, ...]:
    """Unanswered first; then the coming activities, soonest first; then the past ones, latest first.

    By the activity's real time: its words ("11月22日") would put November before February.
    """
    if item.starts_at is None:
        return (item.answer is not None, 2, 0.0)
    distance = (item.starts_at - now).total_seconds()
    return (item.answer is not None, 0 if distance >= 0 else 1, abs(distance))


def invitation_items(store: Any, lang: str, tz: str, now: datetime | None = None) -> list[InvitationItem]:
    """Every invitation on the phone in `invitation_order`, with the planner's answer."""
    items = []
    for inv in store.invitations():
        data = inv.get("data") or {}
        local = store.get(rec.INVITATION_RESPONSE, inv["id"])
        waiting = local is not None and (local.dirty or local.server_version == 0)
        answer = (local.data.get("response") if local is not None else None) or data.get("response")
        starts = data.get("starts_at")
        items.append(
            InvitationItem(
                id=str(inv["id"]),
                activity_id=data.get("activity_id"),
                title=str(data.get("topic") or data.get("title") or ""),
                when=fmt_time(starts, lang, tz) if isinstance(starts, str) else "",
                place=str(data.get("place") or ""),
                answer=answer,
                waiting=waiting,
                attendance=data.get("attendance"),
                starts_at=_starts(starts),
            )
        )
    moment = now or datetime.now(UTC)
    return sorted(items, key=lambda i: invitation_order(i, moment))


def answer_invitation(store: Any, invitation_id: str, response: str, note: str | None = None) -> str:
    """Save the answer on the phone (raises `RecordError` naming the field); returns the record id."""
    inv = next((i for i in store.invitations() if str(i["id"]) == invitation_id), None)
    if inv is None:
        raise rec.RecordError("activity_id", "no such invitation on this phone")
    data = {"activity_id": (inv.get("data") or {}).get("activity_id"), "response": response, "note": note}
    return str(store.save(rec.INVITATION_RESPONSE, data, record_id=invitation_id))


class HomeState(SessionBase):
    """What Home shows and the answers to invitations."""

    def now_local(self) -> datetime:
        return self.clock().astimezone(ZoneInfo(self.tz))

    def open_visit(self) -> Any:
        """The newest visit not yet checked out, if any."""
        for r in self.store.records(rec.VISIT):
            if r.data.get("ended_at") is None:
                return r
        return None

    def home_summary(self) -> HomeSummary:
        year = self.now_local().year
        progress = self.store.year_progress(year, self.tz)
        open_visit = self.open_visit()
        return HomeSummary(
            year=year,
            target=active_profile().visit_target,
            visits_confirmed=progress.visits_confirmed,
            visits_pending=progress.visits_pending,
            hours_confirmed=progress.hours_confirmed,
            hours_pending=progress.hours_pending,
            # Records, not outbox operations: three edits of one visit are one thing to the planner.
            outbox=len(self.waiting_items()),
            last_sync_at=self.store.last_sync_at(),
            open_visit_id=open_visit.id if open_visit else None,
            open_visit_site=open_visit.data.get("site") if open_visit else None,
            invitations=self.invitation_items(),
            conflicts=len(self.store.conflicts()),
            fetched=self.store.last_sync_at() is not None,
        )

    def needs_first_pull(self) -> bool:
        """Signed in online on a phone that never synced: pull now, before Home's numbers mean anything."""
        return self.store is not None and bool(self.token) and self.store.last_sync_at() is None

    def still_coming(self, s: HomeSummary) -> tuple[str, str] | None:
        """Until the first pull, what Home says instead of numbers (a new phone knows none of the server's
        confirmed visits): that they are on their way, or, after a sync that failed, that they will come."""
        if s.fetched:
            return None
        if self.sync.running or self.sync.last_error is None:
            return self.tr("home.fetching"), self.tr("home.fetching_note")
        return self.tr("home.not_fetched"), self.tr("home.not_fetched_note")

    def progress_text(self, s: HomeSummary) -> str:
        if s.target:
            return self.tr("home.progress", confirmed=s.visits_confirmed, target=s.target)
        return self.tr("home.progress_no_target", confirmed=s.visits_confirmed)

    def last_sync_text(self, at: datetime | str | None) -> str:
        if not at:
            return self.tr("home.never_synced")
        return self.tr("home.last_sync", when=fmt_time(at, self.lang, self.tz))

    def invitation_text(self, inv: Any) -> str:
        data = get(inv, "data") or {}
        title = get(data, "title") or get(data, "subject") or get(inv, "title") or get(data, "name")
        when = get(data, "starts_at") or get(data, "date")
        label = str(title or get(inv, "id") or "")
        return (
            f"{label} · {fmt_time(when, self.lang, self.tz)}"
            if isinstance(when, str) and "T" in when
            else label
        )

    def invitation_items(self) -> list[InvitationItem]:
        return invitation_items(self.store, self.lang, self.tz, self.clock())

    def answer_invitation(self, invitation_id: str, response: str) -> bool:
        """Accept or decline offline: saved on the phone, sent with the next sync."""
        if self._write(lambda: answer_invitation(self.store, invitation_id, response)) is None:
            return False
        self.notice = self.tr(f"invitation.{response}")
        self.touch()
        return True


def _invitation(state: AppState, item: InvitationItem) -> ft.Control:
    """One invitation: what, when, where, and accept/decline (answered offline, sent with the next sync)."""
    if item.answer:
        answer: ft.Control = chip(
            "saved" if item.waiting else "confirmed",
            state.tr(f"invitation.{item.answer}")
            if item.waiting
            else state.tr(f"activity.response.{item.answer}"),
        )
    else:
        answer = half_and_half(
            button(
                state.tr("invitation.accept"),
                lambda _: state.answer_invitation(item.id, "accepted"),
                icon=ft.Icons.CHECK,
            ),
            button(
                state.tr("invitation.decline"),
                lambda _: state.answer_invitation(item.id, "declined"),
                icon=ft.Icons.CLOSE,
            ),
            spacing=8,
        )
    return stack(
        [
            text(item.title, 18, ft.FontWeight.BOLD),
            text(f"{item.when} · {item.place}" if item.place else item.when, 16, color=MUTED),
            answer,
        ]
    )


@ft.component
@signed_in
def HomeScreen(state: AppState, services: Services) -> ft.Control:
    s = state.home
    if s is None:
        return ft.Container()  # below another screen, never shown yet: read when Home opens

    async def check_in(_: Any) -> None:
        fix = await services.get_fix()
        state.start_check_in(fix)

    if s.open_visit_id:
        visit_id = s.open_visit_id
        main_action = big_button(
            state.tr("home.open_visit", site=s.open_visit_site or ""),
            lambda _: state.open_visit_screen(visit_id),
            icon=ft.Icons.PLAY_ARROW,
        )
    else:
        main_action = big_button(state.tr("home.check_in"), check_in, icon=ft.Icons.PIN_DROP)

    hours_line = state.tr(
        "home.hours", confirmed=fmt_hours(s.hours_confirmed), pending=fmt_hours(s.hours_pending)
    )
    coming = state.still_coming(s)
    invitations = [_invitation(state, item) for item in s.invitations] or [
        text(state.tr("home.no_invitations"), 17, color=MUTED)
    ]
    return column(
        text(state.tr("home.greeting", name=state.display_name), 22, ft.FontWeight.BOLD),
        banner(state.notice),
        card(
            text(state.tr("home.progress_title", year=s.year), 18, color=MUTED),
            *(
                [
                    ft.Row(
                        [
                            ft.ProgressRing(width=22, height=22, stroke_width=3),
                            ft.Container(text(coming[0], 19), expand=True),
                        ]
                    )
                    if coming[0] == state.tr("home.fetching")
                    else text(coming[0], 19, ft.FontWeight.BOLD),
                    text(coming[1], 17, color=MUTED),
                ]
                if coming
                else [
                    text(state.progress_text(s), 34, ft.FontWeight.BOLD, color=ACCENT),
                    text(state.tr("home.pending", pending=s.visits_pending), 18),
                    text(hours_line, 17),
                ]
            ),
        ),
        main_action,
        half_and_half(
            button(state.tr("home.new_opinion"), lambda _: state.new_opinion(), icon=ft.Icons.EDIT_NOTE),
            button(
                state.tr("home.new_feedback"), lambda _: state.new_feedback(), icon=ft.Icons.RECORD_VOICE_OVER
            ),
        ),
        banner(state.tr("home.conflicts", count=s.conflicts), error=True) if s.conflicts else None,
        card(text(state.tr("home.invitations"), 18, ft.FontWeight.BOLD), *invitations),
        card(
            text(state.tr("home.outbox", count=s.outbox) if s.outbox else state.tr("home.outbox_empty"), 18),
            text(state.last_sync_text(s.last_sync_at), 17, color=MUTED),
        ),
    )
