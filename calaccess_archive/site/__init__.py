"""The downloads site: pages, stable redirects, the API, the feed, the sitemap and the static copy.

Views (views/) read models only through `calaccess_archive.site.selectors` and
`calaccess_archive.selectors`; templates live in calaccess_archive/templates/site/,
the stylesheet in static/site/site.css. `pages.site_paths()` lists every public
URL, for the sitemap and for `manage.py buildsite`.
"""
