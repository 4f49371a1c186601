"""Metadata from JSON-LD, microdata, meta tags and the canonical link."""

import json
import unicodedata
from pathlib import Path

import lxml.html
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cleaners.structured import KEYS, load_json_lenient, structured_metadata

VN_REAL = Path(__file__).resolve().parents[1].parent / "shared" / "benchmarks" / "vn-real"


def page(head: str = "", body: str = "", base_url: str | None = None):
    markup = f"<html><head>{head}</head><body>{body}</body></html>"
    return lxml.html.fromstring(markup, base_url=base_url)


def ld(data) -> str:
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    return f'<script type="application/ld+json">{text}</script>'


ARTICLE = {
    "@context": "https://schema.org",
    "@type": "NewsArticle",
    "headline": "Tích cực chuẩn bị Đại hội Đảng bộ các cấp",
    "datePublished": "2019-11-29T16:14:00+07:00",
    "dateModified": "2019-11-30T08:00:00+07:00",
    "author": "Đinh Đông",
    "articleSection": "Xây dựng Đảng",
    "mainEntityOfPage": {"@type": "WebPage", "@id": "https://baolaichau.vn/xay-dung-dang/tich-cuc"},
    "description": "Thành ủy Lai Châu đang tích cực triển khai các bước chuẩn bị.",
    "image": {"@type": "ImageObject", "url": "https://baolaichau.vn/img/a.jpg"},
    "publisher": {"@type": "Organization", "name": "Báo Lai Châu"},
}


# ---- JSON-LD ---------------------------------------------------------------------------------

def test_json_ld_news_article_fields():
    assert structured_metadata(page(ld(ARTICLE))) == {
        "type": "NewsArticle",
        "title": "Tích cực chuẩn bị Đại hội Đảng bộ các cấp",
        "published": "2019-11-29T16:14:00+07:00",
        "modified": "2019-11-30T08:00:00+07:00",
        "author": "Đinh Đông",
        "section": "Xây dựng Đảng",
        "url": "https://baolaichau.vn/xay-dung-dang/tich-cuc",
        "description": "Thành ủy Lai Châu đang tích cực triển khai các bước chuẩn bị.",
        "image": "https://baolaichau.vn/img/a.jpg",
        "site_name": "Báo Lai Châu",
    }


def test_json_ld_graph_with_id_references():
    graph = {"@context": "https://schema.org", "@graph": [
        {"@type": "WebSite", "@id": "https://x.vn/#website", "name": "Báo X"},
        {"@type": "ImageObject", "@id": "https://x.vn/a#img", "url": "https://x.vn/a.jpg"},
        {"@type": "Person", "@id": "https://x.vn/#p1", "name": "Bình Duyên"},
        {"@type": ["Article", "NewsArticle"], "headline": "Tiêu đề", "url": "https://x.vn/a",
         "datePublished": "2020-03-17", "author": {"@id": "https://x.vn/#p1"},
         "image": {"@id": "https://x.vn/a#img"}, "articleSection": ["Thời Sự", "Kinh tế"]},
    ]}
    meta = structured_metadata(page(ld(graph)))
    assert meta["title"] == "Tiêu đề"
    assert meta["published"] == "2020-03-17"
    assert meta["author"] == "Bình Duyên"
    assert meta["image"] == "https://x.vn/a.jpg"
    assert meta["section"] == "Thời Sự"
    assert meta["site_name"] == "Báo X"  # no publisher: the WebSite node names the site
    assert meta["url"] == "https://x.vn/a"


def test_json_ld_top_level_list_picks_the_article_not_the_breadcrumb():
    breadcrumb = {"@type": "BreadcrumbList", "name": "Trang chủ", "itemListElement": []}
    article = {"@type": "ReportageNewsArticle", "headline": "Bài phóng sự",
               "datePublished": "2024-04-08T17:54:00+07:00"}
    meta = structured_metadata(page(ld([breadcrumb, article])))
    assert meta["type"] == "ReportageNewsArticle"
    assert meta["title"] == "Bài phóng sự"
    assert meta["published"] == "2024-04-08T17:54:00+07:00"


@pytest.mark.parametrize("type_", ["BlogPosting", "http://schema.org/NewsArticle",
                                   "schema:Article", ["WebPage", "NewsArticle"]])
def test_json_ld_article_type_spellings(type_):
    meta = structured_metadata(page(ld({"@type": type_, "headline": "Có"})))
    assert meta["title"] == "Có"
    assert meta["type"] in ("BlogPosting", "NewsArticle", "Article")


