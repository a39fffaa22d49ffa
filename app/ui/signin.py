"""Signing in, for every role: online, or offline from the sign-in remembered on the phone; its screen.

Each user gets their own store on the phone, keyed by server and username, so two users never share one.
A successful online sign-in keeps a PBKDF2 verifier of the password in that store, which is what lets the
same user open it again with no network; signing out removes it (the records stay).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import re
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import flet as ft
import httpx

from app import i18n
from app.errors import AuthError, SignInPaused, Unreachable, plain
from app.storage import problem_text, storage_problem
from app.ui.session import SessionBase, user_district
from app.ui.theme import MUTED
from app.ui.widgets import banner, big_button, column, logged, text, text_field

_PBKDF2_ROUNDS = 120_000


def store_path(data_dir: Path, base_url: str, username: str) -> Path:
    """Where a user's phone store lives: keyed by server and username, so two users never share one."""
    server_key = hashlib.sha256(base_url.rstrip("/").lower().encode()).hexdigest()[:12]
    safe_user = re.sub(r"[^A-Za-z0-9_.-]", "_", username)[:40]
    user_key = hashlib.sha256(username.encode()).hexdigest()[:8]
    return data_dir / "phone" / server_key / f"{safe_user}-{user_key}" / "store.sqlite3"


def login_with_districts(base_url: str, username: str, password: str) -> Any:
    """Sign in, then ask which districts this user serves (records must name one)."""
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


class SignInState(SessionBase):
    """Sign in and out; the account last used on this phone."""

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
        login = login or login_with_districts
        server = server.strip().rstrip("/")
        username = username.strip()
        self.error = None
        self.notice = None
        if not server or not username or not password:
            missing = "server" if not server else "username" if not username else "password"
            self.error = i18n.t(
                self.lang,
                "error.field",
                field=self.tr(f"signin.{missing}"),
                message=self.tr("error.required"),
            )
            return False
        try:
            session = login(server, username, password)
        except AuthError:
            self.error = self.tr("signin.bad_password")
            return False
        except SignInPaused as exc:
            self.error = i18n.t(self.lang, "signin.paused", minutes=exc.minutes)
            return False
        except Unreachable:
            return self._sign_in_offline(server, username, password)
        except Exception as exc:
            self.error = plain(self.lang, exc, offline_first=True)
            return False
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
        # The user's own language; someone who never chose one keeps what the sign-in screen spoke.
        lang = store.get_meta("ui.lang")
        self.lang = lang if lang in i18n.LANGS else self.device_lang
        self._show("home")

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
        # The next person on this device meets the device's language, not the last user's.
        self.lang = self.device_lang
        self.show_server = False
        self._show("signin")

    def server_field_shown(self) -> bool:
        """The server address is asked only when the deployment names none, when the planner opened the
        advanced option, or when this phone last signed in to another server."""
        if self.show_server or not self.server_fixed:
            return True
        server = (self.account or {}).get("server") or ""
        return bool(server) and server.rstrip("/") != self.default_server.rstrip("/")

    def toggle_server_field(self) -> None:
        self.show_server = not self.show_server


@ft.component
@logged
def SignInScreen(state: SignInState) -> ft.Control:
    account = state.account
    form: Any = ft.use_ref(
        lambda: {
            "server": (account or {}).get("server") or state.default_server,
            "username": (account or {}).get("username") or "",
            "password": "",
        }
    )
    values: dict[str, str] = form.current or {}
    busy, set_busy = ft.use_state(False)
    shown = state.server_field_shown()

    def setter(key: str) -> Any:
        def on_change(e: ft.Event[ft.TextField]) -> None:
            values[key] = e.control.value or ""

        return on_change

    async def submit(_: Any = None) -> None:
        set_busy(True)
        server, user, password = values["server"], values["username"], values["password"]
        outcome: list[Any] = []

        def attempt() -> None:
            try:
                outcome.append(login_with_districts(server.strip().rstrip("/"), user.strip(), password))
            except Exception as exc:
                outcome.append(exc)

        if server.strip() and user.strip() and password:
            # The request waits in a worker thread; the screen keeps drawing its progress bar.
            await asyncio.to_thread(attempt)

        def replay(*_: Any) -> Any:
            if isinstance(outcome[0], BaseException):
                raise outcome[0]
            return outcome[0]

        state.sign_in(server, user, password, login=replay)
        set_busy(False)

    return column(
        text(state.tr("signin.title"), 28, ft.FontWeight.BOLD),
        text(
            state.tr("signin.remembered", user=account["username"], server=account["server"])
            if shown
            else state.tr("signin.remembered_user", user=account["username"]),
            16,
            color=MUTED,
        )
        if account
        else None,
        text_field(state.tr("signin.server"), values["server"], setter("server")) if shown else None,
        text_field(state.tr("signin.username"), values["username"], setter("username")),
        text_field(state.tr("signin.password"), values["password"], setter("password"), password=True),
        banner(state.error, error=True),
        ft.ProgressBar() if busy else None,
        big_button(state.tr("signin.submit"), submit, icon=ft.Icons.LOGIN, key="signin"),
        ft.TextButton(
            content=ft.Text(state.tr("signin.advanced"), size=16, color=MUTED),
            icon=ft.Icons.SETTINGS,
            icon_color=MUTED,
            on_click=lambda _: state.toggle_server_field(),
        )
        if state.server_fixed and not shown
        else None,
    )
