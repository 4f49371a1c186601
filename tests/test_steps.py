"""The text steps: what they remove, and — as important — what they must keep."""

from __future__ import annotations

import pytest

from cleaners.extract import Block
from cleaners.steps import PageState, looks_like_byline, run_steps

TITLE = "Phát huy kết quả đạt được, chuẩn bị tốt cho Đại hội"
LEAD = ("Vừa qua, tỉnh Bắc Kạn đã tổ chức thành công Đại hội Đảng bộ các cấp, nhằm đánh giá kết quả đạt được "
        "cũng như những mặt còn hạn chế qua đợt tổ chức đại hội.")
PARA = ("Thực hiện Chỉ thị số 35-CT/TW của Bộ Chính trị, các huyện, thành ủy, đảng ủy trực thuộc Tỉnh ủy đã "
        "tập trung triển khai, chuẩn bị đầy đủ, kỹ lưỡng các nội dung để tổ chức đại hội.")


def clean(*blocks, title=TITLE, trailing_byline=False):
    page = PageState(title=title, blocks=[Block(text, kind) for text, kind in blocks],
                     trailing_byline=trailing_byline)
    run_steps(page)
    return page


def texts(page):
    return [b.text for b in page.blocks]


# --- removals ---------------------------------------------------------------------------

@pytest.mark.parametrize("line", [
    "Tổng số điểm của bài viết là: 0 trong 0 đánh giá",
    "Tổng số điểm là: 12 sau 3 lượt xếp hạng",
    "Click để đánh giá bài viết",
    "Click để xếp hạng bài viết",
    "Thống kê",
    "• Đang truy cập300",
    "Máy chủ tìm kiếm19",
    "Khách viếng thăm281",
    "Hôm nay44,797",
    "Hôm qua 1.234",
    "Tháng hiện tại1,662,630",
    "Tháng trước: 2,000",
    "Tổng lượt truy cập52,339,753",
    "Đang online: 12",
    "Tổng truy cập 100",
    "Lượt xem: 1.250",
    "Ý kiến của bạn",
    "Họ tên:",
    "Email:",
    "TAG:",
    "Tags: đại hội, Bắc Kạn",
    "Từ khóa: đại hội đảng",
    "Giấy phép số 123/GP-TTĐT do Sở TT&TT cấp",
    "Ghi rõ nguồn khi phát hành lại thông tin từ website này",
    "Bạn đã không sử dụng Site, Bấm vào đây để duy trì trạng thái đăng nhập. Thời gian chờ: 60 giây",
    "Bạn đã không sử dụng site, Bấm vào đây để duy trì trạng thái đăng nhập. Thời gian chờ: 60 giây",
    "Thứ sáu - 28/08/2020 03:55",
    "Thứ bảy, 08/08/2020, 18:26 [GMT+7]",
])
def test_boilerplate_line_is_removed_and_explained(line):
    second = PARA.replace("Chỉ thị", "Kế hoạch")
    page = clean((LEAD, "body"), (line, "body"), (PARA, "body"), (second, "body"))
    assert texts(page) == [LEAD, PARA, second]
    assert any(r.text == line for r in page.removed)


def test_label_lines_become_metadata():
    page = clean((PARA, "body"), ("Tác giả bài viết: Duy Khánh (thực hiện)", "body"),
                 ("Nguồn tin: http://baobackan.org.vn", "body"))
    assert texts(page) == [PARA]
    assert page.metadata["author"] == "Duy Khánh (thực hiện)"
    assert page.metadata["source"] == "http://baobackan.org.vn"


def test_date_line_is_kept_as_published_text():
    page = clean(("Thứ Ba, 17/03/2020", "body"), (PARA, "body"))
    assert texts(page) == [PARA]
    assert page.metadata["published_text"] == "Thứ Ba, 17/03/2020"


def test_header_clock_is_never_the_publication_date():
    page = clean(("Thứ bảy, 08/08/2020, 18:26 [GMT+7]", "body"), (PARA, "body"))
    assert "published_text" not in page.metadata


def test_lead_pasted_again_as_first_paragraph_is_dropped():
    page = clean((LEAD, "lead"), (LEAD, "body"), (PARA, "body"))
    assert texts(page) == [LEAD, PARA]


def test_nearly_identical_lead_copy_is_dropped_keeping_the_lead():
    changed = LEAD.replace("thành công", "rất thành công").replace("hạn chế", "tồn tại")
    page = clean((LEAD, "lead"), (changed, "body"), (PARA, "body"))
    assert texts(page) == [LEAD, PARA]


def test_first_paragraph_copy_without_a_lead_element():
    page = clean((LEAD, "body"), (LEAD, "body"), (PARA, "body"))
    assert texts(page) == [LEAD, PARA]


def test_image_title_echoed_by_caption_keeps_the_caption_wording():
    image_title = "Thông qua các hội nghị, huyện Ngân Sơn đã triển khai các Chỉ thị, Nghị quyết chuẩn bị cho đại hội"
    caption = "Thông qua các hội nghị, huyện Ngân Sơn đã triển khai các văn bản, kế hoạch chuẩn bị cho đại hội."
    page = clean((LEAD, "body"), (image_title, "image_text"), (caption, "caption"), (PARA, "body"))
    assert texts(page) == [LEAD, caption, PARA]


