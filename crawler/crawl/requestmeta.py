"""Keys the spider puts in request meta, read by the middlewares and pipelines."""

KIND = "vnnews_kind"  # request meta: why the page was asked for (article, listing, feed, ...)
LISTING_DEPTH = "vnnews_listing_depth"  # request meta: page number - 1 within a listing chain
SITEMAP_DEPTH = "vnnews_sitemap_depth"  # request meta: nesting of sitemap indexes
PUBLISHED = "vnnews_published"  # request meta: the article's date as a feed or sitemap gives it (--since)
