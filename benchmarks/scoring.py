"""Pure scoring functions for the extraction-quality benchmarks.

Each scorer follows the rules of the benchmark it serves, so our numbers can be
put next to the published ones:

* ScrapingHub article-extraction-benchmark: 4-token shingles, per-page
  tp/fp/fn normalised to sum 1, precision and recall averaged over pages,
  F1 = harmonic mean of the two averages.
* trafilatura evaluation: snippets found / not found, pooled over all pages.
* WCXB: lower-cased bag-of-words precision/recall/F1 per page, averaged; snippet
  rates per page, averaged.
* vn-real: paragraph matching against our own corpus-shaped gold.

Nothing here reads files or runs extractors; ``None`` as a prediction means
"the system rejected the page" and is scored as empty output.
"""

from __future__ import annotations

import difflib
import re
import statistics
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Sequence

# \w+ with Unicode semantics: the tokeniser both ScrapingHub and WCXB use. It
# keeps Vietnamese syllables with their diacritics as whole tokens.
_WORD_RE = re.compile(r"\w+", re.UNICODE)
SHINGLE_SIZE = 4
NEAR_MATCH_RATIO = 0.9


def word_tokens(text: str | None) -> list[str]:
    """Word tokens after NFC: in decomposed Vietnamese the combining accents
    are not word characters and would cut "Việt" into pieces."""
    return _WORD_RE.findall(unicodedata.normalize("NFC", text or ""))


# --------------------------------------------------------------------------
# ScrapingHub: shingle precision / recall


def shingle_counts(text: str | None, size: int = SHINGLE_SIZE) -> Counter:
    """Overlapping token n-grams. A text shorter than ``size`` tokens still
    yields one (short) shingle, as in the benchmark, so tiny outputs count."""
    tokens = word_tokens(text)
    if not tokens:
        return Counter()
    last_start = max(1, len(tokens) - size + 1)
    return Counter(tuple(tokens[i:i + size]) for i in range(last_start))


def shingle_match(gold: str | None, predicted: str | None) -> tuple[float, float, float]:
    """(tp, fp, fn) over shingle multisets, scaled to sum 1 so that long
    articles weigh no more than short ones when pages are averaged."""
    gold_counts = shingle_counts(gold)
    pred_counts = shingle_counts(predicted)
    tp = sum((gold_counts & pred_counts).values())
    fp = sum((pred_counts - gold_counts).values())
    fn = sum((gold_counts - pred_counts).values())
    total = tp + fp + fn
    if total == 0:
        return (0.0, 0.0, 0.0)
    return (tp / total, fp / total, fn / total)


def _page_precision(tp: float, fp: float, fn: float) -> float:
    if fp == 0 and fn == 0:
        return 1.0
    return tp / (tp + fp) if tp + fp else 0.0


def _page_recall(tp: float, fp: float, fn: float) -> float:
    if fp == 0 and fn == 0:
        return 1.0
    return tp / (tp + fn) if tp + fn else 0.0


def harmonic_mean(a: float, b: float) -> float:
    return 2 * a * b / (a + b) if a + b else 0.0


def _mean_or_zero(values: Sequence[float]) -> float:
    return statistics.fmean(values) if values else 0.0


def shingle_scores(matches: Sequence[tuple[float, float, float]]) -> dict:
    """Benchmark aggregation. Precision is averaged only over pages where the
    system produced text and recall only over pages with gold text, exactly as
    the benchmark does: an empty output lowers recall, not precision."""
    precisions = [_page_precision(*m) for m in matches if m[0] + m[1] > 0]
    recalls = [_page_recall(*m) for m in matches if m[0] + m[2] > 0]
    precision, recall = _mean_or_zero(precisions), _mean_or_zero(recalls)
    return {"precision": precision, "recall": recall, "f1": harmonic_mean(precision, recall)}


def same_tokens(gold: str | None, predicted: str | None) -> bool:
    """The benchmark's "accuracy": the two token sequences are identical."""
    return word_tokens(gold) == word_tokens(predicted)


# --------------------------------------------------------------------------
# Snippet gold (trafilatura evaluation, WCXB with/without)


@dataclass
class SnippetCounts:
    tp: int = 0  # wanted snippet present
    fn: int = 0  # wanted snippet missing
    fp: int = 0  # boilerplate snippet present
    tn: int = 0  # boilerplate snippet absent

    def __add__(self, other: "SnippetCounts") -> "SnippetCounts":
        return SnippetCounts(self.tp + other.tp, self.fn + other.fn,
                             self.fp + other.fp, self.tn + other.tn)


def snippet_counts(predicted: str | None, wanted: Iterable[str],
                   unwanted: Iterable[str], ignore_case: bool = False) -> SnippetCounts:
    """Substring test, case-sensitive as in trafilatura's evaluation unless
    ``ignore_case`` (WCXB's convention). A rejected page (None) contains
    nothing: wanted snippets are missed, boilerplate snippets are absent."""
    fold = str.lower if ignore_case else (lambda s: s)
    text = fold(predicted or "")
    found_wanted = [fold(s) in text for s in wanted]
    found_unwanted = [fold(s) in text for s in unwanted]
    return SnippetCounts(tp=sum(found_wanted), fn=len(found_wanted) - sum(found_wanted),
                         fp=sum(found_unwanted), tn=len(found_unwanted) - sum(found_unwanted))


