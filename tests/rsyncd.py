"""A real rsync daemon on the loopback for tests: a read-only module `media` over a folder."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RsyncDaemon:
    """`rsync --daemon` serving FOLDER as rsync://127.0.0.1:PORT/media; stop() and start() again
    to take the NAS away and bring it back."""

    def __init__(self, folder: Path, work: Path):
        self.folder, self.work = folder, work
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.config = work / "rsyncd.conf"
        # Run as whoever runs the tests (root in CI): the daemon's default user as root, nobody,
        # could not read a test's private temporary folder.
        self.config.write_text(
            "use chroot = no\n"
            f"uid = {os.getuid()}\ngid = {os.getgid()}\n"
            f"pid file = {work / 'rsyncd.pid'}\n"
            "[media]\n"
            f"path = {folder}\n"
            "read only = yes\n", encoding="utf-8")

    def url(self, rel: str = "") -> str:
        return f"rsync://127.0.0.1:{self.port}/media/{rel}"

    def start(self) -> None:
        (self.work / "rsyncd.pid").unlink(missing_ok=True)
        self.process = subprocess.Popen(
            ["rsync", "--daemon", "--no-detach", f"--config={self.config}", f"--port={self.port}",
             "--address=127.0.0.1", f"--log-file={self.work / 'rsyncd.log'}"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            start_new_session=True)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(f"rsync --daemon failed: {self.process.stderr.read().decode()}")
                time.sleep(0.05)
        raise RuntimeError("rsync --daemon did not listen within 10 s")

    def stop(self) -> None:
        """Kill the daemon and the children serving transfers (a NAS that went away)."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.process = None


@contextmanager
def rsync_daemon(tmp_path: Path):
    if shutil.which("rsync") is None:
        pytest.fail("rsync is not installed: scripts/test installs it (apt-get install -y rsync)")
    folder = tmp_path / "nas"
    folder.mkdir(exist_ok=True)
    daemon = RsyncDaemon(folder, tmp_path)
    daemon.start()
    try:
        yield daemon
    finally:
        daemon.stop()
