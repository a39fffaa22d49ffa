"""Record factories, a faulty transport and server row counts shared by the app and end-to-end tests."""

from __future__ import annotations

import asyncio
import gzip
import json
import socket
import sqlite3
import time
from pathlib import Path
from typing import Any

import httpx

#: What district staff send to confirm these test visits: they are flagged (no photo; synced long after
#: they ended), so the server asks for a reason code, as it would of a real reviewer.
CONFIRM_FLAGGED: dict[str, str] = {"reason_code": "verified_by_phone"}


def visit(
    district_id: int = 1, *, site: str = "老城片区", day: int = 1, hours: float = 2.0, **extra: Any
) -> dict[str, Any]:
    """A checked-out visit on 2026-03-<day> starting 09:00 Beijing time."""
    start_h, end_min = 9, round(hours * 60)
    end_h, end_m = start_h + end_min // 60, end_min % 60
    data: dict[str, Any] = {
        "district_id": district_id,
        "site": site,
        "purpose": "现场指导",
        "started_at": f"2026-03-{day:02d}T{start_h:02d}:00:00+08:00",
        "ended_at": f"2026-03-{day:02d}T{end_h:02d}:{end_m:02d}:00+08:00",
    }
    data.update(extra)
    return data


def feedback(district_id: int = 1, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "district_id": district_id,
        "place": "和平路社区",
        "category": "traffic",
        "content": "路口缺少人行横道",
        "collected_at": "2026-04-02T15:00:00+08:00",
    }
    data.update(extra)
    return data


def request_json(request: httpx.Request) -> Any:
    """The JSON body a request carries, inflated first if the engine sent it gzip-compressed."""
    body = request.content
    if request.headers.get("content-encoding") == "gzip":
        body = gzip.decompress(body)
    return json.loads(body)


#: What a server from before resumable upload answered to ``HEAD``/``PATCH .../upload`` (measured on it).
OLD_SERVER_404: dict[str, Any] = {"status_code": 404, "detail": "path: Not Found", "field": "path"}


class FaultyTransport(httpx.BaseTransport):
    """A real HTTP transport with faults injected on purpose, one per upcoming request or all while down.

    Faults: ``"drop"`` (connection refused before sending), ``"503"`` (a server error answer),
    ``"lose_answer"`` (the request reaches the server and is applied, then the answer is lost),
    ``"cut_upload"`` (the request's head and the first ``cut_fraction`` of its body reach the server over
    a socket that then goes silent, as when the link drops mid-upload; the phone sees a write error once
    the server holds those bytes, after its idle limit of about ten seconds). ``old_server`` answers the
    resumable-upload paths as a server from before them did.
    """

    def __init__(self, inner: httpx.BaseTransport | None = None) -> None:
        self.inner = inner or httpx.HTTPTransport()
        self.plan: list[str | None] = []
        self.down = False
        self.old_server = False
        self.cut_fraction = 0.6
        self.requests: list[tuple[str, str]] = []
        self.sent: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append((request.method, request.url.path))
        self.sent.append(request)
        if self.old_server and request.url.path.endswith("/upload"):
            return httpx.Response(404, json=OLD_SERVER_404 if request.method != "HEAD" else None)
        fault = self.plan.pop(0) if self.plan else None
        if self.down or fault == "drop":
            raise httpx.ConnectError("injected: network down", request=request)
        if fault == "503":
            return httpx.Response(503, json={"status_code": 503, "detail": "injected: server busy"})
        if fault == "cut_upload":
            self._cut(request)
            raise httpx.WriteError("injected: the link broke during the upload", request=request)
        resp = self.inner.handle_request(request)
        if fault == "lose_answer":
            resp.read()
            resp.close()
            raise httpx.ReadError("injected: answer lost", request=request)
        return resp

    def _cut(self, request: httpx.Request) -> None:
        body = b"".join(request.stream)  # type: ignore[arg-type]
        cut = int(len(body) * self.cut_fraction)
        offset = int(request.headers.get("Upload-Offset", "0"))
        url = request.url
        head = [f"{request.method} {url.raw_path.decode()} HTTP/1.1", f"Host: {url.netloc.decode()}"]
        head += [f"{k}: {v}" for k, v in request.headers.items() if k.lower() != "host"]
        ask = httpx.Request("HEAD", url, headers={"Authorization": request.headers.get("Authorization", "")})
        # The link goes silent, not closed (a dead radio sends no FIN): the server stops waiting after
        # its idle limit and keeps the bytes. The socket stays open until the server says so (bounded).
        with socket.create_connection((url.host, url.port or 80), timeout=10) as raw:
            raw.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + body[:cut])
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                held = self.inner.handle_request(ask)
                held.read()
                if int(held.headers.get("Upload-Offset", "0")) >= offset + cut:
                    return
                time.sleep(0.2)
        raise AssertionError("the server never showed the bytes sent before the link went silent")

    def close(self) -> None:
        self.inner.close()


def server_counts(db: Path | str, planner_id: int | None = None) -> dict[str, int]:
    """Rows on the server, read straight from its database (a SQLite path, or the server's database URL).

    Records per table and their distinct ids, and the op log: a record stored twice, or an op applied
    twice, shows up here whatever the API says.
    """
    where = "" if planner_id is None else f" WHERE planner_id = {int(planner_id)}"
    queries = {
        t: f"SELECT count(*), count(DISTINCT id) FROM {t}{where}" for t in ("visits", "opinions", "feedback")
    }
    oplog = "SELECT count(*) FROM applied_ops"
    url = str(db)
    rows: dict[str, tuple[int, int]] = {}
    if url.startswith("postgresql"):
        rows, ops = asyncio.run(_pg_counts(url, queries, oplog))
    else:
        path = url.split("///", 1)[1] if "://" in url else url
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as c:
            rows = {t: c.execute(q).fetchone() for t, q in queries.items()}
            ops = int(c.execute(oplog).fetchone()[0])
    out: dict[str, int] = {"applied_ops": ops}
    for table, (n, distinct) in rows.items():
        out[table] = int(n)
        out[f"{table}_distinct"] = int(distinct)
    return out


async def _pg_counts(url: str, queries: dict[str, str], oplog: str) -> tuple[dict[str, tuple[int, int]], int]:
    import asyncpg
    from sqlalchemy.engine import make_url

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    try:
        rows = {t: tuple(await conn.fetchrow(q)) for t, q in queries.items()}
        return rows, int(await conn.fetchval(oplog))  # type: ignore[misc]
    finally:
        await conn.close()
