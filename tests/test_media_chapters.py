"""Chapters of a media player (cleaners/region.py `chapter_runs`, cleaners/generic.py `_add_chapters`).

A podcast or video page lists the parts of its recording as controls that seek the page's
player ("00:17 Title" as a link to `javascript:;`, or an element with `data-time`). In generic
mode the chapter titles are the article's text, without their times; the hint above the list,
the player's own labels and lists of other recordings (real links with durations) are not.
Small pages written for the case; the real page (VnExpress podcast) is in tests/test_vn_real.py.
"""

from __future__ import annotations

from cleaners.extract import parse_html
from cleaners.region import PageMap, chapter_runs

URL = "https://tin.example.vn/podcast/diem-tin-sang-nay-5099257.html"
HEADLINE = "Điểm tin sáng: giá lúa tăng, tỉnh mở thêm ba tuyến xe buýt liên huyện"
LEAD = "Giá lúa tại đồng bằng tăng mạnh; ba tuyến xe buýt mới nối trung tâm tỉnh với các huyện miền núi..."
CHAPTERS = [
    (17, "00:17", "Giá lúa tại đồng bằng tăng 300 đồng mỗi kg"),
    (69, "01:09", "Tỉnh mở thêm ba tuyến xe buýt liên huyện"),
    (112, "01:52", "Học sinh vùng cao được hỗ trợ tiền ăn trưa"),
    (3725, "1:02:05", "Dự báo thời tiết cuối tuần: mưa rào ở vùng núi"),
]
MENU = "".join(f"<li><a href='/muc-{i}/'>Chuyên mục số {i}</a></li>" for i in range(20))
OTHER_EPISODES = "".join(
    f"<article class='item'><a href='/podcast/ban-tin-so-{i}-50990{i}.html'><span class='dur'>0{i}:3{i}</span>"
    f"<h3>Bản tin số {i}: những tin đáng chú ý trong ngày hôm qua</h3></a></article>" for i in range(1, 7))


def page(player_list: str, body: str = "") -> bytes:
    return (f"<html><head><meta charset='utf-8'><title>{HEADLINE} - Báo Mẫu</title></head><body>"
            f"<header><ul class='menu'>{MENU}</ul></header>"
            f"<section class='detail-podcast'><div class='info'><span class='date'>Thứ hai, 20/7/2026, 06:03</span>"
            f"<h1 class='title'>{HEADLINE}</h1><p class='description'>{LEAD}</p></div>"
            f"<div class='player'><audio src='/a.mp3'></audio><button class='play'>Phát</button></div>{body}"
            f"<div class='tabs'><p><a href='javascript:;' class='tab'>Nội dung chính</a></p>"
            f"<p class='hint'>Bấm để chuyển tới nội dung bạn muốn nghe</p>{player_list}</div></section>"
            f"<section class='more'><h2>Xem tiếp</h2>{OTHER_EPISODES}</section>"
            f"<footer><p>Giấy phép số 12/GP-BTTTT. Ghi rõ nguồn khi phát hành lại thông tin.</p></footer>"
            f"</body></html>").encode("utf-8")


def seek_links(chapters=CHAPTERS) -> str:
    items = "".join(f"<li><a href='javascript:;' data-time='{s}'><strong>{t}</strong> {title}</a></li>"
                    for s, t, title in chapters)
    return f"<ul class='chapters'>{items}</ul>"


def titles(chapters=CHAPTERS) -> list[str]:
    return [title for _, _, title in chapters]


def test_seek_links_are_the_articles_chapter_titles(cleaner):
    result = cleaner.clean(page(seek_links()), url=URL, site="generic")
    assert result.ok, result.detail
    assert result.document.title == HEADLINE
    assert result.document.paragraphs == [LEAD, *titles()]


def test_time_and_title_in_two_blocks_of_one_control(cleaner):
    """A control holding the time and the title in separate divs, marked by data-seek, no link."""
    items = "".join(f"<div class='chapter' data-seek='{s}'><div class='time'>{t}</div>"
                    f"<div class='name'>{title}</div></div>" for s, t, title in CHAPTERS)
    result = cleaner.clean(page(f"<div class='chapters'>{items}</div>"), url=URL, site="generic")
    assert result.ok, result.detail
    assert result.document.paragraphs == [LEAD, *titles()]


def test_chapters_after_a_body_keep_the_page_order(cleaner):
    body_paragraphs = [
        "Sáng nay, giá lúa tại các tỉnh đồng bằng tăng thêm 300 đồng mỗi kg so với tuần trước, theo các thương lái.",
        "Sở Giao thông vận tải cho biết ba tuyến xe buýt mới sẽ chạy từ đầu tháng sau, mỗi tuyến 20 chuyến một ngày.",
        "Các trường vùng cao nhận kinh phí hỗ trợ tiền ăn trưa cho học sinh bán trú từ học kỳ này.",
    ]
    body = "<div class='content'>" + "".join(f"<p>{p}</p>" for p in body_paragraphs) + "</div>"
    result = cleaner.clean(page(seek_links(), body=body), url=URL, site="generic")
    assert result.ok, result.detail
    assert result.document.paragraphs == [LEAD, *body_paragraphs, *titles()]


