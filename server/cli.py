"""The ``fieldlog`` command: serve, db upgrade, db totals, district add, user add/password/disable/enable,
roster import, demo.

Every command first checks what it needs (`server.core.preflight`): a mistake in the configuration or the
environment is one line naming the setting and what to do, and exit status 2.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from server.core.db import Database
from server.core.preflight import SetupError, check_data_dir, check_database, check_redis, explain
from server.core.settings import Settings

T = TypeVar("T")

DEMO_PASSWORD = "fieldlog-demo"
DEMO_DISTRICT = "示范区"
DEMO_USERS = (
    ("planner1", "planner", "张规划"),
    ("staff1", "district", "李审核"),
    ("coord1", "coordinator", "王统筹"),
    ("admin", "admin", "管理员"),
)
APP_PORT = 8550
KEEP_ALIVE_S = 75


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="fieldlog", description="fieldlog server and administration")
    sub = p.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the HTTP server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--workers",
        type=_workers,
        default=1,
        help="worker processes (default 1); each is stateless, so several may share one database",
    )

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="create or migrate the tables to the newest revision")
    db_totals = db_sub.add_parser(
        "totals", help="check the kept yearly totals against the records (exit 1 if they differ)"
    )
    db_totals.add_argument("--repair", action="store_true", help="rebuild them from the records")

    district = sub.add_parser("district", help="districts")
    d_sub = district.add_subparsers(dest="district_command", required=True)
    d_add = d_sub.add_parser("add", help="add a district and print its id")
    d_add.add_argument("name")

    user = sub.add_parser("user", help="users")
    u_sub = user.add_subparsers(dest="user_command", required=True)
    u_add = u_sub.add_parser("add", help="add a user; the password is read from stdin")
    u_add.add_argument("username")
    u_add.add_argument("--role", required=True, choices=["planner", "district", "coordinator", "admin"])
    u_add.add_argument("--district", action="append", default=[], help="district name (repeatable)")
    u_add.add_argument("--display-name", default="")
    u_pw = u_sub.add_parser("password", help="set a user's new password, read from stdin (a reset)")
    u_pw.add_argument("username")
    for verb, what in (
        ("disable", "refuse sign-in and void tokens; records are kept"),
        ("enable", "allow sign-in again"),
    ):
        u_sub.add_parser(verb, help=f"{verb} a user: {what}").add_argument("username")

    roster = sub.add_parser("roster", help="the roster a bureau keeps (XLSX)")
    r_sub = roster.add_subparsers(dest="roster_command", required=True)
    r_imp = r_sub.add_parser(
        "import", help="add the roster's people; nothing is imported unless every row is clean"
    )
    r_imp.add_argument("file", help="the roster workbook (.xlsx); the columns are in server/admin/roster.py")
    r_imp.add_argument("--dry-run", action="store_true", help="check the file only")

    demo = sub.add_parser("demo", help="migrate, seed demo users and start server and phone app")
    demo.add_argument("--no-app", action="store_true", help="start only the server")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    return p


def _workers(raw: str) -> int:
    try:
        n = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {raw!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return n


async def _with_db(settings: Settings, fn: Callable[[Database], Awaitable[T]]) -> T:
    """Run ``fn`` on the database once it is known to answer and to be at this server's revision."""
    db = Database(settings.database_url)
    try:
        await check_database(db, settings)
        return await fn(db)
    finally:
        await db.dispose()


def _run(settings: Settings, fn: Callable[[Database], Awaitable[T]]) -> T:
    return asyncio.run(_with_db(settings, fn))


def _read_password() -> str:
    if sys.stdin.isatty():
        return getpass.getpass("password: ")
    return sys.stdin.readline().rstrip("\r\n")


