"""What the news spider hands to the item pipelines."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ArticleItem:
    """One cleaned article page.

    ``article`` is the object of CONTRACT.md as the cleaning chain built it; the pipelines add
    ``site`` and, for near-duplicates, ``near_duplicate_of`` when writing it out.
    """

    article: dict
    site: str
    aliases: list[str] = field(default_factory=list)  # other URLs that led here (redirects)
    near_duplicate_of: str | None = None

    def output(self) -> dict:
        """The JSON object written as one line."""
        obj = dict(self.article)
        obj["site"] = self.site
        if self.near_duplicate_of:
            obj["near_duplicate_of"] = self.near_duplicate_of
        return obj
