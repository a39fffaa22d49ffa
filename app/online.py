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

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            async with self._client() as client:
                resp = await client.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise Unreachable(f"cannot reach server {self.base_url}: {exc}") from exc
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
