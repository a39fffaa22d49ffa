"""A delay line for one netfilter queue: every packet queued to it is let through after a fixed delay.

Run inside the namespace whose iptables rules queue the packets (``python -m tests.e2e.delay_line --queue N
--delay-ms D``). It prints ``ready`` once bound, and stops on SIGTERM, after ``--lifetime-s``, and with
``--watch-stdin`` when its standard input closes (the parent that holds the pipe ended). The packets are
the kernel's own; only their release is held back, in arrival order, so TCP meets a real round-trip time.
This stands in for ``tc netem delay`` where the kernel has no netem; rate and loss stay in the kernel
(tbf, iptables statistic).
"""

from __future__ import annotations

import argparse
import collections
import signal
import sys
import threading
import time
from typing import Any

import fnfqueue  # type: ignore[import-untyped]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--queue", type=int, required=True)
    parser.add_argument("--delay-ms", type=float, required=True)
    parser.add_argument("--lifetime-s", type=float, default=4 * 3600.0)
    parser.add_argument("--watch-stdin", action="store_true", help="stop when standard input closes")
    args = parser.parse_args(argv)
    delay = args.delay_ms / 1000.0

    conn = fnfqueue.Connection()
    try:
        queue = conn.bind(args.queue)
        queue.set_mode(0, fnfqueue.COPY_META)  # the verdict needs only the packet's id
    except OSError as exc:
        print(f"cannot bind netfilter queue {args.queue}: {exc}", file=sys.stderr, flush=True)
        return 1
    held: collections.deque[tuple[float, Any]] = collections.deque()
    wake = threading.Condition()

    def release() -> None:
        while True:
            with wake:
                while not held:
                    wake.wait()
                due, packet = held[0]
                wait = due - time.monotonic()
                if wait > 0:
                    wake.wait(wait)
                    continue
                held.popleft()
            packet.accept()

    def orphaned() -> None:
        sys.stdin.read()  # returns when the parent closes our stdin or dies
        conn.close()

    threading.Thread(target=release, daemon=True, name="release").start()
    if args.watch_stdin:
        threading.Thread(target=orphaned, daemon=True, name="orphaned").start()
    # Bounded in time too: no test or bench run needs a link for longer.
    end = threading.Timer(args.lifetime_s, conn.close)
    end.daemon = True
    end.start()
    signal.signal(signal.SIGTERM, lambda *_: conn.close())
    print("ready", flush=True)
    while True:
        try:
            for packet in conn:
                with wake:
                    held.append((time.monotonic() + delay, packet))
                    wake.notify()
            return 0  # closed by SIGTERM
        except fnfqueue.BufferOverflowException:
            conn.reset()  # the kernel dropped what did not fit, as a full router queue would
        except KeyboardInterrupt:
            return 0


if __name__ == "__main__":
    sys.exit(main())
