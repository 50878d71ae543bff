"""Review report: a self-contained HTML page to audit and relabel what the cleaner kept and dropped.

A person opens the page offline, filters lines by reason, corrects a line's label and exports the
corrections as JSON Lines in the exact format ``newsclean train --extra FILE`` reads. The page carries
no external CSS, JS or fonts, and every piece of page text is escaped: the pages we review are hostile,
so a ``<script>`` in a removed line must show as text. A Content-Security-Policy that allows only the
page's own inline script and style (by hash) is a second line of defence.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import html
import json
import math
import os
import tempfile
from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path

from newsclean.core.errors import InputError
from newsclean.core.labels import LABELS, REASONS

EXPORT_FILENAME = "newsclean-corrections.jsonl"
DATA_ELEMENT_ID = "review-data"


# --- article dicts -> review lines ---------------------------------------------------------------


def review_lines(article: dict) -> list[dict]:
    """The article's lines in page order as ``{text, kept, reason, score}``.

    Uses the optional ``lines`` field (page order) when present; otherwise the kept paragraphs
    followed by the removed lines, which is all the plain article object can tell.
    Raises InputError when the article is not shaped like one.
    """
    if not isinstance(article, dict):
        raise InputError(f"article is a JSON {type(article).__name__}, not an object")
    if "lines" in article and article["lines"] is not None:
        raw = article["lines"]
        if not isinstance(raw, list):
            raise InputError("article field 'lines' is not a list")
        return [_line(item, f"lines[{i}]") for i, item in enumerate(raw)]
    paragraphs = article.get("paragraphs", [])
    removed = article.get("removed", [])
    if not isinstance(paragraphs, list) or not isinstance(removed, list):
        raise InputError("article fields 'paragraphs' and 'removed' must be lists")
    if "paragraphs" not in article and "removed" not in article:
        raise InputError("article has none of 'lines', 'paragraphs', 'removed'")
    out = []
    for i, text in enumerate(paragraphs):
        if not isinstance(text, str):
            raise InputError(f"article paragraphs[{i}] is not a string")
        out.append({"text": text, "kept": True, "reason": None, "score": None})
    for i, item in enumerate(removed):
        if not isinstance(item, dict):
            raise InputError(f"article removed[{i}] is not an object")
        out.append(_line({**item, "kept": False}, f"removed[{i}]"))
    return out


def _line(item: object, where: str) -> dict:
    if not isinstance(item, dict):
        raise InputError(f"article {where} is not an object")
    text, kept, reason, score = item.get("text"), item.get("kept"), item.get("reason"), item.get("score")
    if not isinstance(text, str):
        raise InputError(f"article {where}.text is not a string")
    if not isinstance(kept, bool):
        raise InputError(f"article {where}.kept is not true or false")
    if reason is not None and not isinstance(reason, str):
        raise InputError(f"article {where}.reason is not a string")
    if score is not None:
        if isinstance(score, bool) or not isinstance(score, (int, float)) or not math.isfinite(score):
            raise InputError(f"article {where}.score is not a number")
        score = float(score)
    if not kept and not reason:
        reason = "removed"  # a dropped line with no stated reason still needs a filter group
    return {"text": text, "kept": kept, "reason": None if kept else reason, "score": score}


def current_label(line: dict) -> str | None:
    """The training label the cleaner's verdict amounts to, or None (hidden, metadata, duplicate)."""
    if line["kept"]:
        return "content"
    return line["reason"] if line["reason"] in LABELS else None


def was_label(line: dict) -> str:
    """What the exported record's ``was`` field says: the old label or the removal reason."""
    return "content" if line["kept"] else line["reason"]


def article_url(article: dict) -> str:
    url = article.get("url")
    if not isinstance(url, str) or not url:
        raise InputError("article has no 'url' string")
    return url


# --- rendering -------------------------------------------------------------------------------------

