"""What ships in the phone app imports only what a phone has: `shared` the standard library alone, `app`
besides it only Flet and its extensions, httpx, SQLAlchemy and Pillow (each has Android and iOS wheels)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PHONE_PACKAGES = {"flet", "httpx", "sqlalchemy", "PIL"}


def _imported_top_levels(package: str) -> dict[str, set[str]]:
    """Top-level module name -> files of ``package`` that import it (relative imports left out)."""
    found: dict[str, set[str]] = {}
    for path in (REPO / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                found.setdefault(name.split(".")[0], set()).add(str(path.relative_to(REPO)))
    return found


def test_shared_imports_only_the_standard_library() -> None:
    outside = {
        name: files
        for name, files in _imported_top_levels("shared").items()
        if name not in sys.stdlib_module_names and name != "shared"
    }
    assert outside == {}


def test_the_app_imports_only_packages_a_phone_build_can_install() -> None:
    outside = {
        name: files
        for name, files in _imported_top_levels("app").items()
        if name not in sys.stdlib_module_names
        and name not in {"app", "shared"}
        and name not in PHONE_PACKAGES
        and not name.startswith("flet_")
    }
    assert outside == {}
