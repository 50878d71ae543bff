"""Errors a user can act on. The CLI prints their message as one line, never a traceback."""

from __future__ import annotations


class NewscleanError(Exception):
    """Base class: ``str(err)`` is the one line shown to the user."""

    exit_code = 1


class InputError(NewscleanError):
    """A bad argument, a missing or unreadable file, an unsupported URL scheme."""

    exit_code = 2


class NotADocumentError(NewscleanError):
    """The bytes are not an HTML page or text (binary, image, archive...)."""

    exit_code = 3


class NoArticleError(NewscleanError):
    """The page holds no article body (e.g. a pure spam page)."""

    exit_code = 4


class FetchError(NewscleanError):
    """A URL could not be fetched: unreachable, timed out, refused by robots.txt, too large."""

    exit_code = 5


class ModelError(NewscleanError):
    """The classifier model file is missing, corrupt or not a model we trust."""

    exit_code = 6


class ConfigError(NewscleanError):
    """A malformed sources file or setting."""

    exit_code = 2
