"""View-models of the phone app: plain Python with methods, testable without a page.

`AppState` is the one observable object a screen tree watches (screen, language, session, notices).
It owns the signed-in user's `LocalStore` (one store per server + username, never shared) and does
everything a tap means: sign in (online, or offline from the sign-in remembered on the phone), check in,
add a photo, check out, save an opinion or feedback, list records with their honest status, sync.
Handlers in `app.ui.screens` stay thin: they gather input (GPS fix, picked file) and call these methods.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import flet as ft

from app import i18n
from app.i18n import fmt_hours, fmt_time, t
from app.photos import PhotoError, prepare_photo
from app.storage import problem_text, storage_problem, waiting_on_phone
from shared import records as rec
from shared import rules
from shared.profiles import active_profile

SCREENS = ("signin", "home", "visit", "opinion", "feedback", "records", "sync")
_PBKDF2_ROUNDS = 120_000


def utcnow() -> datetime:
    return datetime.now(UTC)


def _get(obj: Any, key: str, default: Any = None) -> Any:
    if isinstance(obj, dict):
        return obj.get(key, default)
    return getattr(obj, key, default)


def user_district(user: Any) -> int | None:
    """The district a planner records for, whatever shape the server's user object has."""
    did = _get(user, "district_id")
    if isinstance(did, int) and did > 0:
        return did
    for key in ("district_ids", "districts"):
        items = _get(user, key) or []
        for item in items:
            value = item if isinstance(item, int) else _get(item, "id")
            if isinstance(value, int) and value > 0:
                return value
    return None


def store_path(data_dir: Path, base_url: str, username: str) -> Path:
    """Where a user's phone store lives: keyed by server and username, so two users never share one."""
    server_key = hashlib.sha256(base_url.rstrip("/").lower().encode()).hexdigest()[:12]
    safe_user = re.sub(r"[^A-Za-z0-9_.-]", "_", username)[:40]
    user_key = hashlib.sha256(username.encode()).hexdigest()[:8]
    return data_dir / "phone" / server_key / f"{safe_user}-{user_key}" / "store.sqlite3"


def login_with_districts(base_url: str, username: str, password: str) -> Any:
    """Sign in, then ask which districts this user serves (records must name one)."""
    import httpx

    from app import sync

    session = sync.login(base_url, username, password)
    if user_district(session.user) is None:
        try:
            resp = httpx.get(
                f"{session.base_url}/api/districts",
                headers={"Authorization": f"Bearer {session.token}"},
                timeout=15,
            )
            if resp.status_code == 200 and isinstance(resp.json(), list):
                session.user["districts"] = resp.json()
        except httpx.HTTPError:
            pass  # signed in all the same; saving a record will name the missing district
    return session


def _password_verifier(password: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, _PBKDF2_ROUNDS)
    return f"pbkdf2:{_PBKDF2_ROUNDS}:{salt.hex()}:{digest.hex()}"


def _password_matches(password: str, verifier: str | None) -> bool:
    if not verifier:
        return False
    try:
        _, rounds, salt_hex, digest_hex = verifier.split(":")
        digest = hashlib.pbkdf2_hmac("sha256", password.encode(), bytes.fromhex(salt_hex), int(rounds))
    except ValueError:
        return False
    return hmac.compare_digest(digest.hex(), digest_hex)


def is_unreachable(exc: BaseException) -> bool:
    """True when an error means 'no network / server down' rather than 'the server said no'."""
    import httpx

    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, httpx.TransportError | ConnectionError | TimeoutError):
            return True
        if getattr(seen, "unreachable", False) or getattr(seen, "offline", False):
            return True
        # app.sync words retries that ran out this way (its SyncError carries no cause).
        if str(seen).startswith("cannot reach server"):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def plain_error(lang: str, exc: BaseException) -> str:
    """An exception as one sentence a planner understands."""
    from app import sync

    if isinstance(exc, sync.AuthError):
        return t(lang, "error.auth")
    problem = storage_problem(exc)
    if problem is not None:
        return problem_text(lang, problem, "sync")
    if is_unreachable(exc):
        return t(lang, "error.unreachable")
    if isinstance(exc, rec.RecordError):
        return i18n.field_error(lang, exc.field, exc.message)
    return t(lang, "error.server", detail=str(exc) or type(exc).__name__)


