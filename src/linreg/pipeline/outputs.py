"""A stage's outputs are replaced all at once when it succeeds, and not at all when it fails.

Every out in ``dvc.yaml`` is ``persist: true``, so DVC leaves the previous outputs in place
while a stage runs (by default it deletes them first, and a stage that then fails has lost
them). In exchange the stage must replace them itself, stale files included (a model no
longer in ``train.models``): :func:`staged_outputs` gives it a second project layout under
``.dvc/tmp/linreg-staging/<stage>/`` to write into, and when the ``with`` block ends cleanly
moves each declared out over the old one. An exception, Ctrl-C or a full disk inside the block
removes the staging folder and leaves every previous output as it was, byte for byte, matching
``dvc.lock`` (DVC records nothing for a failed stage). docs/experiments.md says why.
"""

from __future__ import annotations

import errno
import os
import shutil
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from linreg.pipeline.errors import ArtifactError
from linreg.pipeline.paths import Paths, project_paths

INCOMING, PREVIOUS = "incoming", "previous"  # siblings of an out while it is swapped: .<name>.incoming
HELD = (signal.SIGINT, signal.SIGTERM)


def declared_outputs(paths: Paths, stage: str) -> list[str]:
    """The paths ``dvc.yaml`` declares as the stage's outs and metrics (relative to the project root)."""
    from linreg.pipeline.params import read_yaml

    entry = read_yaml(paths.dvc_yaml.read_text())["stages"][stage]
    return [e if isinstance(e, str) else next(iter(e)) for s in ("outs", "metrics", "plots") for e in entry.get(s, [])]


@contextmanager
def staged_outputs(paths: Paths, stage: str) -> Iterator[Paths]:
    """Yield the layout a stage writes its outputs into; swap them in when the block succeeds.

    Read inputs from ``paths``, write outputs under the yielded layout (same names, another root).
    The stage must write every out it declares and nothing else, or nothing is replaced.
    """
    outs = declared_outputs(paths, stage)
    recover(paths.root, outs)
    work = paths.staging(stage)
    shutil.rmtree(work, ignore_errors=True)  # what a killed run left
    work.mkdir(parents=True)
    try:
        yield project_paths(work)
        _check_complete(work, outs, stage)
        _commit(work, paths.root, outs)
    finally:
        shutil.rmtree(work, ignore_errors=True)  # on a full disk, this frees what the failed run wrote


def _check_complete(work: Path, outs: list[str], stage: str) -> None:
    missing = [o for o in outs if not (work / o).exists()]
    stray = [
        str(f.relative_to(work))
        for f in work.rglob("*")
        if f.is_file() and not any(f == work / o or (work / o) in f.parents for o in outs)
    ]
    if missing or stray:
        raise ArtifactError(
            f"stage {stage} "
            + (f"did not write {missing}, which dvc.yaml declares" if missing else "")
            + (" and " if missing and stray else "")
            + (f"wrote {stray}, which dvc.yaml does not declare" if stray else "")
            + "; nothing was replaced (a bug in the stage: declare its outputs in dvc.yaml and write them all)."
        )


def _aside(path: Path, role: str) -> Path:
    return path.with_name(f".{path.name}.{role}")


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def _move(src: Path, dst: Path) -> None:
    """Rename ``src`` to ``dst``; across file systems (a data folder that links elsewhere), copy then remove."""
    try:
        os.rename(src, dst)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        if src.is_dir():
            shutil.copytree(src, dst, symlinks=True)
        else:
            shutil.copy2(src, dst)
        _remove(src)


def _commit(work: Path, root: Path, outs: list[str]) -> None:
    # First every out beside its destination (a rename; a copy only across file systems), where a
    # failure still leaves the old outputs whole; then the swaps, which are renames in one folder.
    try:
        for rel in outs:
            dst = root / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            _remove(_aside(dst, INCOMING))
            _move(work / rel, _aside(dst, INCOMING))
    except BaseException:
        for rel in outs:
            _remove(_aside(root / rel, INCOMING))
        raise
    with _signals_held():
        for rel in outs:
            _swap(_aside(root / rel, INCOMING), root / rel)
    for rel in outs:
        _remove(_aside(root / rel, PREVIOUS))


@contextmanager
def _signals_held() -> Iterator[None]:
    """Ctrl-C (or a polite kill) during the swaps takes effect after them: the outs change together.

    A Python-level handler, not a signal mask: a mask holds one thread, and the kernel hands a
    process's signal to any thread that does not block it (torch's and Dask's threads included).
    """
    if threading.current_thread() is not threading.main_thread():  # only the main thread sets handlers
        yield
        return
    held: list[int] = []
    previous = {sig: signal.signal(sig, lambda signum, frame: held.append(signum)) for sig in HELD}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for caught in held[:1]:  # now, as it would have been then
            handler = previous[signal.Signals(caught)]
            if callable(handler):
                handler(caught, None)
            elif handler == signal.SIG_DFL:
                os.kill(os.getpid(), caught)


def _swap(new: Path, dst: Path) -> None:
    if not new.is_dir() and not dst.is_dir():
        os.replace(new, dst)  # a file over a file: one atomic rename
        return
    # A folder cannot be renamed over a non-empty one: the old one steps aside first. Killed between the
    # two renames, the old one waits as .<name>.previous and recover() puts it back on the next run.
    if dst.exists() or dst.is_symlink():
        os.rename(dst, _aside(dst, PREVIOUS))
    os.rename(new, dst)


def recover(root: Path, outs: list[str]) -> None:
    """Finish or undo a swap a killed run left: an out set aside comes back where its new one never arrived."""
    for rel in outs:
        dst = root / rel
        previous = _aside(dst, PREVIOUS)
        if previous.exists():
            if dst.exists():
                _remove(previous)
            else:
                os.rename(previous, dst)
        _remove(_aside(dst, INCOMING))
