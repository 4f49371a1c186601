"""`vnnews export` and its dataset card, loaded as downstream projects load them (datasets,
pandas, offline), against a real crawl of the replica; the JSON Schema of the manifest;
kill -9 during an export."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("pyarrow")
pytest.importorskip("datasketch")

from cleaners.document import Document  # noqa: E402
from crawler.corpus.datacard import FEATURES, FIELDS  # noqa: E402
from crawler.corpus.export import COLUMNS, _recover  # noqa: E402
from crawler.corpus.verify import verify_corpus  # noqa: E402
from crawler.corpus.writer import CorpusWriter  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SCHEMA = REPO / "docs" / "manifest.schema.json"
SITES = ("backan-nukeviet", "baolaichau", "baobinhdinh")


def vnnews(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-m", "crawler.cli", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=300, env=env)


def jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def crawl(tmp_path_factory):
    """A real crawl of three replica sites (its end runs dedup), exported in both formats."""
    from replica.server import ReplicaServer

    out = tmp_path_factory.mktemp("export") / "output"
    with ReplicaServer() as server:
        result = vnnews("crawl", *SITES, "--replica", f"127.0.0.1:{server.port}", "--out", str(out))
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    assert "near-duplicates:" in result.stdout  # the crawl ran dedup at its end
    dest = out.parent / "dataset"
    exported = vnnews("export", str(dest), "--out", str(out), "--format", "parquet", "--format", "jsonl")
    assert exported.returncode == 0, exported.stderr
    return {"out": out, "dest": dest, "manifest": jsonl(out / "manifest.jsonl"), "stdout": exported.stdout}


def test_the_manifest_of_a_real_crawl_matches_the_schema(crawl):
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    assert crawl["manifest"]
    for number, entry in enumerate(crawl["manifest"], 1):
        errors = [e.message for e in validator.iter_errors(entry)]
        assert not errors, f"manifest.jsonl:{number}: {errors}"
    clusters = jsonschema.Draft202012Validator({**schema["$defs"]["clustersLine"], "$defs": schema["$defs"]})
    for line in jsonl(crawl["out"] / "clusters.jsonl"):
        clusters.validate(line)


def test_the_schema_and_the_card_describe_the_same_fields():
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    row = schema["$defs"]["exportRow"]["properties"]
    assert list(row) == list(COLUMNS) == [name for name, _ in FEATURES]
    for name, spec in {**schema["properties"], **row}.items():
        assert spec["description"] == FIELDS[name], name


def test_jsonl_rows_match_the_schema(crawl):
    import zstandard

    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator({**schema["$defs"]["exportRow"], "$defs": schema["$defs"]})
    rows = []
    for path in sorted((crawl["dest"] / "jsonl" / "all").glob("*.jsonl.zst")):
        with path.open("rb") as fh:
            rows += [json.loads(line) for line in zstandard.ZstdDecompressor().stream_reader(fh).read().splitlines()]
    assert len(rows) == len(crawl["manifest"])
    for row in rows:
        validator.validate(row)


LOAD_SCRIPT = """
import json, sys
from datasets import load_dataset
dest, cache = sys.argv[1], sys.argv[2]
ds = load_dataset("parquet", data_dir=dest + "/parquet/all", split="train", cache_dir=cache)
rows = [{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()} for row in ds]
everything = load_dataset(dest, "all", split="train", cache_dir=cache)
canonical = load_dataset(dest, split="train", cache_dir=cache)
print(json.dumps({"rows": rows, "all": len(everything), "default": len(canonical),
                  "published": str(ds.features["published"])}))
