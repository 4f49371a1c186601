"""Unit tests of the benchmark scorers on tiny hand-made inputs.

The expected numbers are worked out by hand in the comments, so a change in
tokenisation, aggregation or matching rules shows up here.
"""

import sys
from pathlib import Path

import pytest

BENCHMARKS_DIR = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCHMARKS_DIR))

import datasets  # noqa: E402
import quality  # noqa: E402
import scoring  # noqa: E402


# --- tokens and shingles -----------------------------------------------------


def test_word_tokens_keep_vietnamese_syllables_whole_even_when_decomposed():
    decomposed = "Vie\u0323\u0302t Nam"  # "Việt" written with combining marks
    assert scoring.word_tokens(decomposed) == ["Việt", "Nam"]
    assert scoring.word_tokens("Hà Nội, 22/10.") == ["Hà", "Nội", "22", "10"]


def test_shingles_of_five_tokens_are_two_overlapping_fours():
    shingles = scoring.shingle_counts("a b c d e")
    assert shingles == {("a", "b", "c", "d"): 1, ("b", "c", "d", "e"): 1}


def test_text_shorter_than_a_shingle_still_gives_one_shingle():
    assert scoring.shingle_counts("just two") == {("just", "two"): 1}
    assert scoring.shingle_counts("") == {}


def test_shingle_match_is_normalised_to_sum_one():
    # gold: abcd, bcde ; pred: abcd, bcdx -> tp 1, fp 1, fn 1 -> thirds
    assert scoring.shingle_match("a b c d e", "a b c d x") == pytest.approx((1 / 3, 1 / 3, 1 / 3))
    assert scoring.shingle_match("a b c d e", "a b c d e") == (1.0, 0.0, 0.0)
    assert scoring.shingle_match("", "") == (0.0, 0.0, 0.0)


def test_repeated_text_counts_as_false_positive():
    # body printed twice: gold has 2 shingles, the output 7 (2 matching, 5 extra)
    tp, fp, fn = scoring.shingle_match("a b c d e", "a b c d e a b c d e")
    assert fn == 0 and fp > 0 and tp == pytest.approx(2 / 7)


def test_empty_output_hurts_recall_but_is_left_out_of_precision():
    perfect = scoring.shingle_match("a b c d e", "a b c d e")
    empty = scoring.shingle_match("a b c d e", "")
    scores = scoring.shingle_scores([perfect, empty])
    assert scores["precision"] == 1.0  # only the page with output counts
    assert scores["recall"] == 0.5
    assert scores["f1"] == pytest.approx(2 / 3)


def test_shingle_f1_is_harmonic_mean_of_averages_not_average_of_f1s():
    # page 1: precision 1, recall 1/3 ; page 2: precision 1/3, recall 1
    # averages 2/3 and 2/3 -> F1 2/3 (the mean of page F1s would be 0.5)
    page1 = scoring.shingle_match("a b c d e f", "a b c d")
    page2 = scoring.shingle_match("a b c d", "a b c d e f")
    scores = scoring.shingle_scores([page1, page2])
    assert scores["precision"] == pytest.approx(2 / 3)
    assert scores["recall"] == pytest.approx(2 / 3)
    assert scores["f1"] == pytest.approx(2 / 3)


def test_same_tokens_ignores_punctuation_and_layout_only():
    assert scoring.same_tokens("One, two.\n\nThree!", "One two Three")
    assert not scoring.same_tokens("One two Three", "one two three")


# --- snippets ---------------------------------------------------------------------


def test_snippet_counts_are_case_sensitive_by_default():
    counts = scoring.snippet_counts("Main text here. Share on Facebook",
                                    wanted=["Main text", "missing part"],
                                    unwanted=["Share on Facebook", "share on facebook", "Impressum"])
    assert (counts.tp, counts.fn, counts.fp, counts.tn) == (1, 1, 1, 2)


def test_snippet_counts_can_ignore_case():
    counts = scoring.snippet_counts("SHARE ON FACEBOOK", [], ["share on facebook"], ignore_case=True)
    assert counts.fp == 1


def test_rejected_page_misses_wanted_and_avoids_unwanted_snippets():
    counts = scoring.snippet_counts(None, ["a", "b"], ["c"])
    assert (counts.tp, counts.fn, counts.fp, counts.tn) == (0, 2, 0, 1)


def test_snippet_scores_pool_the_counts():
    pooled = scoring.SnippetCounts(tp=3, fn=1, fp=1, tn=5) + scoring.SnippetCounts(tp=1, fn=1, fp=0, tn=0)
    scores = scoring.snippet_scores(pooled)  # tp 4, fn 2, fp 1, tn 5
    assert scores["precision"] == pytest.approx(4 / 5)
    assert scores["recall"] == pytest.approx(4 / 6)
    assert scores["accuracy"] == pytest.approx(9 / 12)
    assert scores["f1"] == pytest.approx(2 * 0.8 * (2 / 3) / (0.8 + 2 / 3))


def test_snippet_rate_is_case_insensitive_and_one_without_snippets():
    assert scoring.snippet_rate("Hello World", ["hello", "moon"]) == 0.5
    assert scoring.snippet_rate(None, []) == 1.0


# --- bag of words (WCXB) --------------------------------------------------------


def test_bag_of_words_counts_repeats_and_ignores_case():
    # pred: the x2, cat, sat (4) ; gold: the, cat, sat, down (4) ; overlap 3
    precision, recall, f1 = scoring.bag_of_words_scores("The the cat sat", "the cat sat down")
    assert precision == pytest.approx(3 / 4)
    assert recall == pytest.approx(3 / 4)
    assert f1 == pytest.approx(3 / 4)


