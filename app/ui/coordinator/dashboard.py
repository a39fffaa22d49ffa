"""The coordinator's dashboard: the year's totals, a chart of visits against the target, alerts, districts,
and every planner's line (pace "on track" / "behind by N", hours, opinions, absences).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import flet as ft
import flet_charts as fch

from app.errors import ServerError
from app.i18n import fmt_hours
from app.ui.coordinator.base import CoordinatorBase
from app.ui.coordinator.downloads import download, downloads_panel
from app.ui.theme import ACCENT, ERR, INK, MUTED
from app.ui.widgets import alert_line, banner, button, chip, column, half_and_half, logged, panel, text

if TYPE_CHECKING:
    from app.ui.coordinator.state import CoordinatorState

PAGE_SIZE = 30

#: The parameters each alert's sentence names (the server sends them with the alert's code).
_ALERT_PARAMS: dict[str, tuple[str, ...]] = {
    "behind_pace": ("behind_by", "expected", "confirmed", "target"),
    "absence_warning": ("count", "limit"),
    "term_ending": ("days_left", "term_end"),
    "short_exit_notice": ("notice_working_days", "required_working_days", "leave_on"),
}


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


class DashboardState(CoordinatorBase):
    """Load the year's dashboard and word it."""

    async def load(self, year: int | None = None) -> bool:
        if year is not None:
            self.year = year
        self.busy = True
        try:
            if not self.config:
                self.config = await self.client.config()
            self.dashboard = await self.client.dashboard(self.year)
        except ServerError as exc:
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
        words = self.tr(key, **{k: params.get(k, "") for k in _ALERT_PARAMS.get(code, ())})
        name = a.get("display_name") or a.get("planner_name")
        rule = a.get("rule_id")
        head = f"{name}：" if name and self.lang == "zh" else f"{name}: " if name else ""
        return f"{head}{words}" + (f" ({rule})" if rule else "")

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


def year_bar(coord: CoordinatorState) -> ft.Control:
    async def prev(_: Any) -> None:
        await coord.change_year(-1)

    async def next_(_: Any) -> None:
        await coord.change_year(1)

    return ft.Row(
        [
            ft.IconButton(
                ft.Icons.CHEVRON_LEFT, on_click=prev, icon_size=32, tooltip=coord.tr("dash.prev_year")
            ),
            text(coord.tr("dash.year", year=coord.year), 24, ft.FontWeight.BOLD),
            ft.IconButton(
                ft.Icons.CHEVRON_RIGHT, on_click=next_, icon_size=32, tooltip=coord.tr("dash.next_year")
            ),
        ],
        alignment=ft.MainAxisAlignment.CENTER,
    )


def _visits_chart(coord: CoordinatorState) -> ft.Control | None:
    """Confirmed visits per planner against the target (grey), red when behind pace; bars are numbered
    and the numbers are named under the chart (names do not fit under a bar on a phone)."""
    data = coord.chart_data()
    if not data:
        return None
    top = max([n for _, n, _, _ in data] + [t or 0 for _, _, t, _ in data] + [1])
    groups = [
        fch.BarChartGroup(
            x=i,
            rods=[
                fch.BarChartRod(
                    to_y=n,
                    width=14,
                    color=ERR if behind else ACCENT,
                    border_radius=3,
                    bg_to_y=target or None,
                    bgcolor="#dde3ea" if target else None,
                    tooltip=f"{name}: {n}" + (f" / {target}" if target else ""),
                )
            ],
        )
        for i, (name, n, target, behind) in enumerate(data)
    ]
    names = "　".join(f"{i + 1} {name}" for i, (name, _, _, _) in enumerate(data))
    return panel(
        text(
            coord.tr("dash.chart_visits")
            if len(data) == len(coord.dashboard.get("planners") or [])
            else coord.tr("dash.chart_visits_behind", n=len(data)),
            18,
            ft.FontWeight.BOLD,
        ),
        text(coord.tr("dash.chart_legend"), 15, color=MUTED),
        ft.Container(
            fch.BarChart(
                groups=groups,
                max_y=top,
                interactive=True,
                bottom_axis=fch.ChartAxis(
                    labels=[
                        fch.ChartAxisLabel(value=i, label=ft.Text(str(i + 1), size=13, color=INK))
                        for i in range(len(data))
                    ],
                    label_size=24,
                ),
                left_axis=fch.ChartAxis(label_size=30),
                horizontal_grid_lines=fch.ChartGridLines(color="#e3e7ee", width=1),
            ),
            height=220,
        ),
        text(names, 15, color=MUTED),
    )


