"""Configured mode degrades gracefully on a theme variant: where the profile's selectors miss,
the parts of the article are found by structure (cleaners/extract.py). Small NukeViet 4 pages
(the profile is chosen by the generator meta and #news-bodyhtml), written for each case."""

from __future__ import annotations

URL = "https://portal.example.vn/news/thoi-su/hoi-nghi-12.html"
TITLE = "Hội nghị triển khai kế hoạch năm 2026"
SAPO = "Hội nghị đặt mục tiêu tăng trưởng cao nhất từ trước tới nay, với ba nhóm giải pháp trọng tâm."
PARAS = [
    "Sáng 5/3, Ủy ban nhân dân tỉnh tổ chức hội nghị triển khai kế hoạch phát triển kinh tế - xã hội năm 2026.",
    "Phát biểu tại hội nghị, Chủ tịch UBND tỉnh yêu cầu các sở, ngành tập trung tháo gỡ khó khăn cho doanh nghiệp.",
    "Năm 2026, tỉnh phấn đấu tăng trưởng kinh tế đạt 8%, thu ngân sách vượt dự toán được giao.",
]
CAPTION = "Quang cảnh hội nghị. Ảnh: Minh Anh"


def page(between="", after="", body_attrs="id='news-bodyhtml' class='bodytext'", wrapper="news_column",
         head="") -> bytes:
    body = "".join(f"<p>{p}</p>" for p in PARAS)
    return (
        "<html><head><meta charset='utf-8'><meta name='generator' content='NukeViet v4.3'>"
        f"<title>{TITLE}</title>{head}</head><body><div class='menu'><ul><li><a href='/'>Trang chủ</a></li></ul></div>"
        f"<div class='{wrapper}'><h1 class='title'>{TITLE}</h1>{between}"
        f"<div {body_attrs}>{body}</div>{after}</div>"
        "<div class='other-news'><ul><li><a href='/news/a.html'>Tin khác số một của chuyên mục thời sự</a>"
        "<span class='time'>(04/03/2026)</span></li></ul></div></body></html>").encode("utf-8")


def clean(cleaner, html):
    result = cleaner.clean(html, url=URL, explain=True)
    assert result.ok, result.detail
    assert result.cms == "nukeviet4"
    return result


def test_lead_under_an_unknown_class_is_found_between_headline_and_body(cleaner):
    html = page(between=f"<div class='row'><span class='h5'>05/03/2026 08:30</span></div>"
                        f"<div class='sapo-new'><p>{SAPO}</p></div>")
    result = clean(cleaner, html)
    assert result.document.paragraphs == [SAPO, *PARAS]
    assert any("lead found by structure" in note for note in result.notes)


def test_lead_fallback_skips_links_dates_and_bylines(cleaner):
    between = ("<ul class='related'><li><a href='/news/b.html'>Một bài viết liên quan rất dài về hội nghị tỉnh "
               "năm nay</a></li></ul><div class='info'>Thứ Năm, 05/03/2026 08:30</div>"
               f"<div class='x-intro'>{SAPO}</div>")
    result = clean(cleaner, page(between=between))
    assert result.document.paragraphs[0] == SAPO


def test_no_lead_is_invented_when_there_is_none(cleaner):
    result = clean(cleaner, page(between="<div class='share'><a href='#'>Chia sẻ</a> <a href='#'>In bài</a></div>"))
    assert result.document.paragraphs == PARAS


def test_date_in_an_unnamed_element_next_to_the_headline(cleaner):
    result = clean(cleaner, page(between=f"<span class='time-x'>05/03/2026 08:30</span><div class='hometext'>{SAPO}</div>"))
    assert result.document.published == "2026-03-05T08:30:00+07:00"


def test_time_datetime_next_to_the_headline_gives_its_attribute(cleaner):
    between = (f"<p class='meta'><time datetime='2026-03-05T08:30:00+07:00'>5 tháng 3</time></p>"
               f"<div class='hometext'>{SAPO}</div>")
    assert clean(cleaner, page(between=between)).document.published == "2026-03-05T08:30:00+07:00"


def test_structured_data_comes_before_the_visible_fallback(cleaner):
    head = "<meta property='article:published_time' content='2026-03-05T08:31:00+07:00'>"
    result = clean(cleaner, page(between="<span>04/03/2026 07:00</span>", head=head))
    assert result.document.published == "2026-03-05T08:31:00+07:00"


def test_a_teasers_date_below_the_article_is_not_taken(cleaner):
    result = clean(cleaner, page(between=f"<div class='hometext'>{SAPO}</div>"))
    assert result.document.published is None  # the only date is in the "tin khác" list


def test_author_element_after_the_body_when_the_selector_misses(cleaner):
    result = clean(cleaner, page(after="<div class='author-name'>Minh Anh</div>"))
    assert result.document.author == "Minh Anh"


