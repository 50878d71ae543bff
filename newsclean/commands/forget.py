"""``newsclean forget``: make articles (by URL, or a whole site) be fetched and exported again.

The seen-store drops them, their aliases and their fingerprints, so the next crawl takes them
for new pages. Under the crawl's lock (a running crawl makes it exit 75); a missing or corrupt
store is one line, exit 74. Files already written are not touched.
"""

from __future__ import annotations

import argparse

from newsclean.commands.state import add_folder_arguments, opened_store
from newsclean.core.errors import InputError

DESCRIPTION = __doc__.splitlines()[0]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_folder_arguments(parser)
    parser.add_argument("urls", nargs="*", metavar="URL", help="article URLs (or URLs that led to them)")
    parser.add_argument(
        "--site", metavar="NAME", help="every article of this site (its name in the sources file)"
    )


def run(args: argparse.Namespace) -> int:
    if not args.urls and not args.site:
        raise InputError("forget: name at least one URL or --site NAME")
    if args.site is not None and not args.site.strip():
        raise InputError("forget: --site needs a site name")
    with opened_store(args) as store:
        missing = [u for u in args.urls if store.record(u) is None]
        forgotten = store.forget(args.urls, site=args.site.strip() if args.site else None)
    what = f"site {args.site.strip()}" if args.site else ""
    if args.urls:
        what = f"{len(args.urls)} URL(s)" + (f" and {what}" if what else "")
    print(f"forgot {forgotten} article(s) of {what}: the next crawl fetches and exports them again")
    for url in missing:
        print(f"  not in the seen-store: {url}")
    return 0