_CSS = """
:root { --kept: #1b7f3b; --spam: #c62828; --adult: #8e24aa; --boilerplate: #607d8b; --hidden: #ef6c00;
  --metadata: #1565c0; --duplicate: #9e7c00; --other: #5d4037; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; margin: 0; color: #1d1d1f;
  background: #f6f6f4; }
header.top { position: sticky; top: 0; z-index: 2; background: #fff; border-bottom: 1px solid #ddd;
  padding: .6rem 1rem; }
h1 { font-size: 1.15rem; margin: 0 0 .3rem; }
h2 { font-size: 1.05rem; margin: 0 0 .2rem; }
.filters { display: flex; flex-wrap: wrap; gap: .35rem .6rem; align-items: center; border: 0; padding: 0; margin: 0; }
.filters legend { float: left; margin-right: .4rem; font-weight: 600; }
.chip { border-radius: 1rem; padding: .05rem .55rem; color: #fff; cursor: pointer; white-space: nowrap; }
.chip input { margin: 0 .25rem 0 0; vertical-align: -1px; }
.plain { color: inherit; }
.actions { display: flex; flex-wrap: wrap; gap: .6rem; align-items: center; margin-top: .4rem; }
button { font: inherit; padding: .2rem .8rem; border-radius: .3rem; border: 1px solid #888; background: #fff;
  cursor: pointer; }
button.primary { background: #1d1d1f; color: #fff; border-color: #1d1d1f; }
#export-status { color: #444; }
main { padding: .5rem 1rem 2rem; }
section.article { background: #fff; border: 1px solid #ddd; border-radius: .4rem; margin: .8rem 0; padding: .7rem; }
section.article { content-visibility: auto; contain-intrinsic-size: auto 1200px; }  /* big crawls: lay out on view */
.meta { color: #555; font-size: .9rem; overflow-wrap: anywhere; }
.note { color: #8a5a00; font-size: .9rem; }
table { border-collapse: collapse; width: 100%; margin-top: .4rem; }
th, td { text-align: left; vertical-align: top; padding: .25rem .4rem; border-top: 1px solid #eee; }
th { font-size: .85rem; color: #555; }
td.n, td.score { font-variant-numeric: tabular-nums; color: #555; white-space: nowrap; }
td.text { overflow-wrap: anywhere; white-space: pre-wrap; width: 100%; }
td.status { font-weight: 700; white-space: nowrap; font-size: .85rem; }
tr.line { border-left: 5px solid var(--other); }
tr.line.removed td.text { color: #555; }
tr.line.changed { background: #fff7d6; }
tr.line.changed td.fix::after { content: " corrected"; color: #8a5a00; font-size: .8rem; }
.k-kept { --c: var(--kept); } .k-spam { --c: var(--spam); } .k-adult { --c: var(--adult); }
.k-boilerplate { --c: var(--boilerplate); } .k-hidden { --c: var(--hidden); }
.k-metadata { --c: var(--metadata); } .k-duplicate { --c: var(--duplicate); } .k-other { --c: var(--other); }
tr.line { border-left-color: var(--c); } tr.line td.status, tr.line td.reason { color: var(--c); }
.chip { background: var(--c); }
footer { color: #666; font-size: .85rem; padding: 0 1rem 2rem; }
textarea#export-output { display: none; }
"""

_JS = """
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("review-data").textContent);
  const selects = Array.from(document.querySelectorAll("select.relabel"));
  const rows = Array.from(document.querySelectorAll("tr.line"));
  const filters = Array.from(document.querySelectorAll("input.filter"));
  const changedOnly = document.getElementById("changed-only");
  const count = document.getElementById("correction-count");
  const status = document.getElementById("export-status");
  const output = document.getElementById("export-output");

  function lineOf(el) {
    const article = data.articles[Number(el.dataset.a)];
    return { article: article, line: article.lines[Number(el.dataset.l)] };
  }

  function isChanged(sel) {
    const ref = lineOf(sel);
    return sel.value !== "" && sel.value !== (ref.line.label || "");
  }

  function corrections() {
    const out = [];
    for (const sel of selects) {
      if (!isChanged(sel)) continue;
      const ref = lineOf(sel);
      out.push({ text: ref.line.text, label: sel.value, source: ref.article.source, was: ref.line.was });
    }
    return out;
  }

  function applyFilters() {
    const shown = new Set(filters.filter(f => f.checked).map(f => f.value));
    for (const row of rows) {
      const changed = row.classList.contains("changed");
      row.hidden = !shown.has(row.dataset.group) || (changedOnly.checked && !changed);
    }
  }

  function onChange(ev) {
    const sel = ev.target;
    sel.closest("tr").classList.toggle("changed", isChanged(sel));
    const n = selects.filter(isChanged).length;
    count.textContent = n + (n === 1 ? " correction" : " corrections");
    applyFilters();
  }

  function exportCorrections() {
    const records = corrections();
    const body = records.map(r => JSON.stringify(r) + "\\n").join("");
    output.value = body;
    window.newscleanExport = body;
    if (!records.length) {
      status.textContent = "Nothing to export: change a line's label first.";
      return;
    }
    const url = URL.createObjectURL(new Blob([body], { type: "application/x-ndjson" }));
    const a = document.createElement("a");
    a.href = url;
    a.download = data.export_filename;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
    status.textContent = "Exported " + records.length + " line(s) to " + data.export_filename +
      " - retrain with: newsclean train --extra " + data.export_filename;
  }

  for (const sel of selects) sel.addEventListener("change", onChange);
  for (const f of filters) f.addEventListener("change", applyFilters);
  changedOnly.addEventListener("change", applyFilters);
  document.getElementById("export").addEventListener("click", exportCorrections);
  document.getElementById("all-on").addEventListener("click", () => { filters.forEach(f => { f.checked = true; }); applyFilters(); });
  document.getElementById("removed-only").addEventListener("click", () => {
    filters.forEach(f => { f.checked = f.value !== "kept"; });
    applyFilters();
  });
  document.documentElement.classList.add("js");
  applyFilters();
})();
"""


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _group(line: dict) -> str:
    """The filter group of a line: ``kept`` or its removal reason."""
    return "kept" if line["kept"] else line["reason"]


