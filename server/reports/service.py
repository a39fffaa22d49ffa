"""Downloads for the bureau and the districts, written by `server.reports.writers`: the periodic
consultation-service record per district and its HR-bureau summary (CQ-8, XLSX; a period has
`Settings.period_months` months, the profile's ``report_period_months``), the annual work report draft
(CQ-4, DOCX), each written opinion (DOCX) and a PDS-9 allowance settlement list (XLSX); and by
`server.reports.term_documents`: a member's personal archive and a dispatch notice (DOCX).

A period is named by its number in the year, ``period`` (``quarter`` is accepted as the same number, as
phones made before periods ask for it).

A browser cannot add a bearer header to a download link, so ``POST /api/reports/links`` answers a URL
carrying a short-lived signed token (HMAC-SHA256 over user, report, parameters and expiry, keyed by the
server's signing key). The report routes accept that token or a bearer header, and check the user's scope
again when the file is made. Workbooks are written in openpyxl's write-only mode to a spooled temporary
file and streamed out in chunks.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from datetime import date, datetime
from typing import IO, Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

import anyio.to_thread
import sqlalchemy as sa
from litestar import Request, Response
from litestar.exceptions import NotAuthorizedException
from litestar.response import Stream
from litestar.security.jwt import Token

from server.appraisal import grading
from server.appraisal.data import load_year, local_today
from server.appraisal.summary import parse_year
from server.core.access import district_names, load_planner_for, planner_districts, require_role
from server.core.auth import BUREAU, DISTRICT, PLANNER, CurrentUser, load_user, retrieve_user
from server.core.db import Database
from server.core.errors import ApiError, bad_request, not_found
from server.core.models import Opinion, table_of
from server.core.parsing import MAX_ROW_ID, body_object, is_record_id, parse_int
from server.core.settings import Settings
from server.feedback.service import forwards_of
from server.money.allowance import period_detail
from server.reports import writers as reports
from server.reports.term_documents import write_archive_docx, write_dispatch_notice_docx
from server.term.archive import archive_data
from server.term.dispatch import dispatch_answer

_opinions = table_of(Opinion)
LINK_TTL_S = 300
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
REPORTS = ("quarterly", "hr-summary", "annual", "opinion", "allowance", "archive", "dispatch-notice")


def content_disposition(filename: str) -> str:
    """RFC 6266 / RFC 5987: an ASCII fallback plus the UTF-8 name."""
    fallback = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _sign(key: str, payload: dict[str, Any]) -> str:
    raw = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    mac = hmac.new(key.encode(), b"report-link:" + raw, hashlib.sha256).digest()
    return (
        base64.urlsafe_b64encode(raw).decode().rstrip("=")
        + "."
        + base64.urlsafe_b64encode(mac).decode().rstrip("=")
    )


def _unsign(key: str, token: str) -> dict[str, Any] | None:
    try:
        body, mac = token.split(".", 1)
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        given = base64.urlsafe_b64decode(mac + "=" * (-len(mac) % 4))
    except ValueError:
        return None
    want = hmac.new(key.encode(), b"report-link:" + raw, hashlib.sha256).digest()
    if not hmac.compare_digest(want, given):
        return None
    payload: dict[str, Any] = json.loads(raw)
    return payload if payload.get("e", 0) >= time.time() else None


def _path(report: str, params: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """The route and query of a report; raises 400 naming the parameter that is missing."""
    query: dict[str, str] = {}

    def need(name: str) -> str:
        v = params.get(name)
        if v is None or v == "":
            raise bad_request(f"params.{name}", "is required")
        return str(v)

    def need_id(name: str) -> int:
        n = parse_int(need(name), f"params.{name}", hi=MAX_ROW_ID)
        assert n is not None
        return n

    def period() -> str:
        if params.get("period") in (None, "") and params.get("quarter") not in (None, ""):
            return str(params["quarter"])
        return need("period")

    if report == "quarterly":
        query = {"year": need("year"), "period": period(), "district_id": need("district_id")}
        return "/api/reports/quarterly.xlsx", query
    if report == "hr-summary":
        return "/api/reports/hr-summary.xlsx", {"year": need("year"), "period": period()}
    if report == "allowance":
        return f"/api/reports/allowance/{need_id('period_id')}.xlsx", {}
    if report == "annual":
        return f"/api/reports/annual/{need_id('planner_id')}.docx", {"year": need("year")}
    if report == "opinion":
        return f"/api/reports/opinions/{quote(need('opinion_id'), safe='')}.docx", {}
    if report == "archive":
        return f"/api/reports/archives/{need_id('candidate_id')}.docx", {}
    if report == "dispatch-notice":
        return f"/api/reports/dispatch-notices/{need_id('dispatch_id')}.docx", {}
    raise bad_request("report", f"must be one of {', '.join(REPORTS)}")


def make_link(settings: Settings, user: CurrentUser, body: Any) -> dict[str, Any]:
    require_role(user, PLANNER, DISTRICT, *BUREAU)
    body = body_object(body)
    report = body.get("report")
    params = body.get("params") or {}
    if not isinstance(params, dict):
        raise bad_request("params", "must be an object")
    path, query = _path(str(report), params)
    expires = int(time.time()) + LINK_TTL_S
    # "v": a password reset voids the links made before it, as it voids tokens.
    claims = {"u": user.id, "v": user.token_version, "p": path, "q": query, "e": expires}
    token = _sign(settings.signing_key(), claims)
    return {"url": f"{path}?{urlencode({**query, 'token': token})}", "expires_in": LINK_TTL_S}


async def report_user(request: Request[Any, Any, Any]) -> CurrentUser:
    """The user of a report: from its signed link (bound to this path and query) or a bearer header."""
    settings: Settings = request.app.state.settings
    db: Database = request.app.state.db
    token = request.query_params.get("token")
    if token:
        payload = _unsign(settings.signing_key(), token)
        query = {k: v for k, v in request.query_params.items() if k != "token"}
        if payload is None or payload.get("p") != request.url.path or payload.get("q") != query:
            raise NotAuthorizedException(detail="token: the link is invalid or has expired")
        async with db.read() as conn:
            # Links carry the token version they were made under (links from before, none: version 0).
            user = await load_user(conn, int(payload["u"]), payload.get("v", 0))
    else:
        header = request.headers.get("authorization", "")
        if not header.lower().startswith("bearer "):
            raise NotAuthorizedException(detail="authorization: a bearer token or a signed link is required")
        jwt_auth = request.app.state.jwt_auth
        try:
            decoded = Token.decode(header.split(" ", 1)[1], jwt_auth.token_secret, jwt_auth.algorithm)
        except Exception:
            raise NotAuthorizedException(detail="authorization: invalid token") from None
        # The same check as every other route's (a reset voids older tokens).
        user = await retrieve_user(decoded, request)
    if user is None:
        raise NotAuthorizedException(detail="authorization: unknown user")
    return user


async def _stream(write: Callable[[IO[bytes]], None], filename: str, media_type: str) -> Response[Any]:
    # Closed by the stream when the last chunk is sent (or the client goes away).
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    await anyio.to_thread.run_sync(write, spool)
    spool.seek(0)

    async def chunks() -> AsyncIterator[bytes]:
        try:
            while block := await anyio.to_thread.run_sync(spool.read, 64 * 1024):
                yield block
        finally:
            spool.close()

    return Stream(
        chunks(), media_type=media_type, headers={"Content-Disposition": content_disposition(filename)}
    )


def parse_period(settings: Settings, period: str | None, quarter: str | None) -> int:
    """The period's number in its year (1 to 12 / period_months); ``quarter`` is the older name of it."""
    count = reports.periods_in_year(settings.period_months)
    if period not in (None, "") and quarter not in (None, "") and period != quarter:
        raise bad_request("period", "and quarter name different periods; give period only")
    if period in (None, "") and quarter not in (None, ""):
        n = parse_int(quarter, "quarter", lo=1, hi=count)
    else:
        n = parse_int(period, "period", lo=1, hi=count)
    assert n is not None
    return n


