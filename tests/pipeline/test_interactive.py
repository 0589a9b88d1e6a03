"""The Vega bundle the report inlines: built by vl-convert once per version, then read from the user's cache."""

from __future__ import annotations

import pytest
import vl_convert

from linreg.pipeline.report import interactive as iv


@pytest.fixture
def fresh(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    iv.bundle.cache_clear()
    yield tmp_path / "cache" / "linreg"
    iv.bundle.cache_clear()


def test_the_bundle_is_built_once_then_read_from_the_cache(fresh, monkeypatch):
    monkeypatch.setattr(vl_convert, "javascript_bundle", lambda snippet: "vegaEmbed, built once")
    assert iv.bundle() == "vegaEmbed, built once"
    assert [p.name for p in fresh.iterdir()] == [f"vega-bundle-vl-convert-{vl_convert.__version__}.js"]

    def never(snippet):
        raise AssertionError("the cached bundle should have been read")

    monkeypatch.setattr(vl_convert, "javascript_bundle", never)
    iv.bundle.cache_clear()
    assert iv.bundle() == "vegaEmbed, built once"


def test_an_unwritable_cache_still_gives_the_bundle(monkeypatch, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # mkdir under a file fails
    monkeypatch.setattr(vl_convert, "javascript_bundle", lambda snippet: "built")
    iv.bundle.cache_clear()
    try:
        assert iv.bundle() == "built"
    finally:
        iv.bundle.cache_clear()


def test_the_cached_bundle_is_vl_converts_own(fresh):
    first = iv.bundle()  # built and cached
    iv.bundle.cache_clear()
    assert iv.bundle() == first == vl_convert.javascript_bundle(None)
    assert "vegaEmbed" in first


def test_a_damaged_cache_is_rebuilt(fresh, monkeypatch):
    fresh.mkdir(parents=True)
    (fresh / f"vega-bundle-vl-convert-{vl_convert.__version__}.js").write_text("")  # truncated from outside
    monkeypatch.setattr(vl_convert, "javascript_bundle", lambda snippet: "function vegaEmbed() {}")
    assert iv.bundle() == "function vegaEmbed() {}"
