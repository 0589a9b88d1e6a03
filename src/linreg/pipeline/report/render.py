"""Render reports/report.qmd to one self-contained HTML file, with Quarto or without it.

``quarto``: ``quarto render`` (Jupyter engine, this Python). ``jupyter``: the
fallback for machines without Quarto — splice in the included chapters, run the
cells in an IPython shell in this interpreter (``cells.run_cells``: each inline
expression evaluated after the cells before it, as Quarto does), turn their
outputs into pandoc markdown (figures and tables numbered, ``@`` references
resolved, callouts as styled divs), then pandoc writes HTML with embedded
resources and MathML (math needs no network). ``auto`` picks Quarto when it is
on PATH. Either way the HTML is written to a temporary file and moved into place.
"""

from __future__ import annotations

import base64
import errno
import html
import logging
import os
import re
import shutil
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path

from linreg.pipeline.errors import RenderError
from linreg.pipeline.io import atomic_path
from linreg.pipeline.report.qmd import (
    INLINE_MIME,
    Code,
    Document,
    Markdown,
    callouts_to_divs,
    inline_cell_source,
    numbering,
    parse_file,
    resolve_crossrefs,
    substitute_inline,
)

log = logging.getLogger("linreg.pipeline.report")

STYLE = """<style>
body { max-width: 60rem; margin: 2rem auto; padding: 0 1rem; font-family: system-ui, sans-serif;
       line-height: 1.5; color: #1b1b1b; }
img { max-width: 100%; height: auto; }
table { border-collapse: collapse; margin: 1rem 0; font-size: 0.85rem; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25rem 0.6rem; text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.table-block, details { overflow-x: auto; max-width: 100%; }
details > summary { cursor: pointer; color: #0b57d0; margin: 0.5rem 0; }
pre, code { font-size: 0.85rem; }
nav#TOC { border: 1px solid #ddd; padding: 0.5rem 1rem; margin: 1rem 0; }
@media (min-width: 48rem) { nav#TOC > ul { columns: 2; column-gap: 2rem; } nav#TOC li { break-inside: avoid; } }
figure { margin: 1.5rem 0; } figcaption, .table-caption { font-size: 0.9rem; color: #444; }
pre { background: #f6f8fa; padding: 0.6rem; overflow-x: auto; }
div.sourceCode, pre, math[display="block"] { max-width: 100%; overflow-x: auto; }  /* scroll, never widen the page */
.callout { border-left: 4px solid #0d6efd; background: #f3f7ff; padding: 0.5rem 1rem; margin: 1rem 0; }
.callout-warning { border-color: #d97706; background: #fff8eb; }
.callout-important { border-color: #dc2626; background: #fef2f2; }
.callout-tip { border-color: #16a34a; background: #f0fdf4; }
.interactive { margin: 0.5rem 0 1.5rem; border-top: 1px dashed #ccc; padding-top: 0.5rem; }
.interactive .hint { font-size: 0.9rem; color: #444; margin: 0 0 0.3rem; }
.interactive .vega-bindings { font-size: 0.9rem; margin-top: 0.3rem; }
.interactive input[type=range] { width: 12rem; max-width: 60vw; vertical-align: middle; }
@media print { .interactive { display: none !important; } }
footer { margin-top: 3rem; font-size: 0.8rem; color: #666; border-top: 1px solid #ddd; padding-top: 0.5rem; }
</style>
"""


def choose_engine(requested: str) -> str:
    if requested == "quarto" and shutil.which("quarto") is None:
        raise RenderError(
            "report.engine is 'quarto' but quarto is not on PATH; install Quarto (README) or use 'auto' / 'jupyter'."
        )
    if requested == "auto":
        return "quarto" if shutil.which("quarto") else "jupyter"
    return requested


def pandoc_path() -> str:
    import pypandoc

    return pypandoc.get_pandoc_path()


