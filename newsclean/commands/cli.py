"""The ``newsclean`` command: a thin dispatcher over one module per subcommand.

Every failure a user can cause ends with one line on standard error and a non-zero exit code;
tracebacks are shown only with NEWSCLEAN_DEBUG=1.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from newsclean import __version__
from newsclean.commands.messages import fail
from newsclean.core.errors import NewscleanError

# Each subcommand's module offers add_arguments(parser) and run(args); only the chosen one is
# imported (start-up time).
COMMANDS = {
    "clean": (
        "newsclean.commands.clean",
        "clean one or more pages (URL, file, folder or -) and print article JSON",
    ),
    "crawl": (
        "newsclean.commands.crawl",
        "crawl the sites of a sources file into JSON Lines (cron-safe, incremental)",
    ),
    "state": (
        "newsclean.commands.state",
        "show a crawl's seen-store per site (articles, versions, last fetch) and its last run",
    ),
    "forget": (
        "newsclean.commands.forget",
        "make articles (URLs, or a whole site) be fetched and exported again by the next crawl",
    ),
    "demo": (
        "newsclean.commands.demo",
        "serve the bundled demo site on 127.0.0.1, crawl it, write output/*.jsonl",
    ),
    "train": (
        "newsclean.classifiers.train",
        "retrain the line classifier, evaluate it, replace the model if not worse",
    ),
    "eval": ("newsclean.classifiers.evaluate", "evaluate the classifier on held-out or given labelled lines"),
    "review": ("newsclean.commands.review", "write a review page for the articles of a JSON Lines file"),
}


ENVIRONMENT_HELP = """\
environment variables:
  NEWSCLEAN_MODEL         classifier model file for clean and demo when --model is not given
                          (default: the bundled active model; for crawl see below)
  NEWSCLEAN_SHARED        the shared data folder (seeds, corpora for train/eval; default ../shared)
  NEWSCLEAN_DEBUG=1       show the traceback of an internal error instead of one line
  NEWSCLEAN_WORKER_ID     this worker's name in a distributed crawl (default: host-pid-random)
  NEWSCLEAN_IDLE_TIMEOUT, NEWSCLEAN_HEARTBEAT_TTL
                          seconds a distributed worker waits on an empty queue / a worker counts as alive
  SCRAPY_SETTINGS_MODULE=newsclean.crawling.settings
                          lets `scrapy crawl news` run outside the project folder

crawl settings (newsclean crawl --set NAME=VALUE, or scrapy crawl -s NAME=VALUE; not read from the
environment):
  NEWSCLEAN_SOURCES       sources file when no -a sources=FILE is given (scrapy crawl)
  NEWSCLEAN_OUTPUT_DIR    where JSON Lines go (default output)
  NEWSCLEAN_OUTPUT_PREFIX output file names: PREFIX-<UTC time>-<pid>.jsonl (default news; the demo: demo)
  NEWSCLEAN_STATE_DIR     lock and seen-store (default OUTPUT_DIR/.state)
  NEWSCLEAN_MODEL         classifier model file (newsclean crawl --model sets it)
  NEWSCLEAN_PROGRESS_INTERVAL
                          seconds between progress lines; 0 turns them off (default 10)
  NEWSCLEAN_LOG_MAX_BYTES, NEWSCLEAN_LOG_BACKUPS
                          newsclean crawl's crawl.log rotates at this size, keeping this many older
                          files (default 10485760 and 5; 0 never rotates)
  NEWSCLEAN_REDIS_PREFIX  key prefix in Redis for a distributed crawl

exit codes: 0 done, 1 some pages failed or internal error, 2 bad argument or input, 3 not a
document, 4 no article, 5 fetch failed, 6 bad model, 130 interrupted
"""


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(_chosen_command(argv))
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.run(args) or 0)
    except NewscleanError as err:
        fail(str(err))
        return err.exit_code
    except KeyboardInterrupt:
        fail("interrupted")
        return 130
    except Exception as err:  # last line of defence: one line, never a traceback
        if os.environ.get("NEWSCLEAN_DEBUG"):
            raise
        fail(f"internal error: {type(err).__name__}: {err} (set NEWSCLEAN_DEBUG=1 for details)")
        return 1


def _chosen_command(argv: list[str]) -> str | None:
    return next((a for a in argv if not a.startswith("-")), None)


def build_parser(chosen: str | None = None) -> argparse.ArgumentParser:
    """The full parser; the chosen command's module adds its arguments."""
    parser = argparse.ArgumentParser(
        prog="newsclean",
        description="Turn polluted Chinese tech-news pages into clean articles.",
        epilog=ENVIRONMENT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"newsclean {__version__}")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")
    for name, (module, help_text) in COMMANDS.items():
        mod = importlib.import_module(module) if name == chosen else None
        description = getattr(mod, "DESCRIPTION", help_text)
        p = sub.add_parser(name, help=help_text, description=description)
        if mod is not None:
            mod.add_arguments(p)
            p.set_defaults(run=mod.run)
    return parser


if __name__ == "__main__":
    sys.exit(main())
