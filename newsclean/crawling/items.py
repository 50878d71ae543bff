"""What the news spider hands to the rest of the crawl: the kinds of request, pages and articles."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

# request kinds, carried in meta["kind"]: pages count against a site's max_pages, the rest do not
START, PAGE, ARTICLE, ROBOTS, SITEMAP, FEED = "start", "page", "article", "robots", "sitemap", "feed"
PAGE_KINDS = (START, PAGE, ARTICLE)


@dataclass(frozen=True)
class Fetch:
    """What the response said about the page's freshness, and whether it was a revisit."""

    etag: str | None = None
    last_modified: str | None = None
    revisit: bool = False  # an exported article fetched again under its site's refresh policy


@dataclass
class PageItem:
    """A fetched page the spider takes for an article; the clean pipeline turns it into one."""

    url: str
    body: bytes
    content_type: str | None
    site: str
    aliases: list[str] = field(default_factory=list)  # other URLs that led here (redirects)
    fetch: Fetch = field(default_factory=Fetch)
    # a multi-page article: the later pages its pager links to, then the pages fetched, in order
    next_pages: list[tuple[int, str]] = field(default_factory=list)
    more_pages: list[tuple[bytes, str, str | None]] = field(default_factory=list)

    def pages(self) -> list[tuple[bytes, str, str | None]]:
        """Every page of the article, page 1 first: (body, URL, Content-Type) each."""
        return [(self.body, self.url, self.content_type), *self.more_pages]


@dataclass
class ArticleItem:
    """One cleaned article page.

    ``article`` is the article object (README, "The article object") as the cleaning chain built it; the pipelines add
    ``site`` and, for near-duplicates, ``near_duplicate_of`` when writing it out; a changed
    article found by a revisit gets ``version``, ``updated_at`` and ``supersedes``.
    """

    article: dict
    site: str
    aliases: list[str] = field(default_factory=list)  # other URLs that led here (redirects)
    near_duplicate_of: str | None = None
    fetch: Fetch = field(default_factory=Fetch)
    version: int | None = None  # set for a second or later version of an article
    supersedes: str | None = None  # the fingerprint of the version it replaces

    def output(self) -> dict:
        """The JSON object written as one line."""
        obj = dict(self.article)
        obj["site"] = self.site
        if self.near_duplicate_of:
            obj["near_duplicate_of"] = self.near_duplicate_of
        if self.version:
            obj["version"] = self.version
            obj["updated_at"] = obj.get("fetched_at") or datetime.now(timezone.utc).isoformat(
                timespec="seconds"
            )
            obj["supersedes"] = self.supersedes
        return obj
