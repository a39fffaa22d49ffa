"""What can go wrong when the phone talks to the server, as types; the one reading of a refusal; plain words.

Both clients raise these: the sync engine (`app.sync`) and the online client of staff and coordinators
(`app.online`). The screens turn any of them into one sentence with `plain`.

- `Unreachable`: no answer (no network, server down, time-outs, server errors until the retries ran out).
- `Refused`: the server answered with an error (4xx; the online client, which never retries, also 5xx),
  with the HTTP ``status``, the ``field`` it named and its ``detail``.
  `AuthError` (401: sign in again) and `SignInPaused` (429 on sign-in: wait ``minutes``) are refusals.
- `ServerError`: the base of all three, also raised as such when an answer breaks the protocol.
"""

from __future__ import annotations

import math

import httpx

from app import i18n
from app.storage import problem_text, storage_problem
from shared.records import RecordError


class ServerError(Exception):
    """Talking to the server did not work; nothing stored on the phone is lost."""


class Unreachable(ServerError):
    """No answer: no network, the server is down, or it kept failing until the retries ran out."""


class Refused(ServerError):
    """The server answered with an error: ``status``, the ``field`` it named (if any), its ``detail``."""

    def __init__(
        self, message: str, *, status: int, field: str | None = None, detail: str | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.field = field
        self.detail = message if detail is None else detail


class AuthError(Refused):
    """The server refused the sign-in or the token (sign in again)."""

    def __init__(self, message: str, *, field: str | None = None, detail: str | None = None) -> None:
        super().__init__(message, status=401, field=field, detail=detail)


class SignInPaused(Refused):
    """Too many failed sign-ins: the server takes none for this account for ``retry_after_s`` seconds."""

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message, status=429)
        self.retry_after_s = retry_after_s

    @property
    def minutes(self) -> int:
        return math.ceil(self.retry_after_s / 60)


def read_refusal(resp: httpx.Response) -> tuple[str, str | None]:
    """An error answer's words and the field it names.

    The server answers ``{"status_code", "detail", "field"}`` and starts ``detail`` with the field's name
    (`field_named`), which names it when ``field`` is missing. Anything else (a proxy's page, say) gives its
    text, cut short.
    """
    try:
        body = resp.json()
    except ValueError:
        return resp.text.strip()[:500] or resp.reason_phrase, None
    if not isinstance(body, dict):
        return str(body)[:500], None
    raw = body.get("detail") or body.get("message") or body.get("error")
    detail = (raw if isinstance(raw, str) else str(raw)) if raw else str(body)[:500]
    field = body.get("field")
    return detail, field if isinstance(field, str) and field else field_named(detail)


def field_named(message: str) -> str | None:
    """The field a server message names: its words start with the field's name ("site: is required")."""
    name, colon, _ = message.partition(":")
    return (name.strip() or None) if colon else None


def plain(lang: str, exc: BaseException, *, offline_first: bool) -> str:
    """An error as one sentence for the person holding the phone.

    ``offline_first`` is the planner's case: records wait on the phone, so "unreachable" says they are kept
    and will upload. Staff and coordinators work online: they are told to try again, and a 403/404 means
    they may not see or change the thing.
    """
    if isinstance(exc, AuthError):
        return i18n.t(lang, "error.auth")
    problem = storage_problem(exc)
    if problem is not None:
        return problem_text(lang, problem, "sync")
    if isinstance(exc, Unreachable):
        return i18n.t(lang, "error.unreachable" if offline_first else "online.unreachable")
    if isinstance(exc, RecordError):
        return i18n.field_error(lang, exc.field, exc.message)
    if isinstance(exc, Refused) and not offline_first:
        if exc.status in (403, 404):
            return i18n.t(lang, "online.not_allowed")
        return i18n.t(lang, "online.refused", detail=exc.detail)
    return i18n.t(lang, "error.server", detail=str(exc) or type(exc).__name__)
