"""Choosing the right encoding for HTML bytes, mojibake repair and rejections."""

import gzip
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaners.decode import Decoded, DecodeError, decode_file, decode_html, normalize_encoding

ARTICLE = (
    "Sáng 15/3, Ban Thường vụ Tỉnh ủy Bắc Kạn tổ chức hội nghị về công tác "
    "dân tộc thiểu số. Đồng chí Bí thư nhấn mạnh: “Phải nâng cao đời sống người dân”. "
    "Thủy lợi, hòa giải, khoẻ mạnh, quý I năm 2025 – Nghệ An, Đắk Lắk, Ứng Hòa."
)
TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"


def page(body_text: str = ARTICLE, head: str = "") -> str:
    return f"<html><head>{head}<title>Tin tức</title></head><body><p>{body_text}</p></body></html>"


def to_cp1258(text: str) -> bytes:
    """Encode as windows-1258 does: â ă ê ô ơ ư đ precomposed, tone marks combining."""
    out = []
    for char in text:
        decomposed = unicodedata.normalize("NFD", char)
        tones = "".join(c for c in decomposed if c in TONE_MARKS)
        base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in TONE_MARKS))
        out.append((base + tones).encode("cp1258"))
    return b"".join(out)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def test_cp1258_helper_round_trips_and_uses_combining_marks():
    raw = to_cp1258(ARTICLE)
    assert b"\xf2" in raw  # dot below as its own byte
    decoded = raw.decode("cp1258")
    assert decoded != ARTICLE
    assert nfc(decoded) == ARTICLE


# ----------------------------------------------------------------------------- declared charsets


def test_utf8_declared_in_header():
    result = decode_html(page().encode(), "text/html; charset=UTF-8")
    assert result == Decoded(page(), "utf-8", "http", False)


def test_utf8_declared_in_meta():
    html = page(head='<meta charset="utf-8">')
    result = decode_html(html.encode(), "text/html")
    assert (result.text, result.encoding, result.source) == (html, "utf-8", "meta")


def test_utf8_without_any_charset_is_detected():
    result = decode_html(page().encode())
    assert (result.text, result.encoding, result.source) == (page(), "utf-8", "detected")


@pytest.mark.parametrize("label", ["windows-1258", "cp1258", "x-cp1258", "WINDOWS-1258"])
def test_cp1258_declared_in_meta(label):
    html = page(head=f'<meta http-equiv="Content-Type" content="text/html; charset={label}">')
    result = decode_html(to_cp1258(html))
    assert (result.encoding, result.source, result.repaired) == ("cp1258", "meta", False)
    assert nfc(result.text) == html


def test_cp1258_declared_in_header():
    result = decode_html(to_cp1258(page()), 'text/html; charset="windows-1258"')
    assert (result.encoding, result.source) == ("cp1258", "http")
    assert nfc(result.text) == page()


def test_cp1258_undeclared_is_detected():
    result = decode_html(to_cp1258(page()))
    assert (result.encoding, result.source) == ("cp1258", "detected")
    assert nfc(result.text) == page()


def test_short_cp1258_snippet_is_detected():
    # charset_normalizer alone guesses cp1250 for this one.
    snippet = "<p>Nghệ An tổ chức hội nghị</p>"
    result = decode_html(to_cp1258(snippet))
    assert result.encoding == "cp1258"
    assert nfc(result.text) == snippet


def test_cp1258_labelled_iso_8859_1_is_detected():
    result = decode_html(to_cp1258(page()), "text/html; charset=iso-8859-1")
    assert (result.encoding, result.source) == ("cp1258", "detected")
    assert nfc(result.text) == page()


def test_wrong_utf8_header_gives_way_to_correct_meta():
    html = page(head='<meta charset="windows-1258">')
    result = decode_html(to_cp1258(html), "text/html; charset=utf-8")
    assert (result.encoding, result.source) == ("cp1258", "meta")
    assert nfc(result.text) == html


def test_wrong_utf8_header_on_cp1258_body_falls_back_to_detection():
    result = decode_html(to_cp1258(page()), "text/html; charset=utf-8")
    assert result.encoding == "cp1258"
    assert nfc(result.text) == page()


def test_utf8_bytes_declared_iso_8859_1_in_meta():
    html = page(head='<meta http-equiv="content-type" content="text/html; charset=iso-8859-1">')
    result = decode_html(html.encode("utf-8"))
    assert result == Decoded(html, "utf-8", "detected", False)


def test_utf8_bytes_declared_iso_8859_1_in_header():
    result = decode_html(page().encode("utf-8"), "text/html; charset=ISO-8859-1")
    assert result == Decoded(page(), "utf-8", "detected", False)


