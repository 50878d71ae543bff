"""newsclean as a datatrove pipeline step (``pip install 'newsclean[datatrove]'``).

    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.writers import JsonlWriter
    from newsclean.datatrove import NewscleanExtractor, NewscleanWarcReader

    LocalPipelineExecutor(
        [NewscleanWarcReader("crawl/"), NewscleanExtractor(), JsonlWriter("clean/")], tasks=4
    ).run()

Each document's text (the raw HTML the reader gives) becomes the clean article text; the
article's fields go into the document's metadata. Pages without an article are dropped and
counted in the step's stats. The same executor runs on Slurm or Ray. datatrove's own
``WarcReader`` works too, but drops pages its decoder cannot read (GBK, Big5);
``NewscleanWarcReader`` keeps them (reader.py).
"""

from newsclean.datatrove.reader import NewscleanWarcReader
from newsclean.datatrove.step import NewscleanExtractor

__all__ = ["NewscleanExtractor", "NewscleanWarcReader"]
