"""What every stage script shares: whatever stops it, one line naming the cause and the way on.

A stage's outputs are replaced only when it succeeds (:mod:`linreg.pipeline.outputs`), so a
failed stage has changed nothing: its line says so, and says that the outputs and metrics on
disk (what ``dvc metrics show`` and ``dvc plots show`` print) are the last successful run's.
"""

from __future__ import annotations

import errno
import logging
import signal
import sys
import traceback
from collections.abc import Callable
from pathlib import Path

from linreg.pipeline.errors import USER_ERRORS
from linreg.pipeline.paths import project_paths

FULL_DISK = (errno.ENOSPC, errno.EDQUOT)


def kept(stage: str) -> str:
    """What a failed stage left: everything as the last successful run wrote it."""
    return (
        f"Nothing was replaced: {stage}'s previous outputs are untouched, so the outputs and metrics on disk "
        "(and `dvc metrics show`) are still the last successful run's, not this params.yaml's."
    )


def failure_line(
    stage: str, exc: BaseException, *, interrupted: bool = False, traceback_file: Path | None = None
) -> str:
    """The one line a stopped stage prints: the cause, the way on, and that nothing was replaced."""
    if interrupted or isinstance(exc, KeyboardInterrupt):
        return f"{stage} interrupted. {kept(stage)} Run dvc repro to finish."
    if isinstance(exc, OSError) and exc.errno in FULL_DISK:
        where = f" writing {exc.filename}" if exc.filename else ""
        return (
            f"{stage}: no space left on the device{where}. {kept(stage)} Free space (a stage needs room for its new "
            "outputs beside the old ones), then run dvc repro."
        )
    if isinstance(exc, OSError):  # a read-only folder: the path and the reason
        where = f" {exc.filename}" if exc.filename else ""
        return (
            f"{stage}: cannot write{where}: {exc.strerror or exc}. {kept(stage)} Fix the folder's permissions, "
            "then run dvc repro."
        )
    if isinstance(exc, USER_ERRORS):
        return f"{stage}: {exc} {kept(stage)}"
    where = f" (the traceback is in {traceback_file})" if traceback_file else ""
    return (
        f"{stage} stopped by an unexpected {type(exc).__name__}: {exc}{where}. {kept(stage)} "
        "Please report it with that traceback."
    )


def run(main: Callable[[Path | None], object], stage: str) -> None:
    """Run a stage's ``main()`` as a command: whatever stops it exits non-zero with one line.

    Exit status 130 for Ctrl-C, 1 otherwise. Once Ctrl-C has been pressed, whatever exception the
    work unwinds with (nbclient and pandoc turn an interrupt into their own errors) is the interrupt.
    """
    log = logging.getLogger(f"linreg.{stage}")
    interrupted: list[int] = []

    def on_interrupt(signum: int, frame: object) -> None:
        interrupted.append(signum)
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, on_interrupt)
    try:
        main(None)
    except (Exception, KeyboardInterrupt) as exc:
        stopped = bool(interrupted) or isinstance(exc, KeyboardInterrupt)
        saved = None
        if not stopped and not isinstance(exc, (OSError, *USER_ERRORS)):  # a bug: keep its traceback for the report
            saved = project_paths(None).failure_traceback(stage)
            try:
                saved.parent.mkdir(parents=True, exist_ok=True)
                saved.write_text("".join(traceback.format_exception(exc)))
            except OSError:
                saved = None
        log.error("%s", failure_line(stage, exc, interrupted=stopped, traceback_file=saved))
        sys.exit(130 if stopped else 1)