def test_real_cp1252_page_keeps_its_declared_charset():
    html = '<meta charset="iso-8859-1"><p>Café “crème brûlée” – 5 €, señor Müller</p>'
    result = decode_html(html.encode("cp1252"))
    assert result == Decoded(html, "cp1252", "meta", False)


def test_utf16_header_on_ascii_body_is_not_believed():
    result = decode_html(b"<html><body><p>Hello</p></body></html>", "text/html; charset=utf-16")
    assert (result.text, result.encoding) == ("<html><body><p>Hello</p></body></html>", "utf-8")


def test_utf16_header_without_bom_is_honoured():
    result = decode_html(page().encode("utf-16-le"), "text/html; charset=utf-16le")
    assert result == Decoded(page(), "utf-16-le", "http", False)


def test_unknown_label_is_skipped():
    result = decode_html(page().encode(), "text/html; charset=x-tcvn3-nonexistent")
    assert (result.text, result.source) == (page(), "detected")


@pytest.mark.parametrize(
    "label, codec",
    [
        ("utf8", "utf-8"),
        ("UTF-8", "utf-8"),
        ("windows-1258", "cp1258"),
        ("x-cp1258", "cp1258"),
        ("iso-8859-1", "cp1252"),
        ("latin-1", "cp1252"),
        ("us-ascii", "cp1252"),
        ("'utf-16le'", "utf-16-le"),
        ("no-such-charset", None),
        ("", None),
        (None, None),
    ],
)
def test_normalize_encoding(label, codec):
    assert normalize_encoding(label) == codec


# ----------------------------------------------------------------------------- BOMs


def test_utf8_bom_wins_over_wrong_header_and_is_removed():
    result = decode_html(b"\xef\xbb\xbf" + page().encode(), "text/html; charset=iso-8859-1")
    assert result == Decoded(page(), "utf-8", "bom", False)


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_with_bom(codec):
    body = "\ufeff".encode(codec) + page().encode(codec)
    result = decode_html(body)
    assert result == Decoded(page(), codec, "bom", False)


# ----------------------------------------------------------------------------- mojibake


def test_double_encoded_page_is_repaired():
    # A CMS read UTF-8 as windows-1252 and stored the result as UTF-8 again.
    broken = page().encode("utf-8").decode("latin-1").encode("utf-8")
    result = decode_html(broken, "text/html; charset=utf-8")
    assert result == Decoded(page(), "utf-8", "http", True)


def test_mojibake_with_lost_bytes_is_repaired_in_segments():
    broken = page("Äáº£ng bá»™ tá»‰nh Báº¯c Káº¡n vÃ nhÃ¢n dÃ¢n " * 3)
    result = decode_html(broken.encode())
    assert result.repaired
    assert "Đảng bộ tỉnh Bắc Kạn và nhân dân" in result.text
    assert "Ã" not in result.text


def test_unrepairable_mojibake_is_garbled():
    # "á»" + a lost byte could be ề, ọ, ỏ, Ố or ờ: no safe repair.
    broken = page("Ä‘Æ°á» ng cá»§a ngÆ°á» i dÃ¢n vá» " * 20)
    with pytest.raises(DecodeError) as caught:
        decode_html(broken.encode())
    assert caught.value.reason == "garbled"


def test_replacement_character_runs_are_garbled():
    damaged = page("Ti\ufffd\ufffdnh Ngh\ufffd An. " * 10)
    with pytest.raises(DecodeError) as caught:
        decode_html(damaged.encode())
    assert caught.value.reason == "garbled"
    assert "U+FFFD" in caught.value.detail


def test_utf8_page_with_a_cut_character_stays_utf8():
    body = page(ARTICLE * 3).encode().replace("Thủy".encode(), "Th\xe1\xbb".encode("latin-1"))
    result = decode_html(body, "text/html; charset=utf-8")
    assert (result.encoding, result.source) == ("utf-8", "http")
    assert result.text.count("\ufffd") == 3
    assert "Đồng chí Bí thư" in result.text


def test_a_few_replacement_characters_are_tolerated():
    html = page(ARTICLE * 20 + " \ufffd mất một ký tự")
    result = decode_html(html.encode())
    assert result.text == html


# ----------------------------------------------------------------------------- not text at all


@pytest.mark.parametrize(
    "body",
    [
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj",
        b"\n%PDF-1.4\n",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        b"\xff\xd8\xff\xe0\x00\x10JFIF",
        b"GIF89a\x01\x00\x01\x00",
        gzip.compress(page().encode()),
        b"PK\x03\x04\x14\x00\x06\x00",
        b"<html>\x00\x01\x02\x03\x00\x00 binary \x00\x00\x00\x00</html>",
        bytes(range(256)) * 20,
    ],
)
def test_binary_bodies_are_undecodable(body):
    with pytest.raises(DecodeError) as caught:
        decode_html(body, "text/html; charset=utf-8")
    assert caught.value.reason == "undecodable"