async def _district_record(
    db: Database, settings: Settings, district_id: int, year: int, period: int, name: str
) -> reports.ConsultationRecord:
    async with db.read() as conn:
        served = await planner_districts(conn)
        ids = [p for p, ds in served.items() if district_id in ds]
        facts = await load_year(conn, year, settings.tz, ids, confirmed_only=True)
    return reports.consultation_record(
        district_id,
        name,
        year,
        period,
        facts.planners,
        facts.visits,
        facts.opinions,
        facts.attendance,
        settings.tz,
        settings.period_months,
    )


async def quarterly(
    request: Request[Any, Any, Any],
    year: str | None,
    period: str | None,
    quarter: str | None,
    district: str | None,
) -> Response[Any]:
    user = await report_user(request)
    settings: Settings = request.app.state.settings
    y, q = parse_year(year), parse_period(settings, period, quarter)
    district_id = parse_int(district, "district_id")
    assert district_id is not None
    require_role(user, DISTRICT, *BUREAU)
    async with request.app.state.db.read() as conn:
        names = await district_names(conn)
    if district_id not in names or not (user.sees_all or district_id in user.district_ids):
        raise not_found("district_id", "no such district")
    record = await _district_record(request.app.state.db, settings, district_id, y, q, names[district_id])
    filename = f"{names[district_id]}咨询服务记录{record.label}.xlsx"
    return await _stream(
        lambda out: reports.write_consultation_record_xlsx(record, settings.profile, out), filename, XLSX
    )


