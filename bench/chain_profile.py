"""Where the chain's time and memory go, measured from outside: nothing in the chain is patched.

One cProfile run over all pages gives the per-step profile from its caller -> callee edges: the
time of every call that a function of ``newsclean/chain.py`` makes into a step module
(``newsclean.pipelines.*``, the classifier) counts for that step, everything else the chain spends
is "other". The chain can change shape freely and the profile follows it. The same run gives
OpenCC's share, the calls per page of work that should happen once per page, and hot spots.
"""

from __future__ import annotations

import cProfile
import gc
import inspect
import pstats
import resource
import time
import tracemalloc
from contextlib import suppress
from pathlib import Path

from bench.pages import BenchPage
from newsclean.core.paths import PROJECT_ROOT

STEPS = ["decode", "dom_clean", "extract", "lines", "normalise", "metadata", "classify", "assemble", "other"]

# step module (the file's stem under pipelines/) -> the step it belongs to
STEP_OF_MODULE = {
    "decode": "decode",
    "dom": "dom_clean",
    "domclean": "dom_clean",
    "extract": "extract",
    "textdump": "extract",
    "lines": "lines",
    "normalise": "normalise",
    "metalines": "metadata",
    "classify": "classify",
    "article": "assemble",
}

# Work that should happen at most once per page (or once per run): name fragments of functions
# counted in the cProfile run. More calls per page than expected means repeated work.
WATCHED_CALLS = {
    "lxml HTML parse (document_fromstring)": ("lxml/html/__init__.py", "document_fromstring"),
    "OpenCC() construction": ("opencc/__init__.py", "__init__"),
    "OpenCC.convert": ("opencc/__init__.py", "convert"),
    "langdetect detect": ("langdetect/detector_factory.py", "detect"),
    "langdetect detect_langs": ("langdetect/detector_factory.py", "detect_langs"),
    "w3lib html_to_unicode": ("w3lib/encoding.py", "html_to_unicode"),
}


def profile_chain(pages: list[BenchPage], classifier) -> pstats.Stats:
    """cProfile over clean_document on every page."""
    from newsclean.chain import clean_document
    from newsclean.core.errors import NewscleanError

    prof = cProfile.Profile()
    prof.enable()
    for page in pages:
        with suppress(NewscleanError):
            clean_document(page.data, url=page.url, content_type=page.content_type, classifier=classifier)
    prof.disable()
    return pstats.Stats(prof)


def _step_of(filename: str) -> str | None:
    import newsclean.classifiers
    import newsclean.pipelines

    path = Path(filename)
    if path.parent == Path(inspect.getfile(newsclean.pipelines)).parent:
        return STEP_OF_MODULE.get(path.stem)
    if path.parent == Path(inspect.getfile(newsclean.classifiers)).parent:
        return "classify"
    return None


def step_shares(stats: pstats.Stats) -> dict:
    """Each step's share of the chain's time, from the edges chain.py -> step module.

    Returns the shares (summing to 1) and the project functions chain.py calls that no step claims.
    """
    import newsclean.chain

    chain_file = inspect.getfile(newsclean.chain)
    entries = stats.stats  # type: ignore[attr-defined]
    total = sum(v[3] for k, v in entries.items() if k[0] == chain_file and k[2] == "clean_document")
    seconds = dict.fromkeys(STEPS, 0.0)
    untimed: set[str] = set()
    for (filename, _line, func), (_cc, _nc, _tt, _ct, callers) in entries.items():
        if filename == chain_file:
            continue
        edge = sum(c[3] for caller, c in callers.items() if caller[0] == chain_file)
        if not edge:
            continue
        step = _step_of(filename)
        if step is None:
            if _is_project(filename):
                untimed.add(func)
            continue
        seconds[step] += edge
    seconds["other"] = max(0.0, total - sum(seconds.values()))
    return {
        "shares": {k: v / total if total else 0.0 for k, v in seconds.items()},
        "untimed": sorted(untimed),
    }


def opencc_share(stats: pstats.Stats) -> dict:
    """Time inside OpenCC (construction and conversion) as a share of the profiled run."""
    entries = stats.stats  # type: ignore[attr-defined]
    total = stats.total_tt  # type: ignore[attr-defined]
    out: dict = {}
    for name, func in (("construct", "__init__"), ("convert", "convert")):
        rows = [v for k, v in entries.items() if k[0].endswith("opencc/__init__.py") and k[2] == func]
        out[f"{name}_calls"] = sum(v[1] for v in rows)
        out[f"{name}_seconds"] = sum(v[3] for v in rows)
    out["share"] = (out["construct_seconds"] + out["convert_seconds"]) / total if total else 0.0
    return out


