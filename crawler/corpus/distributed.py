"""Cleaning WARC files on a Dask cluster (`--scheduler` of `vnnews reprocess` and `import-warc`).

One task per byte range of a WARC file (crawler/corpus/spans.py, the tasks of the local
process pool too): a `dask worker` reads the records of its range (the same path must be
readable on every worker: a shared folder, or one machine), picks the pages as the serial
run does, cleans them and returns the pages (without bodies) with their CleanResults. The
client stores them range by range in archive order, so the corpus is the one a serial run
writes. At most two tasks per worker thread are out at a time (memory stays bounded on
both sides, whatever the size of the files). A worker that dies mid-task: the scheduler
runs the task again on another worker (Dask's `distributed.scheduler.allowed-failures`),
and the client only ever stores a range's results once, whole.

Security: a Dask scheduler runs whatever code its clients send, so the client refuses a
plain `tcp://` scheduler that is not on the loopback interface; use `tls://` with the
certificates set in Dask's configuration (DASK_DISTRIBUTED__COMM__TLS__* or
~/.config/dask/*.yaml; docs/archives.md shows how to make them).

No Scrapy import. Needs the `cluster` extra (dask[distributed]).
"""

from __future__ import annotations

import ipaddress
import socket
import uuid
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

_cleaners: dict = {}


class InsecureScheduler(ValueError):
    """A tcp:// scheduler address off the loopback interface."""


def check_address(address: str) -> None:
    """tls:// anywhere; tcp:// (or no scheme) only to a loopback address."""
    scheme = address.split("://", 1)[0] if "://" in address else "tcp"
    if scheme == "tls":
        return
    if scheme not in ("tcp", "inproc"):
        raise InsecureScheduler(f"--scheduler {address}: expected tcp://HOST:PORT or tls://HOST:PORT")
    host = urlsplit(address if "://" in address else f"tcp://{address}").hostname or ""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except socket.gaierror as exc:
        raise InsecureScheduler(f"--scheduler {address}: cannot resolve {host!r} ({exc})") from None
    if not all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses):
        raise InsecureScheduler(
            f"--scheduler {address}: a plain tcp:// scheduler off the loopback interface lets anyone who reaches "
            "it run code on the workers and read the pages; use tls:// with certificates (docs/archives.md)")


def _cleaner(config_root: str):
    if config_root not in _cleaners:
        from crawler.corpus.parallel import PageCleaner

        _cleaners[config_root] = PageCleaner(config_root)
    return _cleaners[config_root]


def clean_span_task(span, config_root: str, selection):
    """On a worker: spans.clean_span with this worker's cleaner for `config_root`."""
    from crawler.corpus.spans import clean_span

    return clean_span(_cleaner(config_root), span, selection)


def cleaned_on_dask(files: list[Path], config_root, selection, scheduler: str, counts: Counter, end_marker=None):
    """(page, CleanResult) for every page of `files` in order, cleaned by the cluster's workers;
    after each file, (end_marker(path), None) when an end_marker is given."""
    from crawler.corpus.spans import SpanChain, cut, stored_in_order

    check_address(scheduler)
    try:
        from distributed import Client
    except ImportError:
        raise SystemExit("vnnews: --scheduler needs Dask: pip install 'vnnews[cluster]'") from None

    config_root = str(Path(config_root).resolve())
    with Client(scheduler, set_as_default=False) as client:
        threads = sum(client.nthreads().values()) or 1
        # the workers open the files at the same path: an absolute one
        source = cut([Path(path).resolve() for path in files], threads)

        def submit(span):
            return client.submit(clean_span_task, span, config_root, selection, pure=False,
                                 key=f"vnnews-clean-{uuid.uuid4().hex}")

        # a task whose worker died is run again by the scheduler: a result always comes back
        yield from stored_in_order(source, submit, 2 * threads, SpanChain(counts, end_marker))
