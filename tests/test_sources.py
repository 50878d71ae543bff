"""The sources file: valid files load with defaults, every mistake is one clear ConfigError line."""

from __future__ import annotations

import pytest

from newsclean.core.errors import ConfigError
from newsclean.crawling.sources import DEFAULT_MAX_PAGES, load_sources

GOOD = """
[[site]]
name = "one"
start_urls = ["http://127.0.0.1:8000/"]
article_url_pattern = "/news/\\\\d+\\\\.html$"
follow_url_pattern = "/list/"
max_pages = 50

[[site]]
name = "two"
start_urls = ["https://www.example.cn/tech/"]
allowed_domains = ["example.cn"]
"""


def write(tmp_path, text):
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_valid_file_loads_with_defaults(tmp_path):
    one, two = load_sources(write(tmp_path, GOOD))
    assert one.name == "one" and one.max_pages == 50
    assert one.allowed_domains == ("127.0.0.1",)
    assert one.is_article_url("http://127.0.0.1:8000/news/12.html") is True
    assert one.is_article_url("http://127.0.0.1:8000/list/2.html") is False
    assert one.is_follow_url("http://127.0.0.1:8000/list/2.html")
    assert not one.is_follow_url("http://127.0.0.1:8000/about.html")
    assert two.max_pages == DEFAULT_MAX_PAGES
    assert two.is_article_url("https://www.example.cn/a.html") is None
    assert two.allows("https://news.example.cn/x") and not two.allows("https://example.com/x")
    # without a follow pattern, anything not known to be an article is followed
    assert two.is_follow_url("https://www.example.cn/tech/2.html")


def test_max_pages_override(tmp_path):
    sites = load_sources(write(tmp_path, GOOD), max_pages=3)
    assert [s.max_pages for s in sites] == [3, 3]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[site]]\nname = "a"\nstart_urls = ["http://h/"]\nbogus = 1\n', "unknown key(s) bogus"),
        (
            '[[site]]\nname = "a"\nstart_urls = ["http://h/"]\narticle_url_pattern = "(["\n',
            "not a valid regular",
        ),
        ('[[site]]\nname = "a"\n', "'start_urls' is required"),
        ('[[site]]\nname = "a"\nstart_urls = []\n', "'start_urls' is empty"),
        ('[[site]]\nname = "a"\nstart_urls = ["ftp://h/"]\n', "must use http:// or https://"),
        (
            '[[site]]\nname = "a"\nstart_urls = ["http://h/"]\n[[site]]\nname = "a"\nstart_urls = ["http://h/"]\n',
            "duplicate site name 'a'",
        ),
        (
            '[[site]]\nname = "a"\nstart_urls = ["http://h/"]\nmax_pages = "ten"\n',
            "'max_pages' must be a positive integer",
        ),
        (
            '[[site]]\nname = "a"\nstart_urls = ["http://h/"]\nmax_pages = 0\n',
            "'max_pages' must be a positive integer",
        ),
        ('[[site]]\nname = "a"\nstart_urls = [1]\n', "must be a list of non-empty strings"),
        ('[[site]]\nname = 5\nstart_urls = ["http://h/"]\n', "'name' is required"),
        (
            '[[site]]\nname = "a"\nstart_urls = ["http://h/"]\nallowed_domains = ["other.cn"]\n',
            "outside allowed_domains",
        ),
        ('[[site]]\nname = "a"\nstart_urls = ["http://h:99999/"]\n', "Port out of range"),
        ('[[site]]\nname = "a"\nstart_urls = ["http://[::1/"]\n', "not a valid URL"),
        (
            '[[site]]\nname = "a"\nstart_urls = ["http://[::1]/"]\narticle_url_pattern = "(a)\\\\1"\n',
            "linear time",
        ),
        ('title = "x"\n', "unknown top-level key(s) title"),
        ("", "no [[site]] table"),
        ("[[site]\n", "invalid TOML"),
    ],
)
def test_bad_files_give_one_line_errors(tmp_path, text, message):
    with pytest.raises(ConfigError) as info:
        load_sources(write(tmp_path, text))
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="sources file not found"):
        load_sources(tmp_path / "nope.toml")


