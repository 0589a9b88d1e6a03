"""The fallback renderer handles each piece of Quarto syntax the report uses."""

from __future__ import annotations

import base64
import re

import pytest

from linreg.pipeline.report import render as render_module
from linreg.pipeline.report.qmd import Code, Markdown, callouts_to_divs, numbering, parse, resolve_crossrefs
from linreg.pipeline.report.render import RenderError, choose_engine, external_resources, render, to_markdown

from ..conftest import needs_report_tools, visible_text

SAMPLE = """---
title: "Tiny"
execute:
  echo: false
  warning: false
---

Intro with $x^2$ and see @fig-one and @tbl-two.

```{python}
#| label: fig-one
#| fig-cap: "A figure."
print("figure goes here")
```

::: {.callout-note title="Heads up"}
Callout body.
:::

```{python}
#| label: tbl-two
#| tbl-cap: "A table."
#| echo: true
x = 1
```
"""


def test_parse_front_matter_cells_and_options():
    doc = parse(SAMPLE)
    assert doc.front_matter["title"] == "Tiny" and doc.front_matter["execute"] == {"echo": False, "warning": False}
    code = [b for b in doc.blocks if isinstance(b, Code)]
    assert [c.label for c in code] == ["fig-one", "tbl-two"]
    assert code[0].options["fig-cap"] == "A figure." and code[1].options["echo"] is True
    assert code[0].source == 'print("figure goes here")'  # option lines removed
    assert any("Callout body" in b.text for b in doc.blocks if isinstance(b, Markdown))


def test_numbering_and_crossrefs():
    numbers = numbering(parse(SAMPLE))
    assert numbers == {"fig-one": "Figure 1", "tbl-two": "Table 1"}
    assert resolve_crossrefs("see @fig-one, @tbl-two and @fig-missing; mail a@fig-one", numbers) == (
        "see [Figure 1](#fig-one), [Table 1](#tbl-two) and ?@fig-missing; mail a@fig-one"
    )


def test_callouts_become_titled_divs():
    out = callouts_to_divs('::: {.callout-warning title="Careful"}\nBody\n:::\n::: {.callout-tip}\nTip\n:::\n')
    assert out.startswith("::: {.callout .callout-warning}\n**Careful**\n\nBody\n:::")
    assert "::: {.callout .callout-tip}\nTip" in out


def test_outputs_follow_cell_options():
    doc = parse(SAMPLE)
    png = base64.b64encode(b"\x89PNG fake").decode()
    outputs = [
        [
            {"output_type": "display_data", "data": {"image/png": png}},
            {"output_type": "stream", "name": "stderr", "text": "a warning"},
        ],
        [
            {
                "output_type": "execute_result",
                "data": {"text/html": "<table><tr><td>1</td></tr></table>", "text/plain": "x"},
            }
        ],
    ]
    md = to_markdown(doc, outputs)
    assert f"![Figure 1: A figure.](data:image/png;base64,{png}){{#fig-one}}" in md
    assert "a warning" not in md  # warning: false drops stderr
    assert 'print("figure goes here")' not in md  # echo: false (document level)
    assert "```python\nx = 1\n```" in md  # echo: true (cell level)
    assert "::: {#tbl-two .table-block}" in md and "**Table 1:** A table." in md
    assert "```{=html}\n<table>" in md


def test_engine_choice(monkeypatch):
    monkeypatch.setattr(render_module.shutil, "which", lambda name: None)
    assert choose_engine("auto") == "jupyter" and choose_engine("jupyter") == "jupyter"
    with pytest.raises(RenderError, match="quarto is not on PATH"):
        choose_engine("quarto")
    monkeypatch.setattr(render_module.shutil, "which", lambda name: "/usr/bin/quarto")
    assert choose_engine("auto") == "quarto"


FULL = """---
title: "Features"
execute:
  echo: false
---

Math $\\hat y = X\\theta$ and @fig-sq.

<details><summary>Show the squares</summary>

Folded *markdown*.

```{python}
#| label: fig-sq
#| fig-cap: "Squares."
import matplotlib.pyplot as plt
plt.plot([1, 2, 3], [1, 4, 9]);
plt.show()
```

</details>

::: {.callout-important title="Note this"}
Inside.
:::

```{python}
from IPython.display import Markdown
Markdown(f"Computed: {6 * 7}.")
```
"""