def _district_chart(coord: CoordinatorState) -> ft.Control | None:
    rows = coord.district_rows()
    if len(rows) < 2:
        return None
    top = max([float(d.get("hours_confirmed") or 0) for d in rows] + [1.0])
    return panel(
        text(coord.tr("dash.chart_hours"), 18, ft.FontWeight.BOLD),
        ft.Container(
            fch.BarChart(
                groups=[
                    fch.BarChartGroup(
                        x=i,
                        rods=[
                            fch.BarChartRod(to_y=float(d.get("hours_confirmed") or 0), width=18, color=ACCENT)
                        ],
                    )
                    for i, d in enumerate(rows[:12])
                ],
                max_y=top,
                bottom_axis=fch.ChartAxis(
                    labels=[
                        fch.ChartAxisLabel(value=i, label=ft.Text(str(d.get("name") or "")[:3], size=13))
                        for i, d in enumerate(rows[:12])
                    ],
                    label_size=26,
                ),
                left_axis=fch.ChartAxis(label_size=34),
            ),
            height=180,
        ),
    )


def _planner_card(coord: CoordinatorState, r: PlannerRow) -> ft.Control:
    async def dossier(_: Any) -> None:
        await coord.open_dossier(r.planner_id)

    return panel(
        ft.Row(
            [
                ft.Container(text(r.name, 19, ft.FontWeight.BOLD), expand=True),
                chip("rejected" if r.behind else "confirmed", r.pace),
            ],
            vertical_alignment=ft.CrossAxisAlignment.CENTER,
        ),
        text(r.visits, 17),
        text(r.hours, 16),
        text(r.opinions, 16),
        text(coord.tr("dash.feedback_absences", feedback=r.feedback, absences=r.absences), 16),
        *[alert_line(a) for a in r.alerts],
        half_and_half(
            button(coord.tr("dash.dossier"), dossier, icon=ft.Icons.FOLDER_OPEN),
            button(
                coord.tr("dash.annual_docx"),
                download(coord, "annual", planner_id=r.planner_id),
                icon=ft.Icons.DESCRIPTION,
            ),
            spacing=8,
        ),
    )


@ft.component
@logged
def DashboardScreen(coord: CoordinatorState) -> ft.Control:
    shown, set_shown = ft.use_state(PAGE_SIZE)
    rows = coord.planner_rows()
    totals = coord.totals()

    async def show_audit(_: Any) -> None:
        await coord.load_audit()

    district_lines = [
        text(
            coord.tr(
                "dash.district_line",
                name=d.get("name") or d.get("district_id"),
                planners=d.get("planners", 0),
                visits=d.get("visits_confirmed", 0),
                hours=fmt_hours(float(d.get("hours_confirmed") or 0)),
                opinions=d.get("opinions", 0),
                feedback=d.get("feedback", 0),
            ),
            16,
        )
        for d in coord.district_rows()
    ]
    alerts = coord.open_alerts()
    return column(
        year_bar(coord),
        banner(coord.notice),
        banner(coord.error, error=True),
        ft.ProgressBar() if coord.busy else None,
        panel(
            text(coord.tr("dash.totals"), 18, ft.FontWeight.BOLD),
            text(coord.tr("dash.totals_line", planners=len(rows), visits=totals["visits_confirmed"]), 17),
            text(coord.tr("dash.hours", hours=f"{totals['hours_confirmed']:.2f}"), 17),
            text(coord.tr("dash.totals_line2", opinions=totals["opinions"], feedback=totals["feedback"]), 17),
        ),
        _visits_chart(coord),
        downloads_panel(coord),
        panel(
            text(coord.tr("dash.alerts", count=len(alerts)), 18, ft.FontWeight.BOLD),
            *[alert_line(a) for a in alerts[:20]],
        )
        if alerts
        else None,
        panel(text(coord.tr("dash.districts"), 18, ft.FontWeight.BOLD), *district_lines)
        if district_lines
        else None,
        _district_chart(coord),
        button(coord.tr("audit.title"), show_audit, icon=ft.Icons.HISTORY),
        text(coord.tr("dash.planners", count=len(rows)), 20, ft.FontWeight.BOLD),
        *[_planner_card(coord, r) for r in rows[:shown]],
        button(coord.tr("dash.more", count=len(rows) - shown), lambda _: set_shown(shown + PAGE_SIZE))
        if len(rows) > shown
        else None,
    )
