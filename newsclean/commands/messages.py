"""The one-line messages every command prints on standard error."""

from __future__ import annotations

import sys


def fail(message: str) -> None:
    """One line, ``newsclean: ...``, white space folded so a message never spans lines."""
    print(f"newsclean: {' '.join(message.split())}", file=sys.stderr)
