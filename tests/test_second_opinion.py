"""The second opinion of `--explain`: trafilatura's view of the same page, and where it differs."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from conftest import ROOT, SITE_FIXTURES, shared_or_skip

SITE = """\
name: synth
title: Synthetic news
domains: [synth.example.invalid]
start_urls: [/]
extract:
  title: ['h1.title']
  body: ['#noi-dung']
  remove: ['.ghi-chu']
"""

BODY = [
    "Sáng 7/12, Ủy ban nhân dân tỉnh tổ chức lễ khởi công tuyến đường nối trung tâm huyện với các xã vùng cao, "
    "công trình được người dân chờ đợi suốt nhiều năm qua.",
    "Tuyến đường dài hơn 18 km, mặt đường rộng 7,5 m, được đầu tư từ nguồn vốn ngân sách tỉnh và vốn hỗ trợ của "
    "Trung ương, dự kiến hoàn thành vào cuối năm 2027.",
    "Phát biểu tại buổi lễ, lãnh đạo tỉnh đề nghị nhà thầu bảo đảm chất lượng và tiến độ, đồng thời phối hợp chặt "
    "chẽ với chính quyền địa phương trong công tác giải phóng mặt bằng.",
    "Người dân các xã trong vùng dự án bày tỏ phấn khởi, mong công trình sớm hoàn thành để việc đi lại, giao "
    "thương và đưa con em đến trường thuận lợi hơn.",
]
# A paragraph of the article that the site's `remove` selector takes away: we drop it, trafilatura keeps it.
DROPPED_BY_US = ("Theo kế hoạch, tỉnh sẽ đầu tư thêm 120 tỷ đồng cho các tuyến đường liên xã trong năm 2027, "
                 "ưu tiên các xã vùng cao còn khó khăn về giao thông.")
# A fact box in an <aside> of the body: we keep it (it is the article's), trafilatura drops every <aside>.
KEPT_BY_US = ("Dự án có tổng mức đầu tư 350 tỷ đồng, gồm 18 km đường cấp IV miền núi, 3 cầu bê tông cốt thép "
              "và hệ thống thoát nước dọc tuyến.")
TITLE = "Khởi công tuyến đường nối trung tâm huyện với các xã vùng cao"


def synthetic_page() -> str:
    paragraphs = "".join(f"<p>{p}</p>" for p in BODY[:2])
    paragraphs += f'<p class="ghi-chu">{DROPPED_BY_US}</p>'
    paragraphs += f'<aside class="box-thong-tin"><p>{KEPT_BY_US}</p></aside>'
    paragraphs += "".join(f"<p>{p}</p>" for p in BODY[2:])
    menu = "".join(f'<li><a href="/muc-{i}/">Chuyên mục {i}</a></li>' for i in range(8))
    return (f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>{TITLE}</title></head><body>'
            f'<div id="header"><ul class="menu">{menu}</ul></div>'
            f'<div id="main"><div class="chi-tiet"><h1 class="title">{TITLE}</h1>'
            f'<div id="noi-dung">{paragraphs}</div></div></div>'
            f'<div id="footer"><p>Báo điện tử tỉnh. Giấy phép số 12/GP-BTTTT.</p></div></body></html>')


@pytest.fixture
def synth_config(tmp_path):
    (tmp_path / "profiles").mkdir()
    (tmp_path / "sites").mkdir()
    (tmp_path / "sites" / "synth.yaml").write_text(SITE, encoding="utf-8")
    return tmp_path


def vnnews(*args):
    return subprocess.run([sys.executable, "-m", "crawler.cli", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, encoding="utf-8", timeout=120)


def test_names_the_paragraph_we_drop_and_the_one_trafilatura_drops(synth_config):
    from cleaners.cleaner import Cleaner
    from cleaners.second_opinion import second_opinion
    from cleaners.siteconfig import ConfigRegistry

    page = synthetic_page().encode("utf-8")
    result = Cleaner(ConfigRegistry(synth_config)).clean(page, url="https://synth.example.invalid/tin/a-1.html",
                                                         site="synth", explain=True)
    assert result.ok, result.reason
    assert DROPPED_BY_US not in result.document.paragraphs and KEPT_BY_US in result.document.paragraphs

    report = second_opinion(page, result)
    assert not report.agrees
    assert [p.text for p in report.only_ours] == [KEPT_BY_US]
    assert [p.text for p in report.only_theirs] == [DROPPED_BY_US]
    theirs = report.only_theirs[0]
    assert theirs.removed_by == "[structure] remove: .ghi-chu"  # the step and rule of ours that took it
    assert theirs.where == "div#noi-dung > p.ghi-chu" and theirs.in_region is True
    assert report.only_ours[0].where == "div#noi-dung > aside.box-thong-tin > p"
    assert report.region == "div.chi-tiet" or report.region.endswith("div.chi-tiet")
    ours_chars = sum(len(p) for p in result.document.paragraphs)
    assert report.agreement == pytest.approx((ours_chars - len(KEPT_BY_US)) / ours_chars)
    assert not report.title_differs


def test_explain_prints_the_disagreements_and_json_carries_them(synth_config, tmp_path):
    page = tmp_path / "page.html"
    page.write_text(synthetic_page(), encoding="utf-8")
    done = vnnews("clean", page, "--config", synth_config, "--site", "synth", "--explain")
    assert done.returncode == 0, done.stderr
    err = done.stderr
    section = err[err.index("second opinion (trafilatura "):]  # after the existing explanation
    assert "removed:" in err[:err.index("second opinion")]
    assert re.search(r"disagrees: agreement \d+% of our \d+ characters", section)
    assert "we keep, trafilatura drops (1):" in section and KEPT_BY_US[:60] in section
    assert "trafilatura keeps, we drop (1):" in section and DROPPED_BY_US[:60] in section
    assert "we removed it: [structure] remove: .ghi-chu" in section

    done = vnnews("clean", page, "--config", synth_config, "--site", "synth", "--explain", "--format", "json")
    opinion = json.loads(done.stdout)["second_opinion"]
    assert [p["text"] for p in opinion["only_theirs"]] == [DROPPED_BY_US]
    assert [p["text"] for p in opinion["only_ours"]] == [KEPT_BY_US]
    assert 0 < opinion["agreement"] < 1 and opinion["agrees"] is False

    done = vnnews("try", synth_config / "sites" / "synth.yaml", page, "--config", synth_config, "--explain")
    assert done.returncode == 0, done.stderr
    assert "trafilatura keeps, we drop (1):" in done.stdout and DROPPED_BY_US[:60] in done.stdout


def test_without_explain_the_output_is_unchanged_and_no_second_opinion_runs(synth_config, tmp_path):
    """The corpus text of `clean` and the JSON lines of `clean --batch` do not carry it, and the
    module is never imported when --explain is not given (no cost to cleaning)."""
    page = tmp_path / "page.html"
    page.write_text(synthetic_page(), encoding="utf-8")
    batch = tmp_path / "list.jsonl"
    batch.write_text(json.dumps({"path": str(page), "site": "synth"}) + "\n", encoding="utf-8")
    probe = ("import sys; from crawler.cli import main; code = main(sys.argv[1:]); "
             "print('LOADED' if 'cleaners.second_opinion' in sys.modules else 'NOT-LOADED', file=sys.stderr); "
             "sys.exit(code)")
    for args in (["clean", page, "--site", "synth"], ["clean", "--batch", batch],
                 ["clean", page, "--site", "synth", "--format", "json"]):
        done = subprocess.run([sys.executable, "-c", probe, *map(str, args), "--config", str(synth_config)],
                              cwd=ROOT, capture_output=True, text=True, encoding="utf-8", timeout=120)
        assert done.returncode == 0, done.stderr
        assert done.stderr.strip().endswith("NOT-LOADED"), (args, done.stderr)
        assert "second opinion" not in done.stdout + done.stderr
    plain = vnnews("clean", page, "--config", synth_config, "--site", "synth")
    explained = vnnews("clean", page, "--config", synth_config, "--site", "synth", "--explain")
    assert explained.stdout == plain.stdout  # the document is the same; the explanation is on stderr


AGREEING_FIXTURE = ("backancity", SITE_FIXTURES / "backancity" / "sample-000.html")


def test_says_nothing_more_where_both_agree():
    """A replica fixture (the replica's own rendering, not a saved real page) on which trafilatura
    keeps the same paragraphs: one line with the figure, no disagreement listed."""
    site, page = AGREEING_FIXTURE
    done = vnnews("try", site, page, "--explain")
    assert done.returncode == 0, done.stdout + done.stderr
    lines = [line for line in done.stdout.splitlines() if line.startswith("second opinion")]
    assert len(lines) == 1 and ": agrees: agreement 100% of our " in lines[0], done.stdout
    after = done.stdout[done.stdout.index(lines[0]) + len(lines[0]):].split("-" * 72)[0]
    assert after.strip() == ""  # quiet: nothing between the figure and the document
    assert "trafilatura drops" not in done.stdout and "trafilatura keeps" not in done.stdout


def test_real_page_reports_an_agreement_figure():
    """A real page (../shared/benchmarks/vn-real, saved from nhandan.vn) cleaned as a new user
    would (no site given): the command runs and prints the figure; --format json carries it."""
    page = shared_or_skip("benchmarks", "vn-real", "nhandan-976641.html")
    url = json.loads(page.with_suffix(".meta.json").read_text(encoding="utf-8"))["url"]
    done = vnnews("clean", page, "--url", url, "--explain", "--format", "json")
    assert done.returncode == 0, done.stderr
    figure = re.search(r"second opinion \(trafilatura [\d.]+\) on the article region .+ and the whole page: "
                       r"(?:agrees|disagrees): agreement (\d+)% of our (\d+) characters", done.stderr)
    assert figure, done.stderr
    opinion = json.loads(done.stdout)["second_opinion"]
    assert opinion["agreement"] is not None and 0 <= opinion["agreement"] <= 1
    assert int(figure.group(1)) == round(opinion["agreement"] * 100)
    assert int(figure.group(2)) == sum(len(p) for p in json.loads(done.stdout)["text"].rstrip("\n").split("\n\n")[1:])


def test_matching_tolerates_gluing_tone_style_and_list_markers():
    from cleaners.second_opinion import _match

    a, b = BODY[0], BODY[1]
    assert _match(a, [f"{a} {b}"]) == (True, 1.0)  # one side glued two paragraphs
    assert _match(f"{a} {b}", [a, b]) == (True, 1.0)  # the other split them
    assert _match("Hoà bình cho người dân thủ đô và các tỉnh", ["- Hòa bình cho người dân thủ đô và các tỉnh"])[0]
    assert _match(a.replace("suốt nhiều năm qua", "từ lâu"), [a])[0]  # a few words differ
    hit, closest = _match(a, [b, BODY[2]])
    assert not hit and closest < 0.8


def test_a_page_we_reject_shows_what_trafilatura_would_keep(synth_config):
    """The body selector names nothing on this page: we reject it; trafilatura's text is listed."""
    from cleaners.cleaner import Cleaner
    from cleaners.second_opinion import second_opinion
    from cleaners.siteconfig import ConfigRegistry

    page = synthetic_page().replace('id="noi-dung"', 'id="khac"').encode("utf-8")
    result = Cleaner(ConfigRegistry(synth_config)).clean(page, site="synth", explain=True)
    assert result.reason == "not-article"
    report = second_opinion(page, result)
    assert report.rejected == "not-article" and report.region is None and not report.agrees
    assert BODY[0] in [p.text for p in report.only_theirs]
    assert report.lines()[0].endswith(f"disagrees: we rejected the page (not-article); trafilatura keeps "
                                      f"{len(report.only_theirs)} paragraphs "
                                      f"({sum(len(p.text) for p in report.only_theirs)} characters)")


def test_a_short_line_is_not_taken_for_part_of_a_removed_piece():
    """A rating star '2' is not the headline the title-echo step removed because the headline has a 2."""
    from cleaners.document import CleanResult, Removal
    from cleaners.second_opinion import _Removals

    result = CleanResult(status="ok", removed=[Removal("title-echo", "repeats the headline", TITLE + " năm 2026")])
    removals = _Removals(result, tree=None)
    assert removals.find("2", None) is None
    assert removals.find(TITLE + " năm 2026", None) == "[title-echo] repeats the headline"
    assert removals.find("Tin ảnh: " + TITLE + " năm 2026", None) == "[title-echo] repeats the headline"


def test_a_headline_trafilatura_reads_otherwise_is_named(synth_config):
    from cleaners.cleaner import Cleaner
    from cleaners.second_opinion import second_opinion
    from cleaners.siteconfig import ConfigRegistry

    other = "Bản tin buổi sáng ngày 7/12"
    page = synthetic_page().replace('<meta charset="utf-8">',
                                    f'<meta charset="utf-8"><meta property="og:title" content="{other}">')
    result = Cleaner(ConfigRegistry(synth_config)).clean(page.encode("utf-8"), site="synth", explain=True)
    report = second_opinion(page.encode("utf-8"), result)
    assert report.title_ours == TITLE and report.title_theirs == other and report.title_differs
    assert f"  title: ours {TITLE!r}; trafilatura {other!r}" in report.lines()
