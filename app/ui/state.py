"""The state of one phone's session: plain Python with methods, testable without a page.

`AppState` is the one observable object a screen tree watches (screen, language, session, notices, and
what the screen on show reads from the store). It owns the signed-in user's `LocalStore` (one store per
server + username, never shared) and does everything a tap means; its methods come from the module of the
screen they belong to: `app.ui.signin` and `app.ui.planner.*` (the term and the travel claim, read from and
sent to the server, in `term` and `claim`). Handlers stay thin: they gather input (a
GPS fix, a picked file) and call these methods.

The screen on show is also an address (`route`, `follow`), so the browser's back button and the phone's
back gesture move between screens (`app.ui.routing`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import flet as ft

from app import i18n
from app.store import LocalRecord
from app.ui.planner.camera import CameraState
from app.ui.planner.claim import ClaimForm, ClaimState
from app.ui.planner.feedback import FeedbackForm, FeedbackState
from app.ui.planner.home import HomeState, HomeSummary
from app.ui.planner.opinion import OpinionForm, OpinionState
from app.ui.planner.photo import PhotoState, PhotoView
from app.ui.planner.records import RecordDetail, RecordItem, RecordSearch, RecordsState
from app.ui.planner.sync import SyncActions, SyncState, SyncSummary
from app.ui.planner.visit import Fix, PlaceDraft, VisitState
from app.ui.signin import SignInState, store_path
from app.vocabulary import Words
from shared import records as rec
from shared import rules

__all__ = ["AppState", "Fix", "store_path"]


def utcnow() -> datetime:
    return datetime.now(UTC)


@ft.observable
@dataclass
class AppState(
    SignInState,
    ClaimState,
    HomeState,
    VisitState,
    OpinionState,
    FeedbackState,
    RecordsState,
    SyncActions,
    PhotoState,
    CameraState,
):
    """The state of one web session (one phone)."""

    data_dir: Path
    default_server: str = "http://127.0.0.1:8000"
    #: The deployment names its server (FIELDLOG_SERVER_URL): the address field is an advanced option.
    server_fixed: bool = False
    tz: str = rules.DEFAULT_TZ
    lang: str = i18n.DEFAULT_LANG
    #: This device's language, the one its sign-in screen speaks (each user has their own once signed in).
    device_lang: str = i18n.DEFAULT_LANG
    show_server: bool = False
    #: Keeps the device's language where the device keeps its preferences (the browser's, the phone's).
    remember_device_lang: Callable[[str], Any] | None = field(default=None, repr=False)
    screen: str = "signin"
    username: str | None = None
    base_url: str | None = None
    token: str | None = None
    user: Any = None
    notice: str | None = None
    error: str | None = None
    field_error: str | None = None
    visit_id: str | None = None
    visit_needs_place: bool = False
    #: A check-in waiting for its place to be named (no known site near the fix).
    place: PlaceDraft | None = field(default=None, repr=False)
    #: The planner's districts as (id, name) when there are several to choose from.
    district_options: list[tuple[str, str]] = field(default_factory=list, repr=False)
    #: Delete was tapped once on the record on show: the screen asks to confirm.
    confirm_delete: bool = False
    photo_busy: bool = False
    store: Any = field(default=None, repr=False)
    sync: SyncState = field(default_factory=SyncState)
    opinion: OpinionForm = field(default_factory=OpinionForm)
    feedback: FeedbackForm = field(default_factory=FeedbackForm)
    clock: Callable[[], datetime] = field(default=utcnow, repr=False)
    # What the screens show, read by `refresh` (never while rendering).
    account: dict[str, str] | None = None
    home: HomeSummary | None = None
    visit: LocalRecord | None = field(default=None, repr=False)
    thumbs: dict[str, bytes] = field(default_factory=dict, repr=False)
    visit_options: list[tuple[str, str]] = field(default_factory=list, repr=False)
    records: list[RecordItem] = field(default_factory=list, repr=False)
    records_query: str = ""
    search: RecordSearch = field(default_factory=RecordSearch, repr=False)
    records_year: int | None = None
    record_years: list[int] = field(default_factory=list, repr=False)
    record_kind: str | None = None
    record_id: str | None = None
    detail: RecordDetail | None = field(default=None, repr=False)
    outbox: SyncSummary | None = field(default=None, repr=False)
    # The planner's term and claims, read from the server (nothing of it is kept on the phone).
    words: Words = field(default_factory=Words, repr=False)
    mine: dict[str, Any] = field(default_factory=dict, repr=False)
    claim: ClaimForm = field(default_factory=ClaimForm)
    #: How the online client reaches the server (tests: the app in-process).
    online_transport: Any = field(default=None, repr=False)
    photo_sha: str | None = None
    photo_parent: str = "visit"
    photo_view_shown: PhotoView | None = field(default=None, repr=False)
    camera_parent: str = "visit"

    def __post_init__(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        """Read what the screen on show needs; screens below it in the back stack keep what they showed."""
        screen = self.screen
        if screen == "signin" or self.store is None:
            self.account = self.remembered()
            self.home = self.visit = self.outbox = self.detail = self.photo_view_shown = None
            self.thumbs, self.visit_options, self.records, self.record_years = {}, [], [], []
            self.records_query, self.records_year, self.search = "", None, RecordSearch()
        elif screen == "home":
            self.home = self.home_summary()
        elif screen == "visit":
            self.visit = self.current_visit()
            self.district_options = self.district_choices()
            self.thumbs = self._thumbnails(list((self.visit.data if self.visit else {}).get("photos") or []))
        elif screen == "opinion":
            self.visit_options = self.visit_choices()
            self.district_options = self.district_choices()
        elif screen == "feedback":
            self.district_options = self.district_choices()
            self.thumbs = self._thumbnails(list(self.feedback.photos))
        elif screen == "records":
            self.records = self.shown_records()
            self.record_years = self.years_on_phone()
        elif screen == "record":
            self.detail = self.record_detail()
            self.thumbs = self._thumbnails(list(self.detail.photos if self.detail else ()))
        elif screen == "sync":
            self.outbox = self.sync_summary()
        elif screen == "claim":
            self.thumbs = self._thumbnails([self.claim.receipt] if self.claim.receipt else [])
        elif screen == "photo":
            self.photo_view_shown = self.photo_view()

    def toggle_lang(self) -> None:
        """Signed in: the user's language, kept in their own store. On the sign-in screen: the device's."""
        self.lang = "en" if self.lang == "zh" else "zh"
        if self.store is not None:
            self.store.set_meta("ui.lang", self.lang)
        else:
            self.device_lang = self.lang
            if self.remember_device_lang is not None:
                self.remember_device_lang(self.lang)
        self.refresh()  # what the screen shows is in words

    def device_language(self, lang: object) -> None:
        """The language this device kept from before (read when the app starts); anything else: zh-CN."""
        self.device_lang = lang if isinstance(lang, str) and lang in i18n.LANGS else i18n.DEFAULT_LANG
        if self.store is None:
            self.lang = self.device_lang

    # --- the screen as an address -------------------------------------------------------------------

    def route(self) -> str:
        """The address of the screen on show (the sign-in screen has none of its own: it is "/")."""
        if self.screen == "photo":
            return f"{self._route_of(self.photo_parent)}/photo/{self.photo_sha}"
        if self.screen == "camera":
            return f"{self._route_of(self.camera_parent)}/camera"
        return self._route_of(self.screen)

    def _route_of(self, screen: str) -> str:
        if screen == "visit":
            return f"/visit/{self.visit_id}" if self.visit_id else "/visit"
        if screen == "record":
            return f"/records/{self.record_kind}/{self.record_id}"
        if screen in ("signin", "home"):
            return "/"
        if screen == "claim":
            return "/term/claim"
        return f"/{screen}"

    def follow(self, path: str) -> Awaitable[Any] | None:
        """Show the screen at ``path`` (back, forward, a typed address); an unknown one shows Home. The
        term's screens read the server first (an awaitable)."""
        parts = [p for p in path.split("/") if p]
        if len(parts) >= 3 and parts[-2] == "photo":
            # A photo over its screen: that screen first, then the photo if it shows it.
            pending = self.follow("/" + "/".join(parts[:-2]))
            if pending is not None:
                return pending  # a screen read from the server first: the photo stays unopened
            if parts[-1] in self.thumbs:
                self.open_photo(parts[-1])
            return None
        if len(parts) >= 2 and parts[-1] == "camera":
            self.follow("/" + "/".join(parts[:-1]))
            self.open_camera()
            return None
        head = parts[0] if parts else "home"
        if head == "term" and len(parts) <= 2:
            return self._follow_term(parts[1:])
        if head == "visit" and len(parts) == 2:
            if self.store is not None and self.store.get(rec.VISIT, parts[1]) is not None:
                self.open_visit_screen(parts[1])
            else:
                self.go("home")
        elif head == "visit" and len(parts) == 1:
            # The screen that asks where the visit is when the phone had no GPS fix.
            self.visit_id = None
            self.visit_needs_place = True
            self.go("visit")
        elif head == "records" and len(parts) == 3 and parts[1] in (rec.OPINION, rec.FEEDBACK):
            if self.store is not None and self.store.get(parts[1], parts[2]) is not None:
                self.open_record(parts[1], parts[2])
            else:
                self.go("records")
        elif head in ("opinion", "feedback", "records", "sync") and len(parts) == 1:
            self.go(head)
        else:
            self.go("home")
        return None

    async def _follow_term(self, rest: list[str]) -> None:
        if await self.open_term() and rest == ["claim"] and self.mine.get("profile", {}).get("travel_claims"):
            self.new_claim()
