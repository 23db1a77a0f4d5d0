"""Run the real server for tests: ``glpi-scim-bridge serve`` (the image's command) on loopback."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests
import yaml

from tests.ops.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]


class Served:
    """gunicorn serving the bridge with ``raw`` config; its whole output goes to a file."""

    def __init__(self, tmp_path: Path, raw: dict, workers: int = 2):
        self.port = free_port()
        certfile = raw.get("server", {}).get("tls", {}).get("certfile")
        self.verify: str | bool = certfile or True
        self.url = f"{'https' if certfile else 'http'}://127.0.0.1:{self.port}"
        self.config_path = tmp_path / "config.yaml"
        self.log_path = tmp_path / "server.log"
        server = {
            "bind": f"127.0.0.1:{self.port}",
            "workers": workers,
            "threads": 4,
            "graceful_timeout": 10,
            **raw.get("server", {}),
        }
        activity = {"path": str(tmp_path / "activity.sqlite"), **raw.get("activity", {})}
        self.config_path.write_text(
            yaml.safe_dump({**raw, "server": server, "activity": activity}), encoding="utf-8"
        )
        self.proc: subprocess.Popen | None = None
        self.returncode: int | None = None

    def start(self) -> Served:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("GLPISCIM_", "PROMETHEUS_MULTIPROC_DIR"))
        }
        env["PYTHONPATH"] = str(ROOT)
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "app.cli", "serve", "--config", str(self.config_path)],
                cwd=self.config_path.parent,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited {self.proc.returncode}:\n{self.log()}")
            try:
                if (
                    requests.get(self.url + "/healthz", timeout=1, verify=self.verify).status_code
                    == 200
                ):
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.stop()
        raise AssertionError(f"server did not become healthy:\n{self.log()}")

    def stop(self) -> int:
        if self.proc is not None and self.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.returncode = self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.returncode = self.proc.wait(timeout=10)
        return self.returncode if self.returncode is not None else -1

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def lines(self) -> list[dict]:
        out = []
        for line in self.log().splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                raise AssertionError(f"a log line is not JSON: {line!r}") from None
        return out

    def __enter__(self) -> Served:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
