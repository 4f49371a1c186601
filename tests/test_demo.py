"""`vnnews demo`, the README's first command, end to end: crawl every replica site, deduplicate,
export, on loopback. The crawl itself is tested in detail by test_crawl_e2e.py; this is the
wiring of the demo (a hand-built export call once ended it in a traceback)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, shared_or_skip


def test_the_demo_crawls_deduplicates_and_exports(tmp_path):
    import pyarrow.parquet as pq  # the export extra, installed by make
    expected = sorted(shared_or_skip("samples", "expected").glob("*.txt"))
    out = tmp_path / "demo"
    done = subprocess.run([sys.executable, "-m", "crawler.cli", "demo", "--out", str(out)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Traceback" not in done.stderr and "demo finished" in done.stdout
    manifest = [json.loads(line) for line in (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]
    written = {entry["text_sha256"] for entry in manifest}
    assert len(expected) == 5
    for sample in expected:  # the spec's five pages, byte for byte
        assert hashlib.sha256(sample.read_bytes()).hexdigest() in written, sample.name
    rows = sum(pq.read_table(path).num_rows for path in (out / "export" / "parquet" / "all").glob("*.parquet"))
    assert rows == len(manifest) > 0
    verify = subprocess.run([sys.executable, "-m", "crawler.cli", "verify", "--out", str(out)], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert verify.returncode == 0, verify.stdout + verify.stderr
