"""Run the report's cells in this interpreter, as a Jupyter kernel would, and keep what each displayed.

The fallback renderer used to start a Jupyter kernel: a second Python that imported jupyter_client
and ipykernel, then again the pipeline modules this stage already holds, and exchanged a message per
cell (docs/performance.md, "The learner's loop"). An IPython shell in this process runs the same
code with the same display machinery (``display()``, rich reprs, the last expression's value), so a
cell's outputs are the kernel's: nbformat-style dicts (``stream``, ``display_data``,
``execute_result``, ``error``), one list per cell. Consecutive writes to one stream are one output.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast


class _Stream:
    """A file-like ``sys.stdout`` / ``sys.stderr`` that appends to the running cell's outputs."""

    def __init__(self, name: str, outputs: list[list[dict[str, Any]]]) -> None:
        self.name, self._outputs = name, outputs
        self.encoding = "utf-8"

    def write(self, text: str) -> int:
        outs = self._outputs[-1]
        if outs and outs[-1]["output_type"] == "stream" and outs[-1]["name"] == self.name:
            outs[-1]["text"] += text
        elif text:
            outs.append({"output_type": "stream", "name": self.name, "text": text})
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def _shell(outputs: list[list[dict[str, Any]]]) -> Any:
    """A fresh IPython shell whose displays and result values append to the running cell's outputs."""
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    class Publisher(DisplayPublisher):
        def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs) -> None:
            outputs[-1].append({"output_type": "display_data", "data": data, "metadata": metadata or {}})

    class Hook(DisplayHook):
        def __call__(self, result=None) -> None:
            if result is not None:
                data, metadata = cast(Any, self.shell).display_formatter.format(result)
                outputs[-1].append({"output_type": "execute_result", "data": data, "metadata": metadata})

    class Shell(InteractiveShell):
        def enable_gui(self, gui=None) -> None:  # figures are displayed inline, never in a window
            pass

    config = Config()
    config.HistoryManager.enabled = False  # no history database: nothing is written outside the outputs
    InteractiveShell.clear_instance()
    return Shell.instance(config=config, display_pub_class=Publisher, displayhook_class=Hook, colors="nocolor")


INLINE_BACKEND = "module://matplotlib_inline.backend_inline"


@contextmanager
def _inline_figures(shell: Any) -> Iterator[None]:
    """Figures a cell draws with pyplot are displayed after it, as ipykernel's default inline backend does.

    pyplot is not loaded for this (a third of a second): the backend is named, and matplotlib_inline
    hooks itself into the shell when a cell first imports pyplot. Where pyplot is already loaded
    (a test process) it is switched now, and back afterwards.
    """
    inline = sys.modules.get("matplotlib_inline.backend_inline")
    if inline is not None:
        # An earlier shell in this process set the inline backend up, and matplotlib_inline remembers that in a
        # function attribute: it would then skip giving this new shell's formatter its PNG format, and every
        # figure would come out as text alone (a second render in one process: the tests).
        vars(inline.configure_inline_support).pop("current_backend", None)
    saved_env = os.environ.get("MPLBACKEND")
    os.environ["MPLBACKEND"] = INLINE_BACKEND
    switched_from = None
    if "matplotlib.pyplot" in sys.modules:
        import matplotlib

        switched_from = matplotlib.get_backend()
        shell.enable_matplotlib("inline")
    elif "matplotlib" in sys.modules:
        import matplotlib

        matplotlib.rcParams["backend"] = INLINE_BACKEND
    try:
        yield
    finally:
        if saved_env is None:
            os.environ.pop("MPLBACKEND", None)
        else:
            os.environ["MPLBACKEND"] = saved_env
        if switched_from is not None:
            import matplotlib.pyplot as plt

            plt.close("all")
            plt.switch_backend(switched_from)


@contextmanager
def _captured(outputs: list[list[dict[str, Any]]], cwd: Path) -> Iterator[None]:
    saved = sys.stdout, sys.stderr, os.getcwd()
    sys.stdout, sys.stderr = _Stream("stdout", outputs), _Stream("stderr", outputs)
    os.chdir(cwd)  # where the kernel would start: the report's folder
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved[0], saved[1]
        os.chdir(saved[2])


def run_cells(sources: list[str], cwd: Path) -> list[list[dict[str, Any]]]:
    """Each source run in order in one namespace, from ``cwd``; one list of outputs per source.

    A cell that raises ends the run: its list ends with the ``error`` output (``ename``, ``evalue``,
    ``traceback``) and no later cell runs, as nbclient stops at an error.
    """
    outputs: list[list[dict[str, Any]]] = []
    shell = _shell(outputs)
    try:
        with _inline_figures(shell), _captured(outputs, cwd):
            for source in sources:
                outputs.append([])
                result = shell.run_cell(source, store_history=False, silent=False)
                error = result.error_before_exec or result.error_in_exec
                if isinstance(error, KeyboardInterrupt):  # Ctrl-C stops the stage, as in any other code
                    raise KeyboardInterrupt
                if error is not None:
                    outputs[-1].append(
                        {
                            "output_type": "error",
                            "ename": type(error).__name__,
                            "evalue": str(error),
                            "traceback": traceback.format_exception(error),
                        }
                    )
                    break
    finally:
        shell.cleanup()
        type(shell).clear_instance()  # get_ipython() is None again
    return outputs