async def _upgrade(settings: Settings) -> None:
    from server.core.migrate import check_upgradable, upgrade

    check_data_dir(settings)
    db = Database(settings.database_url)
    try:
        await check_database(db, settings, migrated=False)
        await check_upgradable(db)
        await upgrade(db)
        from server.sync.totals import ensure

        if await ensure(db, settings.tz):
            print(f"yearly totals built from the records for {settings.tz}")
    finally:
        await db.dispose()


async def _totals(db: Database, settings: Settings, repair: bool) -> int:
    from server.sync.totals import describe, differences, rebuild

    if repair:
        async with db.write() as conn:
            found = await rebuild(conn, settings.tz)
    else:
        async with db.read() as conn:
            found = await differences(conn, settings.tz)
    for line in describe(found):
        print(line)
    verb = "repaired" if repair else "found"
    print(f"yearly totals: {len(found)} row(s) (planner, district, year) differing from the records {verb}")
    return 1 if found and not repair else 0


async def _seed_demo(settings: Settings) -> None:
    """Idempotent: what exists already is left as it is."""
    import sqlalchemy as sa

    from server.core.models import District, User
    from server.people.service import add_district, create_user

    db = Database(settings.database_url)
    try:
        async with db.read() as conn:
            district_id = (
                await conn.execute(sa.select(District.id).where(District.name == DEMO_DISTRICT))
            ).scalar_one_or_none()
            existing = set((await conn.execute(sa.select(User.username))).scalars())
        if district_id is None:
            district_id = await add_district(db, DEMO_DISTRICT)
        for username, role, display in DEMO_USERS:
            if username not in existing:
                links = (district_id,) if role in ("planner", "district") else ()
                await create_user(db, username, role, DEMO_PASSWORD, display_name=display, district_ids=links)
        from server.demo import seed_demo_lifecycle, seed_demo_year

        await seed_demo_year(settings, DEMO_PASSWORD)
        await seed_demo_lifecycle(settings)
    finally:
        await db.dispose()


def _roster_bytes(path: str) -> bytes:
    from pathlib import Path

    from server.admin.roster import MAX_BYTES

    file = Path(path)
    if not file.is_file():
        raise ValueError(f"file: no such file {path!r}")
    if file.stat().st_size > MAX_BYTES:
        raise ValueError(f"file: is larger than {MAX_BYTES} bytes; split the roster")
    return file.read_bytes()


async def _roster_import(db: Database, settings: Settings, path: str, dry_run: bool) -> int:
    """Check, and unless ``dry_run`` import, a roster; each bad row is one line on stderr (exit 1)."""
    from server.admin.roster import RosterFileError
    from server.admin.service import apply_roster, check_roster, sorted_errors

    data = _roster_bytes(path)
    try:
        roster = await check_roster(db, settings.profile, data)
    except RosterFileError as exc:
        raise ValueError(str(exc)) from None
    people = [] if roster.errors or dry_run else await apply_roster(db, roster, None)
    if roster.errors:
        for e in sorted_errors(roster):
            print(f"fieldlog: row {e.row}, {e.column}: {e.message}", file=sys.stderr)
        print(f"fieldlog: nothing was imported from {path}", file=sys.stderr)
        return 1
    if dry_run:
        print(f"{len(roster.rows)} people, every row clean (nothing imported: --dry-run)")
        return 0
    for p in people:
        made = f"\tfirst password {p['password']}" if "password" in p else ""
        print(f"row {p['row']}\t{p['username']}\t{p['role']}{made}")
    print(f"{len(people)} people imported")
    return 0


def _check_port(host: str, port: int) -> None:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise SetupError(
            f"--host: cannot listen on {host!r} ({exc.strerror}); give an address of this machine"
        ) from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(address)
        except OSError as exc:
            raise SetupError(
                f"--port: cannot listen on {host}:{port} ({exc.strerror}); stop what uses it or pick another"
            ) from None


