"""Shapes of Vietnamese news-page boilerplate lines, shared by every site and CMS.

Every pattern here matches a WHOLE line (a paragraph after normalization), never a word
inside a sentence: "Thống kê" alone is a widget title, "Theo thống kê của ngành…" is
content. Site- and CMS-specific lines belong in config/ (drop_lines), not here.
Each group has a name that --explain reports as the rule that removed a line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NUM = r"[\d.,]+"

# Widgets and page chrome: the line goes, nothing is kept from it.
LINE_GROUPS: dict[str, list[str]] = {
    "rating": [
        rf"Tổng số điểm của bài viết là\s*:?\s*{_NUM}\s*trong\s*{_NUM}\s*đánh giá",  # NukeViet 4.0–4.5
        rf"Tổng số điểm là\s*:?\s*{_NUM}\s*sau\s*{_NUM}\s*lượt xếp hạng",  # NukeViet 4.6
        r"Click để (đánh giá|xếp hạng) bài viết",
        rf"Xếp hạng\s*:?\s*{_NUM}\s*-\s*{_NUM}\s*phiếu bầu",
        r"Bài viết (rất kém|kém|đạt|tốt|rất tốt)",
        rf"(Đánh giá|Bình chọn)( bài viết)?\s*:?\s*({_NUM}(\s*/\s*{_NUM})?)?\s*(sao|điểm)?",
        rf"{_NUM}\s*/\s*{_NUM}\s*\(\s*{_NUM}\s*(bình chọn|đánh giá|phiếu)\s*\)",
    ],
    "visitor-statistics": [
        # A label with its counter glued on ("Đang truy cập300") or after a colon; bullets from <li>.
        r"[•·*\-–]?\s*(Thống kê( truy cập)?|Xem thống kê truy cập|Đang truy cập|Đang online|Đang trực tuyến"
        r"|Thành viên online|Máy chủ tìm kiếm|Khách viếng thăm|Hôm nay|Hôm qua|Tuần này|Tuần trước"
        r"|Tháng hiện tại|Tháng này|Tháng trước|Năm nay|Năm hiện tại|Tổng lượt truy cập|Tổng số lượt truy cập"
        r"|Tổng truy cập|Tổng lượt xem|Lượt truy cập|Lượt xem|Số lượt xem|Lượt đọc|Truy cập hiện tại|Online)"
        rf"\s*:?\s*({_NUM})?",
    ],
    "comments": [
        r"Ý kiến bạn đọc|Ý kiến của bạn|Ý kiến|Bình luận|Viết bình luận|Gửi bình luận|Gửi ý kiến"
        r"|Hiện tại chưa có bình luận|Chưa có bình luận nào|Chưa có ý kiến nào|Hãy là người đầu tiên bình luận"
        r"|Bạn đọc bình luận|Tên của bạn|Họ (và )?tên\s*:?|E-?mail\s*:?|Điện thoại\s*:?|Nội dung\s*:?"
        r"|Mã (bảo mật|xác nhận)\s*:?|Gửi|Nhập mã|Sắp xếp theo|Mới nhất|Cũ nhất|Quan tâm nhất",
        r"(\(\s*)?Bạn (vui lòng|cần) (nhập|gõ) tiếng Việt có dấu.*",
    ],
    "related-list": [
        r"Những tin mới hơn|Những tin cũ hơn|Tin liên quan|Tin cùng chuyên mục|Các tin khác|Tin khác"
        r"|Các tin đã đưa( ngày)?|Tin đã đưa|Bài viết liên quan|Bài liên quan|Đọc nhiều|Đọc nhiều nhất|Xem nhiều"
        r"|Xem nhiều nhất|Tin mới|Tin mới nhất|Tin tức mới|Tin nổi bật|Tin tiêu điểm|Tin bài liên quan"
        r"|Theo dòng sự kiện|Xem thêm|Xem tiếp|Đọc tiếp|Đọc thêm|Tin tức khác|Bài viết khác"
        r"|Bài cùng chuyên mục|Cùng chuyên mục|Có thể bạn quan tâm|Bạn có thể quan tâm"
        r"|Xem tất cả( >>| »)?|Xem thêm( >>| »)?",
    ],
    "tags": [
        r"(TAG|TAGS|Tag|Tags|Từ khóa|Từ khoá|Chủ đề|Thẻ)\s*:.*",
    ],
    "share-print": [
        r"Chia sẻ|Chia sẻ bài viết|In bài viết|In bài|Bản in|Gửi email|Gửi bài viết qua email|Gửi cho bạn bè"
        r"|Lưu bài viết|Lưu tin|Quay lại|Về đầu trang|Lên đầu trang|Trở về|Phản hồi|Facebook|Twitter|Zalo"
        r"|Tweet|Like|Share|Thích|Bookmark|Cỡ chữ|Font chữ|A\+?\s*A-?|Nghe bài viết|Đọc bài viết"
        r"|Tải file|Tải về|Tập tin đính kèm|File đính kèm",
    ],
    "licence-footer": [
        r"Giấy phép (số|xuất bản|hoạt động|thiết lập).*",
        r"(Ghi rõ|Ghi) nguồn.*(khi|phát hành|sử dụng|trích dẫn).*",
        r"(Bản quyền (thuộc|©|\(c\))|Copyright\b|©).{0,200}",
        r"Chịu trách nhiệm (nội dung|xuất bản|chính)\s*:.*",
        r"(Tổng biên tập|Phó Tổng biên tập|Trưởng ban biên tập)\s*:.*",
        r"Cơ quan chủ quản\s*:.*",
        r"Thiết kế( bởi| và phát triển)?\s*:?.*(VNPT|Viettel|NukeViet|VINADES|Vietnam ?Soft|Công ty).*",
    ],
    "cms-messages": [
        r"Bạn đã không sử dụng [Ss]ite,?.*Thời gian chờ\s*:?\s*\d+\s*giây",  # NukeViet 4.x timeout bar
        r"Trình duyệt của bạn đã tắt chức năng hỗ trợ JavaScript.*",
        r"Bạn đang sử dụng một trình duyệt lỗi thời.*",
        r"Bấm vào đây để duy trì trạng thái đăng nhập.*",
        r"Đang tải\.*|Loading\.*",
    ],
}

# A line that is a metadata label: the line goes, its value goes to the metadata.
LABEL_FIELDS: dict[str, str] = {
    r"Tác giả( bài viết)?\s*:\s*(?P<value>.+)": "author",
    r"(Người viết|Bài và ảnh|Bài, ảnh|Thực hiện)\s*:\s*(?P<value>.+)": "author",
    r"Nguồn( tin)?\s*:\s*(?P<value>.+)": "source",
}

# Headings after which the rest of the page is comments, related lists or teasers:
# seen near the end of an article, they end the article.
TAIL_HEADINGS = re.compile(
    r"^(Ý kiến bạn đọc|Ý kiến của bạn|Bình luận|Viết bình luận|Gửi bình luận|Những tin mới hơn|Những tin cũ hơn"
    r"|Tin liên quan|Tin cùng chuyên mục|Các tin khác|Tin khác|Tin tức Mới|Bài viết liên quan|Tin bài liên quan"
    r"|Đọc nhiều|Xem nhiều|Có thể bạn quan tâm|Các tin đã đưa( ngày)?|Theo dòng sự kiện)\s*:?$",
    re.IGNORECASE)

# Pages that say "not found": soft 404s served with status 200.
NOT_FOUND_TITLES = re.compile(
    r"(không tìm thấy|không tồn tại|đã bị xóa|đã bị xoá|trang bạn (yêu cầu|tìm kiếm)|lỗi 404|404 not found"
    r"|page not found|^404$)", re.IGNORECASE)

# The end marker many papers put after the last paragraph; what follows it is byline or chrome.
END_MARKER = re.compile(r"\./\.\s*$")


@dataclass(frozen=True)
class LineMatch:
    group: str
    field: str | None = None
    value: str | None = None


def _compile_groups() -> list[tuple[str, re.Pattern]]:
    compiled = []
    for group, patterns in LINE_GROUPS.items():
        joined = "|".join(f"(?:{p})" for p in patterns)
        compiled.append((group, re.compile(rf"^(?:{joined})[\s.:]*$", re.IGNORECASE)))
    return compiled


_GROUPS = _compile_groups()
_LABELS = [(re.compile(rf"^{p}$", re.IGNORECASE), f) for p, f in LABEL_FIELDS.items()]


def classify_line(line: str) -> LineMatch | None:
    """Which boilerplate shape a whole line has, if any (with a metadata value for label lines)."""
    if len(line) > 300:  # widgets and labels are short; long lines are content
        return None
    for group, pattern in _GROUPS:
        if pattern.match(line):
            return LineMatch(group)
    if len(line) <= 160:
        for pattern, field_name in _LABELS:
            match = pattern.match(line)
            if match:
                return LineMatch("metadata-label", field_name, match.group("value").strip())
    return None


def is_tail_heading(line: str) -> bool:
    return bool(TAIL_HEADINGS.match(line.strip()))
