"""cleaners.language.FastDetector gives exactly langdetect's languages and probabilities.

The fast path only reorganises langdetect's text preparation; these tests hold it to the
original Detector on every kind of text the cleaner meets, float for float.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from langdetect import detector_factory
from langdetect.detector import Detector

from cleaners.language import SAMPLE_CHARS, TRIALS, FastDetector, _profiles, detect_language, load_profiles

FIXTURES = Path(__file__).parent / "fixtures" / "sites"

HAND_MADE = [
    "Đại hội Đảng bộ tỉnh Lai Châu lần thứ XIV, nhiệm kỳ 2020 - 2025 đã thành công tốt đẹp.",
    "The provincial council met on Monday to discuss the budget for next year.",
    "UBND TỈNH BẮC KẠN   THÔNG BÁO    KẾT QUẢ   tuyển dụng viên chức năm 2026",
    "Xem chi tiết tại https://baobackan.vn/tin-tuc?id=12&x=y hoặc gửi thư tới toasoan@baobackan.vn nhé.",
    "Hoà bình, khoẻ mạnh, thuỷ lợi: ho\u0300a bi\u0300nh (tổ hợp dấu rời, NFD).",
    "北京是中华人民共和国的首都 Beijing is the capital 北京市",
    "Москва — столица России, крупнейший город страны.",
    "  leading spaces and   runs   of spaces  ",
    "AAAA BBBB CCCC DDDD",
    "ABc DEf gHI jkLM UBND tỉnh HĐND xã ",
    "word ending with a space ",
    "12345 67890 !!! ???",
    "Ça va très bien, merci beaucoup. Où est la gare?",
    "ạảấầẩẫậắằẳẵặẹẻẽếềểễệ ỳỷỹỵ ab",  # langdetect counts these as non-Latin and drops a, b
    "Ðảng bộ Bình Ðịnh — “dấu ngoặc kép” … và ‘nháy đơn’ • gạch đầu dòng",
]


def page_texts() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted(FIXTURES.glob("*/*.txt"))]


def replica_texts() -> list[str]:
    from replica.model import load_site, site_names

    texts = []
    for name in site_names():
        for article in load_site(name).articles:
            paragraphs = [b["p"] for b in article.body if "p" in b]
            texts.append("\n\n".join([article.title, article.lead or "", *paragraphs]))
    return texts


def langdetect_original(text: str):
    detector_factory.init_factory()
    detector = Detector(detector_factory._factory)
    detector.set_max_text_length(SAMPLE_CHARS)
    detector.n_trial = TRIALS
    detector.append(text[: SAMPLE_CHARS * 2])
    return detector


def fast(text: str, factory=None):
    detector = FastDetector(factory or _profiles())
    detector.set_max_text_length(SAMPLE_CHARS)
    detector.n_trial = TRIALS
    detector.append(text[: SAMPLE_CHARS * 2])
    return detector


@pytest.mark.parametrize("text", HAND_MADE + page_texts() + replica_texts())
def test_fast_detector_matches_langdetect(text):
    original, ours = langdetect_original(text), fast(text)
    assert ours.text == original.text
    original.cleaning_text()
    ours.cleaning_text()
    assert ours.text == original.text
    assert ours._extract_ngrams() == original._extract_ngrams()
    expected = [(p.lang, p.prob) for p in langdetect_original(text).get_probabilities()] if original._extract_ngrams() else None
    if expected is None:
        assert detect_language(text) == (None, None)
    else:
        assert [(p.lang, p.prob) for p in fast(text).get_probabilities()] == expected


def test_text_without_features_has_no_language():
    assert detect_language("12345 !!! ???") == (None, None)
    assert detect_language("") == (None, None)


# Paragraphs of several languages: on text that is not Vietnamese the random walk runs
# longer before one language passes 0.99999, and near-ties keep several languages alive.
OTHER_LANGUAGES = [
    "The company said on Tuesday that it would cut about 1,200 jobs over the next two years as "
    "it moves production abroad. Analysts had expected a smaller reduction, and the shares fell "
    "four percent in early trading before recovering some of the losses by the afternoon.",
    "Recipe: mix the flour, sugar and butter; add two eggs and bake for 25 minutes at 180 degrees. "
    "Serve warm with cream. Tip - you can replace the butter with oil, but the cake will be less rich.",
    "Die Regierung hat am Mittwoch ein neues Gesetz zur Förderung erneuerbarer Energien beschlossen. "
    "Kritiker bemängeln, dass die Maßnahmen zu spät kommen und nicht weit genug gehen.",
    "El ayuntamiento anunció ayer que las obras del nuevo puente comenzarán en primavera y durarán "
    "aproximadamente dieciocho meses, según fuentes municipales.",
    "Le gouvernement a présenté mercredi un projet de loi visant à réduire les délais de paiement "
    "des petites entreprises, une mesure attendue depuis longtemps par les artisans.",
    "Il sindaco ha dichiarato che i lavori di ristrutturazione della piazza saranno completati entro "
    "la fine dell'anno, nonostante i ritardi dovuti al maltempo.",
    "De gemeente heeft besloten om het oude station te verbouwen tot een cultureel centrum met "
    "een bibliotheek, een café en ruimtes voor lokale verenigingen.",
    "O governo anunciou novas medidas para conter a inflação, incluindo cortes de impostos sobre "
    "alimentos básicos e combustíveis durante os próximos seis meses.",
    "Hôm nay trời đẹp. Today the weather is nice. Aujourd'hui il fait beau. Heute ist es schön.",
    "OK OK OK yes no yes no 2026 2027 www example com",
]


def shared_english_articles(limit: int = 60) -> list[str]:
    """Article bodies of the ScrapingHub benchmark when ../shared is beside the repository."""
    import json

    truth = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / \
        "scrapinghub-article-extraction-benchmark" / "ground-truth.json"
    if not truth.exists():
        return []
    items = json.loads(truth.read_text(encoding="utf-8"))
    return [item["articleBody"] for _, item in sorted(items.items()) if item.get("articleBody")][:limit]


@pytest.mark.parametrize("text", OTHER_LANGUAGES + HAND_MADE[:3] + page_texts()[:5])
@pytest.mark.parametrize("trials", [TRIALS, 7])
def test_random_walk_matches_langdetect_float_for_float(text, trials):
    """Every language's probability, not only those above langdetect's 0.1 threshold."""
    original, ours = langdetect_original(text), fast(text)
    original.n_trial = ours.n_trial = trials
    original.get_probabilities()
    ours.get_probabilities()
    assert ours.langprob == original.langprob


def test_random_walk_with_a_prior_map_matches_langdetect():
    text = OTHER_LANGUAGES[0]
    original, ours = langdetect_original(text), fast(text)
    for detector in (original, ours):
        detector.set_prior_map({"en": 0.2, "vi": 0.5, "de": 0.3})
        detector.get_probabilities()
    assert ours.langprob == original.langprob


def test_random_walk_matches_langdetect_on_english_articles():
    texts = shared_english_articles()
    if not texts:
        pytest.skip("../shared/benchmarks/scrapinghub-article-extraction-benchmark not found")
    for text in texts:
        original, ours = langdetect_original(text), fast(text)
        original.get_probabilities()
        ours.get_probabilities()
        assert ours.langprob == original.langprob, text[:80]


def test_packed_profiles_hold_langdetects_floats_bit_for_bit():
    import struct

    from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

    packed = _profiles()
    fresh = DetectorFactory()
    fresh.load_profile(PROFILES_DIRECTORY)
    assert packed.langlist == fresh.langlist
    assert packed.word_lang_prob_map.keys() == fresh.word_lang_prob_map.keys()
    for word, probabilities in fresh.word_lang_prob_map.items():
        ours = packed.word_lang_prob_map[word]
        assert struct.pack(f"{len(ours)}d", *ours) == struct.pack(f"{len(probabilities)}d", *probabilities)


def _bits(table) -> dict[str, bytes]:
    import struct

    return {word: struct.pack(f"{len(row)}d", *row) for word, row in table.items()}


def test_cached_table_detects_as_a_freshly_built_one(tmp_path):
    """Built and written on first use, read from the cache file on the next: the same table as
    langdetect's own loading, bit for bit, and the same probabilities on every language."""
    built = load_profiles(tmp_path)
    cached = load_profiles(tmp_path)
    assert (built.word_lang_prob_map.source, cached.word_lang_prob_map.source) == ("built", "cache")
    detector_factory.init_factory()
    fresh = detector_factory._factory
    assert cached.langlist == fresh.langlist
    assert _bits(cached.word_lang_prob_map) == _bits(fresh.word_lang_prob_map)
    for text in OTHER_LANGUAGES + HAND_MADE[:3]:
        original, ours = langdetect_original(text), fast(text, cached)
        original.n_trial = ours.n_trial = 7
        original.get_probabilities()
        ours.get_probabilities()
        assert ours.langprob == original.langprob


