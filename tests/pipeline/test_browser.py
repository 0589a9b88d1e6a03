"""The rendered report and the `dvc plots show` page in a real browser (headless chromium), offline.

Skips, naming the packages, where chromium, chromedriver or selenium is missing; `.ci/run` installs them.
"""

from __future__ import annotations

import hashlib
import time

import pytest

from ..conftest import REPO, chromium_driver, needs_report_tools, page_requests

pytestmark = [pytest.mark.slow, needs_report_tools]  # renders the report

LOCAL = ("file:", "data:", "blob:", "about:")
SLIDERS = {"vis-paths", "vis-gd", "vis-degree"}  # the interactive twins that move with a slider
HOVER = {"vis-bench"}  # the one that answers a hover


@pytest.fixture(scope="module")
def page(pipeline_run):
    root, _, _ = pipeline_run
    browser = chromium_driver()
    browser.get((root / "reports" / "report.html").as_uri())
    browser.execute_script("document.querySelectorAll('details').forEach(d => { d.open = true; })")  # as a reader
    deadline = time.time() + 30
    while time.time() < deadline and browser.execute_script(
        "return [...document.querySelectorAll('.interactive')].some(e => e.style.display !== 'block')"
    ):
        time.sleep(0.2)
    yield browser
    browser.quit()


def drawn(browser, vis: str) -> str:
    """A digest of what is drawn in one figure (its SVG)."""
    svg = browser.execute_script(f"return document.querySelector('#{vis} svg').outerHTML")
    return hashlib.sha256(svg.encode()).hexdigest()


