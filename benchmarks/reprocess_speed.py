"""Reprocessing throughput: pages per second of `vnnews reprocess` from a WARC archive.

    python benchmarks/reprocess_speed.py [--pages 1500] [--rounds 3]
    python benchmarks/reprocess_speed.py --from-raw output/raw [--rounds 3]

Without --from-raw, the archive is made first by a vnnews crawl of the synthetic replica
(benchmarks/synthetic_site.py) stopped after --pages responses. Each round runs the real
command, `vnnews reprocess --from-raw DIR --out NEW`, as a fresh process and times it
whole (start-up included, as a maintainer pays it); the median is reported, along with
the start-up alone (the same command on an archive of a few pages) so a reader can tell the
replay rate from the fixed cost. Timing lives here, never in tests.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from crawl_speed import machine_line, run_child, synthetic_server  # noqa: E402

VNNEWS = ROOT / ".venv" / "bin" / "vnnews"
SUMMARY = re.compile(r"^(\d+) archived page\(s\): (\d+) document\(s\) written")


def reprocess_once(raw_dir: Path, work: Path) -> tuple[float, int, int]:
    """(seconds, archived pages, documents written) of one `vnnews reprocess` process."""
    target = Path(tempfile.mkdtemp(prefix="reprocessed-", dir=work))
    shutil.rmtree(target)  # reprocess wants a new folder
    started = time.perf_counter()
    done = subprocess.run([str(VNNEWS), "reprocess", "--from-raw", str(raw_dir), "--out", str(target)],
                          cwd=ROOT, check=True, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    shutil.rmtree(target, ignore_errors=True)
    match = SUMMARY.search(done.stdout.strip().splitlines()[-1])
    if not match:
        raise RuntimeError(f"unexpected vnnews reprocess output: {done.stdout!r}")
    return seconds, int(match.group(1)), int(match.group(2))


def crawled_archive(work: Path, pages: int, articles: int) -> Path:
    """The raw/ folder of a vnnews crawl of the synthetic replica."""
    out_dir = work / "crawl"
    work.mkdir(parents=True, exist_ok=True)
    with synthetic_server(articles) as port:
        run_child("vnnews", port, out_dir, pages)
    return out_dir / "raw"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from-raw", metavar="DIR", help="an existing folder of .warc.gz files")
    parser.add_argument("--pages", type=int, default=1500, help="responses of the crawl that makes the archive")
    parser.add_argument("--articles", type=int, default=20_000, help="size of the synthetic replica crawled")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="vnnews-reprocess-") as tmp:
        work = Path(tmp)
        raw_dir = Path(args.from_raw) if args.from_raw else crawled_archive(work, args.pages, args.articles)
        startup = None
        if not args.from_raw:  # the fixed cost: the same command on an archive of a few pages
            tiny = crawled_archive(work / "tiny", 3, 100)
            startup = statistics.median(reprocess_once(tiny, work)[0] for _ in range(args.rounds))
        runs = [reprocess_once(raw_dir, work) for _ in range(args.rounds)]
    seconds = statistics.median(r[0] for r in runs)
    _, pages, written = runs[0]
    print(f"{machine_line()}; median of {args.rounds} runs.\n")
    print("| archived pages | documents written | seconds | pages/s (whole command) | start-up s | "
          "pages/s after start-up |")
    print("|---:|---:|---:|---:|---:|---:|")
    after = f"{pages / (seconds - startup):.1f}" if startup is not None and seconds > startup else "–"
    print(f"| {pages} | {written} | {seconds:.1f} | {pages / seconds:.1f} | "
          f"{'–' if startup is None else f'{startup:.1f}'} | {after} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
