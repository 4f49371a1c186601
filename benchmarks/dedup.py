"""Near-duplicate detection: pair precision and recall on a synthetic syndication set, and
the time and memory of `vnnews dedup` over it.

    python benchmarks/dedup.py [--docs 100000] [--copied 0.3] [--seed 1] [--keep DIR]

The set (written as a vnnews output folder: corpus/ files and manifest.jsonl):

- Originals: the real texts (../shared/samples/expected, the gold texts of
  ../shared/benchmarks/vn-real and vn-real-2), and as many generated documents as needed:
  sentences from an order-2 syllable Markov chain trained on those real texts and the
  replica's articles, so the unrelated documents share the topics and much of the wording
  (provincial politics, agriculture, party congresses) without being copies.
- Copies, made by rules from an original (every real text gets 1-5, and a share --copied of
  the generated ones): paragraphs dropped (at least 2/3 kept) or two swapped, a sentence
  edited, a dateline prefix like "(CTO) - " added, a source line ("Nguồn: Báo Bắc Kạn",
  "Theo TTXVN") added, the headline changed; or an excerpt: 2/3 of the paragraphs copied
  into a document whose other third is its own.
- Related documents that are no copies: a follow-up story that quotes one paragraph of an
  original among at least five of its own.
- The truth: an original and its copies form one cluster.

Pairs are counted within clusters (a predicted cluster of n documents is n(n-1)/2 pairs):
precision = true pairs found / pairs predicted, recall = true pairs found / true pairs.
`vnnews dedup` runs in a child process from an empty index; time is its wall clock, memory
its peak resident set (ru_maxrss of the child). Then 1% more documents are added and the
incremental run is timed too. Goal (issue 13): P >= 0.99, R >= 0.95, 100,000 documents in
under 2 minutes and 1 GB.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT))

PREFIXES = ["(CTO) - ", "(BBK) - ", "(LĐ) - ", "TTXVN - ", "(HGĐT) - ", "(Baohatinh.vn) - "]
SOURCES = ["Nguồn: Báo Bắc Kạn", "Theo TTXVN", "Nguồn: Báo Nhân Dân", "Theo Báo Lai Châu",
           "(Theo baochinhphu.vn)", "Nguồn: Cổng TTĐT tỉnh"]
HEADLINE_PREFIXES = ["Tỉnh ủy: ", "Thời sự: ", "Tin mới: ", ""]
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[A-ZĐÀ-Ỹ\"“(])")


# --- the real texts ---------------------------------------------------------------------------

def real_texts() -> list[list[str]]:
    """Each real text as [headline, paragraph, ...]."""
    paths = sorted((SHARED / "samples" / "expected").glob("*.txt"))
    for bench in ("vn-real", "vn-real-2"):
        paths += sorted((SHARED / "benchmarks" / bench).glob("*.gold.txt"))
    if not paths:
        sys.exit(f"benchmarks/dedup.py: no real texts under {SHARED} (samples/expected, benchmarks/vn-real)")
    texts = []
    for path in paths:
        lines = [p.strip() for p in path.read_text(encoding="utf-8").split("\n\n") if p.strip()]
        lines = [" ".join(p.split()) for p in lines]
        if len(lines) >= 3:
            texts.append(lines)
    return texts


def replica_paragraphs() -> list[str]:
    import yaml

    paragraphs = []
    for path in sorted((ROOT / "replica" / "data").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for article in data.get("articles", []) or []:
            for block in article.get("body", []) or []:
                if isinstance(block, dict) and isinstance(block.get("p"), str):
                    paragraphs.append(" ".join(block["p"].split()))
            if isinstance(article.get("lead"), str):
                paragraphs.append(" ".join(article["lead"].split()))
    return paragraphs


class Markov:
    """Order-2 syllable chain over sentences: text of the same topics that is no copy."""

    def __init__(self, paragraphs: list[str], rng: random.Random):
        self.rng = rng
        self.next: dict[tuple[str, str], list[str]] = defaultdict(list)
        self.starts: list[tuple[str, str]] = []
        for paragraph in paragraphs:
            for sentence in _SENTENCE_END.split(paragraph):
                words = sentence.split()
                if len(words) < 6:
                    continue
                self.starts.append((words[0], words[1]))
                for a, b, c in zip(words, words[1:], words[2:] + ["<END>"]):
                    self.next[(a, b)].append(c)

    def sentence(self, max_words: int = 45) -> str:
        a, b = self.rng.choice(self.starts)
        words = [a, b]
        while len(words) < max_words:
            c = self.rng.choice(self.next.get((a, b)) or ["<END>"])
            if c == "<END>":
                break
            words.append(c)
            a, b = b, c
        text = " ".join(words)
        return text if text[-1] in ".!?…" else text + "."


def generated_document(markov: Markov, rng: random.Random, pool: list[str]) -> list[str]:
    paragraphs = [" ".join(rng.choice(pool) for _ in range(rng.randint(1, 3)))
                  for _ in range(rng.randint(4, 11))]
    headline = rng.choice(pool).rstrip(".").split(",")[0][:90]
    return [headline] + paragraphs


# --- copies ---------------------------------------------------------------------------------------

def make_copy(original: list[str], rng: random.Random, pool: list[str]) -> tuple[list[str], str]:
    """A syndicated copy by rules; (document, the rules applied)."""
    headline, paragraphs = original[0], list(original[1:])
    n = len(paragraphs)
    applied = []
    if rng.random() < 0.2 and n >= 3:  # an excerpt: 2/3 copied, 1/3 its own
        kept = sorted(rng.sample(range(n), math.ceil(2 * n / 3)))
        own = [rng.choice(pool) + " " + rng.choice(pool) for _ in range(max(1, len(kept) // 2))]
        paragraphs = [paragraphs[i] for i in kept] + own
        rng.shuffle(paragraphs)
        return [rng.choice(pool).rstrip(".")[:90]] + paragraphs, "excerpt"
    rules = [r for r in ("drop", "swap", "edit", "prefix", "source", "headline") if rng.random() < 0.5]
    if not rules:
        rules = [rng.choice(["drop", "edit", "prefix", "source", "headline"])]
    for rule in rules:
        if rule == "drop" and n >= 3:
            keep = rng.randint(math.ceil(2 * n / 3), n - 1)
            kept = sorted(rng.sample(range(len(paragraphs)), keep))
            paragraphs = [paragraphs[i] for i in kept]
        elif rule == "swap" and len(paragraphs) >= 2:
            i, j = rng.sample(range(len(paragraphs)), 2)
            paragraphs[i], paragraphs[j] = paragraphs[j], paragraphs[i]
        elif rule == "edit":
            i = rng.randrange(len(paragraphs))
            sentences = _SENTENCE_END.split(paragraphs[i])
            k = rng.randrange(len(sentences))
            words = sentences[k].split()
            if len(words) > 6 and rng.random() < 0.5:  # a few words changed
                for _ in range(2):
                    words[rng.randrange(len(words))] = rng.choice(["tỉnh", "huyện", "năm", "đã", "mới"])
                sentences[k] = " ".join(words)
            else:  # the sentence rewritten
                sentences[k] = rng.choice(pool)
            paragraphs[i] = " ".join(sentences)
        elif rule == "prefix":
            paragraphs[0] = rng.choice(PREFIXES) + paragraphs[0]
        elif rule == "source":
            paragraphs.append(rng.choice(SOURCES))
        elif rule == "headline":
            headline = rng.choice(HEADLINE_PREFIXES) + rng.choice(pool).rstrip(".")[:80]
        applied.append(rule)
    return [headline] + paragraphs, "+".join(applied)


# --- the folder --------------------------------------------------------------------------------

def build_set(total: int, copied: float, seed: int):
    """[(document lines, gold cluster number, kind)] in a shuffled corpus order."""
    rng = random.Random(seed)
    reals = real_texts()
    markov = Markov([p for t in reals for p in t[1:]] + replica_paragraphs(), rng)
    pool = list(dict.fromkeys(markov.sentence() for _ in range(max(20_000, total // 2))))  # seeded order
    docs = []
    cluster = 0
    for original in reals:  # every real text is syndicated
        docs.append((original, cluster, "real"))
        for _ in range(rng.randint(1, 5)):
            copy, rules = make_copy(original, rng, pool)
            docs.append((copy, cluster, "real-copy:" + rules))
        cluster += 1
    while len(docs) < total:
        original = generated_document(markov, rng, pool)
        docs.append((original, cluster, "generated"))
        if rng.random() < copied:
            for _ in range(rng.randint(1, 4)):
                copy, rules = make_copy(original, rng, pool)
                docs.append((copy, cluster, "copy:" + rules))
        cluster += 1
        if rng.random() < 0.1 and len(original) >= 4:  # a follow-up story: not a copy
            own = generated_document(markov, rng, pool)
            quoted = rng.choice(original[1:])
            docs.append((own[:2] + [quoted] + own[2:] + own[2:4][::-1], cluster, "related"))
            cluster += 1
    docs = docs[:total]
    rng.shuffle(docs)
    return docs


def write_folder(out: Path, docs, start: int = 0) -> list[int]:
    """Corpus files and manifest lines as a crawl writes them (without the fsyncs); the gold
    cluster of each written document (exact copies are skipped, as the crawl skips them)."""
    from crawler.corpus.writer import CORPUS_DIR, MANIFEST, doc_file_name, read_jsonl
    from crawler.urls import url_id

    (out / CORPUS_DIR).mkdir(parents=True, exist_ok=True)
    seen = {e["text_sha256"] for e in read_jsonl(out / MANIFEST)}
    gold = []
    with (out / MANIFEST).open("a", encoding="utf-8") as manifest:
        for n, (lines, cluster, kind) in enumerate(docs, start):
            text = "\n\n".join(lines) + "\n"
            digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
            if digest in seen:
                continue
            seen.add(digest)
            seq = start + len(gold)
            canonical = f"https://site{seq % 40}.example.vn/bai-{seq}.html"
            doc_id = url_id(canonical)
            name = doc_file_name(seq, doc_id)
            (out / CORPUS_DIR / name).write_text(text, encoding="utf-8")
            entry = {"file": f"{CORPUS_DIR}/{name}", "id": doc_id, "seq": seq, "url": canonical,
                     "canonical_url": canonical, "site": f"site{seq % 40}", "title": lines[0],
                     "published": f"2026-{1 + n % 12:02d}-{1 + n % 28:02d}T08:00:00+07:00", "author": None,
                     "source": None, "kicker": None, "category": None, "lang": "vi", "lang_prob": 0.99,
                     "chars": len(text), "text_sha256": digest, "crawled_at": "2026-12-07T05:00:00Z",
                     "version": "bench"}
            manifest.write(json.dumps(entry, ensure_ascii=False) + "\n")
            gold.append(cluster)
    return gold


def run_dedup(out: Path) -> tuple[float, float, float, str]:
    """Wall seconds, CPU seconds and peak MB of the child, its output."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    before, cpu_before = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "crawler.cli", "dedup", "--out", str(out), "--json"],
                          capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"vnnews dedup failed ({proc.returncode}):\n{proc.stderr}")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return seconds, usage.ru_utime + usage.ru_stime - cpu_before, max(usage.ru_maxrss, before) / 1024, \
        proc.stdout.strip()


