"""An output drawn again only when what it is drawn from changed: figures and chart specs keyed on their inputs.

A learner's edit to ``train.gd`` changes two of the evaluate stage's eight figures, yet the stage drew all
eight (matplotlib's layout: most of its work), and the report rebuilt every interactive chart and the GPU
reference figure from files the edit does not touch. Each such output now carries a key: the SHA-256 of
the drawing function's name, every argument it is given (the numbers' exact bytes), every source file of
the ``linreg`` package and the versions of the libraries that draw. Where the output at
hand carries the same key, it is what drawing again would produce, so it is kept; any other key, a
missing or damaged file, draws it again. An argument of a type not listed in :func:`fingerprint` is an
error, never a guess.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import os
import struct
import tempfile
import zlib
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

KEY = "linreg-inputs"  # the PNG text chunk that holds a figure's key
LIBRARIES = ("matplotlib", "numpy", "pandas", "altair", "pillow")


def _feed(h: Any, obj: Any) -> None:
    """Each value with its type and length, so that no two different inputs give the same bytes."""

    def tag(name: str, payload: bytes = b"") -> None:
        h.update(f"{name}:{len(payload)}:".encode())
        h.update(payload)

    if obj is None or isinstance(obj, (bool, int, str)):
        tag(type(obj).__name__, repr(obj).encode())
    elif isinstance(obj, (float, np.floating)):
        tag("float", float(obj).hex().encode())  # exact, and NaN/inf spelled out
    elif isinstance(obj, np.integer):
        tag("int", repr(int(obj)).encode())
    elif isinstance(obj, (list, tuple)):
        tag(type(obj).__name__, str(len(obj)).encode())
        for item in obj:
            _feed(h, item)
    elif isinstance(obj, dict):  # in its order: a figure draws its entries in that order
        tag("dict", str(len(obj)).encode())
        for k, v in obj.items():
            _feed(h, k)
            _feed(h, v)
    elif isinstance(obj, np.ndarray):
        if obj.dtype == object:
            tag("ndarray-object", str(obj.shape).encode())
            for item in obj.ravel():
                _feed(h, item)
        else:
            tag("ndarray", f"{obj.dtype.str}{obj.shape}".encode())
            h.update(np.ascontiguousarray(obj).tobytes())
    elif isinstance(obj, pd.DataFrame):
        tag("DataFrame", str(obj.shape).encode())
        _feed(h, [str(c) for c in obj.columns])
        _feed(h, obj.index)
        for col in obj.columns:
            _feed(h, obj[col])
    elif isinstance(obj, pd.Series):
        tag("Series", f"{obj.name!r}{obj.dtype}".encode())
        _feed(h, obj.to_numpy(dtype=object) if obj.dtype == object else obj.to_numpy())
    elif isinstance(obj, pd.Index):
        tag("Index", f"{obj.dtype}".encode())
        _feed(h, obj.to_numpy(dtype=object) if obj.dtype == object else obj.to_numpy())
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        tag("dataclass", type(obj).__qualname__.encode())
        _feed(h, {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)})
    else:
        raise TypeError(
            f"cannot key an output on a {type(obj).__qualname__}: add the type to linreg.pipeline.reuse._feed "
            "(its exact bytes), or draw that output without reuse"
        )


def fingerprint(*parts: Any) -> str:
    """SHA-256 (hex) of ``parts``: equal exactly when every part has the same type and the same values."""
    h = hashlib.sha256()
    _feed(h, list(parts))
    return h.hexdigest()


@functools.cache
def code_fingerprint() -> str:
    """SHA-256 of every source file of the ``linreg`` package and of the drawing libraries' versions.

    The whole package, not the modules loaded so far: a drawing function may import what it draws with
    only when it runs (``benchmark.summary`` loads the figures' module then). Computed once per process.
    """
    import linreg

    h = hashlib.sha256()
    package = Path(linreg.__file__).parent
    for file in sorted(package.rglob("*.py")):
        h.update(f"{file.relative_to(package).as_posix()}:{file.stat().st_size}:".encode())
        h.update(file.read_bytes())
    for lib in LIBRARIES:
        try:
            h.update(f"{lib}={metadata.version(lib)};".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{lib}=none;".encode())
    return h.hexdigest()


def key(draw: Callable[..., Any], args: tuple) -> str:
    """The key of ``draw(*args)``: the function, its arguments and the code and libraries that run it."""
    return fingerprint(f"{draw.__module__}.{draw.__qualname__}", args, code_fingerprint())


def png_text(data: bytes) -> dict[str, str]:
    """The ``tEXt`` chunks of a PNG file's bytes; empty when they are not a whole, well-formed PNG."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return {}
    found, at = {}, 8
    while at + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[at : at + 8])
        body = data[at + 8 : at + 8 + length]
        crc = data[at + 8 + length : at + 12 + length]
        if len(body) != length or len(crc) != 4 or struct.unpack(">I", crc)[0] != zlib.crc32(kind + body):
            return {}  # truncated or damaged: nothing in it is trusted
        if kind == b"tEXt" and b"\0" in body:
            name, _, text = body.partition(b"\0")
            found[name.decode("latin-1")] = text.decode("latin-1")
        if kind == b"IEND":
            return found
        at += 12 + length
    return {}  # no IEND: a file cut short


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def figure_png(draw: Callable[..., Any], args: tuple, previous: Path) -> tuple[bytes, bool]:
    """The PNG of ``draw(*args)`` (as ``io.write_figure`` writes it, with its key): the bytes of ``previous``
    when they were drawn from the same key, else drawn now. Returns the bytes and whether they were drawn."""
    from linreg.pipeline.io import write_figure

    k = key(draw, args)
    old = _read(previous)  # read once: what is checked is what is used
    if png_text(old).get(KEY) == k:
        return old, False
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "figure.png"
        write_figure(out, draw(*args), key=k)
        return out.read_bytes(), True


def write_figure(path: Path, previous: Path, draw: Callable[..., Any], args: tuple) -> bool:
    """Write ``draw(*args)``'s figure to ``path``, or the bytes of ``previous`` when they were drawn from the
    same key (:func:`figure_png`). Returns whether it was drawn."""
    from linreg.pipeline.io import atomic_path
    from linreg.pipeline.io import write_figure as draw_to

    k = key(draw, args)
    old = _read(previous)
    if png_text(old).get(KEY) == k:
        with atomic_path(path) as tmp:
            tmp.write_bytes(old)
        return False
    draw_to(path, draw(*args), key=k)
    return True


def cache_dir() -> Path:
    """``$XDG_CACHE_HOME/linreg`` (``~/.cache/linreg`` when unset): what the report keeps between renders."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "linreg"


def write_cache(path: Path, content: str | bytes) -> bool:
    """Write ``content`` to ``path`` whole or not at all; False where it cannot be written (a read-only home)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(content.encode() if isinstance(content, str) else content)
        os.replace(tmp, path)
        return True
    except OSError:
        return False