def _small_profiles(tmp_path: Path) -> Path:
    """Three of langdetect's profiles: the cache's checks without loading all 55 every time."""
    from langdetect.detector_factory import PROFILES_DIRECTORY

    folder = tmp_path / "profiles"
    folder.mkdir()
    for lang in ("vi", "en", "fr"):
        (folder / lang).write_bytes((Path(PROFILES_DIRECTORY) / lang).read_bytes())
    return folder


def _corruptions(data: bytes) -> dict[str, bytes]:
    from cleaners.language import _MAGIC

    key_at = len(_MAGIC)
    flipped = bytearray(data)
    flipped[-3] ^= 0x40  # a probability's bits, deep in the payload
    return {
        "empty": b"",
        "truncated": data[: len(data) // 2],
        "flipped byte": bytes(flipped),
        "other key (stale)": data[:key_at] + bytes(32) + data[key_at + 32:],
        "other format": b"something else entirely\n" + data[key_at:],
        "garbage": bytes(range(256)) * 40,
    }


@pytest.mark.parametrize("damage", list(_corruptions(b"x" * 200)))
def test_corrupt_or_stale_cache_file_is_rebuilt_not_trusted(tmp_path, damage):
    profiles = _small_profiles(tmp_path)
    cache = tmp_path / "cache"
    reference = load_profiles(None, str(profiles))
    load_profiles(cache, str(profiles))
    [cache_file] = cache.glob("langdetect-*.bin")
    cache_file.write_bytes(_corruptions(cache_file.read_bytes())[damage])
    again = load_profiles(cache, str(profiles))
    assert again.word_lang_prob_map.source == "built"
    assert _bits(again.word_lang_prob_map) == _bits(reference.word_lang_prob_map)
    assert again.langlist == reference.langlist
    assert load_profiles(cache, str(profiles)).word_lang_prob_map.source == "cache"  # written anew


def test_changed_profiles_get_their_own_table(tmp_path):
    profiles = _small_profiles(tmp_path)
    cache = tmp_path / "cache"
    load_profiles(cache, str(profiles))
    (profiles / "fr").unlink()
    changed = load_profiles(cache, str(profiles))
    assert changed.word_lang_prob_map.source == "built"
    assert sorted(changed.langlist) == ["en", "vi"]
    assert len(list(cache.glob("langdetect-*.bin"))) == 2


def test_unwritable_cache_folder_builds_in_memory(tmp_path):
    profiles = _small_profiles(tmp_path)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    factory = load_profiles(blocker / "vnnews", str(profiles))
    assert factory.word_lang_prob_map.source == "built"
    assert _bits(factory.word_lang_prob_map) == _bits(load_profiles(None, str(profiles)).word_lang_prob_map)
    assert list(tmp_path.glob("**/.langdetect-*")) == []


def test_cache_folder_follows_xdg_and_ignores_a_relative_one(monkeypatch, tmp_path):
    from cleaners.language import user_cache_dir

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert user_cache_dir() == tmp_path / "vnnews"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert user_cache_dir() == tmp_path / "home" / ".cache" / "vnnews"