def test_bag_of_words_empty_cases_follow_wcxb():
    assert scoring.bag_of_words_scores("", "") == (1.0, 1.0, 1.0)
    assert scoring.bag_of_words_scores("noise", "") == (0.0, 0.0, 0.0)
    assert scoring.bag_of_words_scores(None, "gold text") == (0.0, 0.0, 0.0)


# --- paragraphs (vn-real) --------------------------------------------------------


def test_split_paragraphs_normalises_nfc_and_whitespace():
    text = "Tiêu đề\n\n  Đoạn   một \n\nVie\u0323\u0302t Nam\n"
    assert scoring.split_paragraphs(text) == ["Tiêu đề", "Đoạn một", "Việt Nam"]
    assert scoring.split_paragraphs(None) == []


def test_drop_headline_removes_only_the_first_line():
    assert scoring.drop_headline("Headline\n\nPara one\n\nPara two\n") == "Para one\n\nPara two\n"
    assert scoring.drop_headline("Headline only\n") == ""
    assert scoring.drop_headline(None) is None


def test_near_paragraph_match_uses_ratio_threshold():
    gold = "Y bác sĩ nội soi cho bệnh nhân. Ảnh: Bệnh viện cung cấp"
    assert scoring.paragraphs_match(gold + ".", gold)  # one extra character
    assert not scoring.paragraphs_match("Y bác sĩ nội soi cho bệnh nhân.", gold)  # credit lost: ratio ~0.7


def test_paragraph_matching_is_one_to_one():
    gold = ["Headline", "First paragraph text.", "Second paragraph text."]
    predicted = ["Headline", "First paragraph text.", "First paragraph text.", "Menu"]
    assert scoring.count_matched_paragraphs(predicted, gold) == 2


def test_exact_match_is_preferred_over_an_earlier_near_match():
    base = "The quick brown fox jumps over the lazy dog"
    first, second = base + " xxxxxx", base + " yyyyyy"  # ratio 0.87: not near each other
    between = base + " xxxyyy"  # ratio 0.94 to both
    assert not scoring.paragraphs_match(first, second)
    # greedy in output order would give `between` the first gold paragraph and
    # leave the exact copy unmatched; exact-first matches both
    assert scoring.count_matched_paragraphs([between, first], [first, second]) == 2


def test_paragraph_scores_by_hand():
    gold = "Title\n\nAlpha paragraph.\n\nBeta paragraph.\n\nGamma paragraph.\n"
    predicted = "Title\n\nAlpha paragraph.\n\nShare this article\n"
    precision, recall, f1 = scoring.paragraph_scores(predicted, gold)
    assert precision == pytest.approx(2 / 3)
    assert recall == pytest.approx(2 / 4)
    assert f1 == pytest.approx(2 * (2 / 3) * 0.5 / (2 / 3 + 0.5))
    assert scoring.paragraph_scores(None, gold) == (0.0, 0.0, 0.0)


def test_mean_scores_average_page_f1():
    scores = scoring.mean_scores([(1.0, 1.0, 1.0), (0.0, 0.0, 0.0)])
    assert scores == {"precision": 0.5, "recall": 0.5, "f1": 0.5}


# --- harness rules built on the scorers ----------------------------------------------


def test_wcxb_keeps_our_headline_only_when_gold_starts_with_it():
    ours = "The Title\n\nBody text.\n"
    with_title = {"main_content": "The Title\n\nBody text."}
    without_title = {"main_content": "Body text."}
    assert quality.wcxb_prediction(ours, with_title, "generic") == ours
    assert quality.wcxb_prediction(ours, without_title, "generic") == "Body text.\n"
    assert quality.wcxb_prediction(ours, without_title, "trafilatura") == ours


def test_gate_fails_when_generic_is_lower_or_only_equal_on_vn_real():
    rows = [
        {"set": "wcxb", "system": "generic", "f1": 0.90},
        {"set": "wcxb", "system": "trafilatura", "f1": 0.90},
        {"set": "vn-real", "system": "generic", "f1": 0.80},
        {"set": "vn-real", "system": "trafilatura", "f1": 0.80},
    ]
    failures = quality.gate_failures(rows)
    assert len(failures) == 1 and failures[0].startswith("vn-real")
    rows[0]["f1"] = 0.89
    assert len(quality.gate_failures(rows)) == 2
    rows[0]["f1"] = 0.896  # within the tolerance of a public set
    assert len(quality.gate_failures(rows)) == 1
    rows[0]["f1"] = 0.8949  # just beyond it
    assert len(quality.gate_failures(rows)) == 2


def test_scorer_reproduces_published_scrapinghub_trafilatura_f1():
    data_dir = datasets.resolve_data_dir()
    if not datasets.set_available(data_dir, "scrapinghub"):
        pytest.skip(f"{data_dir} not found")
    pages = datasets.load_scrapinghub(data_dir)
    stored = datasets.load_stored_predictions(data_dir, "trafilatura")
    row, _ = quality.score_scrapinghub(pages, [stored.get(p.id, "") for p in pages], "trafilatura")
    # published for trafilatura 2.0.0: F1 0.958, precision 0.938, recall 0.978
    assert row["f1"] == pytest.approx(0.958, abs=0.0015)
    assert row["precision"] == pytest.approx(0.938, abs=0.0015)
    assert row["recall"] == pytest.approx(0.978, abs=0.0015)
