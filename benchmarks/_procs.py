"""Worker processes for the benchmarks: start `sensemaking worker`, kill it, wait for it."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def start_worker(folder: Path, log: Path, *, workers: int = 1,
                 env: dict[str, str] | None = None) -> subprocess.Popen:  # fmt: skip
    """`sensemaking worker` on ``folder`` in a session of its own (so a kill takes all)."""
    return subprocess.Popen(
        [sys.executable, "-m", "cli.main", "--project", str(folder), "worker", "-w",
         str(workers)],
        stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True,
        env={**os.environ, **(env or {})}, cwd=ROOT,
    )  # fmt: skip


def kill(process: subprocess.Popen) -> None:
    """SIGKILL the worker and every process it started."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def wait_idle(project: Any, stories: int, timeout: float) -> float:
    """Wait until ``stories`` stories are stored and embedded and no job waits; seconds."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        status = project.status()
        if (status.pending_jobs, status.stories, status.embedded) == (0, stories, stories):
            return time.monotonic() - start
        time.sleep(0.5)
    raise TimeoutError(f"not done after {timeout:.0f} s: {project.status()}")