def snippet_scores(counts: SnippetCounts) -> dict:
    """Pooled precision / recall / accuracy / F1 over all snippets."""
    precision = counts.tp / (counts.tp + counts.fp) if counts.tp + counts.fp else 0.0
    recall = counts.tp / (counts.tp + counts.fn) if counts.tp + counts.fn else 0.0
    total = counts.tp + counts.fn + counts.fp + counts.tn
    accuracy = (counts.tp + counts.tn) / total if total else 0.0
    return {"precision": precision, "recall": recall,
            "accuracy": accuracy, "f1": harmonic_mean(precision, recall)}


def snippet_rate(predicted: str | None, snippets: Sequence[str]) -> float:
    """WCXB's per-page share of snippets present (case-insensitive). A page
    without snippets scores 1.0, as in WCXB's own script."""
    if not snippets:
        return 1.0
    text = (predicted or "").lower()
    return sum(s.lower() in text for s in snippets) / len(snippets)


# --------------------------------------------------------------------------
# WCXB: bag-of-words overlap


def bag_of_words_scores(predicted: str | None, gold: str | None) -> tuple[float, float, float]:
    """(precision, recall, F1) of lower-cased word multisets. Empty gold with
    empty output is a perfect page; empty gold with output is a miss."""
    pred = Counter(w.lower() for w in word_tokens(predicted))
    ref = Counter(w.lower() for w in word_tokens(gold))
    if not ref:
        return (1.0, 1.0, 1.0) if not pred else (0.0, 0.0, 0.0)
    if not pred:
        return (0.0, 0.0, 0.0)
    overlap = sum((pred & ref).values())
    precision = overlap / sum(pred.values())
    recall = overlap / sum(ref.values())
    return (precision, recall, harmonic_mean(precision, recall))


# --------------------------------------------------------------------------
# Paragraphs (vn-real) and corpus-shape helpers


def normalize_paragraph(text: str) -> str:
    """NFC and single spaces: differences in composed/decomposed diacritics
    or in whitespace are not extraction errors."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def split_paragraphs(text: str | None) -> list[str]:
    """Non-blank lines, normalised. Our corpus puts one paragraph on a line
    (blank lines between) and trafilatura one per line, so lines are
    paragraphs for both."""
    if not text:
        return []
    lines = (normalize_paragraph(line) for line in text.splitlines())
    return [line for line in lines if line]


def drop_headline(text: str | None) -> str | None:
    """Our corpus document minus its first line (the headline), for gold that
    is a body without headline. Keeps None (rejected) as None."""
    if text is None:
        return None
    lines = text.lstrip("\n").split("\n", 1)
    return lines[1].lstrip("\n") if len(lines) > 1 else ""


def paragraphs_match(predicted: str, gold: str, threshold: float = NEAR_MATCH_RATIO) -> bool:
    """Equal after normalisation, or nearly (difflib ratio >= threshold) so
    that a dropped trailing credit or a changed quote mark still counts."""
    if predicted == gold:
        return True
    matcher = difflib.SequenceMatcher(None, predicted, gold, autojunk=False)
    # The cheap upper bounds skip the quadratic ratio() for clearly different pairs.
    return (matcher.real_quick_ratio() >= threshold and matcher.quick_ratio() >= threshold
            and matcher.ratio() >= threshold)


def count_matched_paragraphs(predicted: Sequence[str], gold: Sequence[str]) -> int:
    """One-to-one matching: each gold paragraph can be claimed once, so a
    paragraph output twice is counted once correct and once wrong. Exact
    matches are taken first so a near match cannot steal an exact partner."""
    unused = list(range(len(gold)))
    pending = []
    for para in predicted:
        exact = next((i for i in unused if gold[i] == para), None)
        if exact is None:
            pending.append(para)
        else:
            unused.remove(exact)
    matched = len(predicted) - len(pending)
    for para in pending:
        near = next((i for i in unused if paragraphs_match(para, gold[i])), None)
        if near is not None:
            unused.remove(near)
            matched += 1
    return matched


def paragraph_scores(predicted_text: str | None, gold_text: str) -> tuple[float, float, float]:
    """(precision, recall, F1) of paragraphs, headline line included on both
    sides. No output at all gives precision 0 (nothing correct was produced)."""
    predicted = split_paragraphs(predicted_text)
    gold = split_paragraphs(gold_text)
    matched = count_matched_paragraphs(predicted, gold)
    precision = matched / len(predicted) if predicted else 0.0
    recall = matched / len(gold) if gold else 0.0
    return (precision, recall, harmonic_mean(precision, recall))


def mean_scores(per_page: Sequence[tuple[float, float, float]]) -> dict:
    """Average per-page (precision, recall, F1); F1 is the mean of the page
    F1s, the WCXB convention."""
    if not per_page:
        return {"precision": 0.0, "recall": 0.0, "f1": 0.0}
    precisions, recalls, f1s = zip(*per_page)
    return {"precision": statistics.fmean(precisions), "recall": statistics.fmean(recalls),
            "f1": statistics.fmean(f1s)}
