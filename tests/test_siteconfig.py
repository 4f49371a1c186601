"""Config loading: every problem is refused at load time with file, line, field and expectation."""

from __future__ import annotations

import pytest

from cleaners.schema import ConfigErrors
from cleaners.siteconfig import ConfigRegistry

GOOD_SITE = """\
name: demo
title: Demo
domains: [demo.vn]
profile: cms
extract:
  body: ['#content']
  remove: ['.site-ads']
"""
PROFILE = """\
name: cms
extract:
  title: ['h1.title']
  body: ['.body']
  remove: ['.ads']
discovery:
  feeds: [/rss/]
"""


def make(tmp_path, site=GOOD_SITE, profile=PROFILE, site_name="demo"):
    (tmp_path / "sites").mkdir(exist_ok=True)
    (tmp_path / "profiles").mkdir(exist_ok=True)
    (tmp_path / "sites" / f"{site_name}.yaml").write_text(site, encoding="utf-8")
    (tmp_path / "profiles" / "cms.yaml").write_text(profile, encoding="utf-8")
    return tmp_path


def errors_of(tmp_path) -> list[str]:
    with pytest.raises(ConfigErrors) as caught:
        ConfigRegistry(tmp_path)
    return [str(e) for e in caught.value.errors]


def test_site_inherits_and_overrides_its_profile(tmp_path):
    resolved = ConfigRegistry(make(tmp_path)).resolve("demo")
    assert resolved.extract.title == ["h1.title"]          # inherited
    assert resolved.extract.body == ["#content"]           # overridden
    assert resolved.extract.remove == [".ads", ".site-ads"]  # accumulated
    assert resolved.discovery.feeds == ["/rss/"]
    assert resolved.cms == "cms"


@pytest.mark.parametrize("line,expected", [
    ("colour: red", "sites/demo.yaml:8: colour: unknown key"),
    ("politeness: {delay: soon}", "sites/demo.yaml:8: politeness.delay: expected a number"),
    ("politeness: {concurrency: -1}", "politeness.concurrency: expected a number >= 0"),
    ("articles: {allow: ['(unclosed']}", "articles.allow[0]: expected a regular expression"),
    ("start_date: yesterday", "start_date: expected a date YYYY-MM-DD"),
    ("scheme: ftp", "scheme: expected one of http, https"),
    ("start_urls: [www.demo.vn/x]", "start_urls[0]: expected an http(s) URL or an absolute path"),
])
def test_bad_values_are_located(tmp_path, line, expected):
    errors = errors_of(make(tmp_path, GOOD_SITE + line + "\n"))
    assert any(expected in e for e in errors), errors


def test_bad_css_selector_is_refused(tmp_path):
    errors = errors_of(make(tmp_path, GOOD_SITE.replace("'#content'", "'div[[oops'")))
    assert any("sites/demo.yaml:6: extract.body[0]: expected a CSS selector" in e for e in errors), errors


def test_missing_required_key(tmp_path):
    errors = errors_of(make(tmp_path, GOOD_SITE.replace("title: Demo\n", "")))
    assert any("title: required key is missing" in e for e in errors)


def test_name_must_match_the_file(tmp_path):
    errors = errors_of(make(tmp_path, site_name="other"))
    assert any("expected 'other' (the file name), got 'demo'" in e for e in errors)


def test_unknown_profile(tmp_path):
    errors = errors_of(make(tmp_path, GOOD_SITE.replace("profile: cms", "profile: nosuch")))
    assert any("profile: expected the name of a profile" in e for e in errors)


def test_domain_claimed_twice(tmp_path):
    make(tmp_path)
    (tmp_path / "sites" / "twin.yaml").write_text(GOOD_SITE.replace("name: demo", "name: twin"), encoding="utf-8")
    assert any("already claimed by site" in e for e in errors_of(tmp_path))


def test_yaml_syntax_error_has_a_line(tmp_path):
    errors = errors_of(make(tmp_path, GOOD_SITE + "extract: [unclosed\n"))
    assert any("sites/demo.yaml:" in e and "invalid YAML" in e for e in errors)


def test_every_problem_is_reported_at_once(tmp_path):
    errors = errors_of(make(tmp_path, GOOD_SITE + "colour: red\npoliteness: {delay: soon}\n"))
    assert len(errors) == 2


def test_shipped_configs_load():
    registry = ConfigRegistry()
    assert {"baolaichau", "baovinhphuc", "backancity", "backan-nukeviet", "backan-news"} <= set(registry.sites)
    assert {"nukeviet3", "nukeviet4"} <= set(registry.profiles)
    for name in registry.sites:
        resolved = registry.resolve(name)
        assert resolved.extract.body, f"{name} has no body selector"
        assert resolved.articles.allow, f"{name} has no article URL pattern"


def test_the_most_specific_domain_wins(tmp_path):
    make(tmp_path, GOOD_SITE.replace("domains: [demo.vn]", "domains: [backan.gov.vn]"))
    district = GOOD_SITE.replace("name: demo", "name: district").replace("domains: [demo.vn]",
                                                                         "domains: [nganson.backan.gov.vn]")
    (tmp_path / "sites" / "district.yaml").write_text(district, encoding="utf-8")
    registry = ConfigRegistry(tmp_path)
    assert registry.site_for_url("https://nganson.backan.gov.vn/tin/a-1.html") == "district"
    assert registry.site_for_url("https://www.backan.gov.vn/tin/a-1.html") == "demo"
    assert registry.site_for_url("https://other.vn/") is None


def test_a_missing_config_folder_is_named_not_silently_empty(tmp_path):
    missing = tmp_path / "no-such-config"
    with pytest.raises(ConfigErrors, match=r"no-such-config.*not a config folder.*profiles/ and sites/"):
        ConfigRegistry(missing)
