"""What every part of the phone's session shares: the fields, words, saving a record, moving between screens.

`app.ui.state.AppState` declares the fields (it is the one observable a screen tree watches); sign-in
(`app.ui.signin`) and each of the planner's screens (`app.ui.planner`) add their methods as a mixin over
`SessionBase`. Screens render only fields: what they
show from the store is read by `refresh` when something changed (a save, a sync, another screen), never
while rendering.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import flet as ft

from app import i18n
from app.sites import SitePicker
from app.storage import problem_text, storage_problem
from app.ui.widgets import logged
from shared import records as rec

if TYPE_CHECKING:
    from app.store import LocalRecord
    from app.ui.planner.feedback import FeedbackForm
    from app.ui.planner.home import HomeSummary
    from app.ui.planner.opinion import OpinionForm
    from app.ui.planner.photo import PhotoView
    from app.ui.planner.records import RecordDetail, RecordItem, RecordSearch
    from app.ui.planner.sync import SyncState, SyncSummary
    from app.ui.planner.visit import PlaceDraft

T = TypeVar("T")

#: Every screen of the phone's own session (staff and coordinators have theirs: `app.ui.staff`, ...).
SCREENS = (
    "signin",
    "home",
    "visit",
    "opinion",
    "feedback",
    "records",
    "record",
    "sync",
    "photo",
    "camera",
    "term",
    "claim",
)


def get(obj: Any, key: str, default: Any = None) -> Any:
    """A value from the server's JSON or an object with that attribute, whichever the caller holds."""
    if isinstance(obj, dict):
        return obj.get(key, default)
    return getattr(obj, key, default)


def user_district(user: Any) -> int | None:
    """The district a planner records for, whatever shape the server's user object has."""
    did = get(user, "district_id")
    if isinstance(did, int) and did > 0:
        return did
    for key in ("district_ids", "districts"):
        items = get(user, key) or []
        for item in items:
            value = item if isinstance(item, int) else get(item, "id")
            if isinstance(value, int) and value > 0:
                return value
    return None


class SessionBase:
    """The session's fields (declared by `AppState`) and the helpers every screen's methods use."""

    data_dir: Path
    default_server: str
    server_fixed: bool
    tz: str
    lang: str
    device_lang: str
    show_server: bool
    screen: str
    username: str | None
    base_url: str | None
    token: str | None
    user: Any
    notice: str | None
    error: str | None
    field_error: str | None
    visit_id: str | None
    visit_needs_place: bool
    place: PlaceDraft | None
    district_options: list[tuple[str, str]]
    confirm_delete: bool
    photo_busy: bool
    store: Any
    sync: SyncState
    opinion: OpinionForm
    feedback: FeedbackForm
    clock: Callable[[], datetime]
    # What the screens show, read from the store by `refresh`.
    account: dict[str, str] | None
    home: HomeSummary | None
    visit: LocalRecord | None
    thumbs: dict[str, bytes]
    visit_options: list[tuple[str, str]]
    records: list[RecordItem]
    records_query: str
    search: RecordSearch
    records_year: int | None
    record_years: list[int]
    record_kind: str | None
    record_id: str | None
    detail: RecordDetail | None
    outbox: SyncSummary | None
    photo_sha: str | None
    photo_parent: str
    photo_view_shown: PhotoView | None
    camera_parent: str

    # Provided by the screens' mixins (they call one another through these).
    def record_items(self) -> list[RecordItem]:
        raise NotImplementedError

    def waiting_items(self) -> list[RecordItem]:
        raise NotImplementedError

    def visit_overnight(self, visit: Any) -> bool:
        raise NotImplementedError

    def open_visit_screen(self, visit_id: str) -> None:
        raise NotImplementedError

    def photo_target(self) -> tuple[str, str | None]:
        raise NotImplementedError

    def add_photo(self, kind: str, record_id: str | None, raw: bytes) -> str | None:
        raise NotImplementedError

    def camera_target(self) -> tuple[str, str | None]:
        raise NotImplementedError

    def tr(self, key: str, **values: object) -> str:
        return i18n.t(self.lang, key, **values)

    def refresh(self) -> None:
        """Read from the store (and files) what the screen on show needs; the screen re-renders from it."""
        raise NotImplementedError

    def touch(self) -> None:
        """The store changed: what the screen shows is read again."""
        self.refresh()

    def _show(self, screen: str) -> None:
        self.screen = screen
        self.refresh()

    def go(self, screen: str) -> None:
        """Open a screen: its messages start empty (a notice stays on the screen that set it)."""
        if screen not in SCREENS:
            raise ValueError(f"screen: unknown {screen!r}")
        self.error = None
        self.field_error = None
        self.confirm_delete = False
        self.notice = None if screen != self.screen else self.notice
        self._show(screen)

    @property
    def district_id(self) -> int | None:
        return user_district(self.user)

    def site_picker(self) -> SitePicker:
        """Known sites and the planner's districts, as the last sync left them on this phone."""
        districts = get(self.user, "districts") or get(self.user, "district_ids") or []
        if not districts and self.district_id is not None:
            districts = [self.district_id]
        return SitePicker(self.store, fallback_districts=districts)

    def record_district(self) -> int | None:
        """The district a new opinion or feedback goes to: the one last recorded for, else the first."""
        return self.site_picker().default_district(None) or self.district_id

    def district_choices(self) -> list[tuple[str, str]]:
        """(id, name) of the planner's districts, when there is a choice to make (more than one)."""
        districts = self.site_picker().districts()
        return [(str(d.id), d.name) for d in districts] if len(districts) > 1 else []

    @property
    def display_name(self) -> str:
        return str(get(self.user, "display_name") or get(self.user, "name") or self.username or "")

    def _save(self, kind: str, data: dict[str, Any], record_id: str | None = None) -> str | None:
        """Save a record on the phone; a refusal names the field in ``field_error`` and nothing is stored."""
        rid: str | None = self._write(lambda: self.store.save(kind, data, record_id=record_id))
        if rid is None:
            return None
        self.field_error = None
        self.touch()
        return rid

    def _write(self, change: Callable[[], T]) -> T | None:
        """Make one change to the store; invalid data (named field) or a refusing store leaves
        ``field_error`` in words and None, with nothing changed."""
        try:
            return change()
        except rec.RecordError as exc:
            self.field_error = i18n.field_error(self.lang, exc.field, exc.message)
            return None
        except Exception as exc:
            # Each change and its outbox op go in one transaction: refused together, nothing half-saved.
            if not self._refused_by_storage(exc):
                raise
            return None

    def _refused_by_storage(self, exc: BaseException) -> bool:
        problem = storage_problem(exc)
        if problem is None:
            return False
        self.field_error = problem_text(self.lang, problem)
        return True


def signed_in(fn: Callable[..., ft.Control]) -> Callable[..., ft.Control]:
    """For screens of a signed-in planner. A screen re-renders by itself when `AppState` changes, in no set
    order with the app around it; right after sign-out (no store) it renders nothing and is replaced."""

    @functools.wraps(fn)
    def render(state: SessionBase, *args: Any, **kwargs: Any) -> ft.Control:
        if state.store is None:
            return ft.Container()
        return fn(state, *args, **kwargs)

    return logged(render)
