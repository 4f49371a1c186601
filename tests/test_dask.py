"""`--scheduler` on a real Dask cluster on loopback: a `dask scheduler` and two `dask worker`
processes started here; the corpus is the serial one, also when a worker is killed mid-run."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from crawler.corpus.distributed import InsecureScheduler, check_address
from crawler.corpus.importer import Selection, import_warcs
from crawler.corpus.reprocess import reprocess
from crawler.registry import load_registry

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_archives import fixture_pages, folder_bytes, write_archive  # noqa: E402
from test_import_warc import common_crawl_like  # noqa: E402

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_workers(address: str, count: int, timeout: float = 60) -> None:
    from distributed import Client

    with Client(address, set_as_default=False, timeout=timeout) as client:
        client.wait_for_workers(count, timeout=timeout)


@pytest.fixture
def cluster(tmp_path):
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
    procs = [subprocess.Popen([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                               "--no-dashboard"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)]
    workers = []
    try:
        time.sleep(1.0)
        for number in range(2):
            worker = subprocess.Popen([str(BIN / "dask"), "worker", address, "--host", "127.0.0.1", "--nthreads", "1",
                                       "--nworkers", "1", "--no-dashboard", "--no-nanny",
                                       "--local-directory", str(tmp_path / f"w{number}")],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=tmp_path)
            workers.append(worker)
            procs.append(worker)
        wait_for_workers(address, 2)
        yield address, workers
    finally:
        for proc in reversed(procs):
            if proc.poll() is None:
                proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def many_files(folder: Path, again: int = 0) -> list[Path]:
    """Six files of two or three articles; `again` more files that hold the same pages again
    (their documents are duplicates), so a run lasts longer after its first file is done."""
    articles = [p for p in fixture_pages()[:16] if p.kind == "article" and p.status == 200][:12]
    folder.mkdir()
    return [common_crawl_like(folder / f"CC-NEWS-2025-{n:05d}.warc.gz", articles[n * 2:n * 2 + 2], oddities=False)
            for n in range(5)] + [common_crawl_like(folder / "CC-NEWS-2025-00005.warc.gz", articles[10:] + articles[:1], oddities=True)] + \
        [common_crawl_like(folder / f"CC-NEWS-2025-{n:05d}.warc.gz", articles[(n % 6) * 2:(n % 6) * 2 + 2],
                           oddities=False) for n in range(6, 6 + again)]


def test_import_on_a_dask_cluster_is_the_serial_corpus_even_when_a_worker_dies(cluster, tmp_path):
    address, workers = cluster
    files = many_files(tmp_path / "cc", again=6)  # the kill comes after the first file: 11 still to go
    registry = load_registry()
    selection = Selection(frozenset(registry.sites))
    import_warcs(files, tmp_path / "serial", registry, selection, jobs=1)
    out = tmp_path / "dask"

    finished = threading.Event()
    killed_mid_run = []

    def kill_a_worker_once_started():
        deadline = time.time() + 60
        while time.time() < deadline and not (out / "imports.jsonl").exists():
            time.sleep(0.01)
        os.kill(workers[0].pid, signal.SIGKILL)
        killed_mid_run.append(not finished.is_set())

    killer = threading.Thread(target=kill_a_worker_once_started, daemon=True)
    killer.start()
    counts = import_warcs(files, out, registry, selection, scheduler=address)
    finished.set()
    killer.join()
    # SIGKILL is delivered asynchronously: wait for the death instead of polling once.
    assert workers[0].wait(timeout=20) == -signal.SIGKILL
    assert killed_mid_run == [True]
    assert counts["files/imported"] == 12
    assert folder_bytes(out) == folder_bytes(tmp_path / "serial")


def test_reprocess_on_a_dask_cluster_is_the_serial_corpus(cluster, tmp_path, monkeypatch):
    from crawler.corpus import spans

    address, _ = cluster
    raw = write_archive(tmp_path / "raw", fixture_pages(), max_bytes=30_000)
    assert len(list(raw.iterdir())) > 2
    registry = load_registry()
    reprocess(raw, tmp_path / "serial", registry, jobs=1)
    monkeypatch.setattr(spans, "SPAN_BYTES", 9_000)  # several ranges a file (the client cuts them)
    reprocess(raw, tmp_path / "dask", registry, scheduler=address)
    assert folder_bytes(tmp_path / "dask") == folder_bytes(tmp_path / "serial")


def test_a_plain_tcp_scheduler_off_loopback_is_refused():
    check_address("tcp://127.0.0.1:8786")
    check_address("tls://10.1.2.3:8786")
    with pytest.raises(InsecureScheduler, match="tls://"):
        check_address("tcp://10.1.2.3:8786")


def make_certificates(folder: Path) -> dict[str, Path]:
    """The certificates docs/archives.md tells an operator to make (smaller keys: test speed)."""
    run = lambda *args: subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)  # noqa: E731
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=vnnews-ca",
        "-keyout", "ca.key", "-out", "ca.pem")
    run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=vnnews-dask", "-keyout", "node.key", "-out", "node.csr")
    run("x509", "-req", "-in", "node.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
        "-out", "node.pem")
    return {"ca": folder / "ca.pem", "cert": folder / "node.pem", "key": folder / "node.key"}


def test_import_through_a_tls_cluster_and_a_client_without_certificate_is_refused(tmp_path):
    certs = make_certificates(tmp_path)
    tls = ["--tls-ca-file", str(certs["ca"]), "--tls-cert", str(certs["cert"]), "--tls-key", str(certs["key"])]
    port = free_port()
    address = f"tls://127.0.0.1:{port}"
    procs = [subprocess.Popen([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                               "--protocol", "tls", *tls, "--no-dashboard"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        time.sleep(1.0)
        procs.append(subprocess.Popen([str(BIN / "dask"), "worker", address, "--host", "127.0.0.1", "--nthreads", "1",
                                       "--no-nanny", "--no-dashboard", *tls, "--local-directory", str(tmp_path / "w")],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        env = {**os.environ, "DASK_DISTRIBUTED__COMM__REQUIRE_ENCRYPTION": "True",
               "DASK_DISTRIBUTED__COMM__TLS__CA_FILE": str(certs["ca"]),
               "DASK_DISTRIBUTED__COMM__TLS__CLIENT__CERT": str(certs["cert"]),
               "DASK_DISTRIBUTED__COMM__TLS__CLIENT__KEY": str(certs["key"])}
        files = many_files(tmp_path / "cc")[:2]
        import_warcs(files, tmp_path / "serial", load_registry(), Selection(frozenset(load_registry().sites)))
        done = subprocess.run([str(BIN / "vnnews"), "import-warc", *map(str, files), "--out", str(tmp_path / "tls"),
                               "--scheduler", address], env=env, capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, done.stderr[-3000:]
        assert folder_bytes(tmp_path / "tls") == folder_bytes(tmp_path / "serial")
        # the same client without the certificates gets nowhere
        bare = {k: v for k, v in env.items() if not k.startswith("DASK_DISTRIBUTED__COMM__TLS")}
        refused = subprocess.run([str(BIN / "python"), "-c", "import sys; from distributed import Client; "
                                  f"Client({address!r}, timeout=5)"], env=bare, capture_output=True, text=True,
                                 timeout=120)
        assert refused.returncode != 0
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