def test_json_ld_non_article_nodes_give_no_article_fields():
    meta = structured_metadata(page(ld({"@type": "Organization", "name": "Báo Mới",
                                        "datePublished": "2020-01-01"})))
    assert "published" not in meta and "title" not in meta and "type" not in meta


@pytest.mark.parametrize(("author", "expected"), [
    ({"@type": "Person", "name": "Duy Khánh"}, "Duy Khánh"),
    ([{"@type": "Person", "name": "Lệ Thủy"}, "Văn Huyến", {"name": "Quang Hiếu"}],
     "Lệ Thủy, Văn Huyến, Quang Hiếu"),
    (["Duy Khánh", "Duy Khánh"], "Duy Khánh"),
    ({"@type": "Person", "name": ["Minh Vũ"]}, "Minh Vũ"),
])
def test_json_ld_author_shapes(author, expected):
    meta = structured_metadata(page(ld({"@type": "NewsArticle", "author": author})))
    assert meta["author"] == expected


def test_json_ld_organization_author_is_not_a_byline():
    data = {"@type": "NewsArticle", "author": {"@type": "Organization", "name": "VnExpress"}}
    head = ld(data) + '<meta name="author" content="Lê Phương">'
    assert structured_metadata(page(head))["author"] == "Lê Phương"


BROKEN_JSON_LD = [
    # trailing commas
    '{"@type": "NewsArticle", "headline": "Có dấu phẩy thừa", "author": ["A",],}',
    # raw newline and tab inside a string, a vertical tab outside one
    '{"@type": "NewsArticle",\x0b "headline": "Có dấu\nxuống\tdòng"}',
    # the whole block wrapped in an HTML comment
    '<!-- {"@type": "NewsArticle", "headline": "Trong chú thích"} -->',
    # CDATA wrapper and a trailing semicolon
    '//<![CDATA[\n{"@type": "NewsArticle", "headline": "Trong CDATA"};\n//]]>',
]


@pytest.mark.parametrize("raw", BROKEN_JSON_LD)
def test_broken_json_ld_is_repaired(raw):
    assert structured_metadata(page(ld(raw)))["title"].startswith(("Có", "Trong"))


def test_control_characters_inside_strings_become_spaces_in_the_value():
    meta = structured_metadata(page(ld(BROKEN_JSON_LD[1])))
    assert meta["title"] == "Có dấu xuống dòng"


def test_hopeless_json_ld_is_skipped_and_other_sources_still_count():
    head = (ld('{"@type": "NewsArticle", "headline": ') + ld("not json at all")
            + ld({"@type": "NewsArticle", "datePublished": "2020-08-28T03:55:00+07:00"})
            + '<meta property="og:title" content="Tiêu đề từ og">')
    meta = structured_metadata(page(head))
    assert meta["published"] == "2020-08-28T03:55:00+07:00"
    assert meta["title"] == "Tiêu đề từ og"


def test_empty_and_deeply_nested_json_ld_do_not_crash():
    head = ld("") + ld("[" * 100_000 + "]" * 100_000) + ld("null") + ld('"text"')
    assert structured_metadata(page(head)) == {}


@given(st.text(max_size=200))
def test_lenient_loader_never_raises(raw):
    load_json_lenient(raw)


# ---- microdata -------------------------------------------------------------------------------

NUKEVIET_MICRODATA = """
<div class="news_column panel panel-default" itemscope itemtype="http://schema.org/NewsArticle">
  <div class="panel-body">
    <h1 class="title margin-bottom-lg" itemprop="headline">Phát huy kết quả đạt được</h1>
    <span class="hidden" itemprop="author" itemscope itemtype="http://schema.org/Person">
      <span itemprop="name">Duy Khánh (thực hiện)</span></span>
    <span class="hidden hide d-none" itemprop="datePublished">2020-08-28T03:55:00+07:00</span>
    <span class="hidden hide d-none" itemprop="dateModified">2020-08-29T10:00:00+07:00</span>
    <span class="hidden" itemprop="mainEntityOfPage">https://x.gov.vn/news/thoi-su/a-12.html</span>
    <span class="hidden hide d-none" itemprop="image">https://x.gov.vn/uploads/news/a.jpg</span>
    <div class="hidden" itemprop="publisher" itemscope itemtype="http://schema.org/Organization">
      <span itemprop="name">Cổng thông tin X</span>
      <span itemprop="logo" itemscope itemtype="http://schema.org/ImageObject">
        <span itemprop="url">https://x.gov.vn/logo.png</span></span>
    </div>
    <div class="row margin-bottom-lg"><span class="h5">Thứ sáu - 28/08/2020 03:55</span></div>
    <div class="hometext" itemprop="description">Lời dẫn của bài.</div>
  </div>
</div>
"""


