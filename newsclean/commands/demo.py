"""``newsclean demo``: the whole crawl on the bundled demo site, with no network.

Serves ``newsclean/demo_site`` (invented tech news, polluted on purpose: spam tails, hidden link
farms, gambling titles, GBK, Big5 and Traditional-character pages) on 127.0.0.1, writes a sources
file for it, runs the same crawl as ``newsclean crawl`` and prints its summary. Each demo uses a
fresh state directory, so it always shows the full result.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

from newsclean.core.errors import InputError
from newsclean.core.paths import PACKAGE_DIR

DEMO_SITE = PACKAGE_DIR / "demo_site"
ORIGIN_PLACEHOLDER = b"http://__ORIGIN__"  # absolute URLs in sitemap.xml, rss.xml, robots.txt
ARTICLE_PATTERN = r"/news/\d{6}/\d+\.html$"


class DemoServer(ThreadingHTTPServer):
    """A static server for the demo site on a free port of 127.0.0.1."""

    daemon_threads = True

    def __init__(self, root: Path = DEMO_SITE) -> None:
        self.root = root

        class Handler(_DemoHandler):
            directory_root = str(root)

        super().__init__(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self) -> DemoServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()
        self.server_close()


class _DemoHandler(SimpleHTTPRequestHandler):
    directory_root = str(DEMO_SITE)
    extensions_map: ClassVar[dict[str, str]] = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".html": "text/html",  # no charset: the GBK and Big5 pages say theirs in <meta>
        ".xml": "application/xml",
        ".txt": "text/plain; charset=utf-8",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, directory=self.directory_root, **kwargs)

    def log_message(self, format, *args):  # the crawl keeps its own log
        pass

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if path.suffix in (".xml", ".txt") and path.is_file():
            body = path.read_bytes().replace(ORIGIN_PLACEHOLDER, self.server.origin.encode())
            self.send_response(200)
            self.send_header("Content-Type", self.guess_type(str(path)))
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return None
        return super().send_head()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--output", default="output", metavar="DIR", help="where JSON Lines go (default: output/)"
    )
    parser.add_argument("--log-file", metavar="F", help="crawl log (default: OUTPUT/demo-crawl.log)")
    parser.add_argument(
        "--model",
        metavar="FILE",
        default=os.environ.get("NEWSCLEAN_MODEL") or None,
        help="classifier model file (default: $NEWSCLEAN_MODEL, else one newsclean train installed for this user, else the bundled one)",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress lines, only the summary")


def write_sources(path: Path, origin: str) -> Path:
    path.write_text(
        "# written by `newsclean demo` for the bundled demo site\n"
        "[[site]]\n"
        'name = "demo"\n'
        f'start_urls = ["{origin}/"]\n'
        f'article_url_pattern = "{ARTICLE_PATTERN.replace(chr(92), chr(92) * 2)}"\n'
        'follow_url_pattern = "/list/"\n'
        "max_pages = 200\n",
        encoding="utf-8",
    )
    return path


def run(args: argparse.Namespace) -> int:
    from newsclean.commands import crawl

    if not (DEMO_SITE / "index.html").is_file():
        raise InputError(f"the demo site is missing from {DEMO_SITE}; reinstall newsclean")
    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    state = Path(tempfile.mkdtemp(prefix="newsclean-demo-"))
    try:
        with DemoServer() as server:
            sources = write_sources(state / "demo-sources.toml", server.origin)
            print(f"demo site served at {server.origin}/ ({DEMO_SITE})", flush=True)
            # the crawl command's own parser, so every option it has gets its default
            parser = argparse.ArgumentParser()
            crawl.add_arguments(parser)
            argv = ["--sources", str(sources), "--output", str(output), "--state", str(state)]
            argv += [
                "--log-file",
                args.log_file or str(output / "demo-crawl.log"),
                "--progress-interval",
                "2",
            ]
            argv += ["--set", "NEWSCLEAN_OUTPUT_PREFIX=demo", "--set", "AUTOTHROTTLE_ENABLED=False"]
            argv += ["--model", args.model] if args.model else []
            argv += ["--quiet"] if args.quiet else []
            code = crawl.run(parser.parse_args(argv))
        if code == 0:
            print(f"check them in a browser: newsclean review {output}/demo-*.jsonl --out review.html")
    finally:
        shutil.rmtree(state, ignore_errors=True)
    return code


def main(argv: list[str] | None = None) -> int:
    import sys

    from newsclean.core.errors import NewscleanError

    parser = argparse.ArgumentParser(prog="newsclean demo", description=__doc__.splitlines()[0])
    add_arguments(parser)
    try:
        return run(parser.parse_args(argv))
    except NewscleanError as err:
        print(f"newsclean demo: {err}", file=sys.stderr)
        return err.exit_code


if __name__ == "__main__":
    raise SystemExit(main())
