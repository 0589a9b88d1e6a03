"""Ctrl-C while a stage is still loading its libraries: one line, not a 40-line traceback.

A stage script imports this before anything else; :func:`linreg.pipeline.stage.run` hands
Ctrl-C back to Python (KeyboardInterrupt) once the stage's work starts, and reports it there.
Nothing has been written while the libraries load, so exiting at once loses nothing.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path


def _while_loading(signum: int, frame: object) -> None:
    sys.stderr.write("interrupted while the stage was starting; nothing was written\n")
    sys.stderr.flush()
    os._exit(130)  # the libraries are half-imported: no clean-up to run, none to trust


_main = sys.modules.get("__main__")
if Path(getattr(_main, "__file__", None) or "").parent.name == "stages":  # a stage run as a command, not a test
    signal.signal(signal.SIGINT, _while_loading)