@needs_report_tools
def test_fallback_renders_each_feature_offline(tmp_path):
    src = tmp_path / "doc.qmd"
    src.write_text(FULL)
    out = tmp_path / "doc.html"
    assert render(src, out, "jupyter") == "jupyter"
    html = out.read_text()
    text = visible_text(html)
    assert re.search(r'<figure[^>]*id="fig-sq"', html) and "Figure 1: Squares." in text
    # The fold holds its markdown (parsed) and the figure: pandoc read what lies between the tags.
    assert re.search(
        r"<details>\s*<summary>\s*Show the squares\s*</summary>\s*<p>Folded <em>markdown</em>.</p>\s*"
        r'<figure[^>]*id="fig-sq".*?</figure>\s*</details>',
        html,
        re.DOTALL,
    )
    assert 'href="#fig-sq"' in html and ">Figure 1<" in html
    assert 'class="callout callout-important"' in html and "<strong>Note this</strong>" in html
    assert "<math" in html and "Computed: 42." in text
    assert "plt.plot" not in html  # echo: false
    assert re.search(r'<img[^>]*src="data:image/png;base64,', html)
    assert not re.search(r'(?:src|href)="https?://', html)


def test_external_resources_finds_what_a_page_loads_and_not_script_text():
    page = (
        '<img src="data:image/png;base64,AAAA"><a href="https://example.org">a link loads nothing</a>'
        '<script>const t = `<img src="${url}">`;</script><img src="fig.png">'
        '<link rel="stylesheet" href="style.css"><script src="https://cdn.example/x.js"></script>'
        '<a href="#fig-1">internal</a>'
    )
    assert external_resources(page) == ["fig.png", "style.css", "https://cdn.example/x.js"]
    more = (
        '<style>p { background: url("bg.png") } q { background: url(data:image/png;base64,AA) }</style>'
        '<img srcset="a.png 1x, b.png 2x"><p style="background: url(c.png)"></p><svg><image href="d.png"/></svg>'
        '<video poster="e.png"></video><object data="f.svg"></object>'
    )
    assert external_resources(more) == ["bg.png", "a.png", "b.png", "c.png", "d.png", "e.png", "f.svg"]


@needs_report_tools
def test_stashed_blobs_come_back_verbatim_where_pandoc_put_them(tmp_path):
    # Figures' base64 and long scripts go to pandoc as tokens: the page is pandoc's own page with them in
    # place, byte for byte, except that a tab inside a script stays a tab (pandoc expanded it to spaces).
    import subprocess

    from linreg.pipeline.report.render import RAW_STASHED, pandoc_path, stash_blobs, unstash_blobs

    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4).decode()
    script = "<script>var sep = '\t'; " + "x = 1; " * RAW_STASHED + "</script>"
    markdown = (
        f"# One\n\nText with $x^2$.\n\n![A figure.](data:image/png;base64,{png}){{#fig-a}}\n\n"
        f"```{{=html}}\n{script}\n```\n\n```{{=html}}\n<p>short</p>\n```\n\n![B.](data:image/png;base64,{png})\n"
    )
    small, blobs = stash_blobs(markdown)
    assert len(blobs) == 3 and len(small) < 400 and "<p>short</p>" in small  # two images, one long script

    def pandoc(text: str) -> str:
        md = tmp_path / "page.md"
        md.write_text(text)
        args = [pandoc_path(), str(md), "--from", "markdown", "--to", "html5", "--standalone", "--wrap=none"]
        return subprocess.run([*args, "--metadata", "title=t"], capture_output=True, text=True, check=True).stdout

    direct, stashed = pandoc(markdown), unstash_blobs(pandoc(small), blobs)
    assert stashed.count(f"data:image/png;base64,{png}") == 2 and script in stashed
    assert re.sub(r"[ \t]+", " ", stashed) == re.sub(r"[ \t]+", " ", direct)
    assert stash_blobs(small) == (small, [])  # a text that already holds a token is left alone


@needs_report_tools
def test_a_local_image_in_the_text_is_still_embedded(tmp_path):
    # The fast path skips pandoc's --embed-resources when everything is inline; a file the text
    # links must still end up inside the one HTML file (relative to the .qmd, as Quarto resolves it).
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(1, 1))
    ax.plot([0, 1])
    (tmp_path / "img").mkdir()
    fig.savefig(tmp_path / "img" / "dot.png")
    plt.close(fig)
    src = tmp_path / "doc.qmd"
    src.write_text("---\ntitle: x\n---\n\n![A dot.](img/dot.png)\n\n```{python}\nprint(1)\n```\n")
    out = tmp_path / "doc.html"
    render(src, out, "jupyter")
    html = out.read_text()
    assert external_resources(html) == []
    assert re.search(r'<img[^>]*src="data:image/png;base64,', html)