async def hr_summary(
    request: Request[Any, Any, Any], year: str | None, period: str | None, quarter: str | None
) -> Response[Any]:
    user = await report_user(request)
    settings: Settings = request.app.state.settings
    y, q = parse_year(year), parse_period(settings, period, quarter)
    require_role(user, *BUREAU)
    async with request.app.state.db.read() as conn:
        names = await district_names(conn)
    records = [
        await _district_record(request.app.state.db, settings, d, y, q, n) for d, n in sorted(names.items())
    ]
    months = settings.period_months
    label = f"{y}年{reports.period_label(q, months)}"
    filename = f"{settings.profile.city}{settings.profile.planner_title}工作情况{label}.xlsx"
    return await _stream(
        lambda out: reports.write_hr_summary_xlsx(records, settings.profile, y, q, out, months),
        filename,
        XLSX,
    )


async def annual(request: Request[Any, Any, Any], planner_id: int, year: str | None) -> Response[Any]:
    user = await report_user(request)
    settings: Settings = request.app.state.settings
    y = parse_year(year)
    async with request.app.state.db.read() as conn:
        await load_planner_for(conn, user, planner_id)
        facts = await load_year(conn, y, settings.tz, [planner_id], confirmed_only=True)
        forwards = [
            reports.Forwarded(f["recipient"], f["recipient_name"], date.fromisoformat(f["forwarded_on"]))
            for f in await forwards_of(conn, planner_id, y)
        ]
    if not facts.planners:
        raise not_found("planner_id", "no such planner")
    [d] = grading.build_dossiers(
        facts.planners,
        y,
        settings.profile,
        facts.visits,
        facts.opinions,
        facts.feedback,
        facts.attendance,
        settings.tz,
    )
    filename = f"{y}年度{settings.profile.planner_title}工作报告-{d.planner_name}.docx"
    return await _stream(
        lambda out: reports.write_annual_report_docx(
            d, settings.profile, out, facts.visits, facts.opinions, facts.feedback, settings.tz, forwards
        ),
        filename,
        DOCX,
    )


