"""The roster a bureau keeps, as an XLSX workbook: its columns, reading it safely, and checking each row.

The first sheet's first row names the columns, in Chinese or English, in any order:

| column | meaning | required |
|---|---|---|
| 用户名 (username) | the sign-in name | yes |
| 姓名 (display_name) | the person's name | yes |
| 角色 (role) | 规划师/planner, 区县工作人员/district, 统筹/coordinator, 管理员/admin | yes |
| 区县 (districts) | the districts served, separated by 、 , ， ; ； or a line break | district staff |
| 专业方向 (specialty) | a planner's specialty | no |
| 聘期开始 (term_start) | the first day of a planner's term (a date cell, or YYYY-MM-DD) | no |
| 初始密码 (password) | a first password of at least 8 characters; left empty, one is made | no |
| 备注 (note) | anything; not imported | no |

A file is refused as a whole (`RosterFileError`, a 4xx naming the problem) when it is larger than
`MAX_BYTES`, unpacks to more than `MAX_UNPACKED_BYTES`, is not a workbook, lacks a required column, names a
column not listed here, or has more than `MAX_ROWS` rows. Otherwise each row is checked on its own and
every problem becomes a `RowError` with the row number as Excel shows it and the column as the file names
it. Rows that are entirely empty are skipped.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final

from openpyxl import load_workbook

from shared.records import NUL_MESSAGE

MAX_BYTES: Final = 2 * 1024 * 1024
MAX_UNPACKED_BYTES: Final = 32 * 1024 * 1024
#: A city's planners and district staff; each costs a password hash (tens of ms) when imported.
MAX_ROWS: Final = 200
MAX_COLUMNS: Final = 30
#: Rows scanned in all, empty ones included, before a sheet counts as too long.
MAX_SCANNED_ROWS: Final = 5_000

#: field -> the names a header may use for it (compared without spaces, English case-insensitively).
COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "username": ("用户名", "username", "账号"),
    "display_name": ("姓名", "display_name", "name"),
    "role": ("角色", "role"),
    "districts": ("区县", "districts", "服务区县"),
    "specialty": ("专业方向", "specialty"),
    "term_start": ("聘期开始", "term_start"),
    "password": ("初始密码", "password"),
    "note": ("备注", "note"),
}
REQUIRED: Final = ("username", "display_name", "role")
#: The column headers of the template, in order.
TEMPLATE_HEADERS: Final = tuple(names[0] for names in COLUMNS.values())

ROLE_NAMES: Final[dict[str, str]] = {
    "planner": "planner",
    "规划师": "planner",
    "责任规划师": "planner",
    "首席规划师": "planner",
    "区县首席规划师": "planner",
    "district": "district",
    "区县工作人员": "district",
    "区县人员": "district",
    "coordinator": "coordinator",
    "统筹": "coordinator",
    "统筹人员": "coordinator",
    "市局统筹": "coordinator",
    "admin": "admin",
    "管理员": "admin",
}
SERVING_ROLES: Final = ("planner", "district")
_SPLIT = re.compile(r"[、,，;；\n\r]+")
_SLASH_DATE = re.compile(r"(\d{4})[/.](\d{1,2})[/.](\d{1,2})")


class RosterFileError(ValueError):
    """The file as a whole cannot be read as a roster: ``status`` 413 or 422, ``field`` what is wrong."""

    def __init__(self, status: int, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.status, self.field, self.message = status, field, message


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    field: str
    message: str

    def json(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "field": self.field, "message": self.message}


@dataclass(frozen=True)
class RosterRow:
    row: int
    username: str
    display_name: str
    role: str
    districts: tuple[str, ...] = ()
    specialty: str | None = None
    term_start: date | None = None
    password: str | None = None


@dataclass
class Roster:
    rows: list[RosterRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    #: field -> the column header the file uses for it.
    headers: dict[str, str] = field(default_factory=dict)

    def column(self, name: str) -> str:
        return self.headers.get(name, COLUMNS[name][0])


def _key(header: str) -> str:
    return re.sub(r"\s+", "", header).lower()


_BY_HEADER: Final = {_key(n): f for f, names in COLUMNS.items() for n in names}


def _open(data: bytes) -> Any:
    """The first worksheet of ``data``, read-only; `RosterFileError` when it is not a safe workbook."""
    if not data:
        raise RosterFileError(400, "file", "is empty; send the roster's XLSX bytes")
    if len(data) > MAX_BYTES:
        raise RosterFileError(413, "file", f"is larger than {MAX_BYTES} bytes; split the roster")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            unpacked = sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise RosterFileError(
            422, "file", "is not an XLSX workbook (save it from Excel or WPS as .xlsx)"
        ) from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise RosterFileError(422, "file", f"unpacks to more than {MAX_UNPACKED_BYTES} bytes")
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        return wb.worksheets[0]
    except Exception as exc:  # openpyxl raises many kinds for a damaged package
        raise RosterFileError(
            422, "file", f"is not an XLSX workbook ({type(exc).__name__}); save it from Excel or WPS as .xlsx"
        ) from None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    return str(value).strip()


def _headers(cells: tuple[Any, ...]) -> dict[int, str]:
    """Column index -> field; refuses unknown, repeated and missing required columns."""
    fields: dict[int, str] = {}
    unknown: list[str] = []
    for i, cell in enumerate(cells):
        name = _text(cell)
        if not name:
            continue
        f = _BY_HEADER.get(_key(name))
        if f is None:
            unknown.append(name)
        elif f in fields.values():
            raise RosterFileError(422, "columns", f"the column {name!r} appears twice")
        else:
            fields[i] = f
    if unknown:
        known = ", ".join(TEMPLATE_HEADERS)
        raise RosterFileError(
            422, "columns", f"{unknown[0]!r} is not a roster column; the columns are {known}"
        )
    missing = [COLUMNS[f][0] for f in REQUIRED if f not in fields.values()]
    if missing:
        raise RosterFileError(
            422, "columns", f"the first row must name the column {missing[0]} ({', '.join(missing)} missing)"
        )
    return fields


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    m = _SLASH_DATE.fullmatch(text)
    if m:
        return date(int(m[1]), int(m[2]), int(m[3]))
    return date.fromisoformat(text)


def _check_row(n: int, values: dict[str, Any], roster: Roster, planner_titles: tuple[str, ...]) -> None:
    errors: list[RowError] = []

    def err(f: str, message: str) -> None:
        errors.append(RowError(n, roster.column(f), f, message))

    texts = {f: _text(v) for f, v in values.items() if f != "term_start"}
    for f, text in texts.items():
        if "\x00" in text:
            err(f, NUL_MESSAGE)
    username, name = texts.get("username", ""), texts.get("display_name", "")
    if not username:
        err("username", "is required")
    elif len(username) > 100:
        err("username", "is longer than 100 characters")
    elif re.search(r"\s", username):
        err("username", "may not contain spaces")
    if not name:
        err("display_name", "is required")
    elif len(name) > 200:
        err("display_name", "is longer than 200 characters")
    raw_role = texts.get("role", "")
    role = ROLE_NAMES.get(raw_role) or ROLE_NAMES.get(raw_role.lower())
    if role is None and raw_role in planner_titles:
        role = "planner"
    if role is None:
        err(
            "role",
            f"{raw_role!r} is not a role; use 规划师, 区县工作人员, 统筹 or 管理员"
            if raw_role
            else "is required",
        )
    districts = tuple(d.strip() for d in _SPLIT.split(texts.get("districts", "")) if d.strip())
    if role is not None and role not in SERVING_ROLES and districts:
        err("districts", "only planners and district staff serve districts")
    if role == "district" and not districts:
        err("districts", "district staff need at least one district")
    specialty = texts.get("specialty") or None
    if specialty is not None and len(specialty) > 200:
        err("specialty", "is longer than 200 characters")
    term_start: date | None = None
    raw_term = values.get("term_start")
    if _text(raw_term):
        try:
            term_start = _date(raw_term)
        except ValueError:
            err("term_start", f"{_text(raw_term)!r} is not a date (YYYY-MM-DD)")
    for f, given in (("specialty", specialty), ("term_start", term_start)):
        if given is not None and role is not None and role != "planner":
            err(f, "is kept for planners only")
    password = texts.get("password") or None
    if password is not None and len(password) < 8:
        err("password", "needs at least 8 characters (or leave it empty and one is made)")
    elif password is not None and len(password) > 1000:
        err("password", "is longer than 1000 characters")
    if errors or role is None:
        roster.errors.extend(errors)
        return
    roster.rows.append(RosterRow(n, username, name, role, districts, specialty, term_start, password))


def read_roster(data: bytes, planner_titles: tuple[str, ...] = ()) -> Roster:
    """Every row of the roster in ``data`` checked on its own (see the module doc); ``planner_titles``: more
    names of the planner role (the profile's title)."""
    ws = _open(data)
    rows = ws.iter_rows(max_col=MAX_COLUMNS, values_only=True)
    roster = Roster()
    try:
        header = next(rows, None)
        if header is None:
            raise RosterFileError(422, "columns", "the sheet is empty; the first row must name the columns")
        fields = _headers(header)
        roster.headers = {f: _text(header[i]) for i, f in fields.items()}
        seen: dict[str, int] = {}
        data_rows = 0
        for n, cells in enumerate(rows, start=2):
            if n > MAX_SCANNED_ROWS:
                raise RosterFileError(422, "rows", f"the sheet runs past row {MAX_SCANNED_ROWS}")
            values = {f: cells[i] if i < len(cells) else None for i, f in fields.items() if f != "note"}
            if not any(_text(v) for v in values.values()):
                continue
            data_rows += 1
            if data_rows > MAX_ROWS:
                raise RosterFileError(422, "rows", f"has more than {MAX_ROWS} people; split the roster")
            before = len(roster.rows)
            _check_row(n, values, roster, planner_titles)
            username = _text(values.get("username"))
            if username in seen:
                del roster.rows[before:]
                roster.errors.append(
                    RowError(n, roster.column("username"), "username", f"repeats row {seen[username]}")
                )
            elif username:
                seen[username] = n
    except RosterFileError:
        raise
    except Exception as exc:  # a damaged sheet fails while its rows are read
        raise RosterFileError(422, "file", f"the sheet cannot be read ({type(exc).__name__})") from None
    finally:
        ws.parent.close()
    if not roster.rows and not roster.errors:
        raise RosterFileError(422, "rows", "the roster has no people under its header row")
    return roster


def template_rows() -> list[tuple[str, ...]]:
    """An example for the template's second sheet: one row of each role."""
    return [
        ("zhangsan", "张三", "规划师", "示范区", "城市更新", "2026-01-01", "", ""),
        ("lisi", "李四", "区县工作人员", "示范区、江北区", "", "", "", "审核实地指导"),
        ("wangwu", "王五", "统筹", "", "", "", "", ""),
    ]
