"""The sources file: which sites a scheduled crawl visits and how it tells articles from lists.

Validated up front so a typo in cron's sources file fails the run at once with one line that
names the site and the key, instead of a crawl that quietly does nothing.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from newsclean.core.durations import parse_duration
from newsclean.core.errors import ConfigError
from newsclean.crawling.urls import ascii_host, url_host

try:  # Python 3.11+
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

# keys a [[site]] table and the [defaults] table may hold (identity keys: sites only)
IDENTITY_KEYS = {"name", "start_urls", "allowed_domains"}
POLICY_KEYS = {
    "article_url_pattern",
    "follow_url_pattern",
    "max_pages",
    "skip_spun",
    "restore_spun",
    "refresh_after",
    "refresh_until",
    "download_delay",
    "concurrency",
    "headers",
    "user_agent",
    "encoding",
    "max_age",
}
SITE_KEYS = IDENTITY_KEYS | POLICY_KEYS
DEFAULT_MAX_PAGES = 5000
DEFAULT_REFRESH_UNTIL = 30 * 86400.0  # revisits end a month after an article's first export
MAX_CONCURRENCY = 64


class UrlPattern(Protocol):
    """A compiled URL pattern (RE2's or, without google-re2, Python's)."""

    pattern: str

    def search(self, string: str) -> Any: ...


@dataclass(frozen=True)
class Site:
    """One site of the sources file, with defaults filled in."""

    name: str
    start_urls: tuple[str, ...]
    allowed_domains: tuple[str, ...]
    article_url_pattern: UrlPattern | None = None
    follow_url_pattern: UrlPattern | None = None
    max_pages: int = DEFAULT_MAX_PAGES
    skip_spun: bool | None = None  # leave out 伪原创 articles; None: the crawl's --skip-spun
    restore_spun: bool | None = None  # put back unambiguous originals; None: the crawl's --restore-spun
    refresh_after: float | None = None  # seconds: revisit an exported article this long after its last fetch
    refresh_until: float = DEFAULT_REFRESH_UNTIL  # seconds after its first export: revisits end
    download_delay: float | None = None  # seconds between requests to the site; None: AutoThrottle alone
    concurrency: int | None = None  # parallel requests to the site; None: the crawl's per-domain setting
    headers: tuple[tuple[str, str], ...] = ()  # sent with every request to the site
    user_agent: str | None = None
    encoding: str | None = None  # the site's pages are in this encoding, whatever they declare
    max_age: float | None = None  # seconds: articles published longer ago are skipped

    def allows(self, url: str) -> bool:
        """True when ``url`` is on one of the site's domains (or their subdomains); False if malformed."""
        try:
            host = url_host(url)
        except ValueError:
            return False
        return _on_domains(host, self.allowed_domains)

    def content_type(self, header: str | None) -> str | None:
        """The Content-Type the chain decodes a page with: the site's ``encoding`` replaces the
        charset the page declares (its header and its ``<meta>``, which comes after the header)."""
        if self.encoding is None:
            return header
        mime = (header or "text/html").split(";", 1)[0].strip() or "text/html"
        return f"{mime}; charset={self.encoding}"

    def is_article_url(self, url: str) -> bool | None:
        """True/False when the site has an article pattern, None when the extractor must decide."""
        if self.article_url_pattern is None:
            return None
        return self.article_url_pattern.search(url) is not None

    def is_follow_url(self, url: str) -> bool:
        """A list or pagination page to follow for more links."""
        if self.follow_url_pattern is not None:
            return self.follow_url_pattern.search(url) is not None
        return self.is_article_url(url) is not True


