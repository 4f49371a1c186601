"""The article region (cleaners/region.py, cleaners/generic.py) and configured mode's fallbacks,
on small pages written for the case: article or not decided on the article, captions outside
the body, trailing bylines, teaser dates, table layouts, <time datetime>, selector misses."""

from __future__ import annotations

import shutil
from pathlib import Path

from cleaners.extract import Removed, parse_html, read_field
from cleaners.siteconfig import FieldRule

ROOT = Path(__file__).resolve().parent.parent
URL = "https://tinh.example.vn/thoi-su/hoi-nghi-trien-khai-ke-hoach-2026-12345.html"
MENU = "".join(f"<li><a href='/muc-{i}/'>Chuyên mục số {i}</a></li>" for i in range(25))
FOOTER = "<footer><p>Giấy phép số 12/GP-BTTTT. Ghi rõ nguồn khi phát hành lại thông tin từ website này.</p></footer>"
PARAS = [
    "Sáng 5/3, Ủy ban nhân dân tỉnh tổ chức hội nghị triển khai kế hoạch phát triển kinh tế - xã hội năm 2026.",
    "Phát biểu tại hội nghị, Chủ tịch UBND tỉnh yêu cầu các sở, ngành tập trung tháo gỡ khó khăn cho doanh nghiệp.",
    "Năm 2026, tỉnh phấn đấu tăng trưởng kinh tế đạt 8%, thu ngân sách vượt dự toán được giao.",
]
SAPO = "Hội nghị đặt mục tiêu tăng trưởng cao nhất từ trước tới nay, với ba nhóm giải pháp trọng tâm."


def teasers(count, prefix="Tin", dated=True):
    cards = []
    for i in range(count):
        date = f"<span class='time'>0{i % 9 + 1}/12/2026 10:1{i % 10}</span>" if dated else ""
        cards.append(f"<div class='story'><h3><a href='/tin/bai-{prefix}-{i}.html'>{prefix} số {i}: tỉnh triển khai "
                     f"nhiều giải pháp mới trong tháng</a></h3>{date}<p class='summary'>Tóm tắt bài {prefix} số {i} "
                     f"về hoạt động của các sở, ngành trong tỉnh trong tuần qua và kế hoạch tuần tới.</p></div>")
    return "".join(cards)


def page(main, head=""):
    return (f"<html><head><meta charset='utf-8'><title>Báo tỉnh</title>{head}</head><body>"
            f"<header><div class='clock'>Thứ hai, 07/12/2026 09:00 [GMT+7]</div><ul class='menu'>{MENU}</ul></header>"
            f"<main>{main}</main>{FOOTER}</body></html>").encode("utf-8")


def article(extra_body="", before_body="", after_body="", date="05/03/2026 08:15"):
    body = "".join(f"<p>{p}</p>" for p in PARAS)
    return (f"<div class='detail'><h1>Hội nghị triển khai kế hoạch năm 2026</h1><div class='meta'>{date}</div>"
            f"<div class='sapo'>{SAPO}</div>{before_body}<div class='content'>{body}{extra_body}</div>"
            f"{after_body}</div>")


# --- article or not -------------------------------------------------------------------------

def test_short_article_among_heavy_teasers_is_an_article(cleaner):
    html = page(article(after_body=f"<div class='related'><h2>Tin liên quan</h2>{teasers(12)}</div>")
                + f"<aside><h2>Đọc nhiều</h2>{teasers(10, 'Đọc')}</aside>")
    result = cleaner.clean(html, url=URL, site="generic")
    assert result.ok, result.detail
    assert result.document.paragraphs == [SAPO, *PARAS]


def test_category_listing_is_not_an_article(cleaner):
    listing = (f"<h1>Kinh tế</h1>{teasers(15)}<div class='pagination'><a rel='next' href='/kinh-te/p2'>2</a></div>")
    result = cleaner.clean(page(listing), url="https://tinh.example.vn/kinh-te/", site="generic")
    assert not result.ok and result.reason == "not-article"
    assert "teaser" in result.detail, result.detail


def test_article_taken_from_under_its_headline_when_the_extraction_took_the_teasers(cleaner):
    """Two short paragraphs under the headline, a long teaser box under them."""
    short = (f"<div class='detail'><h1>Hội nghị triển khai kế hoạch năm 2026</h1><p>{PARAS[0]}</p><p>{PARAS[1]}</p>"
             f"<p>{PARAS[2]}</p></div><div class='related'>{teasers(20)}</div>")
    result = cleaner.clean(page(short), url=URL, site="generic")
    assert result.ok, result.detail
    assert result.document.paragraphs == PARAS


# --- what belongs to the article ----------------------------------------------------------------

def test_caption_before_the_body_is_kept_once_in_page_order(cleaner):
    caption = "Quang cảnh hội nghị triển khai kế hoạch năm 2026. Ảnh: Minh Anh"
    figure = f"<figure><img src='/a.jpg' alt=''><figcaption>{caption}</figcaption></figure>"
    result = cleaner.clean(page(article(before_body=figure)), url=URL, site="generic")
    assert result.ok, result.detail
    assert result.document.paragraphs == [SAPO, caption, *PARAS]


