"""`flet build` on a machine without Flutter, as far as it decides what goes into the phone app.

flet-cli's own build command class runs its real steps (project settings, the bundled Python, entry-point
validation, the template data, and the serious_python `package` command line with its `-r` requirements
and `--exclude` list). Only what needs the Flutter/Dart toolchain is replaced:

* the toolchain look-up and install (Flutter SDK, JDK, Android SDK) finds nothing to do;
* the `dart run serious_python:main package ...` process is not started; instead its command line is
  kept, and the app is staged the way serious_python's `package` stages it: the app folder copied with
  each `--exclude` path (relative to the app folder, at any depth) left out and links followed, then,
  with `--compile-app`, compiled to `.pyc` next to the sources (`compileall -b`) and the `.py` deleted.

flet-cli reads the Python versions it can bundle from python-build's ``manifest.json``, which it
downloads from GitHub; ``python-build-manifest.json`` beside this file holds those lines as
serious_python's generated version tables list them (python-build release 20260730: 3.12, 3.13, 3.14).
"""

from __future__ import annotations

import argparse
import base64
import compileall
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MANIFEST = Path(__file__).with_name("python-build-manifest.json")


@dataclass
class Packaged:
    """What `flet build <target>` would package: the serious_python command line and the staged app."""

    target: str
    #: The folder flet-cli packages (``[tool.flet.app] path``) and the entry file it validated there.
    app_path: Path
    entry: str
    args: list[str]
    env: dict[str, str]
    #: The top-level names serious_python copies into the bundle.
    copied: list[str]
    #: The bundle as the phone gets it (compiled: ``main.pyc``, no sources).
    staged: Path
    site_packages: Path
    python_version: str = ""
    requirements: list[str] = field(default_factory=list)
    excludes: list[str] = field(default_factory=list)
    #: The screen the phone shows while Python starts: its name and options, as the template gets them.
    boot_screen: dict[str, Any] = field(default_factory=dict)


def _values(args: list[str], flag: str) -> list[str]:
    return [args[i + 1] for i, a in enumerate(args[:-1]) if a == flag]


def stage_like_serious_python(
    source: Path, dest: Path, excludes: list[str], *, compile_app: bool
) -> list[str]:
    """serious_python's `copyDirectory` then, with ``--compile-app``, `compileall -b` and no sources.

    Returns the top-level names it copied (before compiling turned ``main.py`` into ``main.pyc``)."""
    skip = {os.path.normpath(p) for p in excludes}

    def copy(folder: Path, into: Path) -> None:
        for entry in sorted(folder.iterdir()):
            if os.path.relpath(entry, source) in skip:
                continue
            target = into / entry.name
            if entry.is_dir():  # follows links, as Dart's Directory.list() does by default
                target.mkdir()
                copy(entry, target)
            elif entry.is_file():
                shutil.copyfile(entry, target)

    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    copy(source, dest)
    copied = sorted(entry.name for entry in dest.iterdir())
    if compile_app:
        assert compileall.compile_dir(dest, quiet=1, legacy=True), "the app does not compile"
        for py in dest.rglob("*.py"):
            py.unlink()
    return copied


def _offline_build_command() -> Any:
    os.environ.setdefault("FLET_PYTHON_BUILD_MANIFEST", str(MANIFEST))
    os.environ.setdefault("FLET_CLI_NO_RICH_OUTPUT", "true")
    from flet_cli.commands import build

    class OfflineBuild(build.Command):  # type: ignore[misc]
        """flet-cli's `build` with the Flutter toolchain left out (see the module docstring)."""

        packaged: list[tuple[list[str], dict[str, str], list[str]]]

        def find_flutter_batch(self, exe_filename: str) -> str:
            return exe_filename

        def flutter_version_valid(self) -> bool:
            return True

        def _confirm_android_sdk_installation(self) -> bool:
            return True

        def install_jdk(self) -> None:
            return None

        def install_android_sdk(self) -> None:
            return None

        def run(
            self, args: list[str], cwd: str, env: dict[str, str] | None = None, capture_output: bool = True
        ) -> subprocess.CompletedProcess[str]:
            assert args[1:5] == ["run", "--suppress-analytics", "serious_python:main", "package"], args
            assert env is not None
            copied = stage_like_serious_python(
                Path(args[5]),
                Path(env["SERIOUS_PYTHON_APP"]),
                _values(args, "--exclude"),
                compile_app="--compile-app" in args,
            )
            self.packaged.append((list(args), dict(env), copied))
            return subprocess.CompletedProcess(args, 0, "", "")

        def cleanup(self, exit_code: int, message: Any = None, no_border: bool = False) -> None:
            raise AssertionError(f"flet build stopped ({exit_code}): {message}")

    return OfflineBuild


def flet_build(project: Path, target: str = "apk") -> Packaged:
    """Run flet-cli's build steps up to and including packaging the Python app of ``project``."""
    command_class = _offline_build_command()
    parser = argparse.ArgumentParser()
    command = command_class(parser)
    command.packaged = []
    options = parser.parse_args([target, str(project), "--yes", "--no-rich-output"])
    from flet_cli.commands.build_base import BaseBuildCommand

    # BaseBuildCommand.handle stores the options; build.Command.handle would run the whole pipeline.
    BaseBuildCommand.handle(command, options)
    command.initialize_command()
    if sys.platform == "darwin" or target not in ("ipa", "ios-simulator"):
        # flet-cli builds iOS only on macOS; elsewhere its host check is the one step not run.
        command.validate_target_platform()
    command.validate_entry_point()
    command.setup_template_data()
    command.package_python_app()
    ((args, env, copied),) = command.packaged
    boot = command.template_data["boot_screen"]
    return Packaged(
        target=target,
        app_path=Path(command.package_app_path),
        entry=command.python_module_filename,
        args=args,
        env=env,
        copied=copied,
        staged=Path(env["SERIOUS_PYTHON_APP"]),
        site_packages=Path(env["SERIOUS_PYTHON_SITE_PACKAGES"]),
        python_version=args[args.index("--python-version") + 1],
        requirements=_values(args, "-r"),
        excludes=_values(args, "--exclude"),
        boot_screen={"name": boot["name"], **json.loads(base64.b64decode(boot["options_b64"]))},
    )


def project_as_built(repo: Path, into: Path) -> Path:
    """A folder that `flet build` sees as the repository (each top-level entry linked), except that its
    own ``build/`` output lands here rather than in the working tree."""
    into.mkdir(parents=True, exist_ok=True)
    for entry in repo.iterdir():
        if entry.name != "build":
            (into / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
    return into