def test_idn_start_url_allows_what_requests_ask_for(tmp_path):
    from scrapy import Request

    [site] = load_sources(write(tmp_path, '[[site]]\nname = "a"\nstart_urls = ["http://新闻.中国/a.html"]\n'))
    assert site.allowed_domains == ("xn--efvy88h.xn--fiqs8s",)
    request = Request(site.start_urls[0])  # Scrapy sends the host in punycode
    assert "xn--efvy88h.xn--fiqs8s" in request.url and site.allows(request.url)
    assert site.allows("http://www.新闻.中国/b.html") and not site.allows("http://新闻.com/")


def test_malformed_links_are_not_allowed_and_do_not_raise(tmp_path):
    [site] = load_sources(write(tmp_path, '[[site]]\nname = "a"\nstart_urls = ["http://h/"]\n'))
    assert not site.allows("http://[::1") and not site.allows("http://h:99999/x")


def test_defaults_table_fills_every_site_and_a_site_overrides_it(tmp_path):
    text = (
        '[defaults]\nrefresh_after = "1d"\ndownload_delay = 0.5\nencoding = "GBK"\n'
        'headers = { "Accept-Language" = "zh-CN" }\n'
        '[[site]]\nname = "a"\nstart_urls = ["http://h/"]\n'
        '[[site]]\nname = "b"\nstart_urls = ["http://g/"]\ndownload_delay = 2\nmax_age = "30d"\nconcurrency = 2\n'
        'user_agent = "corpus-bot/1"\n'
    )
    a, b = load_sources(write(tmp_path, text))
    assert a.refresh_after == b.refresh_after == 86400.0
    assert a.refresh_until == b.refresh_until == 30 * 86400.0
    assert (a.download_delay, b.download_delay) == (0.5, 2.0)
    assert a.encoding == b.encoding == "gbk"
    assert a.headers == (("Accept-Language", "zh-CN"),)
    assert (a.max_age, b.max_age) == (None, 30 * 86400.0)
    assert (a.concurrency, b.concurrency, b.user_agent) == (None, 2, "corpus-bot/1")


@pytest.mark.parametrize(
    "text, message",
    [
        ('[defaults]\nname = "x"\n', "not allowed there"),
        ('[defaults]\nstart_urls = ["http://h/"]\n', "not allowed there"),
        ('[defaults]\nrefreh_after = "1d"\n', "not allowed there"),
        ("defaults = 3\n", "[defaults] must be a table"),
        ('[defaults]\nrefresh_after = "1 year"\n', "is not a duration"),
        ('[defaults]\nmax_age = "0d"\n', "not a positive duration"),
        ("[defaults]\ndownload_delay = -1\n", "'download_delay' must be a number"),
        ("[defaults]\nconcurrency = 0\n", "'concurrency' must be an integer"),
        ('[defaults]\nencoding = "klingon"\n', "unknown encoding"),
        ('[defaults]\nuser_agent = "a\\nb"\n', "one-line string"),
        ('[defaults]\nheaders = { "Bad Name" = "x" }\n', "not a valid header name"),
        ('[defaults]\nheaders = { "Host" = "evil" }\n', "cannot be set per site"),
        ('[defaults]\nheaders = { "X-A" = 1 }\n', "must be a one-line string"),
    ],
)
def test_bad_defaults_and_site_settings_give_one_line_errors(tmp_path, text, message):
    with pytest.raises(ConfigError) as info:
        load_sources(write(tmp_path, text + '[[site]]\nname = "a"\nstart_urls = ["http://h/"]\n'))
    assert message in str(info.value)
    assert "\n" not in str(info.value)
