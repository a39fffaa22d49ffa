"""A weak mobile link made of real kernel parts: the phone in its own network namespace, a veth pair to
this one, and shaping on that pair only.

``WeakLink(profile)`` (a context manager, root only) makes a namespace ``fl<hex>`` and the veth pair
``fl<hex>h`` (here, ``host_ip``) / ``fl<hex>p`` (in the namespace, ``phone_ip``) on a /30 no interface here
uses, and shapes it:

* rate: ``tc qdisc ... tbf`` on each end's egress;
* loss: ``iptables -m statistic --mode random`` on each side's INPUT from the pair;
* delay: half the round trip at each side's INPUT, by `tests.e2e.delay_line` holding the packets
  queued to it (``-j NFQUEUE``). The kernel here is built without ``sch_netem``; delaying at the
  receiving side also keeps the sender's own queue (TCP small queues) out of the delay, as a real
  mobile network's is;
* ``drop()`` / ``restore()``: 100% loss both ways, the link gone as at a dead spot, and back.

Leaving the context (also after a failure) stops the delay lines, deletes the iptables rules on this
side and the namespace, which takes the veth pair and its qdiscs with it. Every command is bounded in
time.
"""

from __future__ import annotations

import ipaddress
import json
import random
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any

REPO = Path(__file__).resolve().parents[2]
COMMAND_TIMEOUT_S = 30


@dataclass(frozen=True)
class Profile:
    name: str
    #: kbit/s each way; None leaves the veth's own speed.
    rate_kbit: int | None
    rtt_ms: int
    loss_pct: float


PROFILES: dict[str, Profile] = {
    "veth": Profile("veth", None, 0, 0.0),
    "3g": Profile("3g", 2000, 200, 1.0),
    "2g": Profile("2g", 250, 600, 5.0),
}


class LinkError(RuntimeError):
    """The link could not be made (not root, or a tool missing: ``make test`` installs them)."""