def hot_spots(stats: pstats.Stats, pages: int, top: int = 25) -> dict:
    """Hot spots by own time and (project functions) by cumulative time; watched calls per page."""
    total = stats.total_tt  # type: ignore[attr-defined]
    entries = stats.stats  # type: ignore[attr-defined]

    def row(key, value) -> dict:
        _cc, nc, tt, ct, _callers = value
        filename, lineno, func = key
        return {"function": f"{_short(filename)}:{lineno}({func})", "calls": nc, "own_s": tt, "cum_s": ct}

    by_own = sorted(entries.items(), key=lambda kv: kv[1][2], reverse=True)[:top]
    by_cum = sorted(entries.items(), key=lambda kv: kv[1][3], reverse=True)
    project = [kv for kv in by_cum if _is_project(kv[0][0])][:top]
    watched = {}
    for label, (path_part, func) in WATCHED_CALLS.items():
        calls = sum(v[1] for k, v in entries.items() if k[0].endswith(path_part) and k[2] == func)
        watched[label] = calls / max(1, pages)
    return {
        "total_seconds": total,
        "by_own_time": [row(k, v) for k, v in by_own],
        "project_by_cumulative": [row(k, v) for k, v in project],
        "calls_per_page": watched,
    }


def _short(filename: str) -> str:
    for marker in ("site-packages/", str(PROJECT_ROOT) + "/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


def _is_project(filename: str) -> bool:
    """Code of this project (not its benchmarks, not a virtualenv inside the checkout)."""
    inside = filename.startswith(str(PROJECT_ROOT) + "/") and "site-packages" not in filename
    return inside and "/bench/" not in filename


def page_lines(page: BenchPage) -> list:
    """The page's normalised lines, as the classifier sees them (the chain's first steps in order)."""
    from newsclean.core.errors import NewscleanError
    from newsclean.pipelines.decode import decode_bytes, looks_like_html
    from newsclean.pipelines.domclean import clean_dom
    from newsclean.pipelines.extract import extract_html
    from newsclean.pipelines.lines import to_lines
    from newsclean.pipelines.normalise import normalise_lines
    from newsclean.pipelines.textdump import extract_text

    try:
        text = decode_bytes(page.data, page.content_type).text
    except NewscleanError:  # pages the chain refuses have no lines to classify
        return []
    extracted = extract_html(clean_dom(text)[0], page.url) if looks_like_html(text) else extract_text(text)
    return normalise_lines(to_lines(extracted.blocks))[0]


def run_classifier(batches: list[list], classifier, single_sample: int = 300) -> dict:
    """Lines/s of classifier.predict: one batch of every line, one call per page, one per line."""
    lines = [line for batch in batches for line in batch]
    if not lines:
        return {"lines": 0}
    out: dict = {"lines": len(lines)}
    start = time.perf_counter()
    classifier.predict(lines)
    out["batched_lines_per_s"] = len(lines) / (time.perf_counter() - start)
    start = time.perf_counter()
    for batch in batches:
        classifier.predict(batch)
    out["per_page_lines_per_s"] = len(lines) / (time.perf_counter() - start)
    sample = lines[:single_sample]
    start = time.perf_counter()
    for line in sample:
        classifier.predict([line])
    out["one_per_call_lines_per_s"] = len(sample) / (time.perf_counter() - start)
    return out


def run_memory(pages: list[BenchPage], classifier) -> dict:
    """tracemalloc's peak for the worst single page and over the whole run, plus ru_maxrss."""
    from newsclean.chain import clean_document
    from newsclean.core.errors import NewscleanError

    gc.collect()
    tracemalloc.start()
    worst, worst_name = 0, ""
    base = tracemalloc.get_traced_memory()[0]
    for page in pages:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        with suppress(NewscleanError):
            clean_document(page.data, url=page.url, content_type=page.content_type, classifier=classifier)
        peak = tracemalloc.get_traced_memory()[1] - before
        if peak > worst:
            worst, worst_name = peak, page.name
    current = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    maxrss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {
        "peak_per_page_bytes": worst,
        "peak_page": worst_name,
        "retained_after_run_bytes": current - base,
        "ru_maxrss_bytes": maxrss_kb * 1024,
    }
