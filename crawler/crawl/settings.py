"""Every Scrapy setting of vnnews, in one place.

Per-site politeness (delay, concurrency, AutoThrottle) comes from config/sites/<site>.yaml
and is applied by the spider (crawler/crawl/spider.py) on top of the defaults here. Our own
settings are prefixed VNNEWS_. Override any of them with `scrapy crawl -s NAME=VALUE`.
"""

import os

from crawler import __version__

BOT_NAME = "vnnews"

# Spiders are generated from config/sites/*.yaml ($VNNEWS_CONFIG overrides the folder);
# adding a site needs no Python, so there is no NEWSPIDER_MODULE for `scrapy genspider`.
SPIDER_MODULES = ["crawler.crawl.sitespiders"]

# --- vnnews ------------------------------------------------------------------------------

# Where the corpus goes: <dir>/corpus/NNN_<id>.txt, manifest.jsonl, rejects.jsonl, raw/*.warc.gz.
VNNEWS_OUTPUT = "output"

# HOST:PORT of the loopback replica server (replica/). When set, requests for every
# configured site's domain go there with their original Host header; responses keep the
# real URLs. Empty: crawl the real sites.
VNNEWS_REPLICA = ""

# Keep every fetched page raw in WARC files under <output>/raw/, for `vnnews reprocess`.
VNNEWS_ARCHIVE = True
# Start a new WARC file once the current one passes this size (gzip'd bytes).
VNNEWS_ARCHIVE_MAX_BYTES = 512 * 1024 * 1024

# Apply each site's YAML politeness (delay, concurrency, AutoThrottle). `vnnews demo` and
# the tests turn it off for the loopback replica only; never for real sites.
VNNEWS_SITE_POLITENESS = True

# Who to contact about the crawler (a URL or mailto:); goes into the User-Agent. Set it to your
# own address (environment variable or -s VNNEWS_CONTACT=...) before crawling real sites: without
# it the User-Agent is the bare "vnnews/VERSION" and a live crawl warns once.
VNNEWS_CONTACT = os.environ.get("VNNEWS_CONTACT", "")

# --- incremental runs, locks, progress (crawler/corpus/state.py, crawler/crawl/incremental.py) -------------

# Keep <output>/state/crawl.sqlite: articles already written or rejected are not fetched again
# (listings, feeds and sitemaps always are); each run's counts feed `vnnews report`.
VNNEWS_STATE = True
# Fetch every article again, done or not (option --refresh).
VNNEWS_REFRESH = False
# YYYY-MM-DD: skip articles published before this day, when a feed, a sitemap or the cleaned
# page dates them (option --since). Empty: no bound.
VNNEWS_SINCE = ""
# Fetch again (or re-clean from the archive) the articles the cleaner rejected (not-article,
# too-short, garbled) in earlier runs (option --retry-rejected; with --since, those rejected on
# or after that day). Without it they are retried when the site's config or vnnews changed.
VNNEWS_RETRY_REJECTED = False
# Failed fetches (fetch-error, http 5xx, truncated...) are fetched again on the next run, then
# after 1, 2, 4... of these hours (at most a week) from the last attempt (crawler/corpus/retry.py).
VNNEWS_RETRY_BACKOFF_HOURS = 1.0
# At most this many article requests per site and run (option --max-articles); 0: no limit.
VNNEWS_MAX_ARTICLES = 0
# Where the per-site locks live. Empty: <output>/state/locks. Point every output folder of a
# machine at one folder (e.g. /run/vnnews) so one site is never crawled twice at once.
VNNEWS_LOCK_DIR = ""
# Live progress per site on stderr every VNNEWS_PROGRESS_INTERVAL seconds: "auto" (when
# stderr is a terminal), "on" or "off".
VNNEWS_PROGRESS = "auto"
VNNEWS_PROGRESS_INTERVAL = 10

# --- pending requests (crawler/crawl/scheduler.py) ------------------------------------------------

