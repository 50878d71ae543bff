"""The article object's JSON Schema, for checking what we write."""

from __future__ import annotations

from newsclean.core.labels import REASONS

DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
DATETIME = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|[+-][0-9]{2}:?[0-9]{2})$"

ARTICLE_SCHEMA: dict = {
    "type": "object",
    "required": [
        "url",
        "title",
        "published_at",
        "source",
        "paragraphs",
        "text",
        "removed",
        "language",
        "converted",
        "fetched_at",
        "fingerprint",
        "classifier",
    ],
    "properties": {
        "url": {"type": "string", "minLength": 1},
        "title": {"type": ["string", "null"]},
        "published_at": {
            "oneOf": [
                {"type": "string", "pattern": DATE},
                {"type": "string", "pattern": DATETIME},
                {"type": "null"},
            ]
        },
        "source": {"type": ["string", "null"]},
        "author": {"type": ["string", "null"]},
        "keywords": {"type": "array", "items": {"type": "string"}},
        "language": {"type": "string", "minLength": 1},
        "converted": {"type": "boolean"},
        "paragraphs": {"type": "array", "items": {"type": "string"}},
        "text": {"type": "string"},
        "removed": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["text", "reason", "score"],
                "properties": {
                    "text": {"type": "string"},
                    "reason": {"enum": list(REASONS)},
                    "score": {"oneOf": [{"type": "number", "minimum": 0, "maximum": 1}, {"type": "null"}]},
                },
            },
        },
        "fetched_at": {"type": "string", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T"},
        "fingerprint": {"type": "string", "minLength": 1},
        "classifier": {"type": "string", "minLength": 1},
        "pages": {  # optional: an article split over several pages, their URLs in page order
            "type": "array",
            "items": {"type": "string", "minLength": 1},
            "minItems": 2,
        },
        # optional, crawls only: a revisit found the article changed and wrote it again
        "version": {"type": "integer", "minimum": 2},
        "updated_at": {"type": "string", "pattern": DATETIME},
        "supersedes": {"type": "string", "minLength": 1},
        "spin": {  # optional: how likely the text was run through a 伪原创 word spinner
            "type": "object",
            "required": ["score", "spun", "evidence", "model"],
            "properties": {
                "score": {"type": "number", "minimum": 0, "maximum": 1},
                "spun": {"type": "boolean"},
                "model": {"type": "string", "minLength": 1},
                "evidence": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["paragraph", "offset", "word", "original", "gain"],
                    },
                },
                "restored": {
                    "type": "array",
                    "items": {"type": "object", "required": ["paragraph", "offset", "from", "to"]},
                },
            },
        },
    },
}


def article_errors(article: dict) -> list[str]:
    """Schema violations of one article, plus the text == join(paragraphs) rule; empty when valid."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(ARTICLE_SCHEMA)
    errors = [
        f"{'/'.join(map(str, e.path)) or '(root)'}: {e.message}" for e in validator.iter_errors(article)
    ]
    if isinstance(article.get("paragraphs"), list) and article.get("text") != "\n".join(
        article["paragraphs"]
    ):
        errors.append("text is not the paragraphs joined with newlines")
    return errors