def _colour_class(group: str) -> str:
    return f"k-{group}" if group == "kept" or group in REASONS else "k-other"


def _script_json(payload: object) -> str:
    """JSON safe inside a ``<script type="application/json">``: no ``</script>`` or ``<!--`` can form."""
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _csp_hash(source: str) -> str:
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def _select(a: int, n: int, label: str | None) -> str:
    options = [] if label else ['<option value="" selected>—</option>']
    for choice in LABELS:
        selected = " selected" if choice == label else ""
        options.append(f'<option value="{choice}"{selected}>{choice}</option>')
    return (
        f'<select class="relabel" autocomplete="off" data-a="{a}" data-l="{n}" '
        f'aria-label="Label for line {n + 1}">' + "".join(options) + "</select>"
    )


def _row(a: int, n: int, line: dict) -> str:
    group = _group(line)
    status = "KEPT" if line["kept"] else "REMOVED"
    reason = "—" if line["kept"] else line["reason"]
    score = "—" if line["score"] is None else f"{line['score']:.2f}"
    return (
        f'<tr class="line {"kept" if line["kept"] else "removed"} {_colour_class(group)}" '
        f'data-a="{a}" data-l="{n}" data-group="{_esc(group)}">'
        f'<td class="n">{n + 1}</td><td class="status">{status}</td>'
        f'<td class="reason">{_esc(reason)}</td><td class="score">{score}</td>'
        f'<td class="text">{_esc(line["text"])}</td>'
        f'<td class="fix">{_select(a, n, current_label(line))}</td></tr>'
    )


def _counts_text(lines: list[dict]) -> str:
    groups = Counter(_group(line) for line in lines)
    kept = groups.pop("kept", 0)
    parts = [f"{kept} kept", f"{sum(groups.values())} removed"]
    parts += [f"{name} {n}" for name, n in sorted(groups.items(), key=lambda kv: (-kv[1], kv[0]))]
    return ", ".join(parts)


def _section(a: int, article: dict, url: str, lines: list[dict]) -> str:
    title = article.get("title") if isinstance(article.get("title"), str) else None
    heading = _esc(title) if title else "(no title)"
    link = (
        f'<a href="{_esc(url)}" rel="noopener noreferrer">{_esc(url)}</a>'
        if url.startswith(("http://", "https://"))
        else _esc(url)
    )
    facts = [link]
    for key in ("published_at", "source", "classifier"):
        value = article.get(key)
        if isinstance(value, str) and value:
            facts.append(f"{key}: {_esc(value)}")
    note = (
        ""
        if isinstance(article.get("lines"), list)
        else '<p class="note">Page order unknown: kept lines are listed first, then removed lines.</p>'
    )
    body = "".join(_row(a, n, line) for n, line in enumerate(lines))
    return (
        f'<section class="article" id="article-{a + 1}"><h2>{heading}</h2>'
        f'<p class="meta">{" · ".join(facts)}<br>{_esc(_counts_text(lines))}</p>{note}'
        "<table><thead><tr><th>#</th><th>verdict</th><th>reason</th><th>score</th><th>text</th>"
        f"<th>label</th></tr></thead><tbody>{body}</tbody></table></section>"
    )


