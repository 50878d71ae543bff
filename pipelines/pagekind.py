"""Pages that are not articles though they hold some text: soft 404s served with status 200,
403 and error notices, login walls, robots.txt, index and list pages.

Each is told by what is left after cleaning, so a real article that quotes "页面不存在" or
links to other stories is never refused: the notice must be most of a short body.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from newsclean.core.types import Line

MAX_NOTICE_CHARS = 200  # an error or login notice is short; a longer body is an article about one
LIST_LINK_SHARE = 0.6  # of the kept text inside links: a list of headlines, not an article
MIN_LIST_LINES = 5
ROBOTS_SHARE = 0.5

NOT_FOUND = re.compile(
    r"(?:^|\D)404(?:\D|$)|页面不存在|頁面不存在|页面未找到|页面找不到|找不到(?:该|此|您要的|你要的)?(?:页面|网页|文章)|"
    r"(?:页面|网页|文章|帖子|内容|信息)(?:已|已经)?(?:被)?(?:删除|移除|下线|过期)|"
    r"(?:文章|帖子|主题|内容|页面)不存在|您(?:所)?访问的(?:页面|网页|地址)|page not found|not found|"
    r"发生错误|出错了|错误信息|无效的(?:链接|参数)|错误的(?:版面)?参数",
    re.IGNORECASE,
)
FORBIDDEN = re.compile(
    r"(?:^|\D)403(?:\D|$)|forbidden|access denied|访问被拒绝|拒绝访问|无权(?:访问|查看)|没有权限", re.I
)
LOGIN_WALL = re.compile(
    r"请(?:先)?登录|登录后(?:才能)?(?:查看|阅读|浏览|继续)|需要登录|您还没有登录|sign in to|log in to", re.I
)
ROBOTS_LINE = re.compile(r"^(?:user-agent|disallow|allow|sitemap|crawl-delay|host)\s*:", re.IGNORECASE)


def not_an_article(kept: Sequence[Line], title: str | None) -> str | None:
    """Why the kept lines are no article (one line for the user), or None for an article."""
    texts = [line.text for line in kept]
    chars = sum(len(t) for t in texts)
    if texts and sum(bool(ROBOTS_LINE.match(t)) for t in texts) >= ROBOTS_SHARE * len(texts):
        return "the page is a robots.txt file"
    if chars <= MAX_NOTICE_CHARS:
        notice = " ".join([title or "", *texts])
        for pattern, what in (
            (NOT_FOUND, "a 'page not found' or error notice (soft 404)"),
            (FORBIDDEN, "an 'access denied' notice"),
            (LOGIN_WALL, "a login wall"),
        ):
            if pattern.search(notice):
                return f"the page is {what}"
    linked = sum(len(line.text) * line.link_density for line in kept)
    if len(kept) >= MIN_LIST_LINES and chars and linked >= LIST_LINK_SHARE * chars:
        return "the page is an index or list of links"
    return None
