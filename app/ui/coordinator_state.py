"""View-model of the coordinator screens: the year's dashboard, the map, the appraisal, dossiers, downloads.

Plain Python over `app.online.OnlineClient` (async), testable without a page. Numbers are shown as the
server computed them; the view-model only words them (pace "on track" / "behind by N", grade names of the
deployment's profile) and keeps the grades the coordinator is choosing until they are saved. When the
server refuses a grade (CQ-9: more than the profile's share excellent) the refusal is said in plain words
and the grades stay as they were on the server.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import flet as ft

from app import i18n
from app.i18n import fmt_hours
from app.online import OnlineError
from app.ui.online_state import OnlineScreens
from shared import rules

COORD_SCREENS = ("dashboard", "map", "appraisal", "dossier", "alerts", "audit")
REPORTS = ("quarterly", "hr_summary", "annual", "opinion")


@dataclass(frozen=True)
class PlannerRow:
    """One planner's line on the dashboard, already in words."""

    planner_id: int
    name: str
    visits: str
    pace: str
    behind: bool
    hours: str
    opinions: str
    feedback: int
    absences: int
    alerts: tuple[str, ...]


def quarter_of(moment: datetime) -> int:
    return (moment.month - 1) // 3 + 1


@ft.observable
@dataclass
class CoordinatorState(OnlineScreens):
    """The state of one signed-in coordinator's session."""

    SCREENS: ClassVar[tuple[str, ...]] = COORD_SCREENS

    client: Any = field(repr=False)
    lang: str = i18n.DEFAULT_LANG
    tz: str = rules.DEFAULT_TZ
    screen: str = "dashboard"
    year: int = field(default_factory=lambda: datetime.now(ZoneInfo(rules.DEFAULT_TZ)).year)
    busy: bool = False
    notice: str | None = None
    error: str | None = None
    config: dict[str, Any] = field(default_factory=dict)
    dashboard: dict[str, Any] = field(default_factory=dict)
    points: list[dict[str, Any]] = field(default_factory=list)
    map_crs: str = "wgs84"
    appraisal: dict[str, Any] = field(default_factory=dict)
    chosen: dict[int, str] = field(default_factory=dict)
    dossier: dict[str, Any] = field(default_factory=dict)
    downloads: list[str] = field(default_factory=list)
    quarter: int = field(default_factory=lambda: quarter_of(datetime.now(ZoneInfo(rules.DEFAULT_TZ))))
    district_id: int | None = None
    audit: list[dict[str, Any]] = field(default_factory=list)
    audit_before: int | None = None

    # --- dashboard -------------------------------------------------------------------------------------

    async def load(self, year: int | None = None) -> bool:
        if year is not None:
            self.year = year
        self.busy = True
        try:
            if not self.config:
                self.config = await self.client.config()
            self.dashboard = await self.client.dashboard(self.year)
        except OnlineError as exc:
            self._fail(exc)
            return False
        finally:
            self.busy = False
        districts = self.dashboard.get("districts") or []
        if self.district_id is None and districts:
            self.district_id = int(districts[0]["district_id"])
        return True

    async def change_year(self, delta: int) -> None:
        await self.load(self.year + delta)
        if self.screen == "appraisal":
            await self.load_appraisal()

    def pace_text(self, p: dict[str, Any]) -> tuple[str, bool]:
        pace = p.get("pace") or {}
        status = pace.get("status")
        if status == "behind":
            return self.tr("dash.behind", n=pace.get("behind_by", 0)), True
        if status == "on_track":
            return self.tr("dash.on_track"), False
        return self.tr("dash.no_target"), False

    def alert_text(self, a: dict[str, Any]) -> str:
        code = str(a.get("code") or "")
        params = dict(a.get("params") or {})
        key = f"alert.{code}"
        text = self.tr(key, **{k: params.get(k, "") for k in _ALERT_PARAMS.get(code, ())})
        name = a.get("display_name") or a.get("planner_name")
        rule = a.get("rule_id")
        head = f"{name}：" if name and self.lang == "zh" else f"{name}: " if name else ""
        return f"{head}{text}" + (f" ({rule})" if rule else "")

    def planner_rows(self) -> list[PlannerRow]:
        rows = []
        for p in self.dashboard.get("planners") or []:
            pace, behind = self.pace_text(p)
            target = p.get("visit_target")
            visits = (
                self.tr("dash.visits_of", n=p.get("visits_confirmed", 0), target=target)
                if target
                else self.tr("dash.visits", n=p.get("visits_confirmed", 0))
            )
            if p.get("visits_pending"):
                visits += self.tr("dash.pending", n=p["visits_pending"])
            mean = p.get("opinion_quality_mean")
            opinions = (
                self.tr("dash.opinions_mean", n=p.get("opinions", 0), mean=f"{float(mean):.1f}")
                if mean is not None
                else self.tr("dash.opinions", n=p.get("opinions", 0))
            )
            rows.append(
                PlannerRow(
                    planner_id=int(p["planner_id"]),
                    name=str(p.get("display_name") or p["planner_id"]),
                    visits=visits,
                    pace=pace,
                    behind=behind,
                    hours=self.tr("dash.hours", hours=fmt_hours(float(p.get("hours_confirmed") or 0))),
                    opinions=opinions,
                    feedback=int(p.get("feedback") or 0),
                    absences=int(p.get("absences_unexcused") or 0),
                    alerts=tuple(
                        self.alert_text({**a, "display_name": None, "planner_name": None})
                        for a in p.get("alerts") or []
                    ),
                )
            )
        return rows

    def district_rows(self) -> list[dict[str, Any]]:
        return list(self.dashboard.get("districts") or [])

    def totals(self) -> dict[str, float]:
        """Totals over the planners on the dashboard (what the quarterly XLSX must add up to, per year)."""
        ps = self.dashboard.get("planners") or []
        return {
            "visits_confirmed": sum(int(p.get("visits_confirmed") or 0) for p in ps),
            "hours_confirmed": round(sum(float(p.get("hours_confirmed") or 0) for p in ps), 2),
            "opinions": sum(int(p.get("opinions") or 0) for p in ps),
            "feedback": sum(int(p.get("feedback") or 0) for p in ps),
        }

    def open_alerts(self) -> list[str]:
        return [self.alert_text(a) for a in self.dashboard.get("alerts") or []]

    def chart_data(self, limit: int = 12) -> list[tuple[str, int, int | None, bool]]:
        """(name, confirmed visits, target, behind pace) for the bar chart: everyone when they fit, else
        the ``limit`` planners furthest behind (a phone cannot show two thousand bars)."""
        planners = list(self.dashboard.get("planners") or [])
        if len(planners) > limit:
            planners = sorted(
                planners,
                key=lambda p: (
                    -int((p.get("pace") or {}).get("behind_by") or 0),
                    int(p.get("visits_confirmed") or 0),
                ),
            )[:limit]
        return [
            (
                str(p.get("display_name") or p["planner_id"]),
                int(p.get("visits_confirmed") or 0),
                p.get("visit_target"),
                (p.get("pace") or {}).get("status") == "behind",
            )
            for p in planners
        ]

    # --- map -------------------------------------------------------------------------------------------

    async def load_map(self) -> None:
        try:
            if not self.config:
                self.config = await self.client.config()
            body = await self.client.dashboard_map(self.year, None)
        except OnlineError as exc:
            self._fail(exc)
            return
        self.points = list(body.get("points") or [])
        self.map_crs = str(body.get("crs") or self.config.get("map_crs") or "wgs84")
        self.go("map")

    def tile_url(self) -> str | None:
        url = self.config.get("tile_url")
        return str(url) if url else None

    # --- appraisal -------------------------------------------------------------------------------------

    async def load_appraisal(self) -> None:
        try:
            self.appraisal = await self.client.appraisal(self.year)
        except OnlineError as exc:
            self._fail(exc)
            return
        self.chosen = {
            int(p["planner_id"]): str(p.get("final_grade") or p.get("suggested_grade") or "")
            for p in self.appraisal.get("planners") or []
        }
        self.go("appraisal")

    def grades(self) -> list[str]:
        return [
            str(g)
            for g in self.appraisal.get("grades") or (self.config.get("profile") or {}).get("grades") or []
        ]

    def grade_label(self, grade: str) -> str:
        """The profile's grade name; in English the profile's English name beside it."""
        grades = self.grades()
        profile = self.config.get("profile")
        en = list(profile.get("grades_en") or []) if isinstance(profile, dict) else []
        if self.lang == "en" and grade in grades and len(en) == len(grades):
            return f"{en[grades.index(grade)]} ({grade})"
        return grade

    def grade_short(self, grade: str) -> str:
        """The grade's name alone, in the screen's language (for the grade buttons)."""
        label = self.grade_label(grade)
        return label.split(" (", 1)[0]

    def excellent_count(self) -> int:
        grades = self.grades()
        return sum(1 for g in self.chosen.values() if grades and g == grades[0])

    def cap_text(self) -> str:
        cap = self.appraisal.get("max_excellent")
        n = len(self.appraisal.get("planners") or [])
        if cap is None:
            return self.tr("appraisal.no_cap", chosen=self.excellent_count())
        return self.tr("appraisal.cap", chosen=self.excellent_count(), cap=cap, n=n)

    def reasons_text(self, reasons: Any) -> str:
        out = []
        for r in reasons or []:
            code = r if isinstance(r, str) else r.get("code")
            out.append(
                self.tr(f"reason.{code}") if f"reason.{code}" in i18n.CATALOGUE[self.lang] else str(code)
            )
        return "、".join(out) if self.lang == "zh" else ", ".join(out)

    def choose(self, planner_id: int, grade: str) -> None:
        self.chosen = {**self.chosen, planner_id: grade}
        self.error = None

    async def save_grades(self) -> bool:
        """Send the final grades; a CQ-9 refusal names who went over the cap, in plain words."""
        try:
            await self.client.set_grades(self.year, dict(self.chosen))
        except OnlineError as exc:
            if exc.status == 422 and (exc.field or "").startswith("grades"):
                cap = self.appraisal.get("max_excellent")
                pid = (exc.field or "").split(".", 1)[1] if "." in (exc.field or "") else ""
                name = next(
                    (
                        str(p.get("display_name"))
                        for p in self.appraisal.get("planners") or []
                        if str(p.get("planner_id")) == pid
                    ),
                    pid,
                )
                pct = round(float(self.appraisal.get("excellent_cap") or 0) * 100)
                self.error = self.tr(
                    "appraisal.refused_cap",
                    name=name,
                    cap=cap if cap is not None else "?",
                    pct=pct,
                    n=len(self.appraisal.get("planners") or []),
                    grade=self.grade_label(self.grades()[0]) if self.grades() else "",
                )
            else:
                self._fail(exc)
            return False
        await self.load_appraisal()
        self.notice = self.tr("appraisal.saved")
        return True

    async def open_dossier(self, planner_id: int) -> None:
        try:
            self.dossier = await self.client.dossier(self.year, planner_id)
        except OnlineError as exc:
            self._fail(exc)
            return
        self.go("dossier")

    def _indicators(self) -> Any:
        """The dossier's indicators, whether the server nests them under "dossier"/"indicators" or not."""
        inner = self.dossier.get("dossier")
        body: dict[str, Any] = inner if isinstance(inner, dict) else self.dossier
        found = body.get("indicators")
        return found if isinstance(found, dict | list) else body

    def dossier_items(self) -> list[tuple[str, str, list[str]]]:
        """(indicator label, value, the records behind it as short lines)."""
        indicators = self._indicators()
        items: list[tuple[str, str, list[str]]] = []
        pairs = (
            indicators.items() if isinstance(indicators, dict) else ((i.get("code"), i) for i in indicators)
        )
        for code, ind in pairs:
            if not isinstance(ind, dict) or "value" not in ind:
                continue
            label_key = f"indicator.{code}"
            label = (
                self.tr(label_key)
                if label_key in i18n.CATALOGUE[self.lang]
                else str(ind.get("label") or code)
            )
            value = ind.get("value")
            shown = (
                "—" if value is None else fmt_hours(float(value)) if isinstance(value, float) else str(value)
            )
            records = [self._record_line(r) for r in ind.get("records") or ind.get("record_ids") or []]
            items.append((label, shown, records))
        return items

    def consequences(self) -> list[str]:
        """What the final grade leads to (PDS-10, CQ-10, CQ-11), as the server recorded it."""
        out = []
        for c in self.dossier.get("consequences") or []:
            key = f"consequence.{c.get('code')}"
            text = self.tr(key) if key in i18n.CATALOGUE[self.lang] else str(c.get("code"))
            out.append(f"{text} ({c.get('rule_id')})" if c.get("rule_id") else text)
        return out

    def dossier_opinion_ids(self) -> list[str]:
        """The planner's written opinions this year (each downloadable as a formal DOCX)."""
        indicators = self._indicators()
        ind = indicators.get("opinions") if isinstance(indicators, dict) else None
        if not isinstance(ind, dict):
            return []
        out = []
        for r in ind.get("record_ids") or ind.get("records") or []:
            out.append(str(r.get("id")) if isinstance(r, dict) else str(r))
        return out

    def _record_line(self, r: Any) -> str:
        """One record behind a number: its day, what it was, and what was decided about it."""
        if not isinstance(r, dict):
            return str(r)
        when = r.get("date") or r.get("started_at") or r.get("issued_at") or ""
        what = r.get("summary") or r.get("site") or r.get("subject") or r.get("topic") or ""
        extra = []
        if r.get("review"):
            extra.append(self.tr(f"review.{r['review']}"))
        if r.get("adoption"):
            extra.append(self.tr(f"follow.{r['adoption']}"))
        if r.get("quality") is not None:
            extra.append(self.tr("dossier.quality", quality=r["quality"]))
        if r.get("status"):
            extra.append(self.tr(f"activity.status.{r['status']}"))
        return " · ".join(str(x) for x in (when, what, *extra) if x)

    # --- audit log ------------------------------------------------------------------------------------

    async def load_audit(self, more: bool = False) -> None:
        """The newest audit entries (or the next older page when ``more``)."""
        try:
            body = await self.client.audit(50, self.audit_before if more else None)
        except OnlineError as exc:
            self._fail(exc)
            return
        entries = list(body.get("entries") or [])
        self.audit = [*self.audit, *entries] if more else entries
        self.audit_before = body.get("next_before")
        self.go("audit")

    def audit_lines(self) -> list[tuple[str, str]]:
        """(who and when, what) per entry, in words; unknown actions show their code."""
        from app.i18n import fmt_time

        out = []
        for e in self.audit:
            action = str(e.get("action") or "")
            key = f"audit.{action}"
            what = self.tr(key) if key in i18n.CATALOGUE[self.lang] else action
            # The record's own id (a year for grades); the action already says what kind of record it is.
            target = f"#{str(e['record_id'])[:8]}" if e.get("record_id") else ""
            who = e.get("display_name") or e.get("username") or self.tr("audit.system")
            out.append(
                (
                    f"{fmt_time(e.get('at'), self.lang, self.tz)} · {who}",
                    f"{what} · {target}" if target else what,
                )
            )
        return out

    # --- downloads -------------------------------------------------------------------------------------

    def report_request(self, report: str, **extra: Any) -> tuple[str, dict[str, Any]]:
        """The report name and parameters the server's signed-link endpoint expects."""
        if report == "quarterly":
            return "quarterly", {"year": self.year, "quarter": self.quarter, "district_id": self.district_id}
        if report == "hr_summary":
            return "hr-summary", {"year": self.year, "quarter": self.quarter}
        if report == "annual":
            return "annual", {"year": self.year, "planner_id": extra["planner_id"]}
        if report == "opinion":
            return "opinion", {"opinion_id": extra["opinion_id"]}
        raise ValueError(f"report: unknown {report!r}")

    async def download_link(self, report: str, **extra: Any) -> str | None:
        """A short-lived signed link the browser can open without the bearer header."""
        name, params = self.report_request(report, **extra)
        try:
            url = await self.client.report_link(name, params)
        except OnlineError as exc:
            self._fail(exc)
            return None
        file_name = str(url).split("?", 1)[0].rsplit("/", 1)[-1]
        self.downloads = [*self.downloads, file_name]
        self.notice = self.tr("dash.download_started", name=file_name)
        return str(url)


_ALERT_PARAMS: dict[str, tuple[str, ...]] = {
    "behind_pace": ("behind_by", "expected", "confirmed", "target"),
    "absence_warning": ("count", "limit"),
    "term_ending": ("days_left", "term_end"),
    "short_exit_notice": ("notice_working_days", "required_working_days", "leave_on"),
}
