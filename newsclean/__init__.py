"""newsclean: clean articles out of polluted Chinese tech-news pages.

``newsclean.clean(html, url=None)`` gives an :class:`Article`; ``newsclean.Cleaner(model=...)``
cleans many pages with one loaded model. The names load on first use, so importing a part of
the package (``newsclean.core.errors``) loads neither the model nor the cleaning chain.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "clean": "newsclean.api",
    "Cleaner": "newsclean.api",
    "Article": "newsclean.api",
    "RemovedLine": "newsclean.api",
    "NewscleanError": "newsclean.core.errors",
    "InputError": "newsclean.core.errors",
    "NotADocumentError": "newsclean.core.errors",
    "NoArticleError": "newsclean.core.errors",
    "FetchError": "newsclean.core.errors",
    "ModelError": "newsclean.core.errors",
    "ConfigError": "newsclean.core.errors",
}
__all__ = [
    "Article",
    "Cleaner",
    "ConfigError",
    "FetchError",
    "InputError",
    "ModelError",
    "NewscleanError",
    "NoArticleError",
    "NotADocumentError",
    "RemovedLine",
    "__version__",
    "clean",
]

if TYPE_CHECKING:
    from newsclean.api import Article, Cleaner, RemovedLine, clean
    from newsclean.core.errors import (
        ConfigError,
        FetchError,
        InputError,
        ModelError,
        NewscleanError,
        NoArticleError,
        NotADocumentError,
    )


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'newsclean' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