def load_sources(path: str | Path, *, max_pages: int | None = None) -> list[Site]:
    """Read and validate a sources file; ``max_pages`` overrides every site's cap."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"sources file not found: {path}") from None
    except OSError as err:
        raise ConfigError(f"cannot read sources file {path}: {err.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: invalid TOML: {err}") from None
    return parse_sources(data, origin=str(path), max_pages=max_pages)


def parse_sources(
    data: dict[str, Any], *, origin: str = "sources", max_pages: int | None = None
) -> list[Site]:
    """Validate the parsed TOML of a sources file."""
    unknown = set(data) - {"site", "defaults"}
    if unknown:
        raise ConfigError(
            f"{origin}: unknown top-level key(s) {_names(unknown)}; expected [[site]] tables and [defaults]"
        )
    defaults = data.get("defaults", {})
    if not isinstance(defaults, dict):
        raise ConfigError(f"{origin}: [defaults] must be a table")
    misplaced = set(defaults) - POLICY_KEYS
    if misplaced:
        raise ConfigError(
            f"{origin}: [defaults]: key(s) {_names(misplaced)} not allowed there; allowed: {_names(POLICY_KEYS)}"
        )
    tables = data.get("site")
    if not isinstance(tables, list) or not tables:
        raise ConfigError(f"{origin}: no [[site]] table")
    sites: list[Site] = []
    seen: set[str] = set()
    for i, table in enumerate(tables, 1):
        where = f"{origin}: site #{i}"
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: must be a table")
        unknown = set(table) - SITE_KEYS
        if unknown:
            raise ConfigError(f"{where}: unknown key(s) {_names(unknown)}; allowed: {_names(SITE_KEYS)}")
        site = _parse_site({**defaults, **table}, where, max_pages)
        if site.name in seen:
            raise ConfigError(f"{origin}: duplicate site name {site.name!r}")
        seen.add(site.name)
        sites.append(site)
    return sites


def _parse_site(table: dict[str, Any], where: str, max_pages_override: int | None) -> Site:
    name = table.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"{where}: 'name' is required and must be a non-empty string")
    where = f"{where} ({name})"
    start_urls = _str_list(table, "start_urls", where, required=True)
    hosts = [_start_host(url, where) for url in start_urls]
    domains = _str_list(table, "allowed_domains", where, required=False) or sorted(set(hosts))
    try:
        domains = [ascii_host(d.strip().lstrip(".")) for d in domains]  # requests carry punycode
    except ValueError as err:
        raise ConfigError(f"{where}: 'allowed_domains': {err}") from None
    for url, host in zip(start_urls, hosts, strict=True):
        if not _on_domains(host, domains):
            raise ConfigError(f"{where}: start URL {url!r} is outside allowed_domains {domains}")
    max_pages = table.get("max_pages", DEFAULT_MAX_PAGES)
    if isinstance(max_pages, bool) or not isinstance(max_pages, int) or max_pages < 1:
        raise ConfigError(f"{where}: 'max_pages' must be a positive integer, got {max_pages!r}")
    if max_pages_override is not None:
        max_pages = max_pages_override
    return Site(
        name=name.strip(),
        start_urls=tuple(start_urls),
        allowed_domains=tuple(domains),
        article_url_pattern=_regex(table, "article_url_pattern", where),
        follow_url_pattern=_regex(table, "follow_url_pattern", where),
        max_pages=max_pages,
        skip_spun=_flag(table, "skip_spun", where),
        restore_spun=_flag(table, "restore_spun", where),
        refresh_after=_duration(table, "refresh_after", where),
        refresh_until=_duration(table, "refresh_until", where) or DEFAULT_REFRESH_UNTIL,
        download_delay=_number(table, "download_delay", where, minimum=0.0),
        concurrency=_count(table, "concurrency", where),
        headers=_headers(table, where),
        user_agent=_text(table, "user_agent", where),
        encoding=_encoding(table, where),
        max_age=_duration(table, "max_age", where),
    )


def _duration(table: dict[str, Any], key: str, where: str) -> float | None:
    value = table.get(key)
    if value is None:
        return None
    try:
        return parse_duration(value)
    except ValueError as err:
        raise ConfigError(f"{where}: {key!r}: {err}") from None


def _number(table: dict[str, Any], key: str, where: str, *, minimum: float) -> float | None:
    value = table.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= minimum:
        raise ConfigError(f"{where}: {key!r} must be a number of seconds >= {minimum:g}, got {value!r}")
    return float(value)


def _count(table: dict[str, Any], key: str, where: str) -> int | None:
    value = table.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_CONCURRENCY:
        raise ConfigError(f"{where}: {key!r} must be an integer from 1 to {MAX_CONCURRENCY}, got {value!r}")
    return value


def _text(table: dict[str, Any], key: str, where: str) -> str | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or any(c in value for c in "\r\n\0"):
        raise ConfigError(f"{where}: {key!r} must be a non-empty one-line string")
    return value.strip()


_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")  # RFC 9110 token


def _headers(table: dict[str, Any], where: str) -> tuple[tuple[str, str], ...]:
    value = table.get("headers")
    if value is None:
        return ()
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: 'headers' must be a table of header names and string values")
    pairs = []
    for name, text in value.items():
        if not _HEADER_NAME.match(name):
            raise ConfigError(f"{where}: 'headers': {name!r} is not a valid header name")
        if name.lower() in ("host", "content-length", "transfer-encoding", "cookie"):
            raise ConfigError(f"{where}: 'headers': {name!r} cannot be set per site")
        if not isinstance(text, str) or any(c in text for c in "\r\n\0"):
            raise ConfigError(f"{where}: 'headers': the value of {name!r} must be a one-line string")
        pairs.append((name, text))
    return tuple(pairs)


def _encoding(table: dict[str, Any], where: str) -> str | None:
    value = _text(table, "encoding", where)
    if value is None:
        return None
    try:
        return codecs.lookup(value).name
    except LookupError:
        raise ConfigError(f"{where}: 'encoding': unknown encoding {value!r}") from None


def _flag(table: dict[str, Any], key: str, where: str) -> bool | None:
    value = table.get(key)
    if value is not None and not isinstance(value, bool):
        raise ConfigError(f"{where}: {key!r} must be true or false, got {value!r}")
    return value


def _start_host(url: str, where: str) -> str:
    try:
        parts = urlsplit(url)
        scheme = parts.scheme
        host = url_host(url)
    except ValueError as err:
        raise ConfigError(f"{where}: start URL {url!r} is not a valid URL: {err}") from None
    if scheme not in ("http", "https"):
        raise ConfigError(f"{where}: start URL {url!r} must use http:// or https://")
    if not host:
        raise ConfigError(f"{where}: start URL {url!r} has no host")
    return host


def _on_domains(host: str, domains: tuple[str, ...] | list[str]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


def _str_list(table: dict[str, Any], key: str, where: str, *, required: bool) -> list[str]:
    value = table.get(key)
    if value is None:
        if required:
            raise ConfigError(f"{where}: {key!r} is required (a list of URLs)")
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{where}: {key!r} must be a list of non-empty strings")
    if required and not value:
        raise ConfigError(f"{where}: {key!r} is empty")
    return [v.strip() for v in value]


def _regex(table: dict[str, Any], key: str, where: str) -> UrlPattern | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{where}: {key!r} must be a non-empty string (a regular expression)")
    try:
        re.compile(value)  # Python's messages say best what is wrong with the syntax
    except re.error as err:
        raise ConfigError(f"{where}: {key!r} is not a valid regular expression: {err}") from None
    try:
        return compile_linear(value)
    except ValueError as err:
        raise ConfigError(
            f"{where}: {key!r} uses a feature that cannot be matched in linear time "
            f"(backreferences, lookaround): {err}"
        ) from None


def compile_linear(pattern: str) -> UrlPattern:
    """RE2 (google-re2): matching time grows with the URL's length, never exponentially.

    A pattern such as ``(a+)+$`` or ``/p/([a-z0-9]+-?)+\\.html$`` takes Python's ``re`` minutes
    to fail on one long link, during which the crawl (and its signal handlers) stand still.
    """
    try:
        import re2
    except ImportError:  # pragma: no cover - google-re2 is a dependency
        return re.compile(pattern)
    options = re2.Options()
    options.log_errors = False  # RE2 would print its own parse errors on standard error
    try:
        return re2.compile(pattern, options)
    except re2.error as err:
        message = err.args[0] if err.args else err
        raise ValueError(
            message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)
        ) from None


def _names(keys: set[str]) -> str:
    return ", ".join(sorted(keys))
