"""The cleaning core end to end on small pages: rules chosen, rejections, decoding."""

from __future__ import annotations

import json

import pytest

from conftest import SITE_FIXTURES

BODY = "".join(
    f"<p>Đoạn {i}: Ủy ban nhân dân tỉnh đã tổ chức hội nghị triển khai kế hoạch phát triển kinh tế - xã hội "
    f"năm 2026, với sự tham gia của lãnh đạo các sở, ngành và địa phương trong tỉnh.</p>" for i in range(4))
ARTICLE = (f"<html><head><title>Tin tức - Báo tỉnh</title><meta property='og:type' content='article'></head>"
           f"<body><nav><a href='/'>Trang chủ</a></nav><article><h1>Hội nghị triển khai kế hoạch năm 2026</h1>"
           f"{BODY}</article><footer>Giấy phép số 12/GP-BTTTT</footer></body></html>")
URL = "https://unconfigured.example.vn/tin-tuc/hoi-nghi-trien-khai-ke-hoach-2026.html"


def sample(site, name):
    page = SITE_FIXTURES / site / f"{name}.html"
    meta = json.loads(page.with_suffix(".meta.json").read_text(encoding="utf-8"))
    return page.read_bytes(), meta, page.with_suffix(".txt").read_text(encoding="utf-8")


def test_generic_article_is_cleaned(cleaner):
    result = cleaner.clean(ARTICLE.encode(), url=URL)
    assert result.ok, result.detail
    assert result.site == "generic" and result.cms == "generic"
    assert result.document.title == "Hội nghị triển khai kế hoạch năm 2026"
    assert "Giấy phép" not in result.document.text
    assert result.document.lang == "vi"


def test_unconfigured_nukeviet_page_is_recognized_by_its_cms(cleaner):
    body, meta, expected = sample("backan-nukeviet", "sample-001")
    result = cleaner.clean(body, url="https://another-portal.example.vn/news/tin/bai-viet-12.html")
    assert result.ok and result.site == "generic" and result.cms == "nukeviet4"
    assert result.document.text == expected


def test_site_generic_ignores_configs_and_profiles(cleaner):
    body, meta, _ = sample("backan-nukeviet", "sample-001")
    result = cleaner.clean(body, url=meta["url"], site="generic")
    assert result.site == "generic" and result.cms == "generic"


def test_configured_site_is_chosen_by_host(cleaner):
    body, meta, expected = sample("baolaichau", "sample-004")
    result = cleaner.clean(body, url=meta["url"])
    assert result.site == "baolaichau"
    assert result.document.text == expected


def test_url_comes_from_the_canonical_link_when_not_given(cleaner):
    body, meta, _ = sample("backan-nukeviet", "sample-001")
    result = cleaner.clean(body)
    assert result.site == "backan-nukeviet"


def test_unknown_site_name_is_a_clear_error(cleaner):
    with pytest.raises(ValueError, match="unknown site 'nosuch'"):
        cleaner.clean(ARTICLE.encode(), site="nosuch")


