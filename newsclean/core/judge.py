"""What the cleaning steps need of a line classifier, so they take one without importing it.

The trained model (:class:`newsclean.classifiers.model.LineClassifier`) lives a floor above the
steps; the steps only call these methods on whatever the caller passes in.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from newsclean.core.types import Line


class Verdict(Protocol):
    """One line's label (``content``, ``spam``, ``adult``, ``boilerplate``) and its probability."""

    @property
    def label(self) -> str: ...

    @property
    def score(self) -> float: ...


class LineJudge(Protocol):
    """Labels lines with their page context, or bare texts (titles, keywords) without one."""

    @property
    def version(self) -> str: ...

    def predict(self, lines: Sequence[Line]) -> Sequence[Verdict]: ...

    def predict_texts(self, texts: list[str]) -> Sequence[Verdict]: ...

    def news_odds(self, texts: Sequence[str]) -> Sequence[float]:
        """Per character, how much likelier each text is as news than as spam vocabulary (0:
        as likely either way); used for lone short lines, which ``predict`` judges poorly."""
        ...
