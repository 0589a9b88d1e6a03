"""linreg.pipeline.reuse and its users: an output is kept only where drawing it again gives the same bytes."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from linreg.pipeline import reuse
from linreg.pipeline.evaluation.figures import _fig
from linreg.pipeline.report import interactive as iv

from .test_interactive import _gd_frames


def _draw(values: list[float]):
    fig, (ax,) = _fig()
    ax.plot(values)
    return fig


def test_the_key_tells_apart_every_change_of_an_input():
    frame = pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"]})
    base = reuse.fingerprint(frame, {"k": 1, "j": 2}, None, [1.0])
    assert reuse.fingerprint(frame.copy(), {"k": 1, "j": 2}, None, [1.0]) == base
    one_ulp = frame.copy()
    one_ulp.loc[0, "a"] = np.nextafter(1.0, 2.0)
    changed = [
        (one_ulp, {"k": 1, "j": 2}, None, [1.0]),
        (frame.astype({"a": "float32"}), {"k": 1, "j": 2}, None, [1.0]),
        (frame[["b", "a"]], {"k": 1, "j": 2}, None, [1.0]),  # the columns' order
        (frame.rename(columns={"a": "c"}), {"k": 1, "j": 2}, None, [1.0]),
        (frame.set_axis([1, 0]), {"k": 1, "j": 2}, None, [1.0]),  # the index
        (frame, {"j": 2, "k": 1}, None, [1.0]),  # a dict's order: figures draw in it
        (frame, {"k": 1.0, "j": 2}, None, [1.0]),  # an int and the equal float
        (frame, {"k": 1, "j": 2}, "None", [1.0]),
        (frame, {"k": 1, "j": 2}, None, (1.0,)),
        (frame, {"k": 1, "j": 2}, None, [1.0, 1.0]),
    ]
    keys = [reuse.fingerprint(*c) for c in changed]
    assert base not in keys and len(set(keys)) == len(keys)


def test_the_key_refuses_a_type_it_cannot_read_exactly():
    with pytest.raises(TypeError, match="cannot key an output on a object"):
        reuse.fingerprint([1.0, object()])


def test_a_figure_is_drawn_again_exactly_when_its_input_or_file_changed(tmp_path):
    first, args = tmp_path / "first.png", ([1.0, 2.0],)
    assert reuse.write_figure(first, tmp_path / "absent.png", _draw, args)  # nothing to reuse: drawn
    drawn = first.read_bytes()
    assert reuse.png_text(drawn)[reuse.KEY] == reuse.key(_draw, args)

    assert not reuse.write_figure(tmp_path / "kept.png", first, _draw, args)  # the same input: kept
    assert (tmp_path / "kept.png").read_bytes() == drawn
    # What reuse relies on: drawing the same input again gives the same bytes.
    assert reuse.write_figure(tmp_path / "again.png", tmp_path / "absent.png", _draw, args)
    assert (tmp_path / "again.png").read_bytes() == drawn

    assert reuse.write_figure(tmp_path / "other.png", first, _draw, ([1.0, 3.0],))  # another input: drawn
    assert (tmp_path / "other.png").read_bytes() != drawn
    cut, flipped = tmp_path / "cut.png", bytearray(drawn)
    cut.write_bytes(drawn[:-20])
    flipped[len(drawn) // 2] ^= 0xFF  # inside the pixels: the chunk's CRC no longer matches
    (tmp_path / "flipped.png").write_bytes(bytes(flipped))
    for damaged in (cut, tmp_path / "flipped.png"):
        assert reuse.png_text(damaged.read_bytes()) == {}
        assert reuse.write_figure(tmp_path / "redrawn.png", damaged, _draw, args)
        assert (tmp_path / "redrawn.png").read_bytes() == drawn


def test_a_chart_spec_is_reused_only_for_the_same_arguments(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    surface, paths = _gd_frames()
    built = iv.gradient_descent.__wrapped__(surface, paths).to_dict()  # altair, no cache
    assert iv.gradient_descent(surface, paths).to_dict() == built  # built and stored
    stored = tmp_path / "linreg" / "charts" / "gradient_descent.json"
    key, _, text = stored.read_text().split("\n", 2)
    assert key == reuse.key(iv.gradient_descent.__wrapped__, (surface, paths)) and json.loads(text) == built

    # A stored spec is what a call with the same arguments returns (this one marked to tell it apart) ...
    marked = json.dumps({**built, "description": "from the cache"})
    digest = reuse.hashlib.sha256(marked.encode()).hexdigest()
    stored.write_text(f"{key}\n{digest}\n{marked}")
    assert iv.gradient_descent(surface, paths).to_dict()["description"] == "from the cache"
    # ... but not where it was damaged, nor for other arguments.
    stored.write_text(f"{key}\n{digest}\n{marked.replace('from the cache', 'altered')}")
    assert iv.gradient_descent(surface, paths).to_dict() == built
    moved = surface.assign(loss=surface.loss * 2)
    assert iv.gradient_descent(moved, paths).to_dict() != built
    assert iv.gradient_descent(moved, paths).to_dict() == iv.gradient_descent.__wrapped__(moved, paths).to_dict()