def test_nukeviet_microdata():
    assert structured_metadata(page(body=NUKEVIET_MICRODATA)) == {
        "type": "NewsArticle",
        "title": "Phát huy kết quả đạt được",
        "published": "2020-08-28T03:55:00+07:00",
        "modified": "2020-08-29T10:00:00+07:00",
        "author": "Duy Khánh (thực hiện)",
        "url": "https://x.gov.vn/news/thoi-su/a-12.html",
        "site_name": "Cổng thông tin X",
        "description": "Lời dẫn của bài.",
        "image": "https://x.gov.vn/uploads/news/a.jpg",
    }


def test_microdata_visible_vietnamese_date_and_plain_author():
    body = """<article itemscope itemtype="https://schema.org/Article">
        <h2 itemprop="headline">Tiêu đề</h2>
        <time itemprop="datePublished">Thứ Ba, 17/03/2020</time>
        <span itemprop="author">Bình Duyên</span><span itemprop="author">Lê Thảo</span>
    </article>"""
    meta = structured_metadata(page(body=body))
    assert meta["published"] == "2020-03-17"
    assert meta["author"] == "Bình Duyên, Lê Thảo"


def test_microdata_datetime_attribute_wins_over_text():
    body = """<div itemscope itemtype="http://schema.org/NewsArticle">
        <time itemprop="datePublished" datetime="2024-04-08T17:54:00+07:00">17:54, 08/04/2024</time>
    </div>"""
    assert structured_metadata(page(body=body))["published"] == "2024-04-08T17:54:00+07:00"


def test_microdata_other_items_properties_do_not_leak_into_the_article():
    body = """<div itemscope itemtype="http://schema.org/NewsArticle">
        <div itemprop="publisher" itemscope itemtype="http://schema.org/Organization">
          <span itemprop="headline">Khẩu hiệu của tòa soạn</span></div>
        <h1 itemprop="headline">Tiêu đề thật</h1>
    </div>"""
    assert structured_metadata(page(body=body))["title"] == "Tiêu đề thật"


def test_microdata_without_article_scope_reads_loose_properties():
    head = '<meta content="2025-10-22T19:25:52+07:00" itemprop="datePublished" name="x-pub"/>'
    assert structured_metadata(page(head))["published"] == "2025-10-22T19:25:52+07:00"


# ---- meta tags and canonical -----------------------------------------------------------------

META_HEAD = """
<meta property="og:title" content="Tiêu đề og">
<meta property="og:url" content="https://x.vn/">
<meta property="og:site_name" content="Báo Bắc Kạn">
<meta property="og:description" content="Mô tả">
<meta property="og:image" content="https://x.vn/a.jpg">
<meta property="article:published_time" content="2024-06-12+0709:15:00">
<meta property="article:modified_time" content="2024-06-13+0710:00:00">
<meta property="article:section" content="Chính trị">
<meta name="author" content="Duy Khánh">
<meta name="generator" content="NukeViet v4.4">
<link rel="canonical" href="https://x.vn/news/chinh-tri/bai-viet-12.html">
"""


def test_meta_tags_including_broken_nukeviet_published_time():
    assert structured_metadata(page(META_HEAD)) == {
        "title": "Tiêu đề og",
        "published": "2024-06-12T09:15:00+07:00",
        "modified": "2024-06-13T10:00:00+07:00",
        "author": "Duy Khánh",
        "section": "Chính trị",
        "url": "https://x.vn/news/chinh-tri/bai-viet-12.html",  # canonical beats og:url
        "site_name": "Báo Bắc Kạn",
        "description": "Mô tả",
        "image": "https://x.vn/a.jpg",
        "generator": "NukeViet v4.4",
    }


@pytest.mark.parametrize("name", ["pubdate", "publishdate", "date", "dc.date", "DC.Date"])
def test_meta_date_names(name):
    head = f'<meta name="{name}" content="22/12/2019 06:05">'
    assert structured_metadata(page(head))["published"] == "2019-12-22T06:05:00+07:00"