@dataclass(frozen=True)
class Fix:
    """A GPS fix from the phone (WGS-84)."""

    lat: float
    lon: float
    accuracy_m: float | None = None


@dataclass(frozen=True)
class HomeSummary:
    year: int
    target: int | None
    visits_confirmed: int
    visits_pending: int
    hours_confirmed: float
    hours_pending: float
    outbox: int
    last_sync_at: str | None
    open_visit_id: str | None
    open_visit_site: str | None
    invitations: list[Any]
    conflicts: int


@dataclass(frozen=True)
class RecordItem:
    kind: str
    id: str
    title: str
    subtitle: str
    status_code: str
    status_text: str
    reason: str | None
    can_fix: bool
    #: Things a person must look at: left open overnight, no GPS fix.
    flags: tuple[str, ...] = ()


@dataclass
class OpinionForm:
    """The written-opinion form; plain (not observable) so typing does not re-render the screen."""

    subject: str = ""
    opinion_kind: str = "plan_review"
    body: str = ""
    suggestions: str = ""
    required_changes: str = ""
    dissent: str = ""
    visit_id: str | None = None
    record_id: str | None = None
    issued_at: str | None = None

    def to_data(self, district_id: int | None, now: datetime) -> dict[str, Any]:
        return {
            "district_id": district_id,
            "subject": self.subject,
            "opinion_kind": self.opinion_kind,
            "body": self.body,
            "suggestions": self.suggestions or None,
            "required_changes": self.required_changes or None,
            "dissent": self.dissent or None,
            "visit_id": self.visit_id,
            "issued_at": self.issued_at or now.isoformat(),
        }

    @classmethod
    def from_record(cls, record_id: str, data: dict[str, Any]) -> OpinionForm:
        return cls(
            subject=data.get("subject") or "",
            opinion_kind=data.get("opinion_kind") or "plan_review",
            body=data.get("body") or "",
            suggestions=data.get("suggestions") or "",
            required_changes=data.get("required_changes") or "",
            dissent=data.get("dissent") or "",
            visit_id=data.get("visit_id"),
            record_id=record_id,
            issued_at=data.get("issued_at"),
        )


@dataclass
class FeedbackForm:
    """Resident feedback; the contact is kept only while the consent box is ticked."""

    place: str = ""
    category: str = "planning"
    content: str = ""
    contact: str = ""
    contact_consent: bool = False
    photos: list[str] = field(default_factory=list)
    lat: float | None = None
    lon: float | None = None
    record_id: str | None = None
    collected_at: str | None = None

    def to_data(self, district_id: int | None, now: datetime) -> dict[str, Any]:
        consent = bool(self.contact_consent)
        return {
            "district_id": district_id,
            "place": self.place,
            "category": self.category,
            "content": self.content,
            "photos": list(self.photos),
            # Without consent the contact is dropped, never stored "just in case".
            "contact": (self.contact or None) if consent else None,
            "contact_consent": consent,
            "lat": self.lat,
            "lon": self.lon,
            "collected_at": self.collected_at or now.isoformat(),
        }

    @classmethod
    def from_record(cls, record_id: str, data: dict[str, Any]) -> FeedbackForm:
        return cls(
            place=data.get("place") or "",
            category=data.get("category") or "planning",
            content=data.get("content") or "",
            contact=data.get("contact") or "",
            contact_consent=bool(data.get("contact_consent")),
            photos=list(data.get("photos") or []),
            lat=data.get("lat"),
            lon=data.get("lon"),
            record_id=record_id,
            collected_at=data.get("collected_at"),
        )