def test_links_to_other_pages_with_durations_are_not_chapters(cleaner):
    """'Xem tiếp' lists other episodes with their lengths: real links, not seek controls."""
    html = page("")
    runs = chapter_runs(PageMap(parse_html(html.decode("utf-8"))).blocks)
    assert runs == []
    result = cleaner.clean(html, url=URL, site="generic")
    assert result.ok, result.detail
    assert result.document.paragraphs[0] == LEAD
    assert not any("Bản tin số" in p for p in result.document.paragraphs)


def test_timestamped_lines_without_a_seek_control_are_not_chapters():
    items = "".join(f"<li><span>{t}</span> {title}</li>" for _, t, title in CHAPTERS)
    blocks = PageMap(parse_html(f"<html><body><ul>{items}</ul></body></html>")).blocks
    assert chapter_runs(blocks) == []


def test_chapter_runs_need_two_entries_and_rising_times():
    def runs_of(chapters):
        return chapter_runs(PageMap(parse_html(f"<html><body>{seek_links(chapters)}</body></html>")).blocks)

    found = runs_of(CHAPTERS)
    assert [[(c.seconds, c.title) for c in run] for run in found] == [[(s, title) for s, _, title in CHAPTERS]]
    assert runs_of(CHAPTERS[:1]) == []
    # Times going back: two lists, not one (and a lone entry is none).
    back = [CHAPTERS[1], CHAPTERS[0]]
    assert runs_of(back) == []


def test_time_at_the_end_and_a_bare_fragment_link():
    items = "".join(f"<li><a href='#'>{title} ({t})</a></li>" for _, t, title in CHAPTERS)
    blocks = PageMap(parse_html(f"<html><body><ol>{items}</ol></body></html>")).blocks
    assert [c.title for run in chapter_runs(blocks) for c in run] == titles()


def test_chapters_below_a_related_list_heading_are_not_the_articles(cleaner):
    """A playlist of other recordings under 'Tin liên quan' is no part of this article."""
    related = f"<h2>Tin liên quan</h2>{seek_links()}"
    body = ("<div class='content'><p>Sáng nay, giá lúa tại các tỉnh đồng bằng tăng thêm 300 đồng mỗi kg so với "
            "tuần trước, theo các thương lái ở chợ đầu mối.</p><p>Sở Giao thông vận tải cho biết ba tuyến xe "
            "buýt mới sẽ chạy từ đầu tháng sau, mỗi tuyến 20 chuyến một ngày.</p></div>")
    result = cleaner.clean(page(related, body=body), url=URL, site="generic")
    assert result.ok, result.detail
    assert not set(titles()) & set(result.document.paragraphs)


def test_latest_news_lines_with_their_times_are_not_chapters():
    """'06:15 Title' lines of a latest-news box: a publication timestamp in data-time, or the
    shown time in data-time around a link to another article: teasers, not chapters."""
    unix = "".join(f"<li data-time='178448654{i}'><span>0{i}:15</span> Tin số {i} về hoạt động của các sở, "
                   f"ngành trong tỉnh</li>" for i in range(1, 5))
    linked = "".join(f"<li data-time='{i * 3600 + 900}'><span>0{i}:15</span> <a href='/tin/bai-{i}.html'>Tin số "
                     f"{i} về hoạt động của các sở, ngành trong tỉnh</a></li>" for i in range(1, 5))
    for items in (unix, linked):
        blocks = PageMap(parse_html(f"<html><body><ul>{items}</ul></body></html>")).blocks
        assert chapter_runs(blocks) == [], items


def test_headline_glued_to_its_date_and_lead_goes_once_the_lead_is_there():
    """The podcast page's header (date, headline, lead) comes out of trafilatura glued into one
    line as well as piece by piece: the glued copy goes; a paragraph that merely starts with the
    headline's words, or glues in text found nowhere else, stays."""
    from cleaners.extract import Block
    from cleaners.generic import _unglue_headline

    glued = Block(f"Thứ hai, 20/7/2026, 06:03 (GMT+7) {HEADLINE} {LEAD}")
    removed = []
    kept = _unglue_headline([glued, Block(HEADLINE, "heading"), Block(LEAD)], HEADLINE, removed)
    assert [b.text for b in kept] == [HEADLINE, LEAD] and len(removed) == 1
    title = "API documentation"
    prose = Block("API documentation is a set of human-readable instructions for using an API.")
    assert _unglue_headline([prose], title, []) == [prose]
    alone = Block(f"{HEADLINE} {LEAD}")  # the lead nowhere else: the only copy stays
    assert _unglue_headline([alone], HEADLINE, []) == [alone]


def test_chapter_list_outside_the_articles_wrapper_is_not_the_articles(cleaner):
    """A site-wide radio widget in its own box under <body>: it shares only <body> with the headline."""
    body = ("<p>Sáng nay, giá lúa tại các tỉnh đồng bằng tăng thêm 300 đồng mỗi kg so với tuần trước, theo các "
            "thương lái ở chợ đầu mối.</p><p>Sở Giao thông vận tải cho biết ba tuyến xe buýt mới sẽ chạy từ đầu "
            "tháng sau, mỗi tuyến 20 chuyến một ngày.</p>")
    html = (f"<html><head><meta charset='utf-8'><title>{HEADLINE}</title></head><body>"
            f"<div class='detail'><h1>{HEADLINE}</h1><p class='sapo'>{LEAD}</p><div class='content'>{body}</div></div>"
            f"<div class='radio-widget'>{seek_links()}</div></body></html>").encode("utf-8")
    result = cleaner.clean(html, url=URL, site="generic")
    assert result.ok, result.detail
    assert not set(titles()) & set(result.document.paragraphs)