@needs_report_tools
def test_a_failing_cell_leaves_the_previous_html(tmp_path):
    src = tmp_path / "bad.qmd"
    src.write_text("---\ntitle: x\n---\n\n```{python}\n1 / 0\n```\n")
    out = tmp_path / "bad.html"
    out.write_text("previous good report")
    with pytest.raises(RenderError, match="ZeroDivisionError"):
        render(src, out, "jupyter")
    assert out.read_text() == "previous good report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.html", "bad.qmd"]  # no temp file left


# --- includes and inline expressions --------------------------------------------------------------

MAIN = """---
title: "Book"
---

```{python}
x = 6
```

{{< include chapters/01-one.qmd >}}

{{< include chapters/02-two.qmd >}}
"""


def write_book(root, main=MAIN, **chapters):
    (root / "chapters").mkdir(exist_ok=True)
    (root / "book.qmd").write_text(main)
    for name, text in chapters.items():
        (root / "chapters" / f"{name.replace('_', '-')}.qmd").write_text(text)
    return root / "book.qmd"


def test_includes_are_spliced_in_order_with_their_origin(tmp_path):
    from linreg.pipeline.report.qmd import parse_file

    book = write_book(
        tmp_path,
        **{
            "01_one": "# One\n\nFirst chapter.\n\n```{python}\n#| label: fig-a\ny = x * 7\n```\n",
            "02_two": "# Two\n\n{{< include chapters/03-three.qmd >}}\n\nAfter the nested one.\n",
            "03_three": "Nested, with @fig-a.\n",  # paths relative to the main document, as in Quarto
        },
    )
    doc = parse_file(book)
    assert doc.front_matter == {"title": "Book"}
    assert doc.includes == ["chapters/01-one.qmd", "chapters/02-two.qmd", "chapters/03-three.qmd"]
    text = "".join(b.text if isinstance(b, Markdown) else f"<{b.source}>" for b in doc.blocks)
    assert "{{<" not in text
    order = ["<x = 6>", "# One", "First chapter.", "<y = x * 7>", "# Two", "Nested, with @fig-a.", "After the nested"]
    assert [text.index(s) for s in order] == sorted(text.index(s) for s in order)
    cell = next(b for b in doc.blocks if isinstance(b, Code) and b.label == "fig-a")
    assert (cell.origin, cell.line) == ("chapters/01-one.qmd", 5)  # the ```{python} line of that chapter
    assert numbering(doc) == {"fig-a": "Figure 1"}


@pytest.mark.parametrize(
    ("chapter", "message"),
    [
        ("<details>\n\nx\n\n</details>\n", r"line 1: a fold opens with `<details><summary>what it holds"),
        ("<details><summary>S</summary>\nx\n\n</details>\n", r"line 1: leave an empty line after"),
        ("<details><summary>S</summary>\n\nx\n</details>\n", r"line 4: leave an empty line before `</details>`"),
        ("Text <details><summary>S</summary>\n\nx\n\n</details>\n", r"line 1: `<details>` and `</details>` must"),
        ("<details><summary>S</summary>\n\nx\n", r"line 1: this fold is never closed"),
        ("x\n\n</details>\n", r"line 3: `</details>` closes no fold opened in this file"),
    ],
)
def test_a_malformed_fold_names_the_file_the_line_and_the_rule(tmp_path, chapter, message):
    from linreg.pipeline.report.qmd import QmdError, parse_file

    book = write_book(tmp_path, **{"01_one": "One.\n", "02_two": chapter})
    with pytest.raises(QmdError, match=r"chapters/02-two.qmd, " + message):
        parse_file(book)


def test_a_fold_may_span_cells_and_is_closed_in_its_own_file(tmp_path):
    from linreg.pipeline.report.qmd import QmdError, parse_file

    fold = "<details><summary>S</summary>\n\n```{python}\nx = 1\n```\n\n```{python}\ny = 2\n```\n\n</details>\n"
    assert parse_file(write_book(tmp_path, **{"01_one": fold, "02_two": "Two.\n"})).includes
    # A fold opened in one chapter and closed in the next would swallow the chapter between.
    split = write_book(tmp_path, **{"01_one": "<details><summary>S</summary>\n\nx\n", "02_two": "</details>\n"})
    with pytest.raises(QmdError, match=r"chapters/02-two.qmd, line 1: `</details>` closes no fold opened in this"):
        parse_file(split)