def test_meta_article_author_and_invalid_first_value():
    head = ('<meta property="article:author" content="https://facebook.com/baoxyz">'
            '<meta property="article:published_time" content="không rõ">'
            '<meta name="pubdate" content="2020-08-28T03:55:00+07:00">'
            '<meta name="author" content="Đinh Đông">')
    meta = structured_metadata(page(head))
    assert meta["author"] == "Đinh Đông"  # a profile URL is not a byline
    assert meta["published"] == "2020-08-28T03:55:00+07:00"


def test_relative_canonical_is_resolved_against_the_page_url():
    head = '<link rel="Canonical" href="/news/a-1.html"><meta property="og:url" content="/">'
    meta = structured_metadata(page(head, base_url="https://x.vn/news/a-1.html?utm_source=fb"))
    assert meta["url"] == "https://x.vn/news/a-1.html"


def test_relative_url_without_base_is_dropped():
    meta = structured_metadata(page('<link rel="canonical" href="/news/a-1.html">'))
    assert "url" not in meta


# ---- priority and validation -----------------------------------------------------------------

def test_json_ld_beats_microdata_beats_meta():
    head = ld({"@type": "NewsArticle", "headline": "Từ JSON-LD"}) + META_HEAD
    body = NUKEVIET_MICRODATA
    meta = structured_metadata(page(head, body))
    assert meta["title"] == "Từ JSON-LD"
    assert meta["published"] == "2020-08-28T03:55:00+07:00"  # microdata over meta
    assert meta["author"] == "Duy Khánh (thực hiện)"
    assert meta["generator"] == "NukeViet v4.4"              # only meta has it


def test_invalid_higher_priority_date_is_skipped():
    head = (ld({"@type": "NewsArticle", "datePublished": "31/02/2020"})
            + '<meta property="article:published_time" content="2020-03-01T08:00:00+07:00">')
    assert structured_metadata(page(head))["published"] == "2020-03-01T08:00:00+07:00"


def test_date_only_value_is_refined_by_a_lower_source_of_the_same_day():
    head = (ld({"@type": "NewsArticle", "datePublished": "2026-07-20"})
            + '<meta name="pubdate" content="2026-07-20 06:03 + 07:00">')
    assert structured_metadata(page(head))["published"] == "2026-07-20T06:03:00+07:00"


def test_date_from_a_lower_source_on_another_day_does_not_override():
    head = (ld({"@type": "NewsArticle", "datePublished": "2026-07-20"})
            + '<meta name="pubdate" content="2026-07-21T06:03:00+07:00">')
    assert structured_metadata(page(head))["published"] == "2026-07-20"


@pytest.mark.parametrize("author", ["Báo Bắc Kạn", "baobackan.org.vn", "VCCorp.vn", "x"])
def test_site_names_and_domains_are_not_authors(author):
    head = (f'<meta name="author" content="{author}">'
            '<meta property="og:site_name" content="Báo Bắc Kạn">'
            '<link rel="canonical" href="https://x.vn/a.html">')
    assert "author" not in structured_metadata(page(head))


def test_values_are_stripped_unescaped_and_nfc():
    nfd_title = unicodedata.normalize("NFD", "Đảng bộ tỉnh Bắc Kạn")
    head = (f'<meta property="og:title" content="  {nfd_title} &amp;amp; X \n">'
            '<meta name="author" content="  Bình   Duyên ">')
    meta = structured_metadata(page(head))
    assert meta["title"] == "Đảng bộ tỉnh Bắc Kạn & X"
    assert unicodedata.is_normalized("NFC", meta["title"])
    assert meta["author"] == "Bình Duyên"


def test_page_without_structured_data_gives_empty_dict():
    assert structured_metadata(page(body="<p>Chỉ có văn bản.</p>")) == {}


def test_empty_values_are_not_returned():
    head = '<meta property="og:title" content="   "><meta name="author" content="">'
    assert structured_metadata(page(head)) == {}


# ---- real pages ------------------------------------------------------------------------------

def _vn_real_pages():
    return sorted(VN_REAL.glob("*.html")) if VN_REAL.is_dir() else []


@pytest.mark.skipif(not VN_REAL.is_dir(), reason="../shared/benchmarks/vn-real not available")
@pytest.mark.parametrize("path", _vn_real_pages(), ids=lambda p: p.stem)
def test_real_pages_give_the_gold_publication_day(path):
    gold = json.loads(path.with_name(f"{path.stem}.meta.json").read_text(encoding="utf-8"))
    meta = structured_metadata(lxml.html.fromstring(path.read_text(encoding="utf-8")))
    assert set(meta) <= set(KEYS)
    if gold["kind"] == "article":
        assert meta["published"][:10] == gold["published"]
        assert meta["url"] == gold["url"]
