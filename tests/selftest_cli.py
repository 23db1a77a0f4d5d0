"""Run ``glpi-scim-bridge selftest`` as a process and interrupt it mid-way (issue 15 §1).

Shared by the simulator tests and the real-GLPI lane.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from app.selftest.runner import PAUSE_ENV

REPO = Path(__file__).resolve().parents[1]


def interrupt_cli(config: Path, signum: int, after_step: int) -> tuple[int, str]:
    """Run the CLI as a process, pause it after a step, send ``signum``; its exit and output."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GLPISCIM_")}  # settings
    env.update({PAUSE_ENV: str(after_step), "PYTHONUNBUFFERED": "1"})
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "selftest", "--config", str(config)],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    lines = []
    try:
        for line in process.stdout:
            lines.append(line)
            if line.startswith(f"selftest: paused after step {after_step}"):
                process.send_signal(signum)
                break
        rest, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    return process.returncode, "".join(lines) + rest