"""


def test_load_dataset_reads_the_same_documents_offline(crawl, tmp_path):
    """In a fresh interpreter, as a downstream project would (and because benchmarks/datasets.py
    shadows the package once another test has put benchmarks/ on sys.path)."""
    pytest.importorskip("datasets")
    env = {**os.environ, "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf")}
    done = subprocess.run([sys.executable, "-c", LOAD_SCRIPT, str(crawl["dest"]), str(tmp_path / "cache")],
                          capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    out = crawl["out"]
    by_id = {row["id"]: row for row in loaded["rows"]}
    assert len(by_id) == len(loaded["rows"]) == len(crawl["manifest"])
    assert loaded["published"].startswith("Value('timestamp[ms, tz=+07:00]'")
    for entry in crawl["manifest"]:
        row = by_id[entry["id"]]
        text = (out / entry["file"]).read_text(encoding="utf-8")
        assert row["text"] == text and hashlib.sha256(text.encode()).hexdigest() == row["text_sha256"]
        assert "\n\n".join([row["title"]] + row["paragraphs"]) + "\n" == text
        assert (row["url"], row["site"], row["title"]) == (entry["url"], entry["site"], entry["title"])
        if entry["published"]:
            assert row["published"] == dt.datetime.fromisoformat(entry["published"]).isoformat()
            assert row["published"].endswith("+07:00")
    # the card's configs: default (canonical copies) and all
    assert loaded["all"] == len(crawl["manifest"])
    assert loaded["default"] == sum(r["duplicate_of"] is None for r in jsonl(out / "clusters.jsonl"))


def test_pandas_reads_timestamps_with_their_offset(crawl):
    pd = pytest.importorskip("pandas")
    df = pd.read_parquet(crawl["dest"] / "parquet" / "all")
    assert len(df) == len(crawl["manifest"])
    assert str(df["published"].dt.tz) == "UTC+07:00"
    dated = [e for e in crawl["manifest"] if e["published"]]
    assert dated
    for entry in dated:
        value = df.loc[df["id"] == entry["id"], "published"].iloc[0]
        assert value.isoformat() == dt.datetime.fromisoformat(entry["published"]).isoformat()
        assert value.isoformat().endswith("+07:00")



def test_polars_reads_the_export_as_the_readme_says(crawl):
    import polars as pl  # a test dependency: the README's polars line is run here

    df = pl.read_parquet(str(crawl["dest"] / "parquet" / "all" / "*.parquet"))
    assert df.height == len(crawl["manifest"])
    published = dict(zip(df["id"].to_list(), df["published"].to_list()))
    dated = [e for e in crawl["manifest"] if e["published"]]
    assert dated
    for entry in dated:  # polars names the +07:00 offset Etc/GMT-7: the same instant and offset
        value = published[entry["id"]]
        assert value == dt.datetime.fromisoformat(entry["published"])
        assert value.utcoffset() == dt.timedelta(hours=7)

def test_the_card_has_configs_features_and_figures(crawl):
    import yaml

    card = (crawl["dest"] / "README.md").read_text(encoding="utf-8")
    head = yaml.safe_load(card.split("---\n")[1])
    assert [c["config_name"] for c in head["configs"]] == ["default", "all"]
    assert head["configs"][0]["data_files"][0]["path"] == "parquet/default/*.parquet"
    assert [f["name"] for f in head["dataset_info"][0]["features"]] == list(COLUMNS)
    for site in SITES:
        assert f"| {site} |" in card
    assert "terms of use" in card and "`duplicate_of`" in card


def _copies_folder(out: Path, n: int = 40) -> None:
    rng = random.Random(7)
    words = ["tỉnh", "huyện", "xã", "đảng", "nhân", "dân", "kinh", "tế", "nông", "nghiệp", "đường", "học"]
    with CorpusWriter(out) as writer:
        for i in range(n):
            paras = [" ".join(rng.choice(words) + rng.choice("abcdeghiklmn") for _ in range(30)) + "."
                     for _ in range(5)]
            published = f"2026-{1 + i % 12:02d}-10T09:00:00+07:00"
            writer.add(Document(f"Bài {i}", paras, published=published, lang="vi"), f"https://a.vn/{i}",
                       f"https://a.vn/{i}", "site-a")
            if i % 4 == 0:
                writer.add(Document(f"Sao {i}", ["(TTXVN) - " + paras[0]] + paras[1:], published=published,
                                    source="Theo Báo A"), f"https://b.vn/{i}", f"https://b.vn/{i}", "site-b")


def test_canonical_only_site_and_since_filters(tmp_path):
    pd = pytest.importorskip("pandas")
    out = tmp_path / "out"
    _copies_folder(out)
    assert vnnews("dedup", "--out", str(out)).returncode == 0
    dest = tmp_path / "ds"
    result = vnnews("export", str(dest), "--out", str(out), "--canonical-only")
    assert result.returncode == 0, result.stderr
    df = pd.read_parquet(dest / "parquet" / "default")
    assert len(df) == 40 and df["duplicate_of"].isna().all() and not (dest / "parquet" / "all").exists()
    both = pd.read_parquet(vnnews_export(tmp_path / "ds2", out) / "parquet" / "all")
    assert len(both) == 50 and (both["cluster_size"] == 2).sum() == 20
    copies = both[both["duplicate_of"].notna()]
    assert set(copies["site"]) == {"site-b"}  # the earliest-crawled copy is canonical, not the portal's
    since = vnnews("export", str(tmp_path / "ds3"), "--out", str(out), "--site", "site-b", "--since", "2026-06-01")
    assert since.returncode == 0, since.stderr
    df = pd.read_parquet(tmp_path / "ds3" / "parquet" / "all")
    assert set(df["site"]) == {"site-b"} and (df["published"] >= pd.Timestamp("2026-06-01", tz="+07:00")).all()
    assert len(df) == 3  # b/20, b/28, b/36 (June to December)


def test_shards_cut_by_site_and_by_month(tmp_path):
    pd = pytest.importorskip("pandas")
    out = tmp_path / "out"
    _copies_folder(out)
    assert vnnews("dedup", "--out", str(out)).returncode == 0
    whole = pd.read_parquet(vnnews_export(tmp_path / "ds", out) / "parquet" / "all")
    for shard_by, key in (("site", lambda df: df["site"]),
                          ("month", lambda df: df["published"].dt.tz_convert("+07:00").dt.strftime("%Y-%m"))):
        dest = tmp_path / f"by-{shard_by}"
        result = vnnews("export", str(dest), "--out", str(out), "--shard-by", shard_by)
        assert result.returncode == 0, result.stderr
        files = sorted((dest / "parquet" / "all").glob("*.parquet"))
        assert len(files) > 1
        for path in files:  # each shard holds one site or one month, named by it
            keys = set(key(pd.read_parquet(path)))
            assert keys == {path.name.rsplit("-", 1)[0]}, (path.name, keys)
        every = pd.read_parquet(dest / "parquet" / "all")
        assert sorted(every["id"]) == sorted(whole["id"])


def vnnews_export(dest: Path, out: Path) -> Path:
    result = vnnews("export", str(dest), "--out", str(out))
    assert result.returncode == 0, result.stderr
    return dest


def test_kill_9_during_export_then_rerun(tmp_path):
    """Killed while writing its shards, an export leaves the previous export whole; the rerun
    writes every document once and cleans up."""
    pd = pytest.importorskip("pandas")
    out = tmp_path / "out"
    _copies_folder(out, n=1500)
    assert vnnews("dedup", "--out", str(out)).returncode == 0
    dest = tmp_path / "ds"
    _copies_folder(tmp_path / "small", n=4)
    assert vnnews("dedup", "--out", str(tmp_path / "small")).returncode == 0
    vnnews_export(dest, tmp_path / "small")  # a previous, smaller export
    proc = subprocess.Popen([sys.executable, "-m", "crawler.cli", "export", str(dest), "--out", str(out),
                             "--format", "parquet", "--format", "jsonl"], cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None and not list(dest.glob(".parquet.tmp-*/all/*")):
        time.sleep(0.005)
    killed = proc.poll() is None
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert killed, "the export finished before it could be killed"
    assert len(pd.read_parquet(dest / "parquet" / "all")) == 5  # the previous export, whole
    vnnews_export(dest, out)
    df = pd.read_parquet(dest / "parquet" / "all")
    assert len(df) == df["id"].nunique() == 1875
    assert not list(dest.glob(".*"))  # no temporary folder, no old copy left
    assert verify_corpus(out).ok


def test_an_export_cut_between_its_two_renames_is_put_back(tmp_path):
    dest = tmp_path / "ds"
    (dest / ".parquet.old" / "all").mkdir(parents=True)
    (dest / ".parquet.old" / "all" / "part-00000.parquet").write_bytes(b"x")
    _recover(dest, "parquet")
    assert (dest / "parquet" / "all" / "part-00000.parquet").exists() and not (dest / ".parquet.old").exists()