def engine_description(engine: str) -> str:
    if engine == "quarto":
        version = subprocess.run(["quarto", "--version"], capture_output=True, text=True).stdout.strip()
        return f"Quarto {version} (Jupyter engine)"
    version = subprocess.run([pandoc_path(), "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    return f"the Jupyter fallback without Quarto: IPython executed the cells, {version} wrote the HTML"


def render(source: Path, output: Path, engine: str) -> str:
    """Render ``source`` to ``output``; returns the engine used (``quarto`` or ``jupyter``)."""
    engine = choose_engine(engine)
    os.environ["LINREG_REPORT_ENGINE"] = engine_description(engine)  # the footer cell reads it
    with atomic_path(output) as tmp:
        if engine == "quarto":
            _render_quarto(source, tmp)
        else:
            _render_fallback(source, tmp)
    return engine


def _render_quarto(source: Path, out: Path) -> None:
    # Render a copy beside the original (same folder depth for the cells), then move the result.
    with tempfile.TemporaryDirectory(dir=source.parent, prefix=".render-") as work:
        copy = Path(work) / source.name
        shutil.copy(source, copy)
        for rel in parse_file(source).includes:  # the chapters, at the same paths relative to the copy
            (Path(work) / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source.parent / rel, Path(work) / rel)
        done = subprocess.run(["quarto", "render", str(copy), "--to", "html"], capture_output=True, text=True)
        if done.returncode != 0:
            raise RenderError(f"quarto render failed:\n{done.stderr[-4000:]}")
        shutil.move(copy.with_suffix(".html"), out)


def _render_fallback(source: Path, out: Path) -> None:
    from linreg.pipeline.report.cells import run_cells

    doc = parse_file(source)
    sources = [b.source if isinstance(b, Code) else inline_cell_source(b) for b in doc.executed()]
    outputs = run_cells(sources, source.parent)
    if outputs and outputs[-1] and outputs[-1][-1]["output_type"] == "error":
        failed = outputs[-1][-1]
        raise RenderError(
            f"a report cell failed:\n{sources[len(outputs) - 1][:2000]}\n\n{''.join(failed['traceback'])[-4000:]}"
        )
    check_no_html_outputs(doc.executed(), outputs)
    markdown = to_markdown(doc, outputs)
    small, blobs = stash_blobs(markdown)

    with tempfile.TemporaryDirectory() as work:
        md, header = Path(work) / "report.md", Path(work) / "style.html"
        md.write_text(small)
        header.write_text(STYLE)
        args = [
            pandoc_path(),
            str(md),
            "--from",
            "markdown",
            "--to",
            "html5",
            "--standalone",
            "--mathml",
            "--toc",
            "--number-sections",
            "--wrap=none",
            "-H",
            str(header),
            "-o",
            str(out.resolve()),
        ]
        _pandoc(args)
        page = unstash_blobs(out.read_text(), blobs)
        # Every figure and script is already inline (data URIs, inlined Vega): pandoc's
        # --embed-resources would only re-read 3 MB to find nothing (1.8 s of the 2.8 s it took;
        # docs/performance.md "The learner's loop"). Text that links a file still gets it embedded.
        if external_resources(page):
            md.write_text(markdown)
            _pandoc([*args[:-2], "--embed-resources", *args[-2:]], cwd=source.parent)
        else:
            out.write_text(page)


# Pandoc parses what it is given: 3 MB of markdown, 2.9 of it figures' base64 and the inlined Vega
# bundle, which it only copies (and whose tabs it expanded to spaces, changing the script's string
# literals). Those go to pandoc as short tokens and come back verbatim into its HTML.
_BLOB = "linreg-blob-"
_IMAGE = re.compile(r"\(data:image/[a-z+]+;base64,[A-Za-z0-9+/=]+\)")
_RAW_HTML = re.compile(r"```\{=html\}\n(.*?)\n```", re.S)
RAW_STASHED = 4096  # characters: raw HTML blocks this long or longer are stashed (the scripts, the charts' specs)


def stash_blobs(markdown: str) -> tuple[str, list[str]]:
    """``markdown`` with every data-URI image and every long raw HTML block replaced by a token, and the
    replaced texts in token order (none when the text already holds a token: nothing is then ambiguous)."""
    if _BLOB in markdown:
        return markdown, []
    blobs: list[str] = []

    def image(m: re.Match) -> str:
        blobs.append(m.group(0)[1:-1])
        return f"({_BLOB}{len(blobs) - 1})"

    def raw(m: re.Match) -> str:
        if len(m.group(1)) < RAW_STASHED:
            return m.group(0)
        blobs.append(m.group(1))
        return f"```{{=html}}\n<!--{_BLOB}{len(blobs) - 1}-->\n```"

    return _RAW_HTML.sub(raw, _IMAGE.sub(image, markdown)), blobs


def unstash_blobs(html_text: str, blobs: list[str]) -> str:
    """Pandoc's HTML with each token of ``stash_blobs`` replaced by the text it stands for."""
    if not blobs:
        return html_text
    token = re.compile(rf"<!--{_BLOB}(\d+)-->|{_BLOB}(\d+)")
    return token.sub(lambda m: blobs[int(m.group(1) or m.group(2))], html_text)


# How pandoc (a Haskell program) words a full disk: "pandoc: <path>: withFile: resource exhausted (No space
# left on device)", then a "HasCallStack backtrace:" of GHC internals that says nothing to a user.
_OS_ERRORS = {"No space left on device": errno.ENOSPC, "Disk quota exceeded": errno.EDQUOT}


def _pandoc(args: list[str], cwd: Path | None = None) -> None:
    done = subprocess.run(args, capture_output=True, text=True, cwd=cwd)
    if done.returncode == 0:
        return
    message = done.stderr.split("HasCallStack backtrace:")[0].strip()
    for words, code in _OS_ERRORS.items():
        if words in message:  # the stage's one "free space" line, as for any other write
            raise OSError(code, words, args[args.index("-o") + 1] if "-o" in args else None)
    raise RenderError(f"pandoc failed: {message[-4000:]}")


class _Resources(HTMLParser):
    """Collects what a page would fetch: src, srcset, poster, object data, SVG image hrefs, stylesheet
    links, and CSS ``url(…)`` in style attributes and <style> elements (data: URIs and #anchors load nothing)."""

    URL = re.compile(r"""url\(\s*['"]?(?!data:|#)([^'")\s]+)""")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_style = False

    def _add(self, ref: str | None) -> None:
        if ref and not ref.strip().startswith(("data:", "#")):
            self.found.append(ref.strip())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "link":
            self._add(a.get("href"))
        if tag in ("image", "use", "feimage"):
            self._add(a.get("href") or a.get("xlink:href"))
        for name in ("src", "poster") + (("data",) if tag == "object" else ()):
            self._add(a.get(name))
        for candidate in (a.get("srcset") or "").split(","):
            self._add(candidate.split()[0] if candidate.split() else None)
        self.found.extend(self.URL.findall(a.get("style") or ""))
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.found.extend(self.URL.findall(data))


def external_resources(html: str) -> list[str]:
    """The files or URLs an HTML page loads (script bodies are not markup, so templates in them do not count)."""
    parser = _Resources()
    parser.feed(html)
    parser.close()
    return parser.found


def html_outputs(blocks: list[Markdown | Code], outputs: list[list[dict]]) -> list[str]:
    """Where an executed cell put out ``text/html``: "file, line N" for each such cell."""
    return [
        f"{block.origin or 'the main document'}, line {block.line}"
        for block, outs in zip(blocks, outputs)
        if any("text/html" in out.get("data", {}) for out in outs)
    ]


def check_no_html_outputs(blocks: list[Markdown | Code], outputs: list[list[dict]]) -> None:
    """Fail the render where a cell emits ``text/html``: under Quarto that output makes the page load require.js
    and jQuery from a CDN, so the page is no longer self-contained offline."""
    found = html_outputs(blocks, outputs)
    if found:
        raise RenderError(
            "these cells put out text/html, which makes Quarto's page fetch require.js and jQuery from a CDN: "
            + "; ".join(found)
            + ". Show HTML with `display(rd.raw_html(html))` (a raw block in markdown output), a table with "
            "`display(Markdown(df.to_markdown()))`."
        )


def _inline_values(block: Markdown, outs: list[dict]) -> list[str]:
    for out in outs:
        if out.get("output_type") == "error":
            raise RenderError(f"{block.origin}, line {block.line}: {out.get('ename')}: {out.get('evalue')}")
        if INLINE_MIME in out.get("data", {}):
            return list(out["data"][INLINE_MIME])
    raise RenderError(f"{block.origin}, line {block.line}: the inline expressions returned nothing")


def to_markdown(doc: Document, outputs: list[list[dict]]) -> str:
    """Markdown blocks as written (inline expressions replaced by their values), code cells replaced by their
    outputs (Quarto's conventions). ``outputs`` holds one list per ``doc.executed()`` block, in order."""
    numbers = numbering(doc)
    execute = doc.front_matter.get("execute", {}) or {}
    parts = [doc.front_text]
    cell_outputs = iter(outputs)
    for block in doc.blocks:
        if isinstance(block, Markdown):
            text = (
                substitute_inline(block, _inline_values(block, next(cell_outputs))) if block.expressions else block.text
            )
            parts.append(resolve_crossrefs(callouts_to_divs(text), numbers))
            continue
        opts = {**execute, **block.options}
        outs = next(cell_outputs)
        if opts.get("echo", True):
            code = f"\n```python\n{block.source}\n```\n"
            if opts.get("code-fold") is True:  # Quarto's fold: a summary line ("Code" unless code-summary says)
                summary = html.escape(str(opts.get("code-summary", "Code")))
                code = f"\n<details><summary>{summary}</summary>\n{code}\n</details>\n"
            parts.append(code)
        if opts.get("output", True) is False:
            continue
        parts.append(_cell_markdown(block, opts, outs, numbers))
    return "".join(parts)


def _cell_markdown(block: Code, opts: dict, outs: list[dict], numbers: dict[str, str]) -> str:
    label = block.label or ""
    pieces = []
    for out in outs:
        kind = out.get("output_type")
        if kind == "stream":
            if out.get("name") == "stderr" and not opts.get("warning", True):
                continue
            text = out.get("text", "")
            pieces.append(text if opts.get("output") == "asis" else f"\n```\n{text}\n```\n")
        elif kind == "error":
            raise RenderError(f"cell {label or block.source[:40]!r} raised {out.get('ename')}")
        elif kind in ("display_data", "execute_result"):
            data = out.get("data", {})
            if "image/png" in data:
                png = data["image/png"]
                png = png if isinstance(png, str) else base64.b64encode(png).decode()
                caption = opts.get("fig-cap", "")
                if label.startswith("fig-"):
                    caption = f"{numbers[label]}: {caption}"
                    pieces.append(f"\n![{caption}](data:image/png;base64,{png.strip()}){{#{label}}}\n")
                else:
                    pieces.append(f"\n![{caption}](data:image/png;base64,{png.strip()})\n")
            elif "text/markdown" in data:
                pieces.append(f"\n{resolve_crossrefs(data['text/markdown'], numbers)}\n")
            elif "text/html" in data:
                pieces.append(f"\n```{{=html}}\n{data['text/html']}\n```\n")
            elif "text/plain" in data:
                pieces.append(f"\n```\n{data['text/plain']}\n```\n")
    body = "".join(pieces)
    if label.startswith("tbl-"):
        caption = f"**{numbers[label]}:** {opts.get('tbl-cap', '')}"
        return f"\n::: {{#{label} .table-block}}\n\n[{caption}]{{.table-caption}}\n{body}\n:::\n"
    return body
