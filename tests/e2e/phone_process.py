"""The phone's side of a weak-link run, as its own process (started in the phone's network namespace).

``python -m tests.e2e.phone_process --store PATH --url URL --token TOKEN [--no-resume] [--timeout S]``
runs one sync of the real engine (app/sync.py) over the real store (app/store.py) and prints one JSON
object a line: ``{"progress": {...}}`` for each progress callback, ``{"statuses": {...}}`` each time a
photo is confirmed (the records' honest statuses as the phone shows them, from its own store), then
``{"report": {...}}`` or ``{"error": "..."}``. The exit code is 0 only when the sync finished.
`run_phone` starts it in a `WeakLink`'s namespace and collects those lines.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import queue
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.status import record_status
from app.store import LocalStore
from app.sync import DEFAULT_TIMEOUT_S, SyncEngine, SyncError, SyncProgress

if TYPE_CHECKING:
    from tests.e2e.link import WeakLink


def statuses(store: LocalStore) -> dict[str, Any]:
    records = store.records()
    codes = Counter(record_status(r).code for r in records)
    photos = [record_status(r) for r in records if record_status(r).code == "photos"]
    return {
        "codes": dict(codes),
        "photos_done": sum(r.photos_uploaded for r in records),
        "photos_total": sum(r.photos_total for r in records),
        "waiting_photos_below_total": all((s.done or 0) < (s.total or 0) for s in photos),
    }


def emit(kind: str, value: Any) -> None:
    print(json.dumps({kind: value}, ensure_ascii=False, default=str), flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--store", required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--no-resume", action="store_true", help="send photos whole (PUT) even if resumable")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S, help="the engine's stall limit")
    args = parser.parse_args(argv)
    with LocalStore(args.store) as store:
        last_done = [-1]

        def progress(p: SyncProgress) -> None:
            emit("progress", dataclasses.asdict(p))
            if p.phase == "photos" and p.done != last_done[0]:
                last_done[0] = p.done
                emit("statuses", statuses(store))

        emit("statuses", statuses(store))
        try:
            with SyncEngine(
                store,
                args.url,
                args.token,
                progress=progress,
                resumable_uploads=not args.no_resume,
                timeout_s=args.timeout,
            ) as engine:
                report = engine.sync()
        except SyncError as exc:
            emit("error", str(exc))
            emit("statuses", statuses(store))
            return 1
        emit("statuses", statuses(store))
        emit("report", dataclasses.asdict(report))
    return 0


@dataclass
class PhoneRun:
    """What the phone process said, line by line, and how it ended."""

    progress: list[dict[str, Any]] = field(default_factory=list)
    #: (photos done at that moment, the statuses then)
    statuses: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    report: dict[str, Any] | None = None
    error: str | None = None
    returncode: int | None = None
    stderr: str = ""

    @property
    def seconds(self) -> float:
        """The sync's own duration, from the engine's report."""
        assert self.report is not None
        started, finished = (datetime.fromisoformat(self.report[k]) for k in ("started_at", "finished_at"))
        return (finished - started).total_seconds()


def run_phone(
    link: WeakLink,
    store: Path,
    url: str,
    token: str,
    *,
    on_progress: Callable[[dict[str, Any]], None] | None = None,
    extra: tuple[str, ...] = (),
    limit_s: float = 1800.0,
) -> PhoneRun:
    """One sync in the phone's namespace; ``on_progress(event)`` sees each progress line as it comes."""
    proc = link.popen_phone(
        "tests.e2e.phone_process", "--store", str(store), "--url", url, "--token", token, *extra
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    result = PhoneRun()
    done = 0
    deadline = time.monotonic() + limit_s
    try:
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                break
            event = json.loads(line)
            if "progress" in event:
                result.progress.append(event["progress"])
                if event["progress"]["phase"] == "photos":
                    done = event["progress"]["done"]
                if on_progress is not None:
                    on_progress(event["progress"])
            elif "statuses" in event:
                result.statuses.append((done, event["statuses"]))
            elif "report" in event:
                result.report = event["report"]
            elif "error" in event:
                result.error = event["error"]
        result.returncode = proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        result.stderr = proc.stderr.read() if proc.stderr else ""
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
    return result


if __name__ == "__main__":
    sys.exit(main())
