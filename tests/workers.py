"""Real Celery workers for the tests that need them: `celery -A mdm worker` subprocess groups."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


class Worker:
    """One `celery -A mdm worker` process group started by a test."""

    def __init__(self, *, name: str, log_path: Path, env: dict[str, str], concurrency: int,
                 beat: bool = False) -> None:
        self.name, self.log_path, self.env = name, log_path, env
        self.concurrency, self.beat = concurrency, beat
        self.process: subprocess.Popen | None = None

    def start(self) -> Worker:
        args = [
            sys.executable, "-m", "celery", "-A", "mdm", "worker", "-n", f"{self.name}@%h", "-l", "WARNING",
            "-c", str(self.concurrency), "--without-gossip", "--without-mingle",
        ]
        if self.beat:
            args += ["-B", "-s", str(self.log_path.with_suffix(".beat"))]
        log = open(self.log_path, "ab")  # noqa: SIM115 - kept open for the life of the process
        self.process = subprocess.Popen(
            args, cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        return self

    def wait_ready(self, timeout: float = 30) -> Worker:
        """Block until the worker answers a broadcast ping (its consumers are up)."""
        from mdm.celery import app

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"worker exited early, see {self.log_path}")
            # A connection of its own: a pooled one left waiting for replies would be inherited by the
            # ingest loader's forked processes of a later test, which would block on its socket.
            with app.connection_for_write() as conn:
                replies = app.control.ping(timeout=0.5, connection=conn)
            if any(name.startswith(f"{self.name}@") for reply in replies for name in reply):
                return self
        pytest.fail(f"worker {self.name} not ready after {timeout}s, see {self.log_path}")

    def kill(self) -> None:
        """SIGKILL the whole process group, as if the machine died."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        # Tests are over: no need for a warm shutdown, which waits for running tasks.
        self.kill()