def pair_scores(predicted: list[str], gold: list[int]) -> tuple[float, float, int, int, int]:
    def pairs(counter):
        return sum(n * (n - 1) // 2 for n in counter.values())

    true_pairs = pairs(Counter(gold))
    predicted_pairs = pairs(Counter(predicted))
    found = pairs(Counter(zip(predicted, gold)))
    precision = found / predicted_pairs if predicted_pairs else 1.0
    recall = found / true_pairs if true_pairs else 1.0
    return precision, recall, found, predicted_pairs, true_pairs


def _misses(predicted: list[str], gold: list[int], docs) -> str:
    """Which rewrites dedup missed: copies not in the predicted cluster of their original."""
    written = [d for d in docs]  # write_folder skips exact repeats; they are rare, align by gold
    kinds = [kind for (_, _, kind) in written][:len(gold)]
    original_cluster = {g: p for p, g, k in zip(predicted, gold, kinds) if k in ("real", "generated")}
    missed = Counter()
    for p, g, k in zip(predicted, gold, kinds):
        if ":" in k and original_cluster.get(g) not in (None, p):
            for rule in k.split(":", 1)[1].split("+"):
                missed[rule] += 1
    return ", ".join(f"{rule} {n}" for rule, n in missed.most_common()) or "none"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--copied", type=float, default=0.3, help="share of generated originals with copies")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", metavar="DIR", help="build the set in DIR and keep it (default: a temporary folder)")
    args = parser.parse_args()

    out = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="vnnews-dedup-bench-"))
    if out.exists() and any(out.iterdir()):
        sys.exit(f"{out}: not empty")
    try:
        extra = max(1, args.docs // 100)
        t0 = time.perf_counter()
        docs = build_set(args.docs + extra, args.copied, args.seed)
        gold = write_folder(out, docs[:args.docs])
        built = time.perf_counter() - t0
        chars = sum(len("\n\n".join(d[0])) for d in docs[:args.docs])
        print(f"set: {len(gold)} documents ({chars / len(gold):.0f} characters on average), "
              f"{len(set(gold))} true clusters, built in {built:.0f}s in {out}")
        print(f"load average before: {' '.join(f'{x:.1f}' for x in __import__('os').getloadavg())}")
        seconds, cpu, peak_mb, output = run_dedup(out)
        print(f"vnnews dedup (from an empty index): {seconds:.1f}s wall, {cpu:.1f}s CPU, "
              f"peak RSS {peak_mb:.0f} MB; {output}")
        predicted = [json.loads(line)["cluster"] for line in (out / "clusters.jsonl").open(encoding="utf-8")]
        precision, recall, found, npred, ntrue = pair_scores(predicted, gold)
        print(f"pairs: precision {precision:.4f} ({found}/{npred}), recall {recall:.4f} ({found}/{ntrue})")
        print("copies left outside their original's cluster, by rules:", _misses(predicted, gold, docs[:args.docs]))
        real = {c for (_, c, kind) in docs[:args.docs] if kind == "real"}
        sub = [(p, g) for p, g in zip(predicted, gold) if g in real]
        if sub:
            rp, rr, rf, rn, rt = pair_scores([p for p, _ in sub], [g for _, g in sub])
            print(f"pairs among the real texts' clusters only: recall {rr:.4f} ({rf}/{rt})")
        gold += write_folder(out, docs[args.docs:], start=len(gold))
        seconds2, cpu2, _, output2 = run_dedup(out)
        print(f"vnnews dedup, {len(docs) - args.docs} more documents (incremental): {seconds2:.1f}s wall, "
              f"{cpu2:.1f}s CPU; {output2}")
        predicted = [json.loads(line)["cluster"] for line in (out / "clusters.jsonl").open(encoding="utf-8")]
        precision, recall, found, npred, ntrue = pair_scores(predicted, gold)
        print(f"pairs after the incremental run: precision {precision:.4f}, recall {recall:.4f}")
    finally:
        if not args.keep:
            shutil.rmtree(out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