def test_trailing_byline_becomes_the_author(cleaner):
    result = cleaner.clean(page(article(extra_body="<p>Nguyễn Văn An</p>")), url=URL, site="generic")
    assert result.ok, result.detail
    assert result.document.author == "Nguyễn Văn An"
    assert result.document.paragraphs == [SAPO, *PARAS]


def test_subheading_dropped_by_the_extraction_comes_back(cleaner):
    body = "".join(f"<h2>Phần {i}: nhiệm vụ trọng tâm</h2><p>{p}</p>" for i, p in enumerate(PARAS))
    main = f"<div class='detail'><h1>Hội nghị triển khai kế hoạch năm 2026</h1><div class='content'>{body}</div></div>"
    result = cleaner.clean(page(main), url=URL, site="generic")
    assert result.ok, result.detail
    paragraphs = result.document.paragraphs
    for i, text in enumerate(PARAS):
        assert paragraphs.index(f"Phần {i}: nhiệm vụ trọng tâm") == paragraphs.index(text) - 1


# --- metadata -------------------------------------------------------------------------------

def test_teaser_dates_and_header_clock_are_not_the_publication_date(cleaner):
    main = f"<aside><h2>Tin khác</h2>{teasers(6)}</aside>" + article()
    result = cleaner.clean(page(main), url=URL, site="generic")
    assert result.ok, result.detail
    assert result.document.published == "2026-03-05T08:15:00+07:00"


def test_time_datetime_beside_the_headline_gives_the_date(cleaner):
    time = "<time datetime='2026-03-05T08:15:00+07:00'>Thứ năm, 5 tháng 3</time>"
    result = cleaner.clean(page(article(date=time)), url=URL, site="generic")
    assert result.ok, result.detail
    assert result.document.published == "2026-03-05T08:15:00+07:00"


def test_published_selector_on_time_reads_its_datetime():
    tree = parse_html("<html><body><time class='d' datetime='2026-03-05T08:15:00+07:00'>5/3</time></body></html>")
    removed: list[Removed] = []
    assert read_field(tree, [FieldRule(css="time.d")], removed, "published") == "2026-03-05T08:15:00+07:00"
    text_tree = parse_html("<html><body><span class='d'>05/03/2026</span></body></html>")
    assert read_field(text_tree, [FieldRule(css="span.d")], removed, "published") == "05/03/2026"


# --- table layouts --------------------------------------------------------------------------

def test_table_layout_page_comes_out_as_clean_as_a_modern_one(cleaner):
    """One layout table: header row, menu row, breadcrumb, a <font> headline, 'Cập nhật:' line,
    a Word-made body (MsoNormal), print/send links, footer; served as windows-1258."""
    menu = "".join(f"<td class='menu'><a href='/m{i}.asp'>Mục {i}</a></td>" for i in range(6))
    body = "".join(f"<p class='MsoNormal'><font face='Arial'>{p}</font></p>" for p in PARAS)
    html = (
        "<html><head><meta http-equiv='Content-Type' content='text/html; charset=windows-1258'>"
        "<title>Hội nghị triển khai kế hoạch năm 2026 - Báo tỉnh</title></head><body>"
        "<table width='100%'><tr><td colspan='6'><img src='/logo.gif'> Thứ hai, 07/12/2026</td></tr>"
        f"<tr>{menu}</tr>"
        "<tr><td colspan='6'><a href='/'>Trang chủ</a> &gt; <a href='/kt.asp'>Kinh tế</a></td></tr>"
        "<tr><td colspan='6'><font size='4'><b>Hội nghị triển khai kế hoạch năm 2026</b></font></td></tr>"
        "<tr><td colspan='6'>Cập nhật: 05/03/2026 08:15</td></tr>"
        f"<tr><td colspan='6'><b>{SAPO}</b></td></tr>"
        f"<tr><td colspan='6'>{body}</td></tr>"
        "<tr><td colspan='6'><a href='/print.asp'>In bài này</a> | <a href='/send.asp'>Gửi bài này</a></td></tr>"
        "<tr><td colspan='6'>Bản quyền thuộc Báo tỉnh. Giấy phép số 12/GP-BTTTT.</td></tr>"
        "</table></body></html>")
    raw = html.encode("cp1258", errors="strict") if _cp1258_ok(html) else html.encode("utf-8")
    result = cleaner.clean(raw, url="http://tinh.example.vn/news.asp?id=12345", site="generic")
    assert result.ok, result.detail
    assert result.document.title == "Hội nghị triển khai kế hoạch năm 2026"
    assert result.document.paragraphs == [SAPO, *PARAS]
    assert result.document.published == "2026-03-05T08:15:00+07:00"