def test_sparse_stray_controls_are_dropped():
    html = page(ARTICLE * 5)
    body = html.encode().replace(b"<body>", b"<body>\x0b")
    assert decode_html(body).text == html


def test_empty_body_is_empty_text():
    assert decode_html(b"").text == ""


def test_decode_error_carries_reason_and_detail():
    error = DecodeError("garbled", "5 runs")
    assert isinstance(error, Exception)
    assert (error.reason, error.detail) == ("garbled", "5 runs")
    assert "garbled" in str(error)


@settings(max_examples=300, deadline=None)
@given(
    st.binary(max_size=2000),
    st.sampled_from([None, "text/html", "text/html; charset=utf-8", "charset=windows-1258",
                     "text/html; charset=iso-8859-1", "charset=utf-16", "charset=\x00bogus"]),
)
def test_decode_never_raises_anything_but_decode_error(body, content_type):
    try:
        result = decode_html(body, content_type)
    except DecodeError as error:
        assert error.reason in {"undecodable", "garbled"}
    else:
        assert isinstance(result.text, str)
        assert result.source in {"http", "bom", "meta", "detected", "fallback"}


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300), st.sampled_from(["utf-8", "cp1258", "utf-16"]))
def test_decode_never_raises_on_encoded_text(text, codec):
    body = text.encode(codec, errors="replace")
    try:
        decode_html(body)
    except DecodeError:
        pass


# ----------------------------------------------------------------------------- files


def test_decode_file_reads_plain_and_gzip(tmp_path):
    raw = page().encode()
    plain = tmp_path / "a.html"
    plain.write_bytes(raw)
    zipped = tmp_path / "b.html.gz"
    zipped.write_bytes(gzip.compress(raw))
    misnamed = tmp_path / "c.html"  # gzip by content, not by name
    misnamed.write_bytes(gzip.compress(raw))
    assert decode_file(plain) == decode_file(zipped) == decode_file(str(misnamed)) == raw


def test_decode_file_names_the_missing_file(tmp_path):
    missing = tmp_path / "missing.html"
    with pytest.raises(OSError, match="missing.html"):
        decode_file(missing)


def test_decode_file_names_the_corrupt_gzip(tmp_path):
    broken = tmp_path / "broken.html.gz"
    broken.write_bytes(gzip.compress(page().encode())[:30])
    with pytest.raises(ValueError, match="broken.html.gz"):
        decode_file(broken)


def test_long_page_with_a_few_stray_replacement_characters_is_not_garbled():
    # Pages that arrived damaged at a dozen points (a broken dash) are still readable text.
    paragraph = "<p>Sáng nay, Ủy ban nhân dân tỉnh tổ chức hội nghị tổng kết năm \ufffd và triển khai kế hoạch.</p>"
    body = ("<html><body>" + paragraph * 15 + "<p>" + "chữ " * 10000 + "</p></body></html>").encode("utf-8")
    decoded = decode_html(body)
    assert decoded.text.count("\ufffd") == 15


def test_short_page_with_several_replacement_runs_is_garbled():
    body = ("<html><body><p>Ch\ufffdng t\ufffdi \ufffdang \ufffd\ufffd nh\ufffd</p></body></html>").encode("utf-8")
    with pytest.raises(DecodeError) as caught:
        decode_html(body)
    assert caught.value.reason == "garbled"


# ----------------------------------------------------------------------------- w3lib's gaps
# cleaners/decode.py reads labels, headers, <meta> and BOMs with w3lib.encoding and covers what
# it does not: each case shows w3lib missing it and decode_html getting it right.

@pytest.mark.parametrize("label, codec", [("x-cp1258", "cp1258"), ("win-1258", "cp1258"), ("cp-1258", "cp1258"),
                                          ("unicode-1-1-utf-8", "utf-8"), ("x-cp1252", "cp1252")])
def test_w3lib_gap_labels(label, codec):
    from w3lib.encoding import resolve_encoding

    assert resolve_encoding(label) is None
    assert normalize_encoding(label) == codec


@pytest.mark.parametrize("content_type", ["text/html; charset='windows-1258'", "text/html; charset = windows-1258",
                                          "text/html; charset=x-cp1258"])
def test_w3lib_gap_header(content_type):
    from w3lib.encoding import http_content_type_encoding

    assert http_content_type_encoding(content_type) is None
    result = decode_html(to_cp1258(page()), content_type)
    assert (nfc(result.text), result.encoding, result.source) == (page(), "cp1258", "http")


def test_w3lib_gap_meta_utf16_means_utf8():
    from w3lib.encoding import html_body_declared_encoding

    body = page().replace("<head>", '<head><meta charset="utf-16">').encode()
    assert html_body_declared_encoding(body) == "utf-16"
    result = decode_html(body)
    assert (result.encoding, result.source) == ("utf-8", "meta")