def _filters(all_lines: Iterable[dict]) -> str:
    groups = Counter(_group(line) for line in all_lines)
    known = ["kept", *REASONS]
    order = [g for g in known if g in groups] + sorted(g for g in groups if g not in known)
    chips = "".join(
        f'<label class="chip {_colour_class(g)}"><input type="checkbox" class="filter" '
        f'value="{_esc(g)}" checked autocomplete="off">{_esc(g)} ({groups[g]})</label>'
        for g in order
    )
    return (
        f'<fieldset class="filters"><legend>Show</legend>{chips}'
        '<label class="plain"><input type="checkbox" id="changed-only" autocomplete="off"> '
        "corrected only</label></fieldset>"
    )


def render_report(articles: list[dict], *, title: str = "newsclean review") -> str:
    """The report page for ``articles`` (article dicts as ``newsclean clean`` prints them).

    Raises InputError when an article is malformed; the message names the article's position.
    """
    prepared = []
    for a, article in enumerate(articles):
        try:
            lines = review_lines(article)
            prepared.append((article, article_url(article), lines))
        except InputError as err:
            raise InputError(f"article {a + 1}: {err}") from None
    payload = {
        "version": 1,
        "labels": list(LABELS),
        "export_filename": EXPORT_FILENAME,
        "articles": [
            {
                "url": url,
                "source": f"review:{url}",
                "lines": [
                    {
                        "text": line["text"],
                        "kept": line["kept"],
                        "reason": line["reason"],
                        "score": line["score"],
                        "label": current_label(line),
                        "was": was_label(line),
                    }
                    for line in lines
                ],
            }
            for _, url, lines in prepared
        ],
    }
    all_lines = [line for _, _, lines in prepared for line in lines]
    csp = (
        f"default-src 'none'; script-src {_csp_hash(_JS)}; style-src {_csp_hash(_CSS)}; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )
    generated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    summary = f"{len(prepared)} article(s), {len(all_lines)} lines ({_counts_text(all_lines)}). Generated {generated}."
    sections = "".join(_section(a, art, url, lines) for a, (art, url, lines) in enumerate(prepared))
    if not prepared:
        sections = '<p class="note">No articles.</p>'
    return (
        "<!DOCTYPE html>\n"
        '<html lang="zh-Hans"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_esc(csp)}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_esc(title)}</title><style>{_CSS}</style></head><body>"
        f'<header class="top"><h1>{_esc(title)}</h1><p class="meta">{_esc(summary)}</p>'
        f"{_filters(all_lines)}"
        '<div class="actions"><button type="button" id="all-on">show all</button>'
        '<button type="button" id="removed-only">removed only</button>'
        '<span id="correction-count">0 corrections</span>'
        '<button type="button" class="primary" id="export">Export corrections</button>'
        '<span id="export-status" role="status"></span></div></header>'
        f"<main>{sections}</main>"
        "<footer>Pick a label in the last column to correct a line (content, spam, adult, boilerplate); "
        f"corrections live only in this page until exported. Export writes {EXPORT_FILENAME} "
        "for <code>newsclean train --extra FILE</code>.</footer>"
        '<textarea id="export-output" readonly aria-hidden="true"></textarea>'
        f'<script type="application/json" id="{DATA_ELEMENT_ID}">{_script_json(payload)}</script>'
        f"<script>{_JS}</script></body></html>\n"
    )


# --- files -----------------------------------------------------------------------------------------


def write_report(
    articles: list[dict], path: str | os.PathLike[str], *, title: str = "newsclean review"
) -> None:
    """Write the report for ``articles`` to ``path`` atomically: a temp file beside it, then a rename.

    A reader never sees half a report, and a failed run leaves any earlier report untouched.
    """
    page = render_report(articles, title=title)
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise InputError(f"cannot write report {target}: folder {directory} does not exist")
    if target.is_dir():
        raise InputError(f"cannot write report {target}: it is a folder")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(page)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except OSError as err:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise InputError(f"cannot write report {target}: {err.strerror or err}") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
