"""The datatrove step: raw HTML of each document in, the clean article out (see __init__)."""

from __future__ import annotations

from collections.abc import Iterator

try:
    from datatrove.data import DocumentsPipeline
    from datatrove.pipeline.base import PipelineStep
except ImportError as err:  # the optional extra is missing
    raise ImportError("newsclean.datatrove needs datatrove: pip install 'newsclean[datatrove]'") from err

from newsclean.core.errors import NewscleanError

ARTICLE_FIELDS = ("title", "published_at", "source", "author", "keywords", "language", "converted", "spin")


class NewscleanExtractor(PipelineStep):
    """Clean every document's HTML with newsclean; one model load per task."""

    name = "📰 newsclean"
    type = "🛢 - EXTRAC"

    def __init__(self, model: str | None = None, keep_removed: bool = False, keep_html: bool = False) -> None:
        super().__init__()
        self.model = model
        self.keep_removed = keep_removed
        self.keep_html = keep_html
        self._classifier = None

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> Iterator:
        from newsclean.chain import clean_document
        from newsclean.classifiers.model import load_classifier
        from newsclean.classifiers.spin_model import load_spin_model

        if self._classifier is None:
            self._classifier = load_classifier(self.model)
        spin = load_spin_model()
        for doc in data:
            self.stat_update("documents")
            with self.track_time():
                try:
                    article = clean_document(
                        doc.text,
                        url=doc.metadata.get("url") or doc.id,
                        classifier=self._classifier,
                        spin=spin,
                    )
                except NewscleanError as err:
                    self.stat_update(type(err).__name__)
                    continue
            if self.keep_html:
                doc.metadata["html"] = doc.text
            doc.text = article["text"]
            doc.metadata.update({k: article[k] for k in ARTICLE_FIELDS})
            doc.metadata.update(
                url=article["url"],
                paragraphs=article["paragraphs"],
                fingerprint=article["fingerprint"],
                classifier=article["classifier"],
            )
            if self.keep_removed:
                doc.metadata["removed"] = article["removed"]
            self.stat_update("articles")
            self.update_doc_stats(doc)
            yield doc