def test_every_interactive_figure_draws_offline_without_errors(page):
    shown = page.execute_script(
        "return [...document.querySelectorAll('.interactive')].map(e => [e.id, "
        "e.style.display, e.querySelectorAll('svg .mark-line path, svg .mark-symbol path, "
        "svg .mark-rect path, svg .mark-rule line').length])"
    )
    assert {v for v, _, _ in shown} == SLIDERS | HOVER
    for vis, display, marks in shown:
        assert display == "block" and marks > 0, (vis, display, marks)
    errors = [e for e in page.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []
    leaving = [u for u in page_requests(page) if not u.startswith(LOCAL)]
    assert leaving == []  # nothing left the file: the bundle and the data are inline


def test_no_two_axis_labels_touch(page):
    # Log axes labelled 200 next to 100 read as "200100": each axis keeps a gap between its labels.
    touching = page.execute_script(
        """
        const out = [];
        document.querySelectorAll('.interactive svg .role-axis-label').forEach(axis => {
          const boxes = [...axis.querySelectorAll('text')].filter(t => t.textContent.trim() &&
            getComputedStyle(t).opacity !== '0').map(t => [t.textContent, t.getBoundingClientRect()]);
          for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
            const [a, p] = boxes[i], [b, q] = boxes[j];
            if (p.left < q.right + 2 && q.left < p.right + 2 && p.top < q.bottom && q.top < p.bottom)
              out.push(axis.closest('.interactive').id + ': ' + a + ' | ' + b);
          }
        });
        return out;
        """
    )
    assert touching == []


def test_every_log_axis_labels_both_its_ends(page):
    # A greedy thinning of the labels once dropped "1,000,000" from the end of the α and n axes.
    axes = page.execute_script(
        """
        return [...document.querySelectorAll('.interactive svg .role-axis')]
          .filter(a => (a.getAttribute('aria-label') || '').includes('log scale'))
          .map(a => [a.closest('.interactive').id, a.getAttribute('aria-label'),
            [...a.querySelectorAll('.role-axis-label text')].map(t =>
              getComputedStyle(t).opacity === '0' ? null : t.textContent.trim())]);
        """
    )
    assert {vis for vis, _, _ in axes} == {"vis-paths", "vis-bench"}
    for vis, label, texts in axes:
        assert len(texts) >= 2 and texts[0] and texts[-1], (vis, label, texts)  # both ends drawn and legible


@pytest.mark.parametrize("vis", sorted(SLIDERS))
def test_moving_a_slider_changes_what_is_drawn(page, vis):
    before = drawn(page, vis)
    moved = page.execute_script(
        f"var i = document.querySelector('#{vis} input[type=range], #{vis} select');"
        "var v = i.tagName === 'SELECT' ? i.options[i.selectedIndex === 0 ? i.options.length - 1 : 0].value"
        "  : (Number(i.value) === Number(i.min) ? i.max : i.min);"
        "i.value = v; i.dispatchEvent(new Event(i.tagName === 'SELECT' ? 'change' : 'input', {bubbles: true}));"
        "return v;"
    )
    time.sleep(0.5)
    assert drawn(page, vis) != before, f"{vis}: slider moved to {moved}, nothing redrawn"


def test_every_control_reads_as_the_value_it_sets(page):
    # The review saw "step size (slider position) 2" and "path position 49": an index, not η or α.
    shown = page.execute_script(
        """
        return [...document.querySelectorAll('.interactive .vega-bind')].map(b => {
          const menu = b.querySelector('select');
          return [b.closest('.interactive').id, menu
            ? b.querySelector('.vega-bind-name').textContent + menu.selectedOptions[0].textContent
            : b.textContent];  // a range input: its name, then the value Vega prints beside it
        });
        """
    )
    assert {vis for vis, _ in shown} == SLIDERS
    for vis, text in shown:
        assert "position" not in text, (vis, text)
        value = {"vis-gd": "η = ", "vis-paths": "α = ", "vis-degree": "polynomial degree "}[vis]
        assert value in text, (vis, text)


def test_hovering_a_benchmark_point_shows_its_values(page):
    from selenium.webdriver.common.action_chains import ActionChains

    point = page.execute_script("return document.querySelector('#vis-bench .mark-symbol path')")
    page.execute_script("arguments[0].scrollIntoView({block: 'center'})", point)
    ActionChains(page).move_to_element(point).perform()
    time.sleep(0.5)
    tip = page.execute_script(
        "var t = document.getElementById('vg-tooltip-element');"
        "return t && t.classList.contains('visible') ? t.innerText : ''"
    )
    assert "median s" in tip and "÷ one XᵀX" in tip, tip


def test_every_folded_part_opens_to_what_its_summary_promises(pipeline_run):
    # Appendices, long tables and interactive twins are folded into <details>: closed, each is one summary
    # line; opened, it shows its figure, table, code or chart (nothing lost by folding).
    root, _, _ = pipeline_run
    browser = chromium_driver()
    try:
        browser.get((root / "reports" / "report.html").as_uri())
        time.sleep(2)
        parts = browser.execute_script(
            """
            return [...document.querySelectorAll('details')].map(d => {
              const closed = d.getBoundingClientRect().height;
              d.open = true;
              const opened = d.getBoundingClientRect().height;
              const shown = d.querySelectorAll('img, table, pre, .interactive, p').length;
              return [d.querySelector('summary').textContent.slice(0, 60), closed, opened, shown];
            });
            """
        )
        assert len(parts) >= 10, parts  # the folds of chapters 7, 9, 11, 13, 15, 17, 18, 19, 21 and 22
        for summary, closed, opened, shown in parts:
            assert closed < 120 and opened > closed + 40 and shown > 0, (summary, closed, opened, shown)
    finally:
        browser.quit()


def test_nothing_overflows_a_phone_screen(pipeline_run):
    root, _, _ = pipeline_run
    browser = chromium_driver(width=390)
    try:
        browser.get((root / "reports" / "report.html").as_uri())
        time.sleep(2)
        width = browser.execute_script(
            "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert width[0] <= width[1], width
    finally:
        browser.quit()


SCREEN_PX, MAX_SCREENS = 800, 28  # the page's length budget at 1280 px, every fold closed (issue 38)


def test_the_page_fits_its_length_budget_at_1280_px(pipeline_run):
    # On the tests' tiny run; the real run's page is measured the same way (docs: page height, issue 38).
    root, _, _ = pipeline_run
    browser = chromium_driver(width=1280, height=SCREEN_PX)
    try:
        browser.get((root / "reports" / "report.html").as_uri())
        time.sleep(2)
        height = browser.execute_script("return document.body.scrollHeight")
        assert height <= MAX_SCREENS * SCREEN_PX, f"{height} px is {height / SCREEN_PX:.1f} screens of {SCREEN_PX} px"
    finally:
        browser.quit()


def test_the_committed_dvc_plots_template_is_the_generated_one():
    from linreg.pipeline.report.interactive import DVC_PLOTS_TEMPLATE, dvc_plots_template

    committed = (REPO / DVC_PLOTS_TEMPLATE).read_text()
    assert committed == dvc_plots_template(), "regenerate it: make plots-template"
    assert "{plot_divs}" in committed and "{scripts}" not in committed  # DVC's CDN tags have nowhere to go
    assert "html_template = offline_plots.html" in (REPO / ".dvc" / "config").read_text()