# Requests waiting to be fetched are kept on disk, not in memory: one sitemap can name
# 100,000 articles, and in memory each waiting request costs ~3 KB (463 MB at 100,000 URLs,
# growing linearly; docs/benchmarks.md, "Memory"). The disk queues live in a scratch folder
# of the run, <output>/state/queue/<site>/run-*/, emptied of any stopped run's leftovers at
# start and deleted at the end: nothing is resumed from it (the state store resumes a crawl),
# unlike Scrapy's JOBDIR. False: Scrapy's memory queues. `-s JOBDIR=DIR` still gives Scrapy's
# own disk queues and resume, ignoring this setting.
VNNEWS_DISK_QUEUE = True
SCHEDULER = "crawler.crawl.scheduler.ScratchScheduler"
# Scrapy's defaults, named because the order must match: LIFO on disk as in memory, so both
# settings crawl in the same order (depth first within a priority).
SCHEDULER_DISK_QUEUE = "scrapy.squeues.PickleLifoDiskQueue"
SCHEDULER_MEMORY_QUEUE = "scrapy.squeues.LifoMemoryQueue"
# A request that cannot be pickled (a lambda callback, an open file in meta) silently falls
# back to memory (stat scheduler/unserializable); log the first one so it gets fixed.
SCHEDULER_DEBUG = True

# --- politeness ----------------------------------------------------------------------------

# Identify ourselves; Common Crawl and most webmasters ask for a name and a contact.
# The spider rebuilds it when VNNEWS_CONTACT is given on the command line.
USER_AGENT = f"vnnews/{__version__} (+{VNNEWS_CONTACT})" if VNNEWS_CONTACT else f"vnnews/{__version__}"

# robots.txt is obeyed. Scrapy treats a robots.txt answering 5xx (or not answering) as "allow
# all"; we follow RFC 9309 instead: "disallow" skips the host for the run, the next run asks
# again (crawler/crawl/middlewares.py, docs/faults.md). "allow" restores Scrapy's behaviour.
ROBOTSTXT_OBEY = True
VNNEWS_ROBOTSTXT_UNAVAILABLE = "disallow"

# A retried 429/503 waits what its Retry-After header asks (seconds or an HTTP date); other
# retried statuses, and those without the header, wait BASE, 2*BASE, 4*BASE... seconds. Never
# longer than MAX: a server asking for more is left alone until the next run (Scrapy would
# retry at once, scrapy#3849).
VNNEWS_RETRY_AFTER_MAX = 120
VNNEWS_RETRY_BACKOFF_BASE = 5

# Provincial servers are small: one request at a time per site, a few sites in parallel.
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 3  # default for sites whose YAML says nothing; Common Crawl news uses 9 s

# Back off when a server slows down; the YAML can turn it off per site.
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 3
AUTOTHROTTLE_MAX_DELAY = 60
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# --- robustness ----------------------------------------------------------------------------

DOWNLOAD_TIMEOUT = 30  # slow .gov.vn servers; Common Crawl uses 30 s for Asian news sites
RETRY_TIMES = 3
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024  # also applied after decompression: bombs are cut off
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
DOWNLOAD_FAIL_ON_DATALOSS = True  # a truncated page is an error, never a half article
REDIRECT_MAX_TIMES = 10
# Certificate verification stays off (Scrapy's default): many .gov.vn chains are broken.
# DOWNLOAD_VERIFY_CERTIFICATES = True turns it on (docs/faults.md, "TLS").

# Error pages reach the spider so an article URL that answers 404/500 ends in rejects.jsonl
# with its status instead of vanishing; listing pages with an error status are not followed.
HTTPERROR_ALLOW_ALL = True

# Listing depth is bounded per site by discovery.max_listing_pages, so no global DEPTH_LIMIT.
DEPTH_LIMIT = 0
MEMUSAGE_LIMIT_MB = 2048
CLOSESPIDER_ERRORCOUNT = 200

# --- spider output (crawler/crawl/pipelines.py) ------------------------------------------------------

# Scrapy starts CONCURRENT_ITEMS asyncio tasks for every response to work through its
# output (default 100: a tenth of the crawl's CPU went into creating them). A page gives
# one item and its links; the links are scheduled without waiting and only the item waits
# (for the corpus's group commit), so a few workers are plenty. Order is unchanged: the
# workers take the output in order.
CONCURRENT_ITEMS = 4

