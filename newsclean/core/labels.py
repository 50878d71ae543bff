"""The words lines are judged with: one home for the classifier's labels and the removal reasons."""

from __future__ import annotations

# what the line classifier says of a line (and what ``newsclean train --extra`` accepts)
LABELS = ("content", "spam", "adult", "boilerplate")

# why a line left the article: ``article.removed[].reason``
REASONS = ("spam", "adult", "boilerplate", "hidden", "metadata", "duplicate")
