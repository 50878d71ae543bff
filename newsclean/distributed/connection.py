"""The Redis server of a distributed crawl: its URL checked, a client that fails fast, one error.

A malformed URL is the user's mistake (:class:`~newsclean.core.errors.InputError`, exit 2); a
server that cannot be reached, or refuses a command, is :class:`RedisUnavailableError` (exit 69).
Imports redis only inside :func:`connect`, so the command line can check a URL and name this
error without the "distributed" extra installed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from newsclean.core.errors import InputError, NewscleanError

if TYPE_CHECKING:
    import redis

CONNECT_TIMEOUT = 5.0
SOCKET_TIMEOUT = 30.0
SCHEMES = ("redis", "rediss", "unix")
EXAMPLE = "redis://host:6379/0"


class RedisUnavailableError(NewscleanError):
    """Redis cannot be reached or refused a command: the crawl's shared state is out of reach."""

    exit_code = 69  # EX_UNAVAILABLE


def redact_url(url: str) -> str:
    """The URL with any password replaced, for messages and logs."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    userinfo, _, hostpart = rest.rpartition("@")
    user = userinfo.split(":", 1)[0]
    return f"{scheme}://{user + ':' if user else ':'}***@{hostpart}"


def describe_redis_error(url: str, err: Exception) -> str:
    """One line naming the server (without its password) and what went wrong."""
    detail = " ".join(str(err).split()) or type(err).__name__
    return f"Redis at {redact_url(url)} unavailable: {detail}"


def check_url(url: str) -> None:
    """Raise InputError, in one line, unless ``url`` is a well-formed Redis URL.

    redis-py accepts some malformed URLs and fails on others only when it connects, with a
    message that reads like an outage; this tells the two apart before anything is sent.
    """
    shown = redact_url(url)

    def bad(why: str) -> InputError:
        return InputError(f"bad Redis URL {shown}: {why} (expected e.g. {EXAMPLE})")

    if not isinstance(url, str) or not url.strip():
        raise bad("empty")
    if any(c.isspace() or ord(c) < 32 for c in url):
        raise bad("contains spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
        query = parse_qs(parts.query, strict_parsing=bool(parts.query))
    except ValueError as err:
        raise bad(str(err)) from None
    if parts.scheme not in SCHEMES:
        raise bad(f"scheme must be one of {', '.join(s + '://' for s in SCHEMES)}")
    db = query.get("db", [None])[-1]
    if parts.scheme == "unix":
        if not parts.path:
            raise bad("no socket path")
    else:
        if not parts.hostname:
            raise bad("no host")
        if port is not None and not 1 <= port <= 65535:
            raise bad(f"port {port} out of range 1-65535")
        path = parts.path.strip("/")
        if path:
            db = path
    if db is not None and not (db.isdigit() and db.isascii()):
        raise bad(f"database must be a number, not {db!r}")


def connect(url: str) -> redis.Redis:
    """A client for ``url`` that fails fast when the server is down; checked with PING."""
    import redis

    check_url(url)
    try:
        client = redis.Redis.from_url(
            url, socket_connect_timeout=CONNECT_TIMEOUT, socket_timeout=SOCKET_TIMEOUT
        )
    except ValueError as err:
        raise InputError(f"bad Redis URL {redact_url(url)}: {err}") from None
    try:
        client.ping()
    except redis.RedisError as err:
        client.close()
        raise RedisUnavailableError(describe_redis_error(url, err)) from None
    return client
