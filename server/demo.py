"""A demo year for `fieldlog demo`: ten planners in three districts, visits over the current year
(confirmed, pending, rejected, flagged), opinions with follow-ups, feedback, activities with attendance,
terms and an exit request, so that every part of the dashboard and the appraisal has something to show.

`seed_demo_lifecycle` adds what surrounds the year, each part in the profiles that have it: a bureau meeting
(CQ-11), planner1's feedback forwarded to the bureau (PDS-2c); in Pingdingshan the year's allowance
settlement period (PDS-9: full terms due 5,000 CNY, planner1 paid, planner7's short term flagged) and 示范区's
part of planner1's appraisal (PDS-10); in Chongqing travel claims (one pending, one approved), work funds
and 示范区's submission of last quarter's record (CQ-6, CQ-8). It is skipped when the bureau meeting exists.

Everything goes through the services the API uses (push, review, activities, follow-up, planner admin), as
the signed-in people would; only the time the server received old visits is set afterwards, as if they had
been synced the day they were made. Seeding is skipped when ``planner2`` exists (idempotent).

Built in: ``planner3`` misses three activities in a row without excuse (CQ-11), ``planner5`` is behind pace
(CQ-5), ``planner6``'s term ends within the profile's ``term_warning_days`` (PDS-10, pingdingshan),
``planner7`` filed an exit request with short notice (PDS-11, pingdingshan).
"""

from __future__ import annotations

import hashlib
import io
import random
import uuid
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from PIL import Image

from server.activities.service import create_activity, record_attendance
from server.appraisal.district import record_assessment
from server.core.auth import load_user
from server.core.db import Database
from server.core.models import Activity, District, User, Visit, table_of
from server.core.settings import Settings
from server.feedback.service import record_forward as forward_feedback
from server.money import allowance, claims, funds
from server.opinions.service import record_followup
from server.people.service import add_district, add_exit_request, create_user, update_planner
from server.reports.handover import record_submission
from server.review.service import review_visit
from server.sync.attachments import put_attachment
from server.sync.service import push

_users, _districts, _visits = table_of(User), table_of(District), table_of(Visit)

#: name -> (lat, lon) of a point in the district (WGS-84).
DISTRICTS = {"示范区": (29.5630, 106.5516), "江北区": (29.6066, 106.5743), "南岸区": (29.5230, 106.5605)}
PLANNERS = (
    ("planner1", "张规划", "示范区"),
    ("planner2", "陈一帆", "示范区"),
    ("planner3", "刘思远", "示范区"),
    ("planner4", "赵文博", "示范区"),
    ("planner5", "孙明哲", "江北区"),
    ("planner6", "周若溪", "江北区"),
    ("planner7", "吴建国", "江北区"),
    ("planner8", "郑可心", "南岸区"),
    ("planner9", "王立新", "南岸区"),
    ("planner10", "冯晓雨", "南岸区"),
)
STAFF = (("staff1", "李审核", "示范区"), ("staff2", "何审核", "江北区"), ("staff3", "许审核", "南岸区"))
SITES = (
    "解放碑社区",
    "滨江步道",
    "老旧小区改造点",
    "学校周边",
    "菜市场",
    "城市更新片区",
    "公园绿地",
    "产业园",
)
PURPOSES = ("现场指导", "方案踏勘", "群众意见收集", "施工现场核查")
SUBJECTS = ("控规局部调整", "老旧小区改造方案", "滨江公园设计", "学校扩建方案", "街道风貌提升")


def _photo() -> tuple[str, bytes]:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (70, 130, 90)).save(buf, format="JPEG", quality=80)
    body = buf.getvalue()
    return hashlib.sha256(body).hexdigest(), body


