"""A planner's day synced over weak mobile links, and a photo upload broken off at about 60%.

The phone (the real sync engine and store, as its own process) sits in a network namespace joined to a
real server process by a veth pair shaped like a mobile link (tests/e2e/link.py: tbf rate, iptables
loss, a netfilter-queue delay line; the kernel here has no netem). Needs root.

* ``day``: 30 visits, 5 opinions, 5 feedback and 40 photos of about 300 KB (tests/e2e/days_work.py), one
  sync from a fresh phone to a fresh server on SQLite, on each profile: seconds, and bytes the phone's
  interface sent and received (headers and retransmissions included) against the photo bytes.
* ``break``: one visit with one photo on the 2G-like link; the link drops for 20 s once the phone has
  handed over 60% of the photo, then comes back. With resumable upload, and with whole-file PUT (as to a
  server without it). The engine's stall limit is 10 s here, as a phone's HTTP client usually has (OkHttp's
  default), so both see the connection break rather than outlast the drop. Bytes re-sent = photo bytes
  put on the wire minus the photo's size.

``python -m bench.weak_link [--runs N] [--profiles veth,3g,2g] [--skip-day] [--skip-break]``; JSON out,
medians over the runs, the ratios computed within this run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

from app.photos import PreparedPhoto
from app.store import LocalStore
from app.sync import login
from bench._server import PASSWORD, ServerProcess
from tests.app.helpers import visit
from tests.e2e.days_work import fill_phone, site_photos
from tests.e2e.link import PROFILES, Profile, WeakLink
from tests.e2e.phone_process import PhoneRun, run_phone

OUTAGE_S = 20.0
BREAK_AT = 0.6
STALL_LIMIT_S = 10.0


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 3)


def _site(link: WeakLink, data_dir: Path) -> tuple[ServerProcess, int, str]:
    srv = ServerProcess(data_dir, host=link.host_ip)
    srv.migrate()
    district = srv.add_district("甲区")
    srv.add_user("planner1", "planner", ("甲区",))
    srv.start()
    return srv, district, login(srv.url, "planner1", PASSWORD).token


def _check(phone: PhoneRun) -> dict[str, Any]:
    if phone.returncode != 0 or phone.report is None:
        raise RuntimeError(f"the phone's sync failed: {phone.error}\n{phone.stderr[-2000:]}")
    report: dict[str, Any] = phone.report
    if report["errors"]:
        raise RuntimeError(f"the sync reported errors: {report['errors'][:3]}")
    return report


def day_once(profile: Profile, photos: list[PreparedPhoto]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="fieldlog-weak-") as tmp, WeakLink(profile) as link:
        srv, district, token = _site(link, Path(tmp) / "server")
        with srv:
            store_path = Path(tmp) / "phone" / "store.sqlite3"
            with LocalStore(store_path) as store:
                day = fill_phone(store, district, photos)
            before = link.phone_bytes()
            phone = run_phone(link, store_path, srv.url, token, limit_s=3600)
            after = link.phone_bytes()
            report = _check(phone)
            if report["photos_uploaded"] != len(day.photos) or report["pushed"] != day.records:
                raise RuntimeError(f"the day did not sync whole: {report}")
    return {
        "seconds": phone.seconds,
        "sent_bytes": after["sent"] - before["sent"],
        "received_bytes": after["received"] - before["received"],
        "photo_bytes": day.photo_bytes,
    }


def break_once(photo: PreparedPhoto, resume: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="fieldlog-weak-") as tmp, WeakLink(PROFILES["2g"]) as link:
        srv, district, token = _site(link, Path(tmp) / "server")
        with srv:
            store_path = Path(tmp) / "phone" / "store.sqlite3"
            with LocalStore(store_path) as store:
                digest = store.add_photo(photo.jpeg, photo.thumb)
                store.save("visit", visit(district, photos=[digest]))
            size = len(photo.jpeg)
            restored = threading.Event()
            timers: list[threading.Timer] = []

            def outage(p: dict[str, Any]) -> None:
                if not timers and p["phase"] == "photos" and p["sent_bytes"] >= BREAK_AT * size:
                    link.drop()
                    timers.append(threading.Timer(OUTAGE_S, lambda: (link.restore(), restored.set())))
                    timers[0].start()

            extra = ("--timeout", str(STALL_LIMIT_S), *(() if resume else ("--no-resume",)))
            before = link.phone_bytes()
            try:
                phone = run_phone(link, store_path, srv.url, token, on_progress=outage, extra=extra)
            finally:
                for t in timers:
                    t.cancel()
            after = link.phone_bytes()
            report = _check(phone)
            if not restored.is_set() or report["photos_uploaded"] != 1:
                raise RuntimeError(f"the outage or the upload did not happen as planned: {report}")
    return {
        "seconds": phone.seconds,
        "photo_bytes": size,
        "photo_bytes_sent": report["photo_bytes_sent"],
        "resent_bytes": report["photo_bytes_sent"] - size,
        "resumes": report["photo_resumes"],
        "sent_bytes": after["sent"] - before["sent"],
    }


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    keys = [k for k in runs[0] if isinstance(runs[0][k], int | float)]
    return {k: _median([float(r[k]) for r in runs]) for k in keys} | {"runs": len(runs)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profiles", default="veth,3g,2g")
    parser.add_argument("--skip-day", action="store_true")
    parser.add_argument("--skip-break", action="store_true")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.profiles.split(",") if n.strip()]
    unknown = [n for n in names if n not in PROFILES]
    if unknown or args.runs < 1:
        print(
            f"--profiles: unknown {unknown} (known: {', '.join(PROFILES)}); --runs must be >= 1",
            file=sys.stderr,
        )
        return 2
    photos = site_photos()
    out: dict[str, Any] = {
        "bench": "weak_link",
        "profiles": {n: vars(PROFILES[n]) for n in names},
        "day": {},
        "break_at_60_percent_on_2g": {},
    }
    if not args.skip_day:
        for name in names:
            day = summarise([day_once(PROFILES[name], photos) for _ in range(args.runs)])
            day["sent_per_photo_byte"] = round(day["sent_bytes"] / day["photo_bytes"], 3)
            day["photo_kbit_s"] = round(day["photo_bytes"] * 8 / 1000 / day["seconds"], 1)
            out["day"][name] = day
            print(json.dumps({name: day}), file=sys.stderr, flush=True)
    if not args.skip_break:
        for resume in (True, False):
            key = "resumable" if resume else "whole_put"
            out["break_at_60_percent_on_2g"][key] = summarise(
                [break_once(photos[0], resume) for _ in range(args.runs)]
            )
        brk = out["break_at_60_percent_on_2g"]
        brk["resent_ratio_put_vs_resumable"] = round(
            brk["whole_put"]["resent_bytes"] / max(1.0, brk["resumable"]["resent_bytes"]), 1
        )
    print(json.dumps(out, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