# Processes that clean the article candidates (crawler/crawl/cleaning.py): 0 = one per core,
# 1 = on Scrapy's reactor thread. The items reach the corpus in arrival order either way.
VNNEWS_CLEAN_PROCESSES = 0
# How much lower the cleaning workers' CPU priority is than the crawl's (os.nice; 0: the same).
# The crawl process is the one part that cannot be split, and with two busy workers on two
# cores Linux gave it two thirds of a core: on replica pages in the real pages' furniture the
# pooled crawl ran at 98 pages/s, at 10 it ran at 113-123, as fast as the bare spider
# (docs/benchmarks.md). A worker still gets every cycle the crawl leaves; back-pressure keeps
# its queue bounded.
VNNEWS_CLEAN_NICENESS = 10

# --- duplicate requests ----------------------------------------------------------------------

# Requests are fingerprinted on the canonical URL (crawler/urls.py): tracking parameters,
# NFC/NFD slugs, http/https, www and CMS index.php variants are one page.
# (REQUEST_FINGERPRINTER_IMPLEMENTATION no longer exists in Scrapy 2.19; the class is the API.)
REQUEST_FINGERPRINTER_CLASS = "crawler.crawl.dupefilter.CanonicalRequestFingerprinter"
# Lets a redirect through when it only changes the spelling (http -> https), which the
# canonical fingerprint alone would drop as a duplicate of the request it came from.
DUPEFILTER_CLASS = "crawler.crawl.dupefilter.CanonicalDupeFilter"

# --- components ------------------------------------------------------------------------------

# Scrapy's own download handlers fetch every page. Only when VNNEWS_REPLICA names a loopback
# replica does this add-on put the replica's handler (replica/handler.py, test and demo
# infrastructure outside the production package) in front of them.
ADDONS = {"crawler.crawl.replica_routing.ReplicaRouting": 0}

# Scrapy's stats without the per-read deprecation hook of Scrapy 2.19 (crawler/crawl/stats.py).
STATS_CLASS = "crawler.crawl.stats.PlainStatsCollector"

# Scrapy's downloader lets a site with `delay: 0` exceed its `concurrency` (crawler/crawl/downloader.py).
DOWNLOADER = "crawler.crawl.downloader.SlotLimitedDownloader"

DOWNLOADER_MIDDLEWARES = {
    # replaced by subclasses that honour Retry-After and treat a 5xx robots.txt as "disallow"
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.crawl.middlewares.UnavailableRobotsTxtMiddleware": 100,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.crawl.middlewares.RetryAfterMiddleware": 550,
    # sees redirects before RedirectMiddleware (600), so a loop is an error, not a silent drop
    "crawler.crawl.middlewares.RedirectLoopMiddleware": 610,
    # Scrapy's, without decoding every page whole to find no meta refresh in its first bytes
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.crawl.middlewares.MetaRefreshFromBytesMiddleware": 580,
}

# Every fetched page passes in order: archived raw, cleaned (article candidates), written.
ITEM_PIPELINES = {
    "crawler.crawl.pipelines.ArchivePipeline": 100,
    "crawler.crawl.pipelines.CleanPipeline": 200,
    "crawler.crawl.incremental.SincePipeline": 250,
    "crawler.crawl.pipelines.CorpusPipeline": 300,
    # last: the state store is written only after the corpus committed the page
    "crawler.crawl.incremental.StatePipeline": 400,
}

# Articles already done in an earlier run are never requested again (VNNEWS_STATE).
SPIDER_MIDDLEWARES = {
    "crawler.crawl.incremental.IncrementalMiddleware": 900,
}

EXTENSIONS = {
    "crawler.crawl.progress.LiveProgress": 500,
    "crawler.crawl.middlewares.NonHtmlGuard": 500,  # a PDF or image page is stopped after its headers
}

# No open ports on crawl machines: the telnet console and Scrapy 2.19's remote-control
# HTTP server (which can run code in the crawler) stay off.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
