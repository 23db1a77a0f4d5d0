"""Processes and measurements for the benchmarks.

The bridge under test is the real served bridge: ``glpi-scim-bridge serve``
(gunicorn, the same entry point as the Docker image) in front of a GLPI
simulator running in another process (``glpi-scim-bridge simulator``). This
module starts both, talks SCIM to the bridge over HTTP and reads process
CPU time and RSS from ``/proc``.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent / "glpi-scim-bridge"
SCIM_TYPE = "application/scim+json"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def _descendants(pid: int) -> list[int]:
    out = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return out
    for child in children:
        out.extend(_descendants(int(child)))
    return out


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of ``pid`` and its descendants."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for p in _descendants(pid):
        try:
            fields_ = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields_[11]) + int(fields_[12])) / ticks
    return total


def rss_mb(pid: int) -> float:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    match = re.search(r"VmRSS:\s+(\d+) kB", text)
    return int(match.group(1)) / 1024 if match else 0.0


@dataclass
class Bridge:
    """A served bridge plus its simulator, both in child processes."""

    base: str
    token: str
    bridge_proc: subprocess.Popen
    sim_proc: subprocess.Popen
    sim_url: str
    app_token: str
    user_token: str
    _local: threading.local = field(default_factory=threading.local)

    @property
    def session(self) -> requests.Session:
        sess = getattr(self._local, "session", None)
        if sess is None:
            sess = requests.Session()
            sess.headers.update({"Authorization": f"Bearer {self.token}", "Content-Type": SCIM_TYPE})
            self._local.session = sess
        return sess

    def worker_pids(self) -> list[int]:
        return [p for p in _descendants(self.bridge_proc.pid) if p != self.bridge_proc.pid]

    def bridge_cpu(self) -> float:
        return cpu_seconds(self.bridge_proc.pid)

    def sim_cpu(self) -> float:
        """CPU seconds of the simulator (GLPI's side of the box)."""
        return cpu_seconds(self.sim_proc.pid)

    def glpi_calls(self) -> float:
        """Total GLPI calls made by the bridge, read from its /metrics."""
        text = requests.get(self.base.replace("/scim/v2", "/metrics"), timeout=10).text
        total = 0.0
        for line in text.splitlines():
            if line.startswith("glpi_calls_total{") or line.startswith("glpi_requests_total{"):
                total += float(line.rsplit(" ", 1)[1])
        return total

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        return self.session.request(method, self.base + path, timeout=120, **kwargs)


@contextmanager
def running_bridge(latency_ms: float = 0.0, workers: int | None = None, threads: int | None = None,
                   glpi_version: str = "10") -> Iterator[Bridge]:
    """Start the simulator and the served bridge; stop both on exit.

    The bridge runs with the configuration's defaults (workers, threads,
    access log, audit on stdout, activity store) unless ``workers`` or
    ``threads`` are given; its output goes to /dev/null, so logging costs
    CPU as in production but no disk.
    """
    sim_port, bridge_port = free_port(), free_port()
    app_token, user_token = secrets.token_hex(16), secrets.token_hex(16)
    token = secrets.token_urlsafe(24)
    sim = subprocess.Popen(
        [str(BIN), "simulator", "--port", str(sim_port), "--glpi-version", glpi_version,
         "--app-token", app_token, "--user-token", user_token, "--latency-ms", str(latency_ms),
         "--keep-alive"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    sim_url = f"http://127.0.0.1:{sim_port}/apirest.php"
    workdir = tempfile.mkdtemp(prefix="gsb-bench-")
    config = Path(workdir) / "config.yaml"
    sizing = "".join(f", {k}: {v}" for k, v in (("workers", workers), ("threads", threads)) if v)
    config.write_text(
        f"server: {{bind: '127.0.0.1:{bridge_port}', max_body_bytes: 10485760{sizing}}}\n"
        f"scim: {{max_results: 1000}}\n"
        f"activity: {{path: '{workdir}/activity.sqlite'}}\n"
        f"tenants:\n  - name: bench\n    tokens: ['{token}']\n"
        f"    glpi: {{url: '{sim_url}', app_token: '{app_token}', user_token: '{user_token}'}}\n"
    )
    bridge = None
    try:
        wait_http(sim_url.replace("/apirest.php", "/"))
        bridge = subprocess.Popen([str(BIN), "serve", "--config", str(config)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  start_new_session=True, cwd=ROOT)
        wait_http(f"http://127.0.0.1:{bridge_port}/healthz")
        yield Bridge(f"http://127.0.0.1:{bridge_port}/scim/v2", token, bridge, sim, sim_url,
                     app_token, user_token)
    finally:
        for proc in (bridge, sim):
            stop(proc)
        shutil.rmtree(workdir, ignore_errors=True)


def stop(proc: subprocess.Popen | None) -> None:
    """End a child started in its own session (SIGTERM, SIGKILL after 15 s)."""
    if proc is not None and proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def user_body(i: int, prefix: str = "bench") -> dict:
    return {
        "schemas": [USER_SCHEMA],
        "userName": f"{prefix}.user{i}@example.com",
        "externalId": f"ext-{prefix}-{i}",
        "name": {"givenName": f"Given{i}", "familyName": f"Family{i}"},
        "displayName": f"Given{i} Family{i}",
        "active": True,
        "emails": [{"value": f"{prefix}.user{i}@example.com", "type": "work", "primary": True}],
    }


def patch_body(*operations: dict) -> dict:
    return {"schemas": [PATCH_SCHEMA], "Operations": list(operations)}


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def table(title: str, header: list[str], rows: list[list[object]]) -> str:
    """Render a Markdown table (printed, and pasted into docs/performance.md)."""
    lines = [f"\n### {title}\n", "| " + " | ".join(header) + " |",
             "|" + "|".join("---" for _ in header) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(_fmt(v) for v in row) + " |")
    return "\n".join(lines)


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.2f}" if value < 100 else f"{value:.0f}"
    return str(value)