def serve(settings: Settings, host: str, port: int, workers: int = 1) -> int:
    """Serve with ``workers`` processes, each building the app from the environment (`create_app`)."""
    import uvicorn

    check_data_dir(settings)
    _run(settings, lambda _db: check_redis(settings))
    # Made here, once, before any worker starts: every worker reads the same key.
    settings.signing_key()
    _check_port(host, port)
    uvicorn.run(
        "server.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        timeout_graceful_shutdown=5,
        # Longer than a client keeps an idle connection (the phone's httpx: 5 s; proxies: 60 s), so the
        # client always closes first: with both at 5 s, a request sent just as the server closed the
        # connection died with a dropped connection under load.
        timeout_keep_alive=KEEP_ALIVE_S,
    )
    return 0


def demo(settings: Settings, host: str, port: int, with_app: bool) -> int:
    _check_port(host, port)
    asyncio.run(_upgrade(settings))
    asyncio.run(_seed_demo(settings))
    server_url = f"http://{host}:{port}"
    app_proc: subprocess.Popen[bytes] | None = None
    if with_app:
        env = dict(os.environ, FIELDLOG_SERVER_URL=server_url)
        app_proc = subprocess.Popen([sys.executable, "-m", "app"], env=env)
    print(f"fieldlog demo\n  server:  {server_url}\n  OpenAPI: {server_url}/schema")
    if app_proc is not None:
        print(f"  app:     http://127.0.0.1:{APP_PORT}")
    print(f"  logins:  {', '.join(u for u, _, _ in DEMO_USERS)} (password {DEMO_PASSWORD})")
    print(
        "           also planner2..planner10, staff2 (江北区), staff3 (南岸区): a demo year on the dashboard"
    )
    print("           the pool, requests and dispatches: coord1; a planner's term and notice: planner1..10")
    print("  Ctrl-C stops.")
    try:
        return serve(settings, host, port)
    finally:
        if app_proc is not None and app_proc.poll() is None:
            app_proc.send_signal(signal.SIGINT)
            try:
                app_proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                app_proc.kill()


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except ValueError as exc:
        print(f"fieldlog: {exc}", file=sys.stderr)
        return 2
    try:
        return _command(args, settings)
    except SetupError as exc:
        print(f"fieldlog: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"fieldlog: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        # The database went away in the middle of a command: still one line, naming the setting.
        explained = explain(exc, settings)
        if explained is None:
            raise
        print(f"fieldlog: {explained}", file=sys.stderr)
        return 2


def _command(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "serve":
        return serve(settings, args.host, args.port, args.workers)
    if args.command == "db" and args.db_command == "totals":
        return _run(settings, lambda db: _totals(db, settings, args.repair))
    if args.command == "db":
        asyncio.run(_upgrade(settings))
        print("database is at the newest revision")
        return 0
    if args.command == "district":
        from server.people.service import add_district

        print(_run(settings, lambda db: add_district(db, args.name)))
        return 0
    if args.command == "user" and args.user_command in ("disable", "enable"):
        from server.admin.service import set_active_by_name

        active = args.user_command == "enable"
        _run(settings, lambda db: set_active_by_name(db, args.username, active))
        print(f"{args.username} {args.user_command}d")
        return 0
    if args.command == "roster":
        # The file is read once the database is known to answer: a setup mistake is named first.
        return _run(settings, lambda db: _roster_import(db, settings, args.file, args.dry_run))
    if args.command == "user":
        from server.people.service import create_user, district_ids_by_name, set_password

        # Asked for once the database is known to be right: a wrong setting is not found out after typing.
        if args.user_command == "password":
            _run(settings, lambda db: set_password(db, args.username, _read_password()))
            print(f"new password set for {args.username}")
            return 0

        async def add(db: Database) -> int:
            password = _read_password()
            ids = tuple(await district_ids_by_name(db, args.district)) if args.district else ()
            return await create_user(
                db, args.username, args.role, password, display_name=args.display_name, district_ids=ids
            )

        print(_run(settings, add))
        return 0
    if args.command == "demo":
        return demo(settings, args.host, args.port, with_app=not args.no_app)
    return 2
