"""Coordinator screens (declarative Flet components): the year's dashboard with charts, the map of visits,
the appraisal with final grades, a planner's dossier, and the report downloads.

Handlers are thin: they call `CoordinatorState` methods. Downloads ask the server for a short-lived signed
link and let the browser (or phone) open it, so no bearer header is needed for the file itself.
"""

from __future__ import annotations

from typing import Any

import flet as ft
import flet_charts as fch

from app.i18n import fmt_hours
from app.ui.coordinator_state import CoordinatorState
from app.ui.mapview import points_map
from app.ui.screens import (
    ACCENT,
    ERR,
    INK,
    MUTED,
    _banner,
    _big_button,
    _button,
    _chip,
    _column,
    _dropdown,
    _stack,
    _text,
    logged,
)
from app.ui.widgets import alert_line, choice_button, choice_row, panel

PAGE_SIZE = 30
REVIEW_COLORS = {"confirmed": "#1b7f3a", "pending": "#c77700", "rejected": ERR}


async def open_link(url: str | None) -> None:
    if url:
        # Same window: the signed link answers an attachment, so the browser downloads it and stays on the
        # app; a new window opened after the round trip to the server would be stopped as a pop-up.
        await ft.UrlLauncher().launch_url(url, web_only_window_name="_self")