async def seed_demo_year(settings: Settings, password: str) -> bool:
    """Seed the demo year; False when it exists already."""
    db = Database(settings.database_url)
    if db.is_sqlite:
        # Demo data only: skip the fsync per transaction that FULL makes (WAL stays consistent on a crash).
        @sa.event.listens_for(db.engine.sync_engine, "connect")
        def _fast(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.execute("PRAGMA synchronous=NORMAL")

    try:
        return await _seed(db, settings, password)
    finally:
        await db.dispose()


async def _seed(db: Database, settings: Settings, password: str) -> bool:
    async with db.read() as conn:
        names = set((await conn.execute(sa.select(_users.c.username))).scalars())
        districts = dict(
            (r.name, r.id) for r in await conn.execute(sa.select(_districts.c.name, _districts.c.id))
        )
    if "planner2" in names:
        return False
    for name in DISTRICTS:
        if name not in districts:
            districts[name] = await add_district(db, name)
    ids: dict[str, int] = {}
    async with db.read() as conn:
        ids.update((r.username, r.id) for r in await conn.execute(sa.select(_users.c.username, _users.c.id)))
    for username, display, district in (*PLANNERS, *STAFF):
        if username not in ids:
            role = "planner" if username.startswith("planner") else "district"
            ids[username] = await create_user(
                db, username, role, password, display_name=display, district_ids=(districts[district],)
            )
    if "coord1" not in ids:
        ids["coord1"] = await create_user(db, "coord1", "coordinator", password, display_name="王统筹")

    async def user(name: str) -> Any:
        async with db.read() as conn:
            u = await load_user(conn, ids[name])
        assert u is not None
        return u

    coord = await user("coord1")
    staff = {d: await user(s) for s, _, d in STAFF}
    tz = ZoneInfo(settings.tz)
    now = datetime.now(tz).replace(microsecond=0)
    today = now.date()
    year_start = date(today.year, 1, 1)
    elapsed = max(1, (today - year_start).days)
    rnd = random.Random(20261122)
    sha, body = _photo()
    await put_attachment(db, settings, await user("planner1"), sha, body)

    for n, (username, _, district) in enumerate(PLANNERS):
        planner = await user(username)
        lat0, lon0 = DISTRICTS[district]
        area = {"center": [lat0, lon0], "radius_m": 3000}
        term_start = today - timedelta(days=345) if username == "planner6" else year_start
        await update_planner(
            db, coord, planner.id, {"responsibility_area": area, "term_start": term_start.isoformat()}
        )
        # planner5 is behind pace; the others roughly on track for a 10-a-year target.
        count = 3 if username == "planner5" else 12 + n % 3
        ops: list[dict[str, Any]] = []
        plans: list[tuple[str, str, datetime]] = []
        for i in range(count):
            day = year_start + timedelta(days=int(elapsed * (i + 0.5) / count))
            start = datetime(
                day.year, day.month, day.day, 9 + rnd.randrange(6), rnd.choice((0, 15, 30)), tzinfo=tz
            )
            end = start + timedelta(minutes=rnd.randrange(45, 200))
            if end > now:
                start, end = now - timedelta(hours=3), now - timedelta(hours=1)
            far = i == count - 1 and n % 3 == 0  # a visit outside the area, for the queue's flags
            data = {
                "district_id": districts[district],
                "site": rnd.choice(SITES),
                "purpose": rnd.choice(PURPOSES),
                "started_at": start.isoformat(),
                "ended_at": end.isoformat(),
                "lat": round(lat0 + (0.06 if far else rnd.uniform(-0.01, 0.01)), 6),
                "lon": round(lon0 + rnd.uniform(-0.01, 0.01), 6),
                "accuracy_m": 12.0,
                "notes": "与街道、设计单位现场沟通。",
                "photos": [] if i % 4 == 3 else [sha],
            }
            rid = str(uuid.uuid4())
            ops.append(
                {"op_id": str(uuid.uuid4()), "kind": "visit", "id": rid, "base_version": 0, "data": data}
            )
            plans.append((rid, "far" if far else "ok", end))
        for j in range(2 + n % 3):
            issued = now - timedelta(days=int(elapsed * (j + 1) / 4))
            ops.append(
                {
                    "op_id": str(uuid.uuid4()),
                    "kind": "opinion",
                    "id": str(uuid.uuid4()),
                    "base_version": 0,
                    "data": {
                        "district_id": districts[district],
                        "subject": rnd.choice(SUBJECTS),
                        "opinion_kind": rnd.choice(("plan_review", "design_review", "consultation")),
                        "body": "经现场踏勘和方案审查，原则同意，建议优化公共空间与慢行系统衔接。",
                        "suggestions": "增加口袋公园；优化出入口位置。",
                        "dissent": "对局部容积率调整保留意见。" if j == 0 and n % 4 == 1 else None,
                        "issued_at": issued.isoformat(),
                    },
                }
            )
        for j in range(1 + n % 4):
            collected = now - timedelta(days=int(elapsed * (j + 1) / 5))
            ops.append(
                {
                    "op_id": str(uuid.uuid4()),
                    "kind": "feedback",
                    "id": str(uuid.uuid4()),
                    "base_version": 0,
                    "data": {
                        "district_id": districts[district],
                        "place": rnd.choice(SITES),
                        "category": rnd.choice(("planning", "traffic", "public_facilities", "environment")),
                        "content": "居民希望增加停车位和健身设施。",
                        "collected_at": collected.isoformat(),
                    },
                }
            )
        result = await push(db, planner, {"device_id": f"demo-{username}", "ops": ops}, settings.tz)
        assert all(r["status"] == "applied" for r in result["results"]), result
        await _received(
            db, [{"b_id": rid, "received_at": min(end + timedelta(hours=2), now)} for rid, _, end in plans]
        )
        # Review: most confirmed (flagged ones with a reason code), the latest two left pending, one rejected.
        reviewer = staff[district]
        for k, (rid, kind, _) in enumerate(plans):
            if k >= len(plans) - 2 and username != "planner5":
                continue
            if k == 1 and n % 3 == 2:
                await review_visit(
                    db, settings, reviewer, rid, "rejected", reason="照片与地点不符，请补充说明"
                )
                continue
            code = None if kind == "ok" and k % 4 != 3 else "verified_by_phone"
            await review_visit(db, settings, reviewer, rid, "confirmed", reason_code=code)
    async with db.read() as conn:
        opinions = (
            await conn.execute(sa.text("SELECT id, district_id FROM opinions ORDER BY issued_at"))
        ).all()
    by_district = {d: s for d, s in ((districts[k], v) for k, v in staff.items())}
    for i, (oid, district_id) in enumerate(opinions):
        if i % 3 != 2:
            await record_followup(
                db,
                by_district[district_id],
                oid,
                {
                    "adoption": ("adopted", "partly", "not_adopted")[i % 3 if i % 5 else 1],
                    "quality": (4, 5, 3, 5, 4)[i % 5],
                },
            )
    # Activities in 示范区: planner3 misses three in a row without excuse (CQ-11).
    demo = districts["示范区"]
    invited = [ids[p] for p, _, d in PLANNERS if d == "示范区"]
    for k in range(4):
        day = year_start + timedelta(days=int(elapsed * (k + 1) / 6))
        act = await create_activity(
            db,
            staff["示范区"],
            {
                "district_id": demo,
                "topic": ("控规修编技术咨询会", "城市更新项目评审会", "滨江片区方案论证会", "年度工作交流会")[
                    k
                ],
                "place": "区规划分局三楼会议室",
                "starts_at": datetime(day.year, day.month, day.day, 9, 30, tzinfo=tz).isoformat(),
                "planner_ids": invited,
            },
        )
        for pid in invited:
            status, reason = "attended", None
            if pid == ids["planner3"] and k >= 1:
                status = "unexcused"
            elif pid == ids["planner2"] and k == 2:
                status, reason = "excused", "外地出差"
            await record_attendance(
                db, staff["示范区"], act["id"], {"planner_id": pid, "status": status, "reason": reason}
            )
    # An upcoming activity planner1 has yet to answer (pulled as an invitation).
    soon = now + timedelta(days=5)
    await create_activity(
        db,
        staff["示范区"],
        {
            "district_id": demo,
            "topic": "老城更新论证会",
            "place": "示范区政务中心",
            "starts_at": soon.replace(hour=10, minute=0, second=0).isoformat(),
            "planner_ids": invited,
        },
    )
    # planner7 asks to leave in ten days (PDS-11 wants 15 working days).
    await add_exit_request(
        db,
        settings.profile,
        coord,
        ids["planner7"],
        {
            "filed_on": today.isoformat(),
            "leave_on": (today + timedelta(days=10)).isoformat(),
            "reason": "工作调动",
        },
    )
    return True


async def _received(db: Database, rows: list[dict[str, Any]]) -> None:
    """Old demo visits were synced the day they were made (else every one would be flagged late_sync)."""
    if not rows:
        return
    async with db.write() as conn:
        await conn.execute(
            _visits.update()
            .where(_visits.c.id == sa.bindparam("b_id"))
            .values(received_at=sa.bindparam("received_at")),
            rows,
        )


BUREAU_MEETING = "全市规划师年度工作交流会"


def _png(shade: int) -> tuple[str, bytes]:
    buf = io.BytesIO()
    Image.new("RGB", (48, 64), (shade, 200, 120)).save(buf, format="PNG")
    body = buf.getvalue()
    return hashlib.sha256(body).hexdigest(), body


async def seed_demo_lifecycle(settings: Settings) -> bool:
    """Seed the parts around the demo year (see the module doc); False when they exist already."""
    db = Database(settings.database_url)
    try:
        return await _lifecycle(db, settings)
    finally:
        await db.dispose()


async def _lifecycle(db: Database, settings: Settings) -> bool:
    activities = table_of(Activity)
    async with db.read() as conn:
        if (
            await conn.execute(sa.select(activities.c.id).where(activities.c.topic == BUREAU_MEETING))
        ).first():
            return False
        ids = {r.username: r.id for r in await conn.execute(sa.select(_users.c.username, _users.c.id))}
        districts = {r.name: r.id for r in await conn.execute(sa.select(_districts.c.name, _districts.c.id))}
    if "planner2" not in ids or "coord1" not in ids:
        return False

    async def user(name: str) -> Any:
        async with db.read() as conn:
            u = await load_user(conn, ids[name])
        assert u is not None
        return u

    profile = settings.profile
    coord, staff1 = await user("coord1"), await user("staff1")
    planner1, planner2 = await user("planner1"), await user("planner2")
    tz = ZoneInfo(settings.tz)
    now = datetime.now(tz).replace(microsecond=0)
    today = now.date()
    # CQ-11: the bureau's own meeting; every planner came.
    planner_ids = [ids[p] for p, _, _ in PLANNERS]
    held = now - timedelta(days=min(20, max(1, (today - date(today.year, 1, 1)).days)))
    meeting = await create_activity(
        db,
        coord,
        {
            "topic": BUREAU_MEETING,
            "place": "市局二楼会议室",
            "starts_at": held.replace(hour=14, minute=30, second=0).isoformat(),
            "planner_ids": planner_ids,
        },
    )
    for pid in planner_ids:
        await record_attendance(db, coord, meeting["id"], {"planner_id": pid, "status": "attended"})
    # PDS-2c: planner1 forwarded the year's feedback analysis to the bureau (not yet to the district).
    await forward_feedback(
        db,
        settings,
        planner1,
        today.year,
        planner1.id,
        {"recipient": "bureau", "forwarded_on": today.isoformat()},
    )
    if profile.allowance_cny_per_year is not None and profile.term_years is not None:
        period = await allowance.create_period(
            db,
            profile,
            coord,
            {
                "name": f"{today.year}年度",
                "starts_on": date(today.year, 1, 1).isoformat(),
                "ends_on": date(today.year, 12, 31).isoformat(),
            },
        )
        await allowance.update_line(db, profile, coord, period["id"], planner1.id, {"paid": True})
    if profile.district_assessment_criteria:
        words = {
            "service_attitude": "服务积极主动，随叫随到。",
            "professional_ability": "熟悉控规与城市更新政策，意见具体可操作。",
            "district_feedback": "街道和社区反映良好。",
        }
        await record_assessment(
            db,
            profile,
            staff1,
            today.year,
            planner1.id,
            {
                "district_id": districts["示范区"],
                "criteria": {c: words.get(c, "良好") for c in profile.district_assessment_criteria},
                "grade": profile.grades[1],
            },
        )
    if profile.travel_claims:
        receipts = []
        for shade, who in ((60, planner1), (90, planner2)):
            sha, body = _png(shade)
            await put_attachment(db, settings, who, sha, body)
            receipts.append(sha)
        trip = {"district_id": districts["示范区"], "trip_on": (today - timedelta(days=3)).isoformat()}
        await claims.file_claim(
            db,
            settings,
            planner1,
            {
                **trip,
                "trip": "往返示范区老旧小区改造点现场指导",
                "amount": "86.50",
                "receipt_sha256": receipts[0],
            },
        )
        approved = await claims.file_claim(
            db,
            settings,
            planner2,
            {**trip, "trip": "参加滨江片区方案论证会", "amount": "120", "receipt_sha256": receipts[1]},
        )
        await claims.decide_claim(db, settings, staff1, approved["id"], claims.APPROVED, {})
    if profile.work_funds:
        await funds.set_funds(
            db,
            settings,
            coord,
            today.year,
            {
                "funds": {
                    str(planner1.id): {"amount": "20000", "note": "按年度工作情况核定"},
                    str(planner2.id): {"amount": "15000.00"},
                }
            },
        )
    months = settings.period_months
    this_period = (today.month - 1) // months + 1
    if this_period > 1:
        await record_submission(
            db,
            settings,
            staff1,
            today.year,
            this_period - 1,
            districts["示范区"],
            {"submitted_on": today.isoformat(), "note": "按期报送"},
        )
    return True
