"""The phone's sync engine over httpx: push the outbox, upload missing photos, pull changes.

The algorithm is the one in shared/protocol.py. Network errors and 5xx answers are retried with
exponential backoff and jitter; every op carries a fixed op_id, so a re-send after a lost answer is
answered ``duplicate`` and nothing is counted twice. Each push answer, and each pulled batch with its
cursor, is applied in one local transaction.

Photos go by resumable upload where the server offers it (server/sync/attachments.py): ask the bytes
held, send the rest; after a broken connection, ask again and send only what is missing. A server
without it answers 404 to the question, and the photo goes whole by ``PUT``, as before.
"""

from __future__ import annotations

import gzip
import json
import math
import random
import socket
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Final, Literal

import httpx

from app.errors import AuthError, Refused, ServerError, SignInPaused, Unreachable, read_refusal
from app.store import LocalStore, OutgoingOp
from shared.protocol import MAX_OPS_PER_PUSH, MAX_PULL_LIMIT

DEFAULT_TIMEOUT_S: Final = 60.0
#: A resumable upload sends at most this much per request (a proxy may limit bodies; most photos fit).
UPLOAD_PART_BYTES: Final = 1024 * 1024
#: Photo bytes are handed to the connection in pieces of this size, and progress is told after each.
_PIECE_BYTES: Final = 16 * 1024
_JSON: Final = {"Content-Type": "application/json"}
_GZIP_JSON: Final = {**_JSON, "Content-Encoding": "gzip"}
Phase = Literal["push", "photos", "pull"]
#: Keep little unsent data in the kernel (Linux, Android, iOS): on a slow link its send buffer would hold
#: a photo's next 200 KB, counted as sent by the progress bar and lost when the link breaks.
_SOCKET_OPTIONS: Final = (
    [(socket.IPPROTO_TCP, socket.TCP_NOTSENT_LOWAT, 16 * 1024)]
    if hasattr(socket, "TCP_NOTSENT_LOWAT")
    else []
)


#: What the engine raises, by the names its callers know: every failure is an `app.errors.ServerError`
#: (`Unreachable`, `AuthError`, `SignInPaused`, `Refused`), and nothing stored on the phone is lost.
SyncError = ServerError
RequestRefused = Refused


class _NoResumableUpload(Exception):
    """The server (an older one) does not offer resumable upload: send photos whole."""


@dataclass(frozen=True)
class Session:
    token: str
    user: dict[str, Any]
    base_url: str


@dataclass(frozen=True)
class SyncProgress:
    phase: Phase
    done: int
    total: int
    #: Photos phase: bytes of this sync's photos the server holds or that are on their way to it (after a
    #: broken connection this falls back to what the server says it holds), and their sum.
    sent_bytes: int = 0
    total_bytes: int = 0


@dataclass
class SyncReport:
    pushed: int = 0
    duplicates: int = 0
    conflicts: int = 0
    rejected: int = 0
    photos_uploaded: int = 0
    #: Photo bytes put on the wire, every re-send included; and uploads continued after a break.
    photo_bytes_sent: int = 0
    photo_resumes: int = 0
    pulled: int = 0
    #: Known sites added, changed or forgotten on the phone.
    sites: int = 0
    clock_offset_s: float | None = None
    errors: list[str] = field(default_factory=list)
    started_at: datetime | None = None
    finished_at: datetime | None = None