def test_headline_repeated_as_alt_line_is_dropped():
    page = clean((LEAD, "body"), (TITLE, "body"), (PARA, "body"))
    assert texts(page) == [LEAD, PARA]


def test_repeated_caption_kept_once():
    caption = "Đồng chí Hoàng Duy Chinh trả lời phóng viên Báo Bắc Kạn về công tác tổ chức đại hội."
    page = clean((LEAD, "body"), (caption, "caption"), (caption, "caption"), (PARA, "body"))
    assert texts(page) == [LEAD, caption, PARA]


def test_comment_box_and_teasers_after_the_article_go():
    page = clean((LEAD, "body"), (PARA, "body"), ("Đinh Đông", "body"), ("Bình luận", "body"),
                 ("Hiện tại chưa có bình luận", "body"), ("Viết bình luận", "body"),
                 ("Bản Huổi Hằm vẫn nghèo", "body"),
                 ("Bản Huổi Hằm (xã Mường Cang, huyện Than Uyên) có 44 hộ, 219 nhân khẩu, 97% hộ người Mông...",
                  "body"), trailing_byline=True)
    assert texts(page) == [LEAD, PARA]
    assert page.metadata["author"] == "Đinh Đông"


def test_teasers_at_the_end_without_a_heading_go():
    page = clean((LEAD, "body"), (PARA, "body"), ("Người đảng viên gương mẫu", "body"),
                 ("Gương mẫu, nhiệt tình, năng nổ trong công việc, đi đầu trong mọi phong trào ở địa phương...",
                  "body"))
    assert texts(page) == [LEAD, PARA]


def test_blank_and_nbsp_paragraphs_go():
    page = clean((LEAD, "body"), ("\u00a0", "body"), ("\u200b \u00a0", "body"), (PARA, "body"))
    assert texts(page) == [LEAD, PARA]


# --- over-deletion: real content that looks like boilerplate stays ----------------------

KEEP = [
    "Theo thống kê của Sở Y tế, số ca mắc sốt xuất huyết trong tháng tăng 20% so với cùng kỳ năm trước.",
    "Thống kê cho thấy tỷ lệ hộ nghèo của huyện đã giảm còn 12,5%.",
    "Đoàn công tác đánh giá cao kết quả đạt được của địa phương trong năm qua.",
    "Tỷ lệ người dân truy cập dịch vụ công trực tuyến đạt 85%, tăng mạnh so với năm 2023.",
    "Nhiều bạn đọc đã gửi bình luận về chính sách mới này tới tòa soạn.",
    "Tin liên quan đến vụ việc đã được các cơ quan chức năng xác minh và công bố.",
    "Hôm nay, tỉnh tổ chức lễ khởi công dự án đường cao tốc.",
    "Xem thêm các quy định tại Nghị định số 15/2020/NĐ-CP để biết chi tiết.",
]


@pytest.mark.parametrize("line", KEEP)
def test_content_using_widget_words_is_kept(line):
    page = clean((LEAD, "body"), (line, "body"), (PARA, "body"))
    assert line in texts(page)


def test_short_article_lines_are_kept():
    lines = [(LEAD, "body"), ("Phóng viên: Xin đồng chí cho biết kết quả?", "body"), (PARA, "body"),
             ("Phóng viên: Xin đồng chí cho biết kết quả?", "body"),
             ("- Rà soát quy hoạch cán bộ;", "body"), ("- Hoàn thiện văn kiện;", "body"),
             ("Xin cảm ơn đồng chí!", "body")]
    page = clean(*lines)
    assert texts(page) == [t for t, _ in lines]


def test_two_paragraph_brief_is_kept():
    page = clean((LEAD, "body"), (PARA, "body"))
    assert texts(page) == [LEAD, PARA]


def test_end_marker_stays():
    last = "Cần nắm chắc tình hình và dự báo mọi tình huống có thể xảy ra./."
    page = clean((LEAD, "body"), (last, "body"))
    assert texts(page)[-1] == last


def test_caption_with_photo_credit_is_kept():
    caption = "Đảng viên tích cực thảo luận đóng góp xây dựng dự thảo văn kiện. Ảnh: Lê Thảo"
    page = clean((LEAD, "body"), (caption, "caption"), (PARA, "body"))
    assert caption in texts(page)


def test_tone_mark_style_is_kept():
    line = "Ban Thường vụ Tỉnh uỷ và Tỉnh ủy họp bàn về công tác hoà giải ở cơ sở năm nay."
    page = clean((LEAD, "body"), (line, "body"))
    assert line in texts(page)


@pytest.mark.parametrize("text,strict,expected", [
    ("Bình Duyên", False, True),
    ("Duy Khánh (thực hiện)", False, True),
    ("Lệ Thủy – Văn Huyến – Quang Hiếu", False, True),
    ("Xin cảm ơn đồng chí!", False, False),
    ("Hà Nội, ngày 5/1/2026", False, False),
    ("Lê Phương", True, True),
    ("Ban Chấp Hành Đảng Bộ Tỉnh Khóa Mới", True, False),
])
def test_byline_shape(text, strict, expected):
    assert looks_like_byline(text, strict) is expected
