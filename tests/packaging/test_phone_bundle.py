"""What `flet build apk|ipa` would put on a phone, checked without Flutter: flet-cli's own build code
computes the bundle and the packages, the bundle is staged as serious_python stages it, and it starts
with nothing but itself and the phone's packages to import."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import flet.version
import pytest
from packaging.requirements import Requirement

from tests.conftest import REPO
from tests.packaging.conftest import Phone
from tests.packaging.flet_build import Packaged, flet_build, project_as_built
from tests.packaging.phone_client import boot_report, site_packages, texts_of

BUNDLE = {"main.py", "app", "shared", "assets"}
#: Flet and its extensions, and the pure or mobile-built libraries app/ may use (the house rule).
PHONE_PACKAGES = {
    "flet",
    "flet-camera",
    "flet-charts",
    "flet-geolocator",
    "flet-map",
    "flet-permission-handler",
    "httpx",
    "sqlalchemy",
    "pillow",
}
#: What must never be installed into the phone: the web client's server and everything of the server's.
NEVER_ON_THE_PHONE = {
    "flet-web",
    "uvicorn",
    "fastapi",
    "litestar",
    "asyncpg",
    "aiosqlite",
    "alembic",
    "argon2-cffi",
    "holidays",
    "openpyxl",
    "python-docx",
    "greenlet",
}


def _pyproject() -> dict:  # type: ignore[type-arg]
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("target", ["apk", "ipa"])
def test_the_phone_bundle_is_the_entry_the_app_the_contract_and_the_assets_only(
    target: str, tmp_path: Path
) -> None:
    # A new top-level folder fails here until it is listed in [tool.flet.app] exclude.
    packaged = flet_build(project_as_built(REPO, tmp_path / "fieldlog"), target)
    extra = sorted(set(packaged.copied) - BUNDLE)
    assert not extra, f"the phone would get {extra}: list them in [tool.flet.app] exclude in pyproject.toml"
    assert set(packaged.copied) == BUNDLE
    assert {p.name for p in packaged.staged.iterdir()} == {"main.pyc", "app", "shared", "assets"}
    shipped = {p.relative_to(packaged.staged).as_posix() for p in packaged.staged.rglob("*")}
    assert "assets/fonts/DroidSansFallbackFull.ttf" in shipped
    assert {"shared/profiles/chongqing.toml", "shared/profiles/pingdingshan.toml"} <= shipped
    assert not [p for p in shipped if p.endswith(".py")], "serious_python ships compiled code only"


def test_the_phone_installs_only_the_phones_packages_and_no_web_server(apk: Packaged) -> None:
    wanted = [Requirement(r.replace(" ", "")) for r in apk.requirements]
    names = {r.name.lower() for r in wanted}
    assert names == PHONE_PACKAGES
    assert not names & NEVER_ON_THE_PHONE
    assert not [r for r in wanted if r.extras], "an extra such as flet[web] pulls uvicorn's C parts"
    # The pinned flet-cli packages for the flet it belongs to; the phone gets that same flet.
    (flet_req,) = [r for r in wanted if r.name == "flet"]
    assert str(flet_req.specifier) == f"=={flet.version.flet_version}"
    dev = _pyproject()["project"]["optional-dependencies"]["dev"]
    assert f"flet-cli=={flet.version.flet_version}" in dev
    assert (
        f"flet[web]=={flet.version.flet_version}" in _pyproject()["project"]["optional-dependencies"]["web"]
    )


def test_the_phone_runs_the_root_main_py_with_the_repository_root_as_its_app_folder(apk: Packaged) -> None:
    # With path = "app" the app folder's contents became the root and no package named `app` was left.
    assert apk.app_path.name == "fieldlog" and apk.args[5] == str(apk.app_path)
    assert apk.entry == "main.py"
    assert "--compile-app" in apk.args and (apk.staged / "main.pyc").is_file()
    assert apk.python_version in {"3.12", "3.13", "3.14"}


def test_the_policy_profiles_load_inside_the_bundle(apk: Packaged) -> None:
    script = (
        "import sys; bundle, *site = sys.argv[1:]; sys.path[:0] = [bundle]; sys.path.extend(site)\n"
        "import shared.profiles as p\n"
        "assert p.__file__.startswith(bundle), p.__file__\n"
        "print(p.load_profile('chongqing').city, p.load_profile('pingdingshan').city)\n"
    )
    out = subprocess.run(
        [sys.executable, "-I", "-S", "-c", script, str(apk.staged), *site_packages()],
        capture_output=True,
        text=True,
        cwd=apk.staged.parent,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["重庆市", "平顶山市"]


async def test_the_bundle_alone_starts_on_a_phone_and_shows_sign_in(phone: Phone) -> None:
    client = await phone.start()
    signin = await client.until(lambda: client.view("view-signin"))
    shown = texts_of(signin)
    assert "登录" in shown and "服务器地址" in shown and "用户名" in shown and "密码" in shown
    found = boot_report(phone.run_dir)
    bundle = str(phone.apk.staged)
    assert found["main"] is not None and found["main"].startswith(bundle)
    assert found["app"] is not None and found["app"].startswith(bundle)
    assert found["shared"] is not None and found["shared"].startswith(bundle)
    assert found["server"] is None and found["tests"] is None and found["bench"] is None
    # The font Chinese text needs is asked for by the theme; the phone's client loads it from the bundle.
    page = client.find("Page")
    assert page is not None
    assert page.get("fonts") == {"cjk": "fonts/DroidSansFallbackFull.ttf"}
    assert (phone.apk.staged / "assets" / "fonts" / "DroidSansFallbackFull.ttf").is_file()


def test_the_phone_says_in_chinese_that_it_is_opening_never_working_in_english(apk: Packaged) -> None:
    """While Python starts, Flet's phone client shows its boot screen; its words come from pyproject."""
    assert apk.boot_screen["name"] == "flet"
    assert apk.boot_screen["prepare_message"].startswith("首次打开")
    assert apk.boot_screen["startup_message"].startswith("正在打开")
    assert "Working" not in json.dumps(apk.boot_screen, ensure_ascii=False)