def test_a_missing_include_names_the_file_the_line_and_the_rule(tmp_path):
    from linreg.pipeline.report.qmd import QmdError, parse_file

    book = write_book(tmp_path, **{"01_one": "One.\n", "02_two": "Two.\n\n{{< include chapters/09-gone.qmd >}}\n"})
    with pytest.raises(QmdError, match=r"chapters/02-two.qmd, line 3: the included file chapters/09-gone.qmd does not"):
        parse_file(book)
    with pytest.raises(QmdError, match="relative to the main document's folder"):
        parse_file(book)


def test_an_include_loop_and_misplaced_includes_are_errors(tmp_path):
    from linreg.pipeline.report.qmd import QmdError, parse_file

    book = write_book(
        tmp_path,
        **{"01_one": "{{< include chapters/02-two.qmd >}}\n", "02_two": "{{< include chapters/01-one.qmd >}}\n"},
    )
    with pytest.raises(
        QmdError, match=r"makes a loop \(book.qmd → chapters/01-one.qmd → chapters/02-two.qmd → chapters/01-one.qmd\)"
    ):
        parse_file(book)
    inline = write_book(tmp_path, main="Text {{< include chapters/01-one.qmd >}} more.\n", **{"01_one": "One.\n"})
    with pytest.raises(QmdError, match="book.qmd, line 1: the include shortcode must stand alone on its line"):
        parse_file(inline)
    crowded = write_book(tmp_path, main="Text.\n{{< include chapters/01-one.qmd >}}\n", **{"01_one": "One.\n"})
    with pytest.raises(QmdError, match="book.qmd, line 2: leave an empty line before and after"):
        parse_file(crowded)
    meta = write_book(
        tmp_path, main="{{< include chapters/01-one.qmd >}}\n", **{"01_one": "---\ntitle: no\n---\nOne.\n"}
    )
    with pytest.raises(QmdError, match="must not have a YAML metadata block"):
        parse_file(meta)
    with pytest.raises(QmdError, match="parse it with parse_file"):
        parse("{{< include chapters/01-one.qmd >}}\n")


def test_a_shortcode_inside_a_code_cell_is_code(tmp_path):
    from linreg.pipeline.report.qmd import parse_file

    book = write_book(tmp_path, main='```{python}\ns = "{{< include chapters/none.qmd >}}"\n```\n')
    (code,) = [b for b in parse_file(book).blocks if isinstance(b, Code)]
    assert code.source == 's = "{{< include chapters/none.qmd >}}"'


def test_inline_expressions_are_found_evaluated_and_substituted():
    from IPython.display import Markdown as IPyMarkdown

    from linreg.pipeline.report.qmd import inline_values, substitute_inline

    block = Markdown("Slope `{python} f'{m:.2f}'`, n = `{python} n`, `{python} mark`; code `x` stays.\n", "c.qmd", 4)
    assert block.expressions == ["f'{m:.2f}'", "n", "mark"]
    values = inline_values(block, {"m": 2.8338, "n": 40, "mark": IPyMarkdown("**bold**")})
    assert values == ["2.83", "40", "**bold**"]  # a string as is (no quotes), markdown as markdown, else repr
    assert substitute_inline(block, values) == "Slope 2.83, n = 40, **bold**; code `x` stays.\n"
    assert Markdown("No `{r} x` and no `python x` here.").expressions == []


def test_an_inline_expression_error_names_the_chapter_and_line():
    from linreg.pipeline.report.qmd import InlineExpressionError, inline_values

    block = Markdown("Fine `{python} 1 + 1`.\n\nThen `{python} facts.missing` fails.\n", "chapters/05-mse.qmd", 10)
    with pytest.raises(InlineExpressionError) as err:
        inline_values(block, {"facts": object()})
    assert str(err.value).startswith(
        "chapters/05-mse.qmd, line 12: the inline expression `{python} facts.missing` raised AttributeError"
    )


def test_inline_values_replace_the_expressions_in_the_markdown():
    from linreg.pipeline.report.qmd import INLINE_MIME

    doc = parse("A `{python} a` and `{python} b`.\n\n```{python}\nprint(1)\n```\n\nLast `{python} c`.\n")
    assert [type(b).__name__ for b in doc.executed()] == ["Markdown", "Code", "Markdown"]
    outputs = [
        [{"output_type": "display_data", "data": {INLINE_MIME: ["1", "*two*"]}}],
        [{"output_type": "stream", "name": "stdout", "text": "1\n"}],
        [{"output_type": "display_data", "data": {INLINE_MIME: ["3"]}}],
    ]
    md = to_markdown(doc, outputs)
    assert "A 1 and *two*." in md and "Last 3." in md and "{python}" not in md