async def opinion_doc(request: Request[Any, Any, Any], opinion_id: str) -> Response[Any]:
    user = await report_user(request)
    if not is_record_id(opinion_id):
        raise not_found("id", "no such opinion")
    settings: Settings = request.app.state.settings
    async with request.app.state.db.read() as conn:
        row = (
            await conn.execute(
                sa.select(_opinions).where(_opinions.c.id == opinion_id, _opinions.c.deleted == sa.false())
            )
        ).one_or_none()
        visible = row is not None and (
            user.sees_all
            or (user.role == PLANNER and row.planner_id == user.id)
            or (user.role == DISTRICT and row.district_id in user.district_ids)
        )
        if not visible:
            raise not_found("id", "no such opinion")
        year = row.issued_at.year
        facts = await load_year(conn, year, settings.tz, [row.planner_id])
        others = [o for o in facts.opinions if o.id == opinion_id]
        if not others:  # issued near New Year: the local year differs from the UTC one
            facts = await load_year(conn, year + 1, settings.tz, [row.planner_id])
            others = [o for o in facts.opinions if o.id == opinion_id]
    if not others or not facts.planners:
        raise ApiError(404, "id", "no such opinion")
    planner = facts.planners[0]
    names_match = planner.district_id == row.district_id
    if not names_match:
        async with request.app.state.db.read() as conn:
            name = (await district_names(conn)).get(row.district_id, "")
        from dataclasses import replace

        planner = replace(planner, district_id=row.district_id, district_name=name)
    filename = f"{reports.OPINION_TITLES[others[0].opinion_kind]}-{others[0].subject}.docx"
    return await _stream(
        lambda out: reports.write_opinion_docx(others[0], planner, settings.profile, out, settings.tz),
        filename,
        DOCX,
    )


async def allowance_xlsx(request: Request[Any, Any, Any], period_id: int) -> Response[Any]:
    """PDS-9: a settlement period's list as XLSX (coordinator, admin)."""
    user = await report_user(request)
    settings: Settings = request.app.state.settings
    require_role(user, *BUREAU)
    async with request.app.state.db.read() as conn:
        detail = await period_detail(conn, period_id, settings.profile)
    zone = ZoneInfo(settings.tz)
    settlement = reports.Settlement(
        name=detail["name"],
        starts_on=date.fromisoformat(detail["starts_on"]),
        ends_on=date.fromisoformat(detail["ends_on"]),
        yearly_fen=detail["yearly_fen"],
        lines=tuple(
            reports.SettlementLine(
                planner_name=x["display_name"],
                districts="、".join(x["district_names"]),
                term_first=date.fromisoformat(x["term_first"]),
                term_last=date.fromisoformat(x["term_last"]),
                served_last=date.fromisoformat(x["served_last"]),
                days_served=x["days_served"],
                basis=x["basis"],
                amount_fen=x["amount_fen"],
                amount_reason=x["amount_reason"],
                paid=x["paid"],
                paid_by=x["paid_by_name"],
                paid_on=datetime.fromisoformat(x["paid_at"]).astimezone(zone).date()
                if x["paid_at"]
                else None,
            )
            for x in detail["lines"]
        ),
        unknown_terms=tuple(u["display_name"] for u in detail["unknown_terms"]),
    )
    filename = f"{settings.profile.planner_title}交通通讯费用结算清单-{settlement.name}.xlsx"
    return await _stream(
        lambda out: reports.write_settlement_xlsx(settlement, settings.profile, out), filename, XLSX
    )


async def archive_doc(request: Request[Any, Any, Any], candidate_id: int) -> Response[Any]:
    """A member's personal archive (个人档案) for the bureau."""
    user = await report_user(request)
    require_role(user, *BUREAU)
    settings: Settings = request.app.state.settings
    async with request.app.state.db.read() as conn:
        data = await archive_data(conn, settings.profile, local_today(settings.tz), candidate_id)
    filename = f"{settings.profile.planner_title}个人档案-{data['candidate']['name']}.docx"
    return await _stream(lambda out: write_archive_docx(data, settings.profile, out), filename, DOCX)


async def dispatch_notice_doc(request: Request[Any, Any, Any], dispatch_id: int) -> Response[Any]:
    """PDS-7's dispatch notice for the bureau, the district's staff and the planner dispatched."""
    user = await report_user(request)
    require_role(user, PLANNER, DISTRICT, *BUREAU)
    settings: Settings = request.app.state.settings
    async with request.app.state.db.read() as conn:
        data = await dispatch_answer(conn, settings.profile, local_today(settings.tz), dispatch_id, user)
    if data["notice"] is None:
        raise not_found("dispatch_id", "has no notice yet: the service has not started")
    filename = f"{data['notice']['title']}-{data['name']}.docx"
    return await _stream(lambda out: write_dispatch_notice_docx(data, settings.profile, out), filename, DOCX)