def test_caption_holder_before_the_body_under_unknown_classes(cleaner):
    holder = f"<div class='pic-top'><p><img src='/a.jpg'></p><p class='pic-text'>{CAPTION}</p></div>"
    result = clean(cleaner, page(between=f"<div class='hometext'>{SAPO}</div>{holder}"))
    assert result.document.paragraphs == [SAPO, CAPTION, *PARAS]


def test_caption_classed_element_after_a_photo_after_the_body(cleaner):
    after = f"<div class='pic'><img src='/b.jpg'></div><div class='photo-note'>{CAPTION}</div>"
    result = clean(cleaner, page(after=after))
    assert result.document.paragraphs == [*PARAS, CAPTION]


def test_a_related_card_with_a_photo_is_no_caption(cleaner):
    after = ("<div class='card'><img src='/c.jpg'><a href='/news/c.html'>Tỉnh tổng kết công tác năm 2025 và "
             "triển khai nhiệm vụ</a> Tóm tắt ngắn.</div>")
    assert clean(cleaner, page(after=after)).document.paragraphs == PARAS


def test_body_whose_wrapper_class_was_renamed():
    """The rules say '.detail .contents'; the theme renamed .detail: the body keeps its class."""
    from cleaners.extract import extract_with_rules, parse_html
    from cleaners.siteconfig import ExtractRules

    body = "".join(f"<p>{p}</p>" for p in PARAS)
    tree = parse_html(f"<html><body><div class='t1a2'><h1>{TITLE}</h1><div class='contents'>{body}</div></div>"
                      "<div class='side'><p>Quảng cáo</p></div></body></html>")
    out = extract_with_rules(tree, ExtractRules(title=[".detail h1", "h1"], body=[".detail .contents"]))
    assert [b.text for b in out.blocks] == PARAS
    assert ("body", [".detail .contents"]) in out.misses
    assert any("body found by the selector without its wrapper classes" in n for n in out.notes)


def test_relaxed_selector_must_name_one_element(cleaner):
    from cleaners.extract import _relaxed_first, parse_html

    tree = parse_html("<div class='a'><p class='x'>1</p><p class='x'>2</p></div>")
    assert _relaxed_first(tree, [".b .x"]) is None
    tree = parse_html("<div class='a'><p class='x'>1</p></div>")
    assert _relaxed_first(tree, [".b .x"]).text == "1"


def test_labelled_field_relaxed_where_the_label_picks_among_several():
    from cleaners.extract import _relaxed_fields, parse_html, read_field
    from cleaners.siteconfig import FieldRule

    tree = parse_html("<div class='t9'><p class='h5'>Tác giả: Minh Anh</p><p class='h5'>Nguồn tin: Sở Y tế</p></div>")
    rules = [FieldRule(css=".news_column p.h5", label=r"Nguồn tin\s*:")]
    assert read_field(tree, rules, [], "source") is None
    assert _relaxed_fields(tree, [FieldRule(css=".news_column p.h5")]) == []  # two, no label: not taken
    assert read_field(tree, _relaxed_fields(tree, rules), [], "source") == "Sở Y tế"


def test_a_site_whose_config_names_no_body_selectors_is_cleaned_in_generic_mode(tmp_path):
    """A portal added with a minimal YAML (profile generic, no extract.body), as the site
    template describes it: "generic = trafilatura + the Vietnamese steps". Its articles are
    cleaned by generic extraction whether or not they declare an article, the other fields of
    its config still apply, and a listing is still rejected by the gates."""
    from cleaners.cleaner import Cleaner
    from cleaners.siteconfig import ConfigRegistry

    (tmp_path / "profiles").mkdir()
    (tmp_path / "sites").mkdir()
    (tmp_path / "sites" / "portal.yaml").write_text(
        "name: portal\ntitle: Cổng thông tin\ndomains: [portal.example.vn]\nprofile: generic\n"
        "extract:\n  remove: ['.share-box']\n", encoding="utf-8")
    cleaner = Cleaner(ConfigRegistry(tmp_path))
    share = "<div class='share-box'><p>Chia sẻ bài viết này với bạn bè và người thân của bạn ngay hôm nay.</p></div>"
    article = page(after=share).replace(b"<meta name='generator' content='NukeViet v4.3'>", b"")
    result = cleaner.clean(article, url=URL, explain=True)
    assert result.ok, result.detail
    assert result.site == "portal" and "fallback/generic" not in result.counts
    assert result.document.title == TITLE and result.document.paragraphs == PARAS
    assert "generic extraction: the config names no body selectors" in result.notes
    listing = ("<html><head><meta charset='utf-8'><title>Thời sự</title></head><body><h1>Thời sự</h1><ul>"
               + "".join(f"<li><a href='/news/thoi-su/tin-so-{n}.html'>Tin thời sự số {n} về hoạt động của tỉnh "
                         f"trong tuần</a><span>05/03/2026</span></li>" for n in range(30))
               + "</ul></body></html>").encode("utf-8")
    rejected = cleaner.clean(listing, url="https://portal.example.vn/news/thoi-su/")
    assert not rejected.ok and rejected.reason in ("not-article", "too-short"), rejected