@needs_report_tools
def test_fallback_evaluates_inline_expressions_after_the_cells_before_them(tmp_path):
    book = write_book(
        tmp_path,
        **{
            "01_one": "Before: `{python} x`.\n\n```{python}\nx = 7\n```\n\nAfter: `{python} x * 6`.\n",
            "02_two": "Chapter two sees `{python} f'{x / 2:.1f}'`.\n",
        },
    )
    out = tmp_path / "book.html"
    render(book, out, "jupyter")
    text = visible_text(out.read_text())
    assert "Before: 6." in text and "After: 42." in text and "Chapter two sees 3.5." in text


@needs_report_tools
def test_fallback_names_the_chapter_of_a_failing_inline_expression(tmp_path):
    book = write_book(tmp_path, **{"01_one": "One.\n", "02_two": "Two.\n\nBad `{python} 1 / 0`.\n"})
    with pytest.raises(
        RenderError, match=r"chapters/02-two.qmd, line 3: the inline expression `\{python\} 1 / 0` raised"
    ):
        render(book, tmp_path / "book.html", "jupyter")


# --- self-contained under Quarto: no text/html outputs -------------------------------------------------------


@pytest.mark.parametrize(
    "cell",
    [
        'from IPython.display import HTML, display\ndisplay(HTML("<b>bold</b>"))',
        'import pandas as pd\npd.DataFrame({"a": [1, 2]})',  # a DataFrame's rich display is text/html
    ],
)
def test_a_cell_that_puts_out_html_fails_the_render_naming_where(tmp_path, cell):
    # Under Quarto a text/html output makes the page fetch require.js and jQuery from a CDN.
    book = write_book(tmp_path, **{"01_one": "# One\n\nText.\n\n```{python}\n" + cell + "\n```\n", "02_two": "# Two\n"})
    with pytest.raises(RenderError, match=r"text/html.*chapters/01-one\.qmd, line 5.*raw_html"):
        render(book, tmp_path / "book.html", "jupyter")


def test_raw_html_reaches_the_page_through_markdown_output(tmp_path):
    from linreg.pipeline.report.data import RawHtml

    raw = RawHtml('<div id="raw">```not a fence``` and ````four````</div>')
    assert raw._repr_markdown_().startswith("`````{=html}\n")  # longer than any backtick run inside
    assert repr(raw) == f"<raw HTML, {len(raw.html)} characters>"  # the text/plain twin does not repeat the content
    cell = "from linreg.pipeline.report import data as rd\nrd.raw_html('<div id=\"raw\"><i>kept</i></div>')"
    book = write_book(tmp_path, **{"01_one": "# One\n\n```{python}\n" + cell + "\n```\n", "02_two": "# Two\n"})
    render(book, tmp_path / "book.html", "jupyter")
    assert '<div id="raw"><i>kept</i></div>' in (tmp_path / "book.html").read_text()


@needs_report_tools
def test_cells_run_here_in_order_with_what_a_kernel_would_display(tmp_path):
    import os
    import sys

    from linreg.pipeline.report.cells import run_cells

    cwd, stdout = os.getcwd(), sys.stdout
    outs = run_cells(
        [
            "x = 2\nprint('a')\nprint('b')",
            "from IPython.display import HTML, display\nprint('c'); display(HTML('<b>h</b>')); print('d')\nx * 21",
            "import os\nos.getcwd()",
            "1 / 0",
            "print('never run')",
        ],
        tmp_path,
    )
    assert outs[0] == [{"output_type": "stream", "name": "stdout", "text": "a\nb\n"}]  # one stream, one output
    assert [o["output_type"] for o in outs[1]] == ["stream", "display_data", "stream", "execute_result"]
    assert outs[1][1]["data"]["text/html"] == "<b>h</b>" and outs[1][3]["data"]["text/plain"] == "42"
    assert outs[2][0]["data"]["text/plain"] == repr(str(tmp_path))  # run from the report's folder
    assert len(outs) == 4 and outs[3][-1]["output_type"] == "error" and outs[3][-1]["ename"] == "ZeroDivisionError"
    assert (os.getcwd(), sys.stdout) == (cwd, stdout)  # the stage's own state is back


@needs_report_tools
def test_a_second_run_in_one_process_still_displays_its_figures(tmp_path):
    # matplotlib_inline remembers in a function attribute that it set a shell up: the second shell got no PNG format.
    from linreg.pipeline.report.cells import run_cells

    cell = "import matplotlib.pyplot as plt\nplt.plot([1, 2], [3, 4])\nNone"
    for _ in range(2):
        (outs,) = run_cells([cell], tmp_path)
        assert any("image/png" in out.get("data", {}) for out in outs)