def _year_bar(coord: CoordinatorState) -> ft.Control:
    async def prev(_: Any) -> None:
        await coord.change_year(-1)

    async def next_(_: Any) -> None:
        await coord.change_year(1)

    return ft.Row(
        [
            ft.IconButton(
                ft.Icons.CHEVRON_LEFT, on_click=prev, icon_size=32, tooltip=coord.tr("dash.prev_year")
            ),
            _text(coord.tr("dash.year", year=coord.year), 24, ft.FontWeight.BOLD),
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
        _text(
            coord.tr("dash.chart_visits")
            if len(data) == len(coord.dashboard.get("planners") or [])
            else coord.tr("dash.chart_visits_behind", n=len(data)),
            18,
            ft.FontWeight.BOLD,
        ),
        _text(coord.tr("dash.chart_legend"), 15, color=MUTED),
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
        _text(names, 15, color=MUTED),
    )


def _district_chart(coord: CoordinatorState) -> ft.Control | None:
    rows = coord.district_rows()
    if len(rows) < 2:
        return None
    top = max([float(d.get("hours_confirmed") or 0) for d in rows] + [1.0])
    return panel(
        _text(coord.tr("dash.chart_hours"), 18, ft.FontWeight.BOLD),
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


@ft.component
@logged
def DashboardScreen(coord: CoordinatorState, revision: int) -> ft.Control:
    shown, set_shown = ft.use_state(PAGE_SIZE)
    rows = coord.planner_rows()
    totals = coord.totals()

    def download(report: str, **extra: Any) -> Any:
        async def on_click(_: Any) -> None:
            await open_link(await coord.download_link(report, **extra))

        return on_click

    async def show_audit(_: Any) -> None:
        await coord.load_audit()

    def set_quarter(e: ft.Event[ft.Dropdown]) -> None:
        coord.quarter = int(e.control.value or coord.quarter)

    def set_district(e: ft.Event[ft.Dropdown]) -> None:
        coord.district_id = int(e.control.value) if e.control.value else None

    cards: list[ft.Control] = []
    for r in rows[:shown]:
        pid = r.planner_id

        async def dossier(_: Any, p: int = pid) -> None:
            await coord.open_dossier(p)

        cards.append(
            panel(
                ft.Row(
                    [
                        ft.Container(_text(r.name, 19, ft.FontWeight.BOLD), expand=True),
                        _chip("rejected" if r.behind else "confirmed", r.pace),
                    ],
                    vertical_alignment=ft.CrossAxisAlignment.CENTER,
                ),
                _text(r.visits, 17),
                _text(r.hours, 16),
                _text(r.opinions, 16),
                _text(coord.tr("dash.feedback_absences", feedback=r.feedback, absences=r.absences), 16),
                *[alert_line(a) for a in r.alerts],
                ft.Row(
                    [
                        ft.Container(
                            _button(coord.tr("dash.dossier"), dossier, icon=ft.Icons.FOLDER_OPEN), expand=True
                        ),
                        ft.Container(
                            _button(
                                coord.tr("dash.annual_docx"),
                                download("annual", planner_id=pid),
                                icon=ft.Icons.DESCRIPTION,
                            ),
                            expand=True,
                        ),
                    ],
                    spacing=8,
                ),
            )
        )
    district_cards = [
        _text(
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
    return _column(
        _year_bar(coord),
        _banner(coord.notice),
        _banner(coord.error, error=True),
        ft.ProgressBar() if coord.busy else None,
        panel(
            _text(coord.tr("dash.totals"), 18, ft.FontWeight.BOLD),
            _text(
                coord.tr(
                    "dash.totals_line",
                    planners=len(rows),
                    visits=totals["visits_confirmed"],
                ),
                17,
            ),
            _text(coord.tr("dash.hours", hours=f"{totals['hours_confirmed']:.2f}"), 17),
            _text(
                coord.tr("dash.totals_line2", opinions=totals["opinions"], feedback=totals["feedback"]), 17
            ),
        ),
        _visits_chart(coord),
        panel(
            _text(coord.tr("dash.downloads"), 18, ft.FontWeight.BOLD),
            ft.Row(
                [
                    _dropdown(
                        coord.tr("dash.quarter"),
                        str(coord.quarter),
                        [(str(q), coord.tr("dash.quarter_n", q=q)) for q in (1, 2, 3, 4)],
                        set_quarter,
                    ),
                    _dropdown(
                        coord.tr("field.district_id"),
                        str(coord.district_id or ""),
                        [
                            (str(d["district_id"]), str(d.get("name") or d["district_id"]))
                            for d in coord.district_rows()
                        ],
                        set_district,
                    ),
                ],
                spacing=8,
            ),
            _big_button(coord.tr("dash.quarterly_xlsx"), download("quarterly"), icon=ft.Icons.TABLE_VIEW),
            _button(coord.tr("dash.hr_xlsx"), download("hr_summary"), icon=ft.Icons.TABLE_CHART),
        ),
        panel(
            _text(coord.tr("dash.alerts", count=len(alerts)), 18, ft.FontWeight.BOLD),
            *[alert_line(a) for a in alerts[:20]],
        )
        if alerts
        else None,
        panel(_text(coord.tr("dash.districts"), 18, ft.FontWeight.BOLD), *district_cards)
        if district_cards
        else None,
        _district_chart(coord),
        _button(coord.tr("audit.title"), show_audit, icon=ft.Icons.HISTORY),
        _text(coord.tr("dash.planners", count=len(rows)), 20, ft.FontWeight.BOLD),
        *cards,
        _button(coord.tr("dash.more", count=len(rows) - shown), lambda _: set_shown(shown + PAGE_SIZE))
        if len(rows) > shown
        else None,
    )


@ft.component
@logged
def MapScreen(coord: CoordinatorState, revision: int) -> ft.Control:
    pts = [
        (float(p["lat"]), float(p["lon"]), REVIEW_COLORS.get(str(p.get("review")), ACCENT))
        for p in coord.points
        if p.get("lat") is not None and p.get("lon") is not None
    ]
    counts: dict[str, int] = {}
    for p in coord.points:
        counts[str(p.get("review") or "pending")] = counts.get(str(p.get("review") or "pending"), 0) + 1
    # Points come in the CRS the server names; shift WGS-84 points only when the basemap draws in GCJ-02.
    crs = coord.config.get("map_crs") if coord.map_crs.lower().replace("-", "") == "wgs84" else None
    return _column(
        _text(coord.tr("map.title", year=coord.year), 24, ft.FontWeight.BOLD),
        _banner(coord.error, error=True),
        points_map(coord.tile_url(), crs, pts, height=480, zoom=12, key="dash-map")
        if pts
        else _text(coord.tr("map.none"), 18, color=MUTED),
        ft.Row(
            [_chip(k, coord.tr(f"map.legend.{k}", n=v)) for k, v in sorted(counts.items())],
            wrap=True,
        ),
    )


@ft.component
@logged
def AppraisalScreen(coord: CoordinatorState, revision: int) -> ft.Control:
    grades = coord.grades()
    rows: list[ft.Control] = []
    for p in coord.appraisal.get("planners") or []:
        pid = int(p["planner_id"])

        async def dossier(_: Any, i: int = pid) -> None:
            await coord.open_dossier(i)

        final = p.get("final_grade")
        rows.append(
            panel(
                _text(str(p.get("display_name") or pid), 19, ft.FontWeight.BOLD),
                _text(
                    coord.tr(
                        "appraisal.suggested",
                        grade=coord.grade_label(str(p.get("suggested_grade") or "")),
                        reasons=coord.reasons_text(p.get("suggestion_reasons")),
                    ),
                    16,
                    color=MUTED,
                ),
                _text(coord.tr("appraisal.final", grade=coord.grade_label(str(final))), 16, color=ACCENT)
                if final
                else None,
                choice_row(
                    [
                        choice_button(
                            coord.grade_short(g),
                            coord.chosen.get(pid) == g,
                            lambda _, i=pid, grade=g: coord.choose(i, grade),
                            size=16,
                        )
                        for g in grades
                    ]
                ),
                _button(
                    coord.tr("appraisal.dossier_of", name=p.get("display_name") or pid),
                    dossier,
                    icon=ft.Icons.FOLDER_OPEN,
                ),
            )
        )

    async def save(_: Any) -> None:
        await coord.save_grades()

    return _column(
        _year_bar(coord),
        _text(coord.tr("appraisal.title"), 24, ft.FontWeight.BOLD),
        _text(coord.cap_text(), 17),
        _banner(coord.notice),
        _banner(coord.error, error=True),
        *rows,
        _banner(coord.error, error=True) if rows else None,
        _big_button(coord.tr("appraisal.save"), save, icon=ft.Icons.SAVE),
    )


@ft.component
@logged
def DossierScreen(coord: CoordinatorState, revision: int) -> ft.Control:
    d = coord.dossier
    name = (
        d.get("display_name") or d.get("planner_name") or (d.get("dossier") or {}).get("planner_name") or ""
    )
    blocks: list[ft.Control | None] = []
    for label, value, records in coord.dossier_items():
        blocks.append(
            ft.ExpansionTile(
                title=ft.Text(
                    f"{label}：{value}" if coord.lang == "zh" else f"{label}: {value}", size=18, color=INK
                ),
                subtitle=ft.Text(
                    coord.tr("dossier.records", count=len(records))
                    if records
                    else coord.tr("dossier.no_records"),
                    size=15,
                    color=MUTED,
                ),
                controls=[
                    ft.Container(_text(line, 15), padding=ft.Padding.only(left=16, bottom=6))
                    for line in records
                ]
                or [
                    ft.Container(
                        _text(coord.tr("dossier.no_records"), 15, color=MUTED),
                        padding=ft.Padding.only(left=16),
                    )
                ],
                bgcolor="#f4f6fa",
                collapsed_bgcolor="#f4f6fa",
            )
        )
    opinion_buttons: list[ft.Control] = []
    for oid in coord.dossier_opinion_ids():

        async def get_docx(_: Any, i: str = oid) -> None:
            await open_link(await coord.download_link("opinion", opinion_id=i))

        opinion_buttons.append(
            _button(coord.tr("dossier.opinion_docx", id=oid[:8]), get_docx, icon=ft.Icons.DESCRIPTION)
        )
    return _column(
        _text(coord.tr("dossier.title", name=name, year=coord.year), 24, ft.FontWeight.BOLD),
        _text(coord.tr("appraisal.final", grade=coord.grade_label(str(d["final_grade"]))), 18, color=ACCENT)
        if d.get("final_grade")
        else None,
        *[
            ft.Row(
                [
                    ft.Icon(ft.Icons.ARROW_RIGHT_ALT, color=ACCENT, size=22),
                    ft.Container(_text(c, 16), expand=True),
                ],
                spacing=6,
            )
            for c in coord.consequences()
        ],
        _banner(coord.notice),
        _banner(coord.error, error=True),
        _stack(blocks, spacing=8),
        *opinion_buttons,
    )


@ft.component
@logged
def AuditScreen(coord: CoordinatorState, revision: int) -> ft.Control:
    async def more(_: Any) -> None:
        await coord.load_audit(more=True)

    rows: list[ft.Control] = [
        panel(_text(head, 15, color=MUTED), _text(what, 17)) for head, what in coord.audit_lines()
    ]
    return _column(
        _text(coord.tr("audit.title"), 24, ft.FontWeight.BOLD),
        _banner(coord.error, error=True),
        *(rows or [_text(coord.tr("audit.none"), 17, color=MUTED)]),
        _button(coord.tr("audit.more"), more, icon=ft.Icons.EXPAND_MORE) if coord.audit_before else None,
    )


COORD_NAV = ("dashboard", "map", "appraisal")


def coordinator_body(coord: CoordinatorState, revision: int) -> ft.Control:
    s = coord.screen
    if s == "map":
        return MapScreen(coord, revision)
    if s == "appraisal":
        return AppraisalScreen(coord, revision)
    if s == "audit":
        return AuditScreen(coord, revision)
    if s == "dossier":
        return DossierScreen(coord, revision, key=f"dossier-{id(coord.dossier)}")  # type: ignore[call-arg]
    return DashboardScreen(coord, revision)


async def coordinator_nav(coord: CoordinatorState, index: int) -> None:
    target = COORD_NAV[index]
    if target == "dashboard":
        coord.go("dashboard")
        await coord.load()
    elif target == "map":
        await coord.load_map()
    else:
        await coord.load_appraisal()


def coordinator_destinations(coord: CoordinatorState) -> list[ft.NavigationBarDestination]:
    return [
        ft.NavigationBarDestination(icon=ft.Icons.DASHBOARD, label=coord.tr("nav.dashboard")),
        ft.NavigationBarDestination(icon=ft.Icons.MAP, label=coord.tr("nav.map")),
        ft.NavigationBarDestination(icon=ft.Icons.GRADING, label=coord.tr("nav.appraisal")),
    ]


def coordinator_back(coord: CoordinatorState) -> str | None:
    return {"dossier": "appraisal", "alerts": "dashboard", "audit": "dashboard"}.get(coord.screen)