@ft.observable
@dataclass
class SyncState:
    """What the Sync screen shows: progress, and the last error in plain words."""

    running: bool = False
    phase: str = ""
    done: int = 0
    total: int = 0
    last_error: str | None = None
    last_finished_at: str | None = None

    def progress_text(self, lang: str) -> str:
        key = f"sync.phase.{self.phase}" if self.phase in ("push", "photos", "pull") else "sync.phase.other"
        return t(lang, key, phase=self.phase, done=self.done, total=self.total)

    def fraction(self) -> float | None:
        return self.done / self.total if self.total else None


@ft.observable
@dataclass
class AppState:
    """The state of one signed-in web session (one phone)."""

    data_dir: Path
    default_server: str = "http://127.0.0.1:8000"
    tz: str = rules.DEFAULT_TZ
    lang: str = i18n.DEFAULT_LANG
    screen: str = "signin"
    username: str | None = None
    base_url: str | None = None
    token: str | None = None
    user: Any = None
    notice: str | None = None
    error: str | None = None
    field_error: str | None = None
    revision: int = 0
    visit_id: str | None = None
    visit_needs_place: bool = False
    photo_busy: bool = False
    store: Any = field(default=None, repr=False)
    sync: SyncState = field(default_factory=SyncState)
    opinion: OpinionForm = field(default_factory=OpinionForm)
    feedback: FeedbackForm = field(default_factory=FeedbackForm)
    clock: Callable[[], datetime] = field(default=utcnow, repr=False)

    # --- helpers -----------------------------------------------------------------------------------

    def tr(self, key: str, **values: object) -> str:
        return t(self.lang, key, **values)

    def touch(self) -> None:
        """The store changed: screens that read it re-render."""
        self.revision += 1

    def go(self, screen: str) -> None:
        if screen not in SCREENS:
            raise ValueError(f"screen: unknown {screen!r}")
        self.error = None
        self.field_error = None
        self.notice = None if screen != self.screen else self.notice
        self.screen = screen

    def toggle_lang(self) -> None:
        self.lang = "en" if self.lang == "zh" else "zh"
        if self.store is not None:
            self.store.set_meta("ui.lang", self.lang)

    @property
    def district_id(self) -> int | None:
        return user_district(self.user)

    @property
    def display_name(self) -> str:
        return str(_get(self.user, "display_name") or _get(self.user, "name") or self.username or "")

    # --- sign in -----------------------------------------------------------------------------------

    def _accounts_file(self) -> Path:
        return self.data_dir / "phone" / "accounts.json"

    def remembered(self) -> dict[str, str] | None:
        """The account last signed in on this phone (address and username only; no secret)."""
        try:
            data = json.loads(self._accounts_file().read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) and data.get("username") else None

    def _remember(self, base_url: str, username: str) -> None:
        path = self._accounts_file()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"server": base_url, "username": username}), encoding="utf-8")
        os.replace(tmp, path)

    def _open_store(self, base_url: str, username: str) -> Any:
        from app.store import LocalStore

        path = store_path(self.data_dir, base_url, username)
        path.parent.mkdir(parents=True, exist_ok=True)
        return LocalStore(path, photo_dir=path.parent / "photos")

    def sign_in(
        self,
        server: str,
        username: str,
        password: str,
        login: Callable[[str, str, str], Any] | None = None,
    ) -> bool:
        """Sign in online; when the server cannot be reached, open offline from the remembered sign-in."""
        from app import sync

        login = login or login_with_districts
        server = server.strip().rstrip("/")
        username = username.strip()
        self.error = None
        self.notice = None
        if not server or not username or not password:
            missing = "server" if not server else "username" if not username else "password"
            self.error = t(
                self.lang,
                "error.field",
                field=self.tr(f"signin.{missing}"),
                message=self.tr("error.required"),
            )
            return False
        try:
            session = login(server, username, password)
        except sync.AuthError:
            self.error = self.tr("signin.bad_password")
            return False
        except sync.SignInPaused as exc:
            self.error = t(self.lang, "signin.paused", minutes=exc.minutes)
            return False
        except Exception as exc:
            if not is_unreachable(exc):
                self.error = plain_error(self.lang, exc)
                return False
            return self._sign_in_offline(server, username, password)
        store = None
        try:
            store = self._open_store(server, username)
            store.set_meta("session.token", session.token)
            store.set_meta("session.user", json.dumps(session.user, ensure_ascii=False, default=str))
            store.set_meta("session.base_url", server)
            store.set_meta("session.password", _password_verifier(password))
            self._remember(server, username)
        except Exception as exc:
            if not self._storage_refused(exc, store):
                raise
            return False
        self._enter(store, server, username, session.token, session.user)
        return True

    def _storage_refused(self, exc: BaseException, store: Any = None) -> bool:
        """A full or unwritable phone at sign-in: say so, and close what was opened (nothing is lost)."""
        problem = storage_problem(exc)
        if problem is None:
            return False
        if store is not None:
            store.close()
        self.error = problem_text(self.lang, problem, "signin")
        return True

    def _sign_in_offline(self, server: str, username: str, password: str) -> bool:
        path = store_path(self.data_dir, server, username)
        if not path.exists():
            self.error = self.tr("signin.unreachable_new")
            return False
        try:
            store = self._open_store(server, username)
        except Exception as exc:
            if not self._storage_refused(exc):
                raise
            return False
        if not _password_matches(password, store.get_meta("session.password")):
            self.error = self.tr("signin.bad_password")
            return False
        user = json.loads(store.get_meta("session.user") or "null")
        self._enter(store, server, username, store.get_meta("session.token"), user)
        self.notice = self.tr("signin.offline")
        return True

    def _enter(self, store: Any, server: str, username: str, token: str | None, user: Any) -> None:
        self.store = store
        self.base_url = server
        self.username = username
        self.token = token
        self.user = user
        lang = store.get_meta("ui.lang")
        if lang in i18n.LANGS:
            self.lang = lang
        self.screen = "home"
        self.touch()

    def sign_out(self) -> None:
        if self.store is not None:
            # The records stay on the phone; only the secret that opens them offline goes.
            try:
                self.store.set_meta("session.token", None)
                self.store.set_meta("session.password", None)
            except Exception as exc:
                problem = storage_problem(exc)
                if problem is None:
                    raise
                # Signed out all the same: a full phone must not keep the planner in.
                self.error = problem_text(self.lang, problem)
        self.store = None
        self.token = None
        self.user = None
        self.screen = "signin"

    # --- home ----------------------------------------------------------------------------------------

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
        invitations_fn = getattr(self.store, "invitations", None)
        invitations = list(invitations_fn()) if callable(invitations_fn) else []
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
            invitations=invitations,
            conflicts=len(self.store.conflicts()),
        )

    def progress_text(self, s: HomeSummary) -> str:
        if s.target:
            return self.tr("home.progress", confirmed=s.visits_confirmed, target=s.target)
        return self.tr("home.progress_no_target", confirmed=s.visits_confirmed)

    # --- visit ---------------------------------------------------------------------------------------

    def _save(self, kind: str, data: dict[str, Any], record_id: str | None = None) -> str | None:
        try:
            rid: str = self.store.save(kind, data, record_id=record_id)
        except rec.RecordError as exc:
            self.field_error = i18n.field_error(self.lang, exc.field, exc.message)
            return None
        except Exception as exc:
            # The record and its outbox op go in one transaction: refused together, nothing half-saved.
            if not self._refused_by_storage(exc):
                raise
            return None
        self.field_error = None
        self.touch()
        return rid

    def _refused_by_storage(self, exc: BaseException) -> bool:
        problem = storage_problem(exc)
        if problem is None:
            return False
        self.field_error = problem_text(self.lang, problem)
        return True

    def check_in(self, fix: Fix | None, site: str | None = None) -> str | None:
        """One tap: save an open visit with the time and GPS fix; without a fix the place must be named."""
        site = (site or "").strip()
        if fix is None and not site:
            # The visit will show that no fix was taken; the planner names the place instead.
            self.visit_needs_place = True
            self.visit_id = None
            self.screen = "visit"
            self.notice = self.tr("visit.no_fix")
            return None
        now = self.clock()
        if not site and fix is not None:
            site = f"{fix.lat:.5f}, {fix.lon:.5f}"
        data = {
            "district_id": self.district_id,
            "site": site,
            "purpose": t(self.lang, "visit.default_purpose"),
            "started_at": now.isoformat(),
            "lat": fix.lat if fix else None,
            "lon": fix.lon if fix else None,
            "accuracy_m": fix.accuracy_m if fix else None,
            "created_at": now.isoformat(),
        }
        rid = self._save(rec.VISIT, data)
        if rid is None:
            self.screen = "visit"
            return None
        self.visit_id = rid
        self.visit_needs_place = False
        self.screen = "visit"
        self.notice = self.tr("visit.saved")
        return rid

    def current_visit(self) -> Any:
        return self.store.get(rec.VISIT, self.visit_id) if self.visit_id else None

    def open_visit_screen(self, visit_id: str) -> None:
        self.visit_id = visit_id
        self.visit_needs_place = False
        self.go("visit")

    def update_visit(self, **changes: Any) -> bool:
        """Save notes, participants or the place of the visit on screen (only fields that changed)."""
        visit = self.current_visit()
        if visit is None:
            self.error = self.tr("error.no_open_visit")
            return False
        data = dict(visit.data)
        changed = {
            k: (v if v != "" else None) for k, v in changes.items() if (data.get(k) or None) != (v or None)
        }
        if not changed:
            return True
        data.update(changed)
        return self._save(rec.VISIT, data, record_id=visit.id) is not None

    def check_out(self, **changes: Any) -> float | None:
        """One tap: the end time is now; hours follow from the rule. Unsaved notes go in the same save."""
        visit = self.current_visit()
        if visit is None:
            self.error = self.tr("error.no_open_visit")
            return None
        data = dict(visit.data)
        data.update({k: (v or None) for k, v in changes.items()})
        data["ended_at"] = self.clock().isoformat()
        if self._save(rec.VISIT, data, record_id=visit.id) is None:
            return None
        self.notice = self.tr(
            "visit.hours", hours=fmt_hours(rules.visit_hours(data["started_at"], data["ended_at"]))
        )
        return rules.visit_hours(data["started_at"], data["ended_at"])

    def rejection(self, record: Any) -> str | None:
        """Why district staff or the server refused this record, when it must be fixed and resent."""
        from app.status import record_status

        st = record_status(record)
        if st.code in ("rejected", "invalid"):
            return st.reason or self.tr(f"status.{st.code}")
        return None

    def invitation_text(self, inv: Any) -> str:
        data = _get(inv, "data") or {}
        title = _get(data, "title") or _get(data, "subject") or _get(inv, "title") or _get(data, "name")
        when = _get(data, "starts_at") or _get(data, "date")
        text = str(title or _get(inv, "id") or "")
        return (
            f"{text} · {fmt_time(when, self.lang, self.tz)}"
            if isinstance(when, str) and "T" in when
            else text
        )

    def invitation_items(self) -> list[Any]:
        from app.ui.invitations import invitation_items

        return invitation_items(self.store, self.lang, self.tz)

    def answer_invitation(self, invitation_id: str, response: str) -> bool:
        """Accept or decline offline: saved on the phone, sent with the next sync."""
        from app.ui.invitations import answer_invitation

        try:
            answer_invitation(self.store, invitation_id, response)
        except rec.RecordError as exc:
            self.field_error = i18n.field_error(self.lang, exc.field, exc.message)
            return False
        except Exception as exc:
            if not self._refused_by_storage(exc):
                raise
            return False
        self.notice = self.tr(f"invitation.{response}")
        self.touch()
        return True

    def visit_overnight(self, visit: Any) -> bool:
        return rules.left_open_overnight(
            visit.data["started_at"], visit.data.get("ended_at"), self.clock(), self.tz
        )

    def add_photo(self, kind: str, record_id: str | None, raw: bytes) -> str | None:
        """Prepare a picked photo, keep only the prepared copy on the phone, and attach its digest."""
        try:
            prepared = prepare_photo(raw)
        except PhotoError:
            self.field_error = self.tr("error.photo")
            return None
        try:
            sha: str = self.store.add_photo(prepared.jpeg, prepared.thumb)
        except Exception as exc:
            if not self._refused_by_storage(exc):
                raise
            return None
        if kind == rec.FEEDBACK and record_id is None:
            if sha not in self.feedback.photos:
                self.feedback.photos.append(sha)
            self.notice = self.tr("visit.photo_added")
            self.touch()
            return sha
        target = self.store.get(kind, record_id) if record_id else None
        if target is None:
            self.error = self.tr("error.no_open_visit")
            return None
        data = dict(target.data)
        photos = list(data.get("photos") or [])
        if sha not in photos:
            photos.append(sha)
        data["photos"] = photos
        if self._save(kind, data, record_id=target.id) is None:
            return None
        self.notice = self.tr("visit.photo_added")
        return sha

    # --- opinion and feedback ----------------------------------------------------------------------

    def new_opinion(self, visit_id: str | None = None) -> None:
        self.opinion = OpinionForm(visit_id=visit_id)
        self.go("opinion")

    def save_opinion(self) -> str | None:
        rid = self._save(
            rec.OPINION, self.opinion.to_data(self.district_id, self.clock()), self.opinion.record_id
        )
        if rid is not None:
            self.opinion = OpinionForm()
            self.notice = self.tr("visit.saved")
            self.screen = "records"
        return rid

    def new_feedback(self) -> None:
        self.feedback = FeedbackForm()
        self.go("feedback")

    def save_feedback(self) -> str | None:
        data = self.feedback.to_data(self.district_id, self.clock())
        rid = self._save(rec.FEEDBACK, data, self.feedback.record_id)
        if rid is not None:
            self.feedback = FeedbackForm()
            self.notice = self.tr("visit.saved")
            self.screen = "records"
        return rid

    def visit_choices(self) -> list[tuple[str, str]]:
        """Recent visits an opinion may be linked to: (id, label)."""
        return [
            # Time first: a long place name is what gets cut off in a narrow dropdown, not the time.
            (r.id, f"{fmt_time(r.data.get('started_at'), self.lang, self.tz)} · {r.data.get('site')}")
            for r in self.store.records(rec.VISIT)[:20]
        ]

    # --- records ---------------------------------------------------------------------------------------

    def record_items(self) -> list[RecordItem]:
        from app.status import record_status

        items: list[RecordItem] = []
        for r in self.store.records():
            if r.kind not in rec.KINDS:
                continue  # invitation answers are shown with their invitation on Home
            st = record_status(r)
            items.append(
                RecordItem(
                    kind=r.kind,
                    id=r.id,
                    title=self._record_title(r),
                    subtitle=self._record_subtitle(r),
                    status_code=st.code,
                    status_text=self.status_text(st),
                    reason=st.reason,
                    can_fix=st.code in ("rejected", "invalid"),
                    flags=self._record_flags(r),
                )
            )
        return items

    def status_text(self, st: Any) -> str:
        if st.code == "photos":
            return self.tr("status.photos", done=st.done, total=st.total)
        return self.tr(f"status.{st.code}")

    def _record_flags(self, r: Any) -> tuple[str, ...]:
        if r.kind != rec.VISIT:
            return ()
        flags = []
        if self.visit_overnight(r):
            flags.append(self.tr("visit.overnight"))
        if r.data.get("lat") is None:
            flags.append(self.tr("visit.no_fix_badge"))
        return tuple(flags)

    def _record_title(self, r: Any) -> str:
        d = r.data
        text = (
            d.get("site")
            if r.kind == rec.VISIT
            else d.get("subject")
            if r.kind == rec.OPINION
            else d.get("place")
        )
        return f"{self.tr('kind.' + r.kind)} · {text or ''}"

    def _record_subtitle(self, r: Any) -> str:
        d = r.data
        when = fmt_time(rec.occurred_at(r.kind, d), self.lang, self.tz)
        if r.kind == rec.VISIT:
            if d.get("ended_at"):
                worked = fmt_hours(rules.visit_hours(d["started_at"], d["ended_at"]))
                return f"{when} · {self.tr('visit.hours', hours=worked)}"
            return f"{when} · {self.tr('visit.running')}"
        return when

    def fix_record(self, kind: str, record_id: str) -> None:
        """Open a rejected record in its form so the planner can fix it and send it again."""
        r = self.store.get(kind, record_id)
        if r is None:
            return
        if kind == rec.VISIT:
            self.open_visit_screen(record_id)
        elif kind == rec.OPINION:
            self.opinion = OpinionForm.from_record(record_id, r.data)
            self.go("opinion")
        else:
            self.feedback = FeedbackForm.from_record(record_id, r.data)
            self.go("feedback")

    # --- sync -----------------------------------------------------------------------------------------

    def waiting_items(self) -> list[RecordItem]:
        """Records the server does not have yet (or whose photos it lacks): what a sync will send."""
        return [i for i in self.record_items() if i.status_code in ("saved", "photos")]

    def storage_text(self) -> str:
        """What waits on this phone (records, photos) and the room it takes and has left."""
        return waiting_on_phone(self.store, len(self.waiting_items())).text(self.lang)

    def conflict_items(self) -> list[tuple[str, str]]:
        out = []
        for c in self.store.conflicts():
            rid = _get(c, "record_id") or _get(c, "id")
            kind = _get(c, "kind") or ""
            out.append((str(rid), f"{self.tr('kind.' + kind) if kind else ''} {str(rid)[:8]}"))
        return out

    def resolve(self, record_id: str, keep_mine: bool) -> None:
        self.store.resolve_conflict(record_id, keep_mine=keep_mine)
        self.touch()

    def run_sync(self, post: Callable[[Callable[[], None]], None] | None = None) -> Any:
        """Push, upload photos, pull. Synchronous: call it from a worker thread.

        ``post`` runs a state change on the UI's event loop (the observable re-renders from there);
        tests pass nothing and the change runs at once. Errors end up in plain words.
        """
        from app import sync

        if self.store is None or self.base_url is None or self.sync.running:
            return None
        apply = post or (lambda fn: fn())
        state = self.sync

        def start() -> None:
            state.running = True
            state.done = state.total = 0
            state.phase = ""

        def progress(p: Any) -> None:
            phase, done, total = (
                str(_get(p, "phase") or ""),
                int(_get(p, "done") or 0),
                int(_get(p, "total") or 0),
            )

            def show() -> None:
                state.phase, state.done, state.total = phase, done, total

            apply(show)

        apply(start)
        report = None
        error: str | None = None
        try:
            with sync.SyncEngine(self.store, self.base_url, self.token or "", progress=progress) as engine:
                report = engine.sync()
            problems = list(getattr(report, "errors", None) or [])
            if problems:
                # The rest went through; say what did not, in the planner's words where we have them.
                error = self.tr("sync.partial", count=len(problems), detail=problems[0])
        except Exception as exc:
            error = plain_error(self.lang, exc)
        finished = self.clock().isoformat()

        changed = report is not None and any(
            getattr(report, name, 0)
            for name in ("pushed", "pulled", "photos_uploaded", "conflicts", "rejected")
        )

        def finish() -> None:
            # Re-render the screens that read the store only when the store changed: a needless
            # re-render while the planner types is what makes a text field lose a keystroke.
            if changed or error != state.last_error:
                self.revision += 1
            state.last_error = error
            state.running = False
            state.last_finished_at = finished

        apply(finish)
        return report

    def last_sync_text(self) -> str:
        at = self.store.last_sync_at() if self.store is not None else None
        if not at:
            return self.tr("home.never_synced")
        return self.tr("home.last_sync", when=fmt_time(at, self.lang, self.tz))
