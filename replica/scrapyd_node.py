"""A scrapyd node on 127.0.0.1 for the cluster test and benchmark (tests/test_cluster.py,
benchmarks/cluster.py): its own folder (scrapyd.conf, eggs, logs, dbs, output) and its own
process group, so `kill()` is a machine dying: scrapyd and every crawl it started at once.

It runs the jobs with VNNEWS_CONFIG set to the checkout's config/ and the checkout on
PYTHONPATH (the replica is outside the egg), as docs/operations.md tells an operator. The
username and password go into its scrapyd.conf (mode 600), never onto a command line.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tail(path: Path, chars: int = 4000) -> str:
    return path.read_text(encoding="utf-8", errors="replace")[-chars:] if path.exists() else f"({path} missing)"


class LocalScrapyd:
    def __init__(self, root: Path, username: str | None = None, password: str | None = None, max_proc: int = 2,
                 start_timeout: float = 30.0):
        root.mkdir(parents=True, exist_ok=True)
        self.root, self.port = root, free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.output = root / "output"
        self.log = root / "scrapyd.out"
        auth = f"username = {username}\npassword = {password}\n" if username and password else ""
        conf = root / "scrapyd.conf"
        conf.touch(mode=0o600)
        conf.write_text("[scrapyd]\nbind_address = 127.0.0.1\n"
                        f"http_port = {self.port}\neggs_dir = {root / 'eggs'}\nlogs_dir = {root / 'logs'}\n"
                        f"dbs_dir = {root / 'dbs'}\nitems_dir =\nmax_proc = {max_proc}\npoll_interval = 0.3\n"
                        + auth, encoding="utf-8")
        # no ~/.scrapyd.conf, SCRAPY_/SCRAPYD_ or VNNEWS_ setting of the machine leaks in
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SCRAPY_", "SCRAPYD_", "VNNEWS_"))}
        env.update(VNNEWS_CONFIG=str(REPO / "config"), HOME=str(root), PYTHONPATH=str(REPO))
        with self.log.open("wb") as out:
            self.process = subprocess.Popen([sys.executable, "-m", "scrapyd"], cwd=root, env=env, stdout=out,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        self._wait_until_up(start_timeout)

    def _wait_until_up(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"scrapyd exited with {self.process.returncode}:\n{tail(self.log)}")
            try:
                urllib.request.urlopen(self.url + "daemonstatus.json", timeout=2).close()
                return
            except urllib.error.HTTPError:
                return  # 401: up, and wants credentials
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"scrapyd did not answer on {self.url} within {timeout} s:\n{tail(self.log)}")

    def kill(self) -> None:
        """The machine dies: scrapyd and every crawl it runs, at once."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)  # the crawls scrapyd started, if any remain
        except ProcessLookupError:
            pass
        self.process.wait()

    def __enter__(self) -> "LocalScrapyd":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