def run(*cmd: str, netns: str | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
    full = ["ip", "netns", "exec", netns, *cmd] if netns else list(cmd)
    try:
        done = subprocess.run(full, capture_output=True, text=True, timeout=COMMAND_TIMEOUT_S)
    except FileNotFoundError as exc:
        raise LinkError(f"{full[0]}: not installed (make test installs iproute2, iptables, ethtool)") from exc
    if check and done.returncode != 0:
        raise LinkError(f"{' '.join(full)} failed ({done.returncode}): {done.stderr.strip()}")
    return done


def _free_subnet() -> ipaddress.IPv4Network:
    """A /30 in 10.0.0.0/8 that no address or route on this machine overlaps (bounded tries)."""
    taken = []
    for entry in json.loads(run("ip", "-4", "-j", "addr").stdout):
        for a in entry.get("addr_info", []):
            taken.append(ipaddress.ip_network(f"{a['local']}/{a['prefixlen']}", strict=False))
    for route in json.loads(run("ip", "-4", "-j", "route").stdout):
        dst = route.get("dst", "")
        if dst and dst != "default":
            taken.append(ipaddress.ip_network(dst if "/" in dst else f"{dst}/32", strict=False))
    for _ in range(100):
        a, b, c = random.randint(64, 250), random.randint(0, 255), 4 * random.randint(0, 63)
        net = ipaddress.ip_network(f"10.{a}.{b}.{c}/30")
        if not any(net.overlaps(t) for t in taken):
            return net
    raise LinkError("no free /30 in 10.0.0.0/8 after 100 tries")


class WeakLink:
    """The phone's namespace and its shaped veth link to this one (see the module docstring)."""

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        tag = uuid.uuid4().hex[:8]
        self.netns = f"fl{tag}"
        self.host_if, self.phone_if = f"fl{tag}h", f"fl{tag}p"
        net = _free_subnet()
        first, second = list(net.hosts())
        self.host_ip, self.phone_ip = str(first), str(second)
        self._prefix = net.prefixlen
        self._host_rules: list[list[str]] = []
        self._drop_rules: list[tuple[str | None, list[str]]] = []
        self._delay_lines: list[subprocess.Popen[str]] = []
        self.delay_line_pids: list[int] = []
        self._made_netns = False

    # --- making and removing ---

    def __enter__(self) -> WeakLink:
        try:
            self._make()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _make(self) -> None:
        if run("id", "-u").stdout.strip() != "0":
            raise LinkError("the weak-link tests need root for ip netns, tc and iptables (CI runs as root)")
        run("ip", "netns", "add", self.netns)
        self._made_netns = True
        run("ip", "link", "add", self.host_if, "type", "veth", "peer", "name", self.phone_if)
        run("ip", "link", "set", self.phone_if, "netns", self.netns)
        run("ip", "addr", "add", f"{self.host_ip}/{self._prefix}", "dev", self.host_if)
        run("ip", "link", "set", self.host_if, "up")
        run("ip", "addr", "add", f"{self.phone_ip}/{self._prefix}", "dev", self.phone_if, netns=self.netns)
        run("ip", "link", "set", self.phone_if, "up", netns=self.netns)
        run("ip", "link", "set", "lo", "up", netns=self.netns)
        # Segments the size a radio sends: with offloads on, a 64 KB super-packet would be lost as one.
        run("ethtool", "-K", self.host_if, "tso", "off", "gso", "off", "gro", "off")
        run("ethtool", "-K", self.phone_if, "tso", "off", "gso", "off", "gro", "off", netns=self.netns)
        p = self.profile
        if p.rate_kbit:
            for dev, ns in ((self.host_if, None), (self.phone_if, self.netns)):
                run("tc", "qdisc", "add", "dev", dev, "root", "tbf", "rate", f"{p.rate_kbit}kbit",
                    "burst", "3000", "latency", "2s", netns=ns)  # fmt: skip
        host_queue = random.randint(1000, 64000)
        for ns, dev, queue in ((None, self.host_if, host_queue), (self.netns, self.phone_if, 1)):
            rules: list[list[str]] = []
            if p.loss_pct:
                rules.append(["-i", dev, "-m", "statistic", "--mode", "random",
                              "--probability", f"{p.loss_pct / 100:.4f}", "-j", "DROP"])  # fmt: skip
            if p.rtt_ms:
                self._start_delay_line(ns, queue, p.rtt_ms / 2)
                rules.append(["-i", dev, "-j", "NFQUEUE", "--queue-num", str(queue)])
            for rule in rules:
                run("iptables", "-w", "-A", "INPUT", *rule, netns=ns)
                if ns is None:
                    self._host_rules.append(rule)

    def _start_delay_line(self, netns: str | None, queue: int, delay_ms: float) -> None:
        line = ["tests.e2e.delay_line", "--queue", str(queue), "--delay-ms", str(delay_ms), "--watch-stdin"]
        cmd = [sys.executable, "-m", *line]
        if netns:
            cmd = ["ip", "netns", "exec", netns, *cmd]
        proc = subprocess.Popen(
            cmd, cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        self._delay_lines.append(proc)
        self.delay_line_pids.append(proc.pid)
        assert proc.stdout is not None
        line = proc.stdout.readline()  # "ready", or nothing when it failed
        if line.strip() != "ready":
            raise LinkError(f"the delay line did not start: {proc.stderr.read() if proc.stderr else ''}")

    def close(self) -> None:
        """Remove everything made, each step on its own so one failure does not leave the rest."""
        for ns, rule in self._drop_rules:
            run("iptables", "-w", "-D", "INPUT", *rule, netns=ns, check=False)
        self._drop_rules.clear()
        for rule in self._host_rules:
            run("iptables", "-w", "-D", "INPUT", *rule, check=False)
        self._host_rules.clear()
        for proc in self._delay_lines:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
            for stream in (proc.stdin, proc.stdout, proc.stderr):
                if stream is not None:
                    stream.close()
        self._delay_lines.clear()
        if self._made_netns:
            run("ip", "netns", "del", self.netns, check=False)  # takes the pair and both ends' qdiscs
            self._made_netns = False
        run("ip", "link", "del", self.host_if, check=False)

    # --- while it is up ---

    def drop(self) -> None:
        """100% loss both ways from now on (rules first in each side's INPUT)."""
        for ns, dev in ((None, self.host_if), (self.netns, self.phone_if)):
            rule = ["-i", dev, "-j", "DROP"]
            run("iptables", "-w", "-I", "INPUT", "1", *rule, netns=ns)
            self._drop_rules.append((ns, rule))

    def restore(self) -> None:
        for ns, rule in self._drop_rules:
            run("iptables", "-w", "-D", "INPUT", *rule, netns=ns)
        self._drop_rules.clear()

    def phone_bytes(self) -> dict[str, int]:
        """Bytes the phone's interface sent and received (IP headers and retransmissions included)."""
        [entry] = json.loads(
            run("ip", "-s", "-j", "link", "show", "dev", self.phone_if, netns=self.netns).stdout
        )
        stats = entry["stats64"]
        return {"sent": int(stats["tx"]["bytes"]), "received": int(stats["rx"]["bytes"])}

    def popen_phone(self, *args: str, stdout: int | IO[Any] = subprocess.PIPE) -> subprocess.Popen[str]:
        """A Python module of this repository run as a process in the phone's namespace."""
        return subprocess.Popen(
            ["ip", "netns", "exec", self.netns, sys.executable, "-m", *args],
            cwd=REPO,
            stdout=stdout,
            stderr=subprocess.PIPE,
            text=True,
        )


def wait_for(predicate: Any, timeout_s: float, step_s: float = 0.1) -> bool:
    """Poll ``predicate`` until true or ``timeout_s`` passes."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step_s)
    return bool(predicate())