@pytest.mark.parametrize("page,reason", [
    (b"", "not-article"),
    (b"   \n  ", "not-article"),
    (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj", "undecodable"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "undecodable"),
])
def test_empty_and_binary_pages_are_rejected(cleaner, page, reason):
    result = cleaner.clean(page, url=URL)
    assert not result.ok and result.reason == reason


def test_english_page_is_not_vietnamese(cleaner):
    english = ARTICLE.replace(BODY, "".join(
        f"<p>Paragraph {i}: the provincial people's committee held a conference to deploy the plan for "
        f"economic and social development in 2026 with leaders of departments.</p>" for i in range(4)))
    result = cleaner.clean(english.encode(), url=URL)
    assert result.reason == "not-vietnamese"
    assert cleaner.clean(english.encode(), url=URL, expect_lang="any").ok


def test_listing_page_is_not_an_article(cleaner):
    links = "".join(f"<li><a href='/tin/bai-{i}.html'>Tin số {i} về hoạt động của tỉnh</a></li>" for i in range(30))
    listing = f"<html><head><title>Tin tức</title></head><body><h1>Tin tức</h1><ul>{links}</ul></body></html>"
    result = cleaner.clean(listing.encode(), url="https://unconfigured.example.vn/tin-tuc/")
    assert not result.ok and result.reason in ("not-article", "too-short")


def test_configured_site_page_without_body_is_not_an_article(cleaner):
    page = "<html><head><title>Báo Lai Châu</title></head><body><h1 class='article-title'>X</h1></body></html>"
    result = cleaner.clean(page.encode(), url="http://baolaichau.vn/x%C3%A3-h%E1%BB%99i/trang-khong-co-bai")
    assert result.reason == "not-article" and "body selectors" in result.detail


def test_home_page_is_rejected_but_query_articles_are_not(cleaner):
    assert cleaner.clean(ARTICLE.encode(), url="https://unconfigured.example.vn/").reason == "not-article"
    assert cleaner.clean(ARTICLE.encode(), url="https://unconfigured.example.vn/?p=3289").ok


def test_soft_404_is_rejected(cleaner):
    page = ARTICLE.replace("Hội nghị triển khai kế hoạch năm 2026", "Không tìm thấy trang bạn yêu cầu")
    assert cleaner.clean(page.encode(), url=URL).reason == "not-article"


def test_too_short_article(cleaner):
    page = ARTICLE.replace(BODY, "<p>Tin ngắn: hội nghị diễn ra sáng nay.</p>")
    assert cleaner.clean(page.encode(), url=URL).reason == "too-short"


def test_xhtml_with_xml_declaration_parses(cleaner):
    page = '<?xml version="1.0" encoding="UTF-8" ?>\n' + ARTICLE
    assert cleaner.clean(page.encode(), url=URL).ok


def test_windows_1258_page_becomes_nfc(cleaner):
    import unicodedata

    page = ARTICLE.replace("<head>", "<head><meta charset='windows-1258'>")
    encoded = _to_cp1258(page)
    result = cleaner.clean(encoded, url=URL)
    assert result.ok, result.detail
    text = result.document.text
    assert text == unicodedata.normalize("NFC", text)
    assert "Ủy ban nhân dân tỉnh" in text


def _to_cp1258(text: str) -> bytes:
    """cp1258 keeps â ă ê ô ơ ư đ precomposed and writes tone marks as combining characters."""
    import unicodedata

    out = []
    for char in text:
        try:
            out.append(char.encode("cp1258"))
        except UnicodeEncodeError:
            base, *marks = unicodedata.normalize("NFD", char)
            head = unicodedata.normalize("NFC", base + "".join(m for m in marks if m in "\u0302\u0306\u031b"))
            tones = "".join(m for m in marks if m not in "\u0302\u0306\u031b")
            out.append((head + tones).encode("cp1258"))
    return b"".join(out)


def test_mojibake_page_is_repaired(cleaner):
    """UTF-8 read as windows-1252 and saved again: every letter comes back, even Đ, whose byte
    0x90 windows-1252 does not define (it became U+FFFD)."""
    page = ARTICLE.encode("utf-8").decode("cp1252", errors="replace").encode("utf-8")
    assert "\ufffd" in page.decode("utf-8")  # the lost byte of Đ
    result = cleaner.clean(page, url=URL)
    assert result.ok, result.detail
    text = result.document.text
    assert "Ủy ban nhân dân tỉnh" in text and "Đ" in text and "\ufffd" not in text
    assert result.document.paragraphs == cleaner.clean(ARTICLE.encode(), url=URL).document.paragraphs


def test_text_with_replacement_characters_is_garbled(cleaner):
    """Letters already replaced by U+FFFD cannot be repaired: the page is rejected, not kept damaged."""
    page = ARTICLE.replace("ệ", "\ufffd").replace("ư", "\ufffd").encode()
    result = cleaner.clean(page, url=URL)
    assert not result.ok and result.reason == "garbled", result.detail


def test_explain_lists_every_removal_with_its_step(cleaner):
    body, meta, _ = sample("backan-nukeviet", "sample-001")
    result = cleaner.clean(body, url=meta["url"], explain=True)
    steps = {r.step for r in result.removed}
    assert {"structure", "lead-copy"} <= steps
    assert any("form#form3B" in r.rule for r in result.removed)
    assert not cleaner.clean(body, url=meta["url"]).removed  # only on request


def test_any_page_keeps_the_text_of_pages_that_are_not_articles(cleaner):
    home = "https://unconfigured.example.vn/"
    assert cleaner.clean(ARTICLE.encode(), url=home).reason == "not-article"
    result = cleaner.clean(ARTICLE.encode(), url=home, any_page=True)
    assert result.ok and "Ủy ban nhân dân tỉnh" in result.document.text
