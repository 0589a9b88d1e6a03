"""What every stage script shares: clean failures for errors a user can fix."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path

from linreg.errors import USER_ERRORS


def run(main: Callable[[Path | None], object], stage: str) -> None:
    """Run a stage's ``main()`` as a command: user errors exit 1 with one clear message."""
    try:
        main(None)
    except USER_ERRORS as exc:
        logging.getLogger(f"linreg.{stage}").error("%s", exc)
        sys.exit(1)
