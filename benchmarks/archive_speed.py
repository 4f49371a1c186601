"""Archives to corpus: pages/s of `vnnews reprocess` and `vnnews import-warc` with 1 and 2
processes, on a loopback Dask cluster, and warcio vs fastwarc reading the same files.

    python benchmarks/archive_speed.py [--copies 20] [--rounds 3] [--no-dask] [--generic]

The archive is made of the real pages saved in ../shared/benchmarks/vn-real and vn-real-2
(their saved HTML, each written --copies times under the host `cN.` + the real host, so every
copy is an article URL of its configured site and is cleaned; the corpus keeps one of each
text), written by vnnews's own WarcArchive in
files of about 8 MB, as a crawl writes them. Each command runs as a fresh process, timed
whole; the variants alternate within each round (1 process, 2 processes, Dask), so a busy
machine slows them alike; medians are reported. Timing lives here, never in tests.

By default the pages are cleaned by their sites' configs (the real-page configs: the cheap
case, ~10 ms a page). `--generic` uses a config folder without those sites (speed.py's
unconfigured_config), as for hosts nobody configured: import-warc gets `--generic HOSTS`,
cleaning costs ~4× more.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from crawl_speed import machine_line  # noqa: E402
from speed import unconfigured_config  # noqa: E402

BIN = ROOT / ".venv" / "bin"
SHARED = ROOT.parent / "shared" / "benchmarks"


def real_pages() -> list[tuple[str, bytes]]:
    pages = []
    for folder in ("vn-real", "vn-real-2"):
        for meta in sorted((SHARED / folder).glob("*.meta.json")):
            html = meta.with_name(meta.name.replace(".meta.json", ".html"))
            if html.exists():
                pages.append((json.loads(meta.read_text())["url"], html.read_bytes()))
    if not pages:
        raise SystemExit(f"no saved pages in {SHARED}/vn-real*: this benchmark needs ../shared")
    return pages


def make_archive(raw: Path, copies: int) -> tuple[int, list[str]]:
    from crawler.corpus.archive import WarcArchive
    from crawler.corpus.page import PageItem

    archive = WarcArchive(raw, max_bytes=8 * 1024 * 1024, fsync_each=False)
    hosts, count = set(), 0
    for copy in range(copies):
        for number, (url, body) in enumerate(real_pages()):
            parts = urlsplit(url)
            hosts.add(parts.hostname)
            # a query string such as ?copy=N would make the configured sites' URL rules refuse
            # the page as an article (import-warc would then clean nothing): a subdomain keeps
            # the path their rules test
            copied = parts._replace(netloc=f"c{copy}.{parts.netloc}").geturl()
            page = PageItem(url=copied, canonical_url="", site="", status=200, body=body,
                            content_type="text/html; charset=utf-8", kind="article", is_article_candidate=True,
                            fetched_at=f"2026-12-07T00:{copy % 60:02d}:{number % 60:02d}Z",
                            response_headers=[(b"Content-Type", b"text/html; charset=utf-8")])
            archive.write(page)
            count += 1
    archive.close()
    return count, sorted(hosts)


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    return seconds


def stored(out: Path) -> tuple[int, int, int]:
    """(documents, duplicates, rejections) a run left in `out`: every variant must do the
    same work, and some work (a run that cleaned nothing would time nothing)."""
    def lines(name: str) -> int:
        path = out / name
        return path.read_bytes().count(b"\n") if path.exists() else 0

    return lines("manifest.jsonl"), lines("duplicates.jsonl"), lines("rejects.jsonl")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LoopbackDask:
    """`dask scheduler` and two single-threaded `dask worker`s on 127.0.0.1."""

    def __enter__(self):
        port = free_port()
        self.address = f"tcp://127.0.0.1:{port}"
        self.procs = [subprocess.Popen([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                        "--no-dashboard"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
        time.sleep(1)
        for _ in range(2):
            self.procs.append(subprocess.Popen([str(BIN / "dask"), "worker", self.address, "--host", "127.0.0.1",
                                                "--nthreads", "1", "--no-dashboard"],
                                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        from distributed import Client

        with Client(self.address, set_as_default=False, timeout=60) as client:
            client.wait_for_workers(2, timeout=60)
        return self.address

    def __exit__(self, *exc):
        for proc in reversed(self.procs):
            proc.terminate()
        for proc in self.procs:
            proc.wait(timeout=30)


BURN = "sum(i * i for i in range(15_000_000))"


def headroom() -> float:
    """What the machine gives two processes at this moment: throughput of two copies of a
    pure-CPU burn run together over one run alone (2.0 on two idle cores). Measured in every
    round beside the commands, so a reader can tell the code's scaling from the machine's
    load."""
    command = [sys.executable, "-c", BURN]
    started = time.perf_counter()
    subprocess.run(command, check=True)
    one = time.perf_counter() - started
    started = time.perf_counter()
    procs = [subprocess.Popen(command) for _ in range(2)]
    for proc in procs:
        proc.wait()
    two = time.perf_counter() - started
    return 2 * one / two


def read_speeds(raw: Path, rounds: int) -> dict[str, float]:
    """Seconds to read every response record's body with its digest checked."""
    from warcio.archiveiterator import ArchiveIterator

    files = sorted(raw.iterdir())

    def with_warcio() -> int:
        n = 0
        for path in files:
            with path.open("rb") as fh:
                for record in ArchiveIterator(fh, check_digests="raise"):
                    if record.rec_type == "response":
                        record.content_stream().read()
                        assert record.digest_checker.passed
                        n += 1
        return n

    def with_fastwarc() -> int:
        from fastwarc.warc import ArchiveIterator as FastIterator, WarcRecordType

        n = 0
        for path in files:
            with path.open("rb") as fh:
                for record in FastIterator(fh, record_types=WarcRecordType.response, parse_http=True):
                    assert record.verify_payload_digest(consume=False)
                    record.reader.read()
                    n += 1
        return n

    times: dict[str, list[float]] = {"warcio": [], "fastwarc": []}
    for _ in range(rounds):
        for name, fn in (("warcio", with_warcio), ("fastwarc", with_fastwarc)):
            started = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in times.items()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=20, help="times each saved page is archived")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-dask", action="store_true", help="skip the loopback Dask cluster")
    parser.add_argument("--generic", action="store_true",
                        help="clean as for hosts without a site config")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="vnnews-archive-speed-") as tmp:
        work = Path(tmp)
        pages, hosts = make_archive(work / "raw", args.copies)
        config: list[str] = []
        selection = ["--all-sites"]
        if args.generic:
            config, selection = ["--config", str(unconfigured_config(work))], ["--generic", ",".join(hosts)]
        size = sum(p.stat().st_size for p in (work / "raw").iterdir())
        files = len(list((work / "raw").iterdir()))
        variants = {"1 process": ["--jobs", "1"], "2 processes": ["--jobs", "2"]}
        dask = None if args.no_dask else LoopbackDask()
        address = dask.__enter__() if dask else None
        if address:
            variants["Dask, 2 workers (loopback)"] = ["--scheduler", address]
        seconds: dict[tuple[str, str], list[float]] = {}
        controls: list[float] = []
        work_done: dict[str, tuple[int, int, int]] = {}
        try:
            for round_number in range(args.rounds):
                controls.append(headroom())
                for name, extra in variants.items():
                    for command in ("reprocess", "import-warc"):
                        out = work / f"out-{round_number}-{command}-{len(seconds)}"
                        if command == "reprocess":
                            argv_ = [str(BIN / "vnnews"), "reprocess", "--from-raw", str(work / "raw"), "--out",
                                     str(out), *config, *extra]
                        else:
                            argv_ = [str(BIN / "vnnews"), "import-warc", str(work / "raw"), "--out", str(out),
                                     *selection, *config, *extra]
                        seconds.setdefault((command, name), []).append(timed(argv_))
                        outcome = stored(out)
                        if not outcome[0] or work_done.setdefault(command, outcome) != outcome:
                            raise SystemExit(f"{command} {name} stored {outcome} (documents, duplicates, "
                                             f"rejections), expected {work_done[command]} and some documents")
                        shutil.rmtree(out, ignore_errors=True)
        finally:
            if dask:
                dask.__exit__(None, None, None)
        reads = read_speeds(work / "raw", args.rounds)
    print(f"{machine_line()}; {pages} archived pages (the {pages // args.copies} real pages of vn-real and vn-real-2, "
          f"{args.copies} copies each), {files} WARC files, {size / 1e6:.0f} MB gzip'd; cleaned "
          f"{'generically (no site configs)' if args.generic else 'by their site configs'}; median of "
          f"{args.rounds} rounds, variants interleaved.\n")
    for command, (documents, duplicates, rejections) in work_done.items():
        print(f"Every `{command}` run stored {documents} documents, {duplicates} duplicates and "
              f"{rejections} rejections (each variant the same).")
    print(f"\nMachine control (two pure-CPU processes together vs one alone, each round): "
          f"{', '.join(f'{c:.2f}×' for c in controls)}; 2.00× on two idle cores.\n")
    print("| command | cleaning | seconds | pages/s | vs 1 process | hours for 10 M pages |")
    print("|---|---|---:|---:|---:|---:|")
    for command in ("reprocess", "import-warc"):
        base = statistics.median(seconds[(command, "1 process")])
        for name in variants:
            value = statistics.median(seconds[(command, name)])
            print(f"| {command} | {name} | {value:.1f} | {pages / value:.1f} | {base / value:.2f}× | "
                  f"{10_000_000 / (pages / value) / 3600:.0f} |")
    print(f"\nReading every response body with its digest checked: warcio {reads['warcio']:.2f} s, "
          f"fastwarc {reads['fastwarc']:.2f} s ({reads['warcio'] / reads['fastwarc']:.1f}× faster) for {pages} pages.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