def _client(
    base_url: str,
    transport: httpx.BaseTransport | None,
    token: str | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> httpx.Client:
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if transport is None:
        transport = httpx.HTTPTransport(socket_options=_SOCKET_OPTIONS)
    return httpx.Client(
        base_url=base_url.rstrip("/"), transport=transport, headers=headers, timeout=timeout_s
    )


def _server_message(resp: httpx.Response) -> str:
    return read_refusal(resp)[0]


def _retry_after(resp: httpx.Response, default_s: int = 900) -> int:
    """The Retry-After header in seconds (the server sends seconds, not a date)."""
    try:
        return max(1, int(resp.headers.get("Retry-After", "")))
    except ValueError:
        return default_s


def login(
    base_url: str, username: str, password: str, *, transport: httpx.BaseTransport | None = None
) -> Session:
    """Sign in; raises `AuthError` for wrong credentials, `Unreachable` when the server cannot be reached."""
    with _client(base_url, transport) as client:
        try:
            resp = client.post("/api/auth/login", json={"username": username, "password": password})
        except httpx.TransportError as exc:
            raise Unreachable(f"cannot reach server {base_url}: {exc}") from exc
    if resp.status_code == 401:
        raise AuthError(_server_message(resp) or "wrong username or password")
    if resp.status_code == 429:
        raise SignInPaused(_server_message(resp), _retry_after(resp))
    if 400 <= resp.status_code < 500:
        message, field = read_refusal(resp)
        raise Refused(f"sign-in failed: {message}", status=resp.status_code, field=field, detail=message)
    if resp.status_code >= 500:
        raise ServerError(f"sign-in failed: {_server_message(resp)}")
    body = resp.json()
    token = body.get("access_token") or body.get("token")
    if not token:
        raise ServerError("sign-in failed: the server sent no token")
    return Session(token=str(token), user=dict(body.get("user") or {}), base_url=base_url.rstrip("/"))


class SyncEngine:
    def __init__(
        self,
        store: LocalStore,
        base_url: str,
        token: str,
        *,
        transport: httpx.BaseTransport | None = None,
        batch_size: int = 500,
        max_attempts: int = 5,
        backoff_s: float = 0.5,
        progress: Callable[[SyncProgress], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        resumable_uploads: bool = True,
        upload_part_bytes: int = UPLOAD_PART_BYTES,
        timeout_s: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        self.store = store
        self.base_url = base_url.rstrip("/")
        self.batch_size = max(1, min(batch_size, MAX_OPS_PER_PUSH))
        self.max_attempts = max(1, max_attempts)
        self.backoff_s = backoff_s
        self.progress = progress
        self.sleep = sleep
        self.upload_part_bytes = max(_PIECE_BYTES, upload_part_bytes)
        # One limit for connecting and for each read or write that makes no progress.
        self._client = _client(self.base_url, transport, token, timeout_s)
        self._gzip_pushes = True
        # None until the first photo tells whether the server resumes uploads; False also when asked not to.
        self._server_resumes: bool | None = None if resumable_uploads else False

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> SyncEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- HTTP with retries ---

    def _request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Send with retries on network errors and 5xx; every request we send is safe to repeat."""
        last = ""
        for attempt in range(self.max_attempts):
            if attempt:
                self._pause(attempt)
            try:
                resp = self._client.request(method, url, **kwargs)
            except httpx.TransportError as exc:
                last = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                continue
            if resp.status_code >= 500:
                last = f"server error {resp.status_code}: {_server_message(resp)}"
                continue
            if resp.status_code == 401:
                raise AuthError(
                    "the server no longer accepts this sign-in, please sign in again"
                    f" ({_server_message(resp)})"
                )
            if resp.status_code >= 400:
                message, field = read_refusal(resp)
                raise Refused(
                    f"the server refused the request: {message}",
                    status=resp.status_code,
                    field=field,
                    detail=message,
                )
            return resp
        raise Unreachable(
            f"cannot reach server {self.base_url} after {self.max_attempts} attempts ({last}); "
            "everything stays saved on the phone, try again later"
        )

    def _pause(self, attempt: int) -> None:
        """Exponential backoff with jitter before retry number ``attempt`` (1, 2, ...)."""
        delay = self.backoff_s * (2 ** (attempt - 1))
        self.sleep(delay + random.uniform(0, delay / 2))

    def _emit(self, phase: Phase, done: int, total: int, sent_bytes: int = 0, total_bytes: int = 0) -> None:
        if self.progress is not None:
            self.progress(SyncProgress(phase, done, max(done, total), sent_bytes, total_bytes))

    # --- the three phases ---

    def sync(self) -> SyncReport:
        """Push all outbox ops in batches, then upload missing photos, then pull until has_more is false."""
        report = SyncReport(started_at=datetime.now(UTC))
        self._push(report)
        self._photos(report)
        self._pull(report)
        self._sites(report)
        # Only now are the review states current: free the originals the server holds for settled visits.
        self.store.release_confirmed_photos()
        self.store.record_sync(clock_offset_s=report.clock_offset_s)
        report.finished_at = datetime.now(UTC)
        return report

    def _push(self, report: SyncReport) -> None:
        """Push the outbox in batches, one request in flight, the phone's store work beside it.

        While the server works on batch k, this thread applies the answer to batch k-1 and takes (marks
        sent) and encodes batch k+1; a one-thread executor does the HTTP. So the phone's SQLite and JSON
        work hides behind the server's instead of adding to it. The order stays that of one batch at a
        time: batch k+1 leaves only after batch k's answer has arrived, and a batch's ops leave the outbox
        only when its answer is applied, in one local transaction. A batch taken but never sent (the
        request before it failed) is only marked sent: the next sync sends it, and the server answers
        applied or duplicate (op_id), as after a crash at any other point. (A batch's clock offset is
        the one known when it was prepared, one answer older than before; the offset barely moves.)
        """
        total = self.store.sendable_count()
        done = 0
        self._emit("push", 0, total)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="fieldlog-push") as sender:
            ops = self.store.take_push_batch(self.batch_size)
            inflight = sender.submit(self._send_push, self._push_body(ops, report)) if ops else None
            while inflight is not None:
                # Prepared while the server handles `ops`: only ops queued after them, so none twice.
                following = self.store.take_push_batch(self.batch_size, after_seq=ops[-1].seq)
                body = self._push_body(following, report) if following else b""
                answer, t0, t1 = inflight.result()
                nxt = sender.submit(self._send_push, body) if following else None
                # If this raises, leaving the executor waits for `nxt`; its ops stay "sent", sent again later.
                done += self._apply_answer(ops, answer, t0, t1, report)
                if done + len(following) >= total:
                    # Counted again only when the estimate runs out (a full count of the outbox for every
                    # batch was a tenth of the phone's push work): edits saved during the sync add to it.
                    total = done + self.store.sendable_count()
                self._emit("push", done, total)
                ops, inflight = following, nxt
                if inflight is None:
                    # Nothing in flight: start from the front again for ops the cursor stepped over (a
                    # record's next edit, whose earlier op was only just answered; an op re-queued after
                    # a refusal). Empty when the outbox holds nothing more to send.
                    ops = self.store.take_push_batch(self.batch_size)
                    if ops:
                        inflight = sender.submit(self._send_push, self._push_body(ops, report))

    def _push_body(self, ops: list[OutgoingOp], report: SyncReport) -> bytes:
        head: dict[str, Any] = {"device_id": self.store.device_id}
        known = report.clock_offset_s if report.clock_offset_s is not None else self.store.clock_offset_s()
        if known is not None:
            # The server stores it on the visits of this batch, to flag times from a skewed clock.
            head["clock_offset_s"] = round(known, 3)
        # Each op's stored JSON is spliced in as is: 10,000 records are not decoded and re-encoded.
        ops_json = ",".join([op.wire_json() for op in ops])
        return f'{json.dumps(head, ensure_ascii=False)[:-1]},"ops":[{ops_json}]}}'.encode()

    def _send_push(self, body: bytes) -> tuple[dict[str, Any], float, float]:
        """One push request (run in the sender thread): the decoded answer and when it left and came back.

        The body goes gzip-compressed, about a seventh of its size (server/compression.py): on a weak
        mobile link the bytes are most of a push's time. A server from before compressed pushes reads the
        gzip bytes as broken JSON (400 naming the body) or refuses the coding (415): the body then goes
        plain, and so does every later push of this engine. Any other refusal stands.
        """
        resp: httpx.Response | None = None
        if self._gzip_pushes:
            packed = gzip.compress(body, compresslevel=1, mtime=0)  # level 1: the phone's CPU and battery
            t0 = time.time()
            try:
                resp = self._request("POST", "/api/sync/push", content=packed, headers=_GZIP_JSON)
            except Refused as exc:
                if not (exc.status == 415 or (exc.status == 400 and exc.field == "body")):
                    raise
                self._gzip_pushes = False
        if resp is None:
            t0 = time.time()
            resp = self._request("POST", "/api/sync/push", content=body, headers=_JSON)
        t1 = time.time()
        answer = resp.json()
        if not isinstance(answer, dict):
            raise ServerError("the server's push answer is not a JSON object; try again later")
        return answer, t0, t1

    def _apply_answer(
        self, ops: list[OutgoingOp], answer: dict[str, Any], t0: float, t1: float, report: SyncReport
    ) -> int:
        """Apply one push answer locally; returns how many ops it settled. Raises if some went unanswered."""
        results = answer.get("results") or []
        answered = {str(r.get("op_id")) for r in results}
        missing = sum(1 for op in ops if op.op_id not in answered)
        outcome = self.store.apply_push_results(ops, results)
        report.pushed += outcome.applied
        report.duplicates += outcome.duplicates
        report.conflicts += outcome.conflicts
        report.rejected += outcome.rejected
        report.errors.extend(outcome.errors)
        offset = _offset(answer.get("server_time"), t0, t1)
        if offset is not None:
            report.clock_offset_s = offset
        if missing:
            # Left as "sent": the next sync sends them again and the server answers duplicate if needed.
            raise ServerError(f"the server answered {len(results)} of {len(ops)} records; try again later")
        return len(ops)

    def _photos(self, report: SyncReport) -> None:
        wanted = self.store.photos_to_upload()
        if not wanted:
            return
        self._emit("photos", 0, len(wanted))
        missing: list[str] = []
        for i in range(0, len(wanted), MAX_OPS_PER_PUSH):
            chunk = wanted[i : i + MAX_OPS_PER_PUSH]
            answer = self._request("POST", "/api/attachments/missing", json={"sha256": chunk}).json()
            server_lacks = set(answer.get("missing") or [])
            # The server already holds these digests: that is its confirmation.
            self.store.mark_photos_uploaded([d for d in chunk if d not in server_lacks])
            missing.extend(d for d in chunk if d in server_lacks)
        done = len(wanted) - len(missing)
        paths = {d: self.store.photo_path(d) for d in missing}
        total_bytes = sum(p.stat().st_size for p in paths.values() if p is not None)
        sent_before = 0  # bytes of the photos finished (or given up) in this sync
        self._emit("photos", done, len(wanted), 0, total_bytes)
        for digest in missing:
            path = paths[digest]
            if path is None:
                report.errors.append(f"photo {digest}: the file is no longer on this phone")
                continue
            body = path.read_bytes()
            base, count = sent_before, done

            def moved(held: int, base: int = base, count: int = count) -> None:
                self._emit("photos", count, len(wanted), base + held, total_bytes)

            try:
                resp = self._upload(digest, body, report, moved)
            except Refused as exc:
                # One refused photo (say, a damaged file) must not stop the others or the pull.
                report.errors.append(f"photo {digest}: {exc}")
                continue
            finally:
                sent_before += len(body)
            confirmed = _confirmed_digest(resp)
            if confirmed != digest:
                report.errors.append(f"photo {digest}: the server did not confirm it (got {confirmed})")
                continue
            self.store.mark_photos_uploaded([digest])
            report.photos_uploaded += 1
            done += 1
            self._emit("photos", done, len(wanted), sent_before, total_bytes)

    def _upload(
        self, digest: str, body: bytes, report: SyncReport, moved: Callable[[int], None]
    ) -> httpx.Response:
        """Upload one photo, resumably when the server can; the answer that confirms it."""
        if self._server_resumes is not False:
            try:
                resp = self._upload_resumably(digest, body, report, moved)
                self._server_resumes = True
                return resp
            except _NoResumableUpload:
                self._server_resumes = False
        sent = [0]

        def counted(n: int) -> None:
            sent[0] += n
            report.photo_bytes_sent += n
            moved(min(sent[0], len(body)))

        # Each retry sends the whole photo again: that is what resumable upload saves.
        return self._request(
            "PUT",
            f"/api/attachments/{digest}",
            content=_Pieces(body, counted, lambda: sent.__setitem__(0, 0)),
            headers={"Content-Type": "image/jpeg", "Content-Length": str(len(body))},
        )

    def _upload_resumably(
        self, digest: str, body: bytes, report: SyncReport, moved: Callable[[int], None]
    ) -> httpx.Response:
        """Ask how much the server holds, send the rest; after a break, ask again. Raises
        `_NoResumableUpload` when the server does not offer it."""
        url = f"/api/attachments/{digest}/upload"
        size = len(body)
        failures, broke, last = 0, False, ""
        known: int | None = None  # the offset the last answer gave, so the next part needs no question
        rounds = math.ceil(size / self.upload_part_bytes) + 3 * self.max_attempts
        for _ in range(rounds):
            offset = known if known is not None else self._held_bytes(url)
            if offset is None or offset > size:
                raise _NoResumableUpload  # an answer this phone cannot continue from: send it whole
            if broke and offset:
                report.photo_resumes += 1
            broke, known = False, None
            moved(offset)
            end = min(size, offset + self.upload_part_bytes)
            sent = [offset]

            def counted(n: int, sent: list[int] = sent) -> None:
                sent[0] += n
                report.photo_bytes_sent += n
                moved(sent[0])

            headers = {
                "Upload-Offset": str(offset),
                "Upload-Length": str(size),
                "Content-Type": "application/offset+octet-stream",
                "Content-Length": str(end - offset),
            }
            try:
                resp = self._client.patch(url, content=_Pieces(body[offset:end], counted), headers=headers)
            except httpx.TransportError as exc:
                resp, last = None, f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            if resp is not None and resp.status_code in (200, 201):
                if (_json_object(resp) or {}).get("stored"):
                    moved(size)
                    return resp
                failures, known = 0, _int_header(resp, "Upload-Offset")
                continue
            if resp is not None and resp.status_code in (404, 405):
                raise _NoResumableUpload
            if resp is not None and resp.status_code == 401:
                raise AuthError(
                    "the server no longer accepts this sign-in, please sign in again"
                    f" ({_server_message(resp)})"
                )
            if resp is not None and resp.status_code not in (408, 409) and resp.status_code < 500:
                message, field = read_refusal(resp)
                raise Refused(
                    f"the server refused the request: {message}",
                    status=resp.status_code,
                    field=field,
                    detail=message,
                )
            # Broken off, silent too long (408), out of step with the server (409) or a server error: ask
            # the server what it holds and go on from there.
            if resp is not None:
                last = f"{resp.status_code}: {_server_message(resp)}"
            broke = True
            failures += 1
            if failures >= self.max_attempts:
                break
            self._pause(failures)
        raise Unreachable(
            f"photo {digest}: the upload to {self.base_url} did not finish ({last or 'no answer'}); "
            "the bytes the server holds are kept and the next sync sends the rest"
        )

    def _held_bytes(self, url: str) -> int | None:
        """The server's ``Upload-Offset`` for an upload URL; `_NoResumableUpload` from a server without."""
        try:
            head = self._request("HEAD", url)
        except RequestRefused as exc:
            if exc.status in (404, 405):
                raise _NoResumableUpload from None
            raise
        return _int_header(head, "Upload-Offset")

    def _pull(self, report: SyncReport) -> None:
        limit = min(self.batch_size, MAX_PULL_LIMIT)
        cursor = self.store.pull_cursor()
        self._emit("pull", report.pulled, report.pulled)
        while True:
            params: dict[str, Any] = {"limit": limit}
            if cursor:
                params["cursor"] = cursor
            resp = self._request("GET", "/api/sync/pull", params=params)
            answer = resp.json()
            changes = answer.get("changes") or []
            new_cursor = str(answer.get("cursor") or cursor or "")
            try:
                self.store.apply_pull(changes, new_cursor)
            except Exception as exc:
                raise ServerError(
                    f"could not store what the server sent ({type(exc).__name__}: {exc})"
                ) from exc
            report.pulled += len(changes)
            if report.clock_offset_s is None:
                report.clock_offset_s = _date_offset(resp)
            self._emit("pull", report.pulled, report.pulled + (limit if answer.get("has_more") else 0))
            if not answer.get("has_more"):
                break
            if new_cursor == cursor and not changes:
                raise ServerError("the server keeps sending the same position; try again later")
            cursor = new_cursor

    def _sites(self, report: SyncReport) -> None:
        """Fetch the districts' known sites that changed (shared/protocol.py, Sites).

        Sites only help to name a place: a failure here is one more line of the report, not a failed
        sync, and it reports no progress of its own (a few small pages after the pull). If the phone turns
        out to hold another number of sites than the server counts, one whole round follows from an empty
        cursor (at most one per sync).
        """
        limit = min(self.batch_size, MAX_PULL_LIMIT)
        rounds = 0
        try:
            while True:
                params: dict[str, Any] = {"limit": limit}
                cursor = self.store.sites_cursor()
                if cursor:
                    params["cursor"] = cursor
                answer = self._request("GET", "/api/sites", params=params).json()
                page = self.store.apply_sites(answer if isinstance(answer, dict) else {})
                report.sites += page.changed
                if page.has_more:
                    if self.store.sites_cursor() == cursor:
                        raise SyncError("the server keeps sending the same position; try again later")
                    continue
                if not page.behind or rounds:
                    return
                rounds += 1
                self.store.start_sites_round()
        except RequestRefused as exc:
            if exc.status == 404 and exc.field == "path":
                return  # a server from before sites: the planner types places, as before
            report.errors.append(f"sites: {exc}")
        except AuthError:
            raise
        except SyncError as exc:
            report.errors.append(f"sites: {exc}")


def _offset(server_time: Any, t0: float, t1: float) -> float | None:
    if not isinstance(server_time, str):
        return None
    try:
        server = datetime.fromisoformat(server_time.replace("Z", "+00:00"))
    except ValueError:
        return None
    if server.tzinfo is None:
        server = server.replace(tzinfo=UTC)
    return server.timestamp() - (t0 + t1) / 2


def _date_offset(resp: httpx.Response) -> float | None:
    # Coarse (one second) fallback from the Date header when no push answer carried server_time.
    value = resp.headers.get("date")
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).timestamp() - time.time()
    except (TypeError, ValueError):
        return None


class _Pieces:
    """A request body handed over in pieces, reporting each piece's size once it is taken.

    Iterable afresh for every retry (httpx refuses to re-send a consumed generator); ``restart`` is told
    when a new pass begins.
    """

    def __init__(
        self, data: bytes, taken: Callable[[int], None], restart: Callable[[], None] | None = None
    ) -> None:
        self.data, self.taken, self.restart = data, taken, restart

    def __iter__(self) -> Iterator[bytes]:
        if self.restart is not None:
            self.restart()
        for start in range(0, len(self.data), _PIECE_BYTES):
            piece = self.data[start : start + _PIECE_BYTES]
            yield piece
            self.taken(len(piece))


def _int_header(resp: httpx.Response, name: str) -> int | None:
    value = resp.headers.get(name, "").strip()
    return int(value) if value.isdigit() else None


def _json_object(resp: httpx.Response) -> dict[str, Any] | None:
    try:
        body = resp.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _confirmed_digest(resp: httpx.Response) -> str | None:
    try:
        body = resp.json()
    except ValueError:
        return None
    if isinstance(body, dict):
        value = body.get("sha256") or body.get("digest")
        return str(value) if value else None
    return None
