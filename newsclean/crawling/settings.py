"""Scrapy settings shared by crawls and by one-off URL fetches.

One place for politeness and safety limits, so ``newsclean clean URL`` and ``newsclean crawl``
fetch pages the same way.
"""

from newsclean import __version__

BOT_NAME = "newsclean"
SPIDER_MODULES = ["newsclean.spiders"]
NEWSPIDER_MODULE = "newsclean.spiders"

USER_AGENT = f"newsclean/{__version__} (news corpus crawler; obeys robots.txt)"
ROBOTSTXT_OBEY = True

# Politeness: AutoThrottle adapts to the server; hard caps per domain.
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 8
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 10.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 4.0

# Robustness: bounded time and size for every download.
DOWNLOAD_TIMEOUT = 20
DOWNLOAD_MAXSIZE = 8 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 2
REDIRECT_MAX_TIMES = 5
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False  # Scrapy 2.19's HTTP endpoint that runs Python sent to it: off like Telnet

# Scrapy's robots.txt middleware, with waiters that arrive while robots.txt is being fetched
# fixed (newsclean/robots.py): without it they are downloaded even where robots.txt forbids.
DOWNLOADER_MIDDLEWARES = {
    # a site's headers, user agent, delay and concurrency (sources file), before robots.txt
    "newsclean.crawling.middlewares.SitePolicy": 50,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "newsclean.crawling.robots.RobotsTxtMiddleware": 100,
}

# What one response's callback gives (at most one page for the pipelines, and its links) is
# handled by this many asyncio tasks. Scrapy's default, 100, starts 100 tasks for every response
# (1-3 ms of CPU per page here, the largest single cost of a crawl's process after parsing);
# 2 still lets the links go to the scheduler while the page waits for a cleaning worker.
CONCURRENT_ITEMS = 2

# per-domain and per-site concurrency held when many links arrive at once (see the module)
DOWNLOADER = "newsclean.crawling.downloader.Downloader"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"

# Scheduled crawls (the news spider): its components, each active only on a crawl whose spider
# put a CrawlState on the crawler (newsclean/crawling/state.py), so one-off fetches skip them.
EXTENSIONS = {
    "newsclean.crawling.extensions.CrawlRunExtension": 100,  # lock, seen-store, output file
    "newsclean.crawling.extensions.ProgressExtension": 110,
    "newsclean.crawling.extensions.SiteStatsExtension": 120,  # per-site counters in the stats
    "newsclean.crawling.extensions.SiteAlertExtension": 130,  # site-compromise alerts, site history
}
SPIDER_MIDDLEWARES = {
    # next to the spider: what it drops spends no budget (the shared filter of Redis mode is 950)
    "newsclean.crawling.middlewares.SeenFilter": 990,
}
# what happens to pages, in order: clean, dedupe (Redis mode claims at 750), export
ITEM_PIPELINES = {
    "newsclean.crawling.pipelines.CleanPipeline": 100,
    "newsclean.crawling.pipelines.DedupePipeline": 300,
    "newsclean.crawling.pipelines.ExportPipeline": 800,
}
DUPEFILTER_CLASS = "newsclean.crawling.dupefilters.RedirectCycleDupeFilter"  # logs redirect cycles it cuts
LOG_FORMATTER = "newsclean.crawling.logformatter.CrawlLogFormatter"
DEFAULT_DROPITEM_LOG_LEVEL = "INFO"  # a duplicate is routine, not a warning
LOGSTATS_INTERVAL = 60.0

# Distributed mode (REDIS_URL set): the add-on switches scheduler, dupefilter and shared
# seen-store to Redis. Always listed, so a REDIS_URL without the "distributed" extra installed
# fails with one clear line instead of silently running a single-machine crawl.
ADDONS = {"newsclean.distributed.addon.DistributedAddon": 0}

# newsclean's own settings (``newsclean crawl`` sets them from its options).
NEWSCLEAN_OUTPUT_DIR = "output"  # one JSON Lines file per run
NEWSCLEAN_OUTPUT_PREFIX = "news"  # output files are PREFIX-<UTC time>-<pid>.jsonl
NEWSCLEAN_STATE_DIR = ""  # lock + seen-store; empty means OUTPUT_DIR/.state
NEWSCLEAN_CLEANER = "newsclean.chain.clean_document"
NEWSCLEAN_SKIP_SPUN = False  # leave out articles judged spun (伪原创); a site's skip_spun wins
NEWSCLEAN_RESTORE_SPUN = False  # put back unambiguous originals of spun words; a site's restore_spun wins
NEWSCLEAN_MODEL = ""  # classifier model file; empty means the bundled active model
NEWSCLEAN_LOAD_CLASSIFIER = True
NEWSCLEAN_CLEAN_JOBS = 0  # processes that clean pages: 0 one per core, 1 in the crawl's own process
NEWSCLEAN_MAX_SITEMAPS = 100  # sitemap fetches per site and run (and at most the site's max_pages)
NEWSCLEAN_SITEMAP_DEPTH = 3  # levels of sitemap indexes followed below the first sitemap
NEWSCLEAN_MAX_FEEDS = 20  # RSS/Atom feed fetches per site and run (and at most max_pages)
NEWSCLEAN_LOG_MAX_BYTES = 10 * 1024 * 1024  # the crawl log rotates at this size; 0 never rotates
NEWSCLEAN_LOG_BACKUPS = 5  # rotated crawl logs kept (crawl.log.1 ... crawl.log.5)
NEWSCLEAN_PROGRESS_INTERVAL = 10.0  # seconds between one-line progress reports; 0 turns them off
COMMANDS_MODULE = "newsclean.crawling.crawl"  # its scrapy crawl ends non-zero when a crawl cannot run
