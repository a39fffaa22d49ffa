"""A small async httpx client for the online endpoints district staff and coordinators use.

Staff and coordinators work signed in and online: nothing here is stored on the phone. Every method is one
request; an error answer raises `app.errors.Refused` (`AuthError` for 401) with the status and the field
the server named, and no answer raises `app.errors.Unreachable`, so the screens can say it in plain words
(`app.errors.plain`). Nothing is retried: the person tapping decides whether to try again.
"""

from __future__ import annotations

from typing import Any, Final

import httpx

from app.errors import AuthError, Refused, Unreachable, read_refusal

TIMEOUT_S: Final = 30.0


def _raise_for(resp: httpx.Response) -> None:
    if resp.status_code < 400:
        return
    detail, field = read_refusal(resp)
    if resp.status_code == 401:
        raise AuthError(detail, field=field)
    raise Refused(detail, status=resp.status_code, field=field)


class OnlineClient:
    """The online API as methods; ``transport`` lets tests run it against the server in-process."""

    def __init__(
        self, base_url: str, token: str, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self._transport = transport

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.base_url,
            transport=self._transport,
            headers={"Authorization": f"Bearer {self.token}", "Accept": "application/json"},
            timeout=TIMEOUT_S,
        )

    async def _call(self, method: str, path: str, *, answered: tuple[int, ...] = (), **kwargs: Any) -> Any:
        """One request; an error status in ``answered`` returns its JSON body instead of raising."""
        try:
            async with self._client() as client:
                resp = await client.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise Unreachable(f"cannot reach server {self.base_url}: {exc}") from exc
        if resp.status_code not in answered:
            _raise_for(resp)
        if not resp.content:
            return None
        ctype = resp.headers.get("content-type", "")
        return resp.json() if "json" in ctype else resp.content

    @staticmethod
    def _params(**values: Any) -> dict[str, Any]:
        return {k: v for k, v in values.items() if v is not None}

    # --- configuration ---
    async def config(self) -> dict[str, Any]:
        return dict(await self._call("GET", "/api/config"))

    async def districts(self) -> list[dict[str, Any]]:
        return list(await self._call("GET", "/api/districts"))

    async def planners(self, year: int) -> list[dict[str, Any]]:
        """The planners this user may see, with their yearly numbers (staff: their districts)."""
        body = await self._call("GET", "/api/summary/planners", params={"year": year})
        return list(body.get("planners") or [])

    # --- review ---
    async def review_queue(
        self,
        district_id: int | None = None,
        status: str = "pending",
        *,
        order: str | None = None,
        planner_id: int | None = None,
        since: str | None = None,
        until: str | None = None,
        flag: str | None = None,
    ) -> list[dict[str, Any]]:
        """The queue's first 200 visits as asked for: ``order`` oldest or newest; by planner, days, flag."""
        params = self._params(
            district_id=district_id,
            status=status,
            order=order,
            planner_id=planner_id,
            since=since,
            until=until,
            flag=flag,
            limit=200,
        )
        body = await self._call("GET", "/api/review/queue", params=params)
        return list(body.get("visits") or [])

    async def attachment(self, sha256: str) -> bytes:
        return bytes(await self._call("GET", f"/api/attachments/{sha256}"))

    async def confirm(self, visit_id: str, reason_code: str | None = None, note: str | None = None) -> Any:
        return await self._call(
            "POST", f"/api/visits/{visit_id}/confirm", json=self._params(reason_code=reason_code, note=note)
        )

    async def reject(self, visit_id: str, reason: str) -> Any:
        return await self._call("POST", f"/api/visits/{visit_id}/reject", json={"reason": reason})

    async def undo(self, visit_id: str, version: int) -> Any:
        """Re-open one's own decision, the one that left the visit at ``version``."""
        return await self._call("POST", f"/api/visits/{visit_id}/undo", json={"version": version})

    # --- activities ---
    async def create_activity(
        self, district_id: int, topic: str, place: str, starts_at: str, planner_ids: list[int]
    ) -> dict[str, Any]:
        body = {
            "district_id": district_id,
            "topic": topic,
            "place": place,
            "starts_at": starts_at,
            "planner_ids": planner_ids,
        }
        return dict(await self._call("POST", "/api/activities", json=body))

    async def activities(
        self, district_id: int | None = None, year: int | None = None
    ) -> list[dict[str, Any]]:
        body = await self._call(
            "GET", "/api/activities", params=self._params(district_id=district_id, year=year)
        )
        return list(body.get("activities") or []) if isinstance(body, dict) else list(body or [])

    async def activity(self, activity_id: int | str) -> dict[str, Any]:
        return dict(await self._call("GET", f"/api/activities/{activity_id}"))

    async def attendance(
        self, activity_id: int | str, planner_id: int, status: str, reason: str | None
    ) -> Any:
        body = {"planner_id": planner_id, "status": status, "reason": reason}
        return await self._call("POST", f"/api/activities/{activity_id}/attendance", json=body)

    # --- opinions ---
    async def opinions(self, district_id: int | None = None) -> list[dict[str, Any]]:
        """Written opinions in the user's districts, newest first, with the follow-up recorded so far.

        There is no list endpoint for opinions: the sync pull, which the server scopes to the staff
        member's districts, already carries them (data as written, state as the server set it).
        """
        found: dict[str, dict[str, Any]] = {}
        cursor = ""
        while True:
            body = await self._call("GET", "/api/sync/pull", params={"cursor": cursor, "limit": 1000})
            for ch in body.get("changes") or []:
                if ch.get("kind") != "opinion" or ch.get("deleted") or not ch.get("data"):
                    continue
                data, state = dict(ch["data"]), dict(ch.get("state") or {})
                if district_id is not None and data.get("district_id") != district_id:
                    continue
                follow = state.get("follow_up") or {
                    k: state[k] for k in ("adoption", "quality") if state.get(k) is not None
                }
                found[str(ch["id"])] = {
                    "id": str(ch["id"]),
                    **data,
                    "planner_id": state.get("planner_id"),
                    "follow_up": follow or None,
                }
            cursor = str(body.get("cursor") or "")
            if not body.get("has_more"):
                break
        return sorted(found.values(), key=lambda o: str(o.get("issued_at") or ""), reverse=True)

    async def follow_up(self, opinion_id: str, adoption: str, quality: int, note: str | None) -> Any:
        body = {"adoption": adoption, "quality": quality, "note": note}
        return await self._call("POST", f"/api/opinions/{opinion_id}/follow-up", json=body)

    # --- coordinators ---
    async def dashboard(self, year: int) -> dict[str, Any]:
        return dict(await self._call("GET", "/api/dashboard", params={"year": year}))

    async def dashboard_map(self, year: int, district_id: int | None = None) -> dict[str, Any]:
        return dict(
            await self._call(
                "GET", "/api/dashboard/map", params=self._params(year=year, district_id=district_id)
            )
        )

    async def appraisal(self, year: int) -> dict[str, Any]:
        return dict(await self._call("GET", f"/api/appraisal/{year}"))

    async def dossier(self, year: int, planner_id: int) -> dict[str, Any]:
        return dict(await self._call("GET", f"/api/appraisal/{year}/planners/{planner_id}"))

    async def set_grades(self, year: int, grades: dict[int, str]) -> Any:
        body = {"grades": {str(k): v for k, v in grades.items()}}
        return await self._call("PUT", f"/api/appraisal/{year}/grades", json=body)

    async def report_link(self, report: str, params: dict[str, Any]) -> str:
        body = await self._call("POST", "/api/reports/links", json={"report": report, "params": params})
        url = str(body["url"])
        # The server may answer a path; the browser needs the full address.
        return url if url.startswith(("http://", "https://")) else f"{self.base_url}{url}"

    async def audit(self, limit: int = 50, before: int | None = None) -> dict[str, Any]:
        """Audit entries, newest first: who, when, what changed (coordinators and admins)."""
        return dict(await self._call("GET", "/api/audit", params=self._params(limit=limit, before=before)))

    async def alerts(self, year: int) -> list[dict[str, Any]]:
        body = await self._call("GET", "/api/alerts", params={"year": year})
        return list(body.get("alerts") or []) if isinstance(body, dict) else list(body or [])

    # --- the planner's term: the pool ---
    async def vocabulary(self) -> dict[str, Any]:
        """Codes and labels of the term (specialties, statuses, reasons, steps) and the profile's rules."""
        return dict(await self._call("GET", "/api/pool/vocabulary"))

    async def candidates(self, status: str | None = None) -> dict[str, Any]:
        return dict(await self._call("GET", "/api/pool/candidates", params=self._params(status=status)))

    async def candidate(self, candidate_id: int) -> dict[str, Any]:
        return dict(await self._call("GET", f"/api/pool/candidates/{candidate_id}"))

    async def add_candidate(self, body: dict[str, Any]) -> dict[str, Any]:
        return dict(await self._call("POST", "/api/pool/candidates", json=body))

    async def grant_exception(self, candidate_id: int, reason: str) -> dict[str, Any]:
        path = f"/api/pool/candidates/{candidate_id}/exception"
        return dict(await self._call("POST", path, json={"reason": reason}))

    async def review_candidate(self, candidate_id: int, body: dict[str, Any]) -> dict[str, Any]:
        return dict(await self._call("POST", f"/api/pool/candidates/{candidate_id}/review", json=body))

    async def publish_notice(self, candidate_id: int, body: dict[str, Any]) -> dict[str, Any]:
        return dict(await self._call("POST", f"/api/pool/candidates/{candidate_id}/notice", json=body))

    async def add_objection(self, candidate_id: int, body: dict[str, Any]) -> dict[str, Any]:
        return dict(await self._call("POST", f"/api/pool/candidates/{candidate_id}/objections", json=body))

    async def decide_objection(self, objection_id: int, body: dict[str, Any]) -> dict[str, Any]:
        return dict(await self._call("POST", f"/api/pool/objections/{objection_id}/decision", json=body))

    async def remove_member(self, candidate_id: int, body: dict[str, Any]) -> dict[str, Any]:
        return dict(await self._call("POST", f"/api/pool/candidates/{candidate_id}/removal", json=body))

    async def archive(self, candidate_id: int) -> dict[str, Any]:
        return dict(await self._call("GET", f"/api/pool/candidates/{candidate_id}/archive"))

    async def idle_members(self, days: int | None = None) -> dict[str, Any]:
        return dict(await self._call("GET", "/api/pool/idle", params=self._params(days=days)))

    async def specialty_gaps(self) -> dict[str, Any]:
        return dict(await self._call("GET", "/api/pool/specialty-gaps"))

    # --- district requests and dispatches ---
    async def dispatch_requests(
        self, status: str | None = None, district_id: int | None = None
    ) -> list[dict[str, Any]]:
        params = self._params(status=status, district_id=district_id)
        body = await self._call("GET", "/api/dispatch-requests", params=params)
        return list(body.get("requests") or [])

    async def file_request(self, body: dict[str, Any]) -> dict[str, Any]:
        return dict(await self._call("POST", "/api/dispatch-requests", json=body))

    async def ranked_candidates(self, request_id: int) -> dict[str, Any]:
        return dict(await self._call("GET", f"/api/dispatch-requests/{request_id}/candidates"))

    async def pick(self, request_id: int, body: dict[str, Any]) -> dict[str, Any]:
        return dict(await self._call("POST", f"/api/dispatch-requests/{request_id}/dispatches", json=body))

    async def dispatches(self, status: str | None = None) -> list[dict[str, Any]]:
        body = await self._call("GET", "/api/dispatches", params=self._params(status=status))
        return list(body.get("dispatches") or [])

    async def dispatch(self, dispatch_id: int) -> dict[str, Any]:
        return dict(await self._call("GET", f"/api/dispatches/{dispatch_id}"))

    async def record_step(self, dispatch_id: int, body: dict[str, Any]) -> dict[str, Any]:
        return dict(await self._call("POST", f"/api/dispatches/{dispatch_id}/steps", json=body))

    async def put_contract(self, dispatch_id: int, body: dict[str, Any]) -> dict[str, Any]:
        return dict(await self._call("PUT", f"/api/dispatches/{dispatch_id}/contract", json=body))

    async def decide_term(self, dispatch_id: int, body: dict[str, Any]) -> dict[str, Any]:
        return dict(await self._call("POST", f"/api/dispatches/{dispatch_id}/decision", json=body))

    async def close_service(self, dispatch_id: int) -> dict[str, Any]:
        return dict(await self._call("POST", f"/api/dispatches/{dispatch_id}/close"))

    async def terms(self) -> dict[str, Any]:
        """Terms the user may see, with days left, the latest grade and (bureau) the suggested decision."""
        return dict(await self._call("GET", "/api/terms"))

    async def district_gaps(self) -> dict[str, Any]:
        return dict(await self._call("GET", "/api/terms/gaps"))

    # --- money ---
    async def periods(self) -> list[dict[str, Any]]:
        body = await self._call("GET", "/api/allowance/periods")
        return list(body.get("periods") or [])

    async def open_period(self, body: dict[str, Any]) -> dict[str, Any]:
        return dict(await self._call("POST", "/api/allowance/periods", json=body))

    async def period(self, period_id: int) -> dict[str, Any]:
        return dict(await self._call("GET", f"/api/allowance/periods/{period_id}"))

    async def refresh_period(self, period_id: int) -> dict[str, Any]:
        return dict(await self._call("POST", f"/api/allowance/periods/{period_id}/refresh"))

    async def set_line(self, period_id: int, planner_id: int, body: dict[str, Any]) -> dict[str, Any]:
        path = f"/api/allowance/periods/{period_id}/lines/{planner_id}"
        return dict(await self._call("PUT", path, json=body))

    async def planner_allowance(self, planner_id: int) -> dict[str, Any]:
        return dict(await self._call("GET", f"/api/allowance/planners/{planner_id}"))

    async def claims(self, status: str | None = None) -> dict[str, Any]:
        """Travel claims the user may see, and their totals by status."""
        return dict(await self._call("GET", "/api/claims", params=self._params(status=status)))

    async def claim_receipt(self, claim_id: str) -> bytes:
        return bytes(await self._call("GET", f"/api/claims/{claim_id}/receipt"))

    async def file_claim(self, body: dict[str, Any]) -> dict[str, Any]:
        return dict(await self._call("POST", "/api/claims", json=body))

    async def approve_claim(self, claim_id: str) -> dict[str, Any]:
        return dict(await self._call("POST", f"/api/claims/{claim_id}/approve", json={}))

    async def reject_claim(self, claim_id: str, reason: str) -> dict[str, Any]:
        return dict(await self._call("POST", f"/api/claims/{claim_id}/reject", json={"reason": reason}))

    async def upload_photo(self, sha256: str, jpeg: bytes) -> Any:
        """A photo's bytes under its SHA-256, as the sync engine uploads them (the server checks both)."""
        headers = {"Content-Type": "image/jpeg"}
        return await self._call("PUT", f"/api/attachments/{sha256}", content=jpeg, headers=headers)

    async def work_funds(self, year: int) -> dict[str, Any]:
        return dict(await self._call("GET", f"/api/work-funds/{year}"))

    async def set_work_funds(self, year: int, funds: dict[int, dict[str, Any] | None]) -> dict[str, Any]:
        body = {"funds": {str(k): v for k, v in funds.items()}}
        return dict(await self._call("PUT", f"/api/work-funds/{year}", json=body))

    # --- the district's part of the joint appraisal (PDS-10) ---
    async def district_assessment(self, year: int, planner_id: int) -> dict[str, Any]:
        path = f"/api/appraisal/{year}/planners/{planner_id}/district-assessment"
        return dict(await self._call("GET", path))

    async def record_assessment(self, year: int, planner_id: int, body: dict[str, Any]) -> dict[str, Any]:
        path = f"/api/appraisal/{year}/planners/{planner_id}/district-assessment"
        return dict(await self._call("PUT", path, json=body))

    # --- administration (admins) ---
    async def users(self) -> list[dict[str, Any]]:
        return list((await self._call("GET", "/api/admin/users")).get("users") or [])

    async def add_user(self, body: dict[str, Any]) -> dict[str, Any]:
        return dict(await self._call("POST", "/api/admin/users", json=body))

    async def set_active(self, user_id: int, active: bool) -> dict[str, Any]:
        action = "enable" if active else "disable"
        return dict(await self._call("POST", f"/api/admin/users/{user_id}/{action}"))

    async def reset_password(self, user_id: int, password: str) -> dict[str, Any]:
        path = f"/api/admin/users/{user_id}/password"
        return dict(await self._call("POST", path, json={"password": password}))

    async def set_user_districts(self, user_id: int, district_ids: list[int]) -> dict[str, Any]:
        path = f"/api/admin/users/{user_id}/districts"
        return dict(await self._call("PUT", path, json={"district_ids": district_ids}))

    async def admin_districts(self) -> list[dict[str, Any]]:
        return list((await self._call("GET", "/api/admin/districts")).get("districts") or [])

    async def add_district(self, name: str) -> dict[str, Any]:
        return dict(await self._call("POST", "/api/admin/districts", json={"name": name}))

    async def import_roster(self, xlsx: bytes, *, dry_run: bool) -> dict[str, Any]:
        """Check (``dry_run``) or import a roster; a file with bad rows answers its ``errors``, row by row."""
        body = await self._call(
            "POST",
            "/api/admin/roster",
            params={"dry_run": "true"} if dry_run else None,
            content=xlsx,
            headers={"Content-Type": "application/octet-stream"},
            answered=(422,),
        )
        return dict(body)