def _cp1258_ok(text: str) -> bool:
    import unicodedata

    try:
        unicodedata.normalize("NFD", text).encode("cp1258")
    except UnicodeEncodeError:
        return False
    return True


# --- configured mode: selectors are hints, not the only way -----------------------------------

def _nukeviet(caption_holder: str, lead_class: str = "hometext") -> bytes:
    body = "".join(f"<p>{p}</p>" for p in PARAS)
    return (
        "<html><head><meta charset='utf-8'><meta name='generator' content='NukeViet v4.3'>"
        "<title>Hội nghị triển khai kế hoạch năm 2026</title></head><body><div class='news_column'>"
        "<h1 class='title'>Hội nghị triển khai kế hoạch năm 2026</h1>"
        f"<div class='{lead_class}'>{SAPO}</div>{caption_holder}"
        f"<div id='news-bodyhtml' class='bodytext'>{body}</div></div></body></html>").encode("utf-8")


def test_profile_caption_outside_the_body_is_kept(cleaner):
    """NukeViet 4.0-4.4 shows the first photo's caption in #imgpreview before the body."""
    caption = "Quang cảnh hội nghị. Ảnh: Minh Anh"
    holder = (f"<figure class='article left'><div id='imgpreview'><p><img src='/a.jpg'></p>"
              f"<figcaption>{caption}</figcaption></div></figure>")
    result = cleaner.clean(_nukeviet(holder), url="https://portal.example.vn/news/thoi-su/hoi-nghi-12.html")
    assert result.ok and result.cms == "nukeviet4", result.detail
    assert result.document.paragraphs == [SAPO, caption, *PARAS]


def test_missed_lead_selector_is_noted_and_the_lead_kept(cleaner):
    """A theme that renamed the lead's class: the generic lead rule finds it; the miss is reported."""
    result = cleaner.clean(_nukeviet("", lead_class="sapo-moi"),
                           url="https://portal.example.vn/news/thoi-su/hoi-nghi-12.html")
    assert result.ok, result.detail
    assert result.document.paragraphs[0] == SAPO
    assert ("lead", ["'.news_column div.hometext'", "'div.hometext'"]) not in result.misses  # names, not reprs
    assert any(name == "lead" for name, _ in result.misses)
    assert any("lead found by" in note for note in result.notes)


def test_try_exits_4_and_says_why_when_the_body_selector_misses(tmp_path, capsys):
    from crawler.cli import main

    config = tmp_path / "config"
    shutil.copytree(ROOT / "config", config)
    site = config / "sites" / "baolaichau.yaml"
    site.write_text(site.read_text(encoding="utf-8").replace("body: ['#article-body']", "body: ['#nothing']"),
                    encoding="utf-8")
    html = tmp_path / "page.html"
    html.write_bytes(page(article(), head="<script type='application/ld+json'>"
                          "{\"@type\": \"NewsArticle\", \"headline\": \"Hội nghị triển khai kế hoạch năm 2026\"}"
                          "</script>"))
    code = main(["try", "baolaichau", str(html), "--url", "http://baolaichau.vn/kinh-t%E1%BA%BF/hoi-nghi-12",
                 "--config", str(config), "--explain"])
    out, err = capsys.readouterr()
    assert code == 4, out + err
    assert "selector miss: body ['#nothing'] matched nothing" in out
    assert "fallback: generic extraction" in out
    assert "body selector(s) of baolaichau matched nothing" in err


def test_explain_in_generic_mode_names_what_went_and_which_step(cleaner):
    html = page(article(after_body=f"<div class='related'>{teasers(3)}</div>"))
    result = cleaner.clean(html, url=URL, site="generic", explain=True)
    assert result.ok, result.detail
    steps = {removal.step for removal in result.removed}
    assert "region" in steps and all(removal.step and removal.rule for removal in result.removed)
    assert sum(result.counts.get(step, 0) for step in steps) == len(result.removed)


def test_gates_are_counted_steps(cleaner):
    short = ("<html><head><title>Hội nghị</title></head><body><article><h1>Hội nghị triển khai kế hoạch năm 2026</h1>"
             "<p>Hội nghị diễn ra sáng nay tại trụ sở Ủy ban nhân dân tỉnh, kéo dài một giờ.</p></article>"
             "</body></html>").encode()
    result = cleaner.clean(short, url=URL, site="generic", explain=True)
    assert not result.ok and result.reason == "too-short", result.detail
    assert result.counts.get("length") == 1
    assert result.removed[-1].step == "length" and result.removed[-1].rule == "too-short"


def test_step_counts_are_named_for_the_crawl_stats(cleaner):
    html = page(article(extra_body="<p>Nguyễn Văn An</p>", after_body=f"<div class='related'>{teasers(3)}</div>"))
    result = cleaner.clean(html, url=URL, site="generic")
    assert result.ok, result.detail
    stats = result.stats()
    assert stats["clean/byline/removed"] == 1 and stats["clean/region/removed"] >= 1
    assert all(key.startswith("clean/") and key.endswith("/removed") for key in stats)
