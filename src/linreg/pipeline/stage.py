"""What every stage script shares: clean failures for errors a user can fix."""

from __future__ import annotations

import logging
import signal
import sys
from collections.abc import Callable
from pathlib import Path

from linreg.pipeline.errors import USER_ERRORS


def run(main: Callable[[Path | None], object], stage: str, *, deletes_outputs: bool = True) -> None:
    """Run a stage's ``main()`` as a command: user errors exit 1 with one clear message.

    Under ``dvc repro`` DVC has removed the stage's previous outputs before the
    command runs; the message says how to get them back.
    """
    log = logging.getLogger(f"linreg.{stage}")
    signal.signal(signal.SIGINT, signal.default_int_handler)  # from here Ctrl-C is a KeyboardInterrupt (below)
    try:
        main(None)
    except USER_ERRORS as exc:
        log.error("%s", exc)
        if deletes_outputs:
            log.error(
                "This stage's previous outputs were removed before it ran; `dvc checkout %s` restores the "
                "last ones DVC cached.",
                stage,
            )
        sys.exit(1)
    except OSError as exc:  # a read-only folder, a full disk: the path and the reason, in one line
        where = f" {exc.filename}" if exc.filename else ""
        log.error(
            "cannot write%s: %s. Free space or fix the folder's permissions, then run dvc repro again.",
            where,
            exc.strerror or exc,
        )
        sys.exit(1)
    except KeyboardInterrupt:
        log.error("interrupted; nothing half-written was left (outputs are written atomically)")
        sys.exit(130)
