"""Warm stage starts: one process that has imported the libraries forks each stage, as Quarto's kernel daemon
keeps a Jupyter kernel alive between renders.

A learner's edit re-runs three or four stages, and each used to be a new interpreter that imported NumPy,
pandas, scikit-learn, matplotlib and PyTorch before its first line of work (0.6-2.4 s a stage; the report's
cells another 4 s for scikit-learn, statsmodels, torch and ``torch._dynamo``). A stage script calls
:func:`delegate` first. When a warm server for this interpreter, environment and folder is listening, the
server forks; the child takes over the stage's stdin, stdout and stderr, its argv, environment and working
folder, and runs the script as ``__main__``. The stage process waits, forwards Ctrl-C and other signals to
the child, and exits with the child's status. When no server is listening the stage runs as it always did,
and starts one in the background for the next stage.

What is imported once: third-party libraries only (:data:`PRELOAD`), never ``linreg``, whose sources a
learner may have edited since: every child drops ``linreg`` from ``sys.modules`` and imports it afresh. A
server serves only the processes whose key it has. The key covers what decided how those libraries
initialised: the interpreter and its ``sys.path`` with each folder's modification time (an install,
upgrade or removal changes it), every environment variable (thread counts, BLAS and backend choices,
``LINREG_*``) and the working folder (matplotlib reads ``./matplotlibrc``). The outputs are the same bytes
as a cold run's (``tests/pipeline/test_end_to_end.py`` runs train, evaluate and report both ways).

Only a stage DVC runs delegates (``dvc repro``, ``make run``, ``dvc exp run``: DVC sets ``DVC_STAGE``); a
script run by hand runs cold. Off with ``LINREG_WARM=0`` (the test suite sets it, apart from the tests of
this module), and wherever ``fork`` is not safe to use this way (anything but Linux). A server exits after
``LINREG_WARM_IDLE`` seconds without a request (600 by default), or when its socket is removed: ``make
warm-stop`` removes them all. It writes a line per stage it runs, and its own errors, to ``<socket folder>/<key>.log``.

This module imports only the standard library: a stage pays microseconds for it before it knows whether a
server will run it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

# What the stages and the report's cells import, in the order a stage would; a module not installed is skipped.
# Never matplotlib.pyplot: importing it picks a backend, and the evaluate stage and the report pick their own.
PRELOAD = (
    "numpy",
    "pandas",
    "pyarrow.parquet",
    "scipy.special",
    "scipy.stats",
    "sklearn.base",
    "sklearn.linear_model",
    "sklearn.model_selection",
    "sklearn.pipeline",
    "sklearn.preprocessing",
    "statsmodels.api",
    "matplotlib",
    "matplotlib.figure",
    "matplotlib.backends.backend_agg",
    "ruamel.yaml",
    "yaml",
    "pydantic",
    "array_api_compat",
    "PIL.Image",
    "IPython.core.interactiveshell",
    "IPython.display",
    "matplotlib_inline.backend_inline",
    "altair",  # the report's interactive charts, when one is built again (0.3-0.5 s)
    "vl_convert",
    "pypandoc",
    "torch",
    "torch._dynamo",  # the first torch.optim step imports it: 1.1 s of the report's chapter 19
)
IDLE_SECONDS = 600.0
# Set in a child's environment: a stage that runs there, or a process it starts, never delegates again.
CHILD_MARK = "LINREG_WARM_CHILD"
# Variables a shell or DVC sets per command (DVC_STAGE, DVC_ROOT), which no library reads while it loads.
VOLATILE = frozenset({"_", "OLDPWD", "PWD", "SHLVL", "COLUMNS", "LINES", CHILD_MARK})
VOLATILE_PREFIX = "DVC_"
# Signals a stage process passes on to the child that runs its stage.
FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)


def enabled(environ: dict[str, str] | os._Environ[str] = os.environ) -> bool:
    """Whether a stage delegates to a warm server: when DVC runs it (``DVC_STAGE`` is set), on Linux, unless
    ``LINREG_WARM`` is 0, off, false or no. A script run by hand, or by a test, always runs cold."""
    if environ.get(CHILD_MARK) or not environ.get("DVC_STAGE"):
        return False
    if not sys.platform.startswith("linux") or not hasattr(socket, "send_fds"):
        return False
    return environ.get("LINREG_WARM", "1").strip().lower() not in ("0", "off", "false", "no")


def one_shot_workspace(cwd: str) -> bool:
    """A folder DVC makes for one queued or temporary experiment (``.dvc/tmp/exps/…``) and then deletes:
    a server started there would serve one run and hold its memory for the idle time after it."""
    parts = Path(os.path.realpath(cwd)).parts
    return any(parts[i : i + 2] == (".dvc", "tmp") for i in range(len(parts) - 1))


def server_key(environ: dict[str, str] | os._Environ[str] = os.environ, cwd: str | None = None) -> str:
    """What a server must share with a stage process to run its stage: see the module's docstring."""
    folders = []
    for entry in sys.path[1:]:  # sys.path[0] is the script's folder: each child sets its own
        try:
            folders.append([entry, os.stat(entry or ".").st_mtime_ns])
        except OSError:
            folders.append([entry, None])
    described = {
        "python": [sys.executable, sys.version, sys.flags.optimize, sys.flags.isolated],
        "path": folders,
        "env": sorted((k, v) for k, v in environ.items() if k not in VOLATILE and not k.startswith(VOLATILE_PREFIX)),
        "cwd": os.path.realpath(cwd or os.getcwd()),
        "preload": preload_list(environ),
        "code": hashlib.sha256(Path(__file__).read_bytes()).hexdigest(),  # a changed protocol never meets an old server
    }
    return hashlib.sha256(json.dumps(described).encode()).hexdigest()[:32]


def socket_dir(environ: dict[str, str] | os._Environ[str] = os.environ) -> Path:
    """``LINREG_WARM_DIR``, else ``$XDG_RUNTIME_DIR/linreg-warm``, else a folder for this user in the temp folder."""
    if environ.get("LINREG_WARM_DIR"):
        return Path(environ["LINREG_WARM_DIR"])
    if environ.get("XDG_RUNTIME_DIR"):
        return Path(environ["XDG_RUNTIME_DIR"]) / "linreg-warm"
    return Path(tempfile.gettempdir()) / f"linreg-warm-{os.getuid()}"


def _private_dir(folder: Path) -> Path | None:
    """``folder``, created readable by this user alone; None where it is someone else's or cannot be made."""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = folder.stat()
    except OSError:
        return None
    if st.st_uid != os.getuid() or st.st_mode & 0o077:
        return None  # another user's folder, or one others can write to: never connect through it
    return folder


@contextlib.contextmanager
def _in_folder(folder: Path):
    """In ``folder`` for a moment: a socket's address is its name there (a full path may pass the 107-byte limit)."""
    back = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(back)


def _send(conn: socket.socket, message: dict) -> None:
    conn.sendall(json.dumps(message).encode() + b"\n")


def _messages(conn: socket.socket):
    """The newline-separated JSON messages ``conn`` receives, until it closes."""
    buffer = b""
    while True:
        chunk = conn.recv(65536)
        if not chunk:
            return
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            yield json.loads(line)


# --- the stage's side -------------------------------------------------------------------------------------------


def delegate() -> None:
    """Run this stage in a warm server and exit with its status; return when there is none (then start one).

    Called at the top of a stage script, before its imports. Returns without side effects when warm starts
    are off, when no server for this process's key is listening, or when the server declines before the
    stage started; from the moment the child starts, this process only waits for it.
    """
    caller = sys._getframe(1).f_globals.get("__name__")
    if caller != "__main__" or not enabled() or one_shot_workspace(os.getcwd()):
        return  # imported (a test, a notebook), not run: nothing to hand over
    folder = _private_dir(socket_dir())
    if folder is None:
        return
    key = server_key()
    path = folder / f"{key}.sock"
    # Signals from here on go to the child; one that comes before the server names it waits for the name.
    child: list[int] = []
    pending: list[int] = []

    def forward(signum: int, frame: object) -> None:
        if child:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child[0], signum)
        else:
            pending.append(signum)

    previous = {signum: signal.signal(signum, forward) for signum in FORWARDED}
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        with _in_folder(path.parent):
            conn.connect(path.name)
        request = {
            "key": key,
            "argv": sys.argv,
            "path0": sys.path[0],
            "cwd": os.getcwd(),
            "env": dict(os.environ),
            "unbuffered": bool(getattr(sys.stdout, "write_through", False)),  # python -u
        }
        with _std_fds() as fds:
            socket.send_fds(conn, [json.dumps(request).encode() + b"\n"], fds)
        replies = _messages(conn)
        first = next(replies, None)
    except (OSError, ValueError):
        conn.close()
        first = None
        _start_server(folder, key)
    if not first or "pid" not in first:
        conn.close()
        for signum, handler in previous.items():  # declined (or gone) before the stage began: run it here
            signal.signal(signum, handler)
        for waiting in pending:
            signal.raise_signal(waiting)
        return
    child.append(int(first["pid"]))
    for waiting in pending:
        forward(waiting, None)
    sys.exit(_wait(replies))


@contextlib.contextmanager
def _std_fds():
    """Descriptors 0, 1 and 2 to hand over; /dev/null in place of any this process has closed."""
    fds, opened = [], []
    for fd, mode in ((0, os.O_RDONLY), (1, os.O_WRONLY), (2, os.O_WRONLY)):
        try:
            os.fstat(fd)
            fds.append(fd)
        except OSError:
            opened.append(os.open(os.devnull, mode))
            fds.append(opened[-1])
    try:
        yield fds
    finally:
        for fd in opened:
            os.close(fd)


def _wait(replies) -> int:
    """The child's exit status as a shell reports it (128 + the signal that ended it)."""
    for message in replies:
        if "exit" in message:
            return int(message["exit"])
        if "signal" in message:
            return 128 + int(message["signal"])
    sys.stderr.write("linreg: the warm server stopped before reporting how the stage ended; run it again\n")
    return 1


def _start_server(folder: Path, key: str) -> None:
    """A server for ``key`` in the background, unless one is starting already; never waits for it."""
    starting = folder / f"{key}.starting"
    if (folder / f"{key}.refused").exists():  # this environment cannot be served (its .refused says why)
        return
    try:
        fd = os.open(starting, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        if time.time() - _mtime(starting) < 120:  # another stage has started one: it is loading
            return
        starting.unlink(missing_ok=True)  # a server that died while loading
        return
    except OSError:
        return
    os.close(fd)
    log = open(folder / f"{key}.log", "ab")
    try:
        subprocess.Popen(
            [sys.executable, "-m", "linreg.pipeline.warm", "serve", key],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,  # Ctrl-C in the terminal reaches the stages, never the server
            close_fds=True,
        )
    except OSError:
        starting.unlink(missing_ok=True)
    finally:
        log.close()


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


# --- the server's side ------------------------------------------------------------------------------------------


def serve(key: str) -> None:
    """Import :data:`PRELOAD`, listen on ``<key>.sock``, fork a child per request; exit when idle or unlinked."""
    folder = _private_dir(socket_dir())
    if folder is None or key != server_key():
        sys.exit("linreg.pipeline.warm: this server's key is not its environment's; not serving")
    starting, path = folder / f"{key}.starting", folder / f"{key}.sock"
    sys.path[0] = str(folder)  # -m put the working folder here; a child puts its script's folder here
    try:
        _preload()
        refused = _unsafe_to_fork()
        if refused:  # every stage of this key runs cold from now on, and none starts another server
            (folder / f"{key}.refused").write_text(refused + "\n")
            print(f"not serving: {refused}", flush=True)
            return
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        with _in_folder(folder):
            listener.bind(path.name)
        listener.listen(16)
    finally:
        starting.unlink(missing_ok=True)
    inode = path.stat().st_ino
    print(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} serving as pid {os.getpid()} on {path.name}", flush=True)
    idle = float(os.environ.get("LINREG_WARM_IDLE", IDLE_SECONDS))
    children: dict[int, socket.socket] = {}

    def reap(signum: int = 0, frame: object = None) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            conn = children.pop(pid, None)
            if conn is not None:
                message = (
                    {"signal": os.WTERMSIG(status)} if os.WIFSIGNALED(status) else {"exit": os.WEXITSTATUS(status)}
                )
                with contextlib.suppress(OSError):
                    _send(conn, message)
                conn.close()

    signal.signal(signal.SIGCHLD, reap)
    for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):  # kill, logout: leave no dead socket behind
        signal.signal(signum, _stop)
    last = time.monotonic()
    listener.settimeout(min(5.0, idle))
    try:
        while True:
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                if not children and time.monotonic() - last > idle:
                    break
                if _inode(path) != inode:  # removed (make warm-stop) or replaced by a newer server
                    break
                continue
            last = time.monotonic()
            _answer(conn, key, listener, children)
            last = time.monotonic()
    except _Stopped:
        pass
    finally:
        if _inode(path) == inode:
            path.unlink(missing_ok=True)


class _Stopped(Exception):
    """A server told to stop by a signal."""


def _stop(signum: int, frame: object) -> None:
    raise _Stopped


def _unsafe_to_fork() -> str | None:
    """Why forking this process would give children a broken library, or None.

    A thread a library started while loading would be missing in every child (holding whatever lock it
    held at the fork), and a CUDA context cannot be used after a fork at all.
    """
    threads = [t.name for t in threading.enumerate() if t is not threading.main_thread()]
    if threads:
        return f"loading the libraries started threads ({', '.join(threads)})"
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_initialized():
        return "loading the libraries initialised CUDA"
    return None


def _inode(path: Path) -> int | None:
    try:
        return path.stat().st_ino
    except OSError:
        return None


def preload_list(environ: dict[str, str] | os._Environ[str] = os.environ) -> tuple[str, ...]:
    """:data:`PRELOAD`, or the comma-separated modules ``LINREG_WARM_PRELOAD`` names instead."""
    named = environ.get("LINREG_WARM_PRELOAD")
    return tuple(m.strip() for m in named.split(",") if m.strip()) if named is not None else PRELOAD


def _preload() -> None:
    import importlib

    for name in preload_list():
        try:
            importlib.import_module(name)
        except Exception:  # not installed, or broken here: the stage imports it itself, and says why
            pass
    sys.stdout.flush()
    sys.stderr.flush()


def _answer(conn: socket.socket, key: str, listener: socket.socket, children: dict[int, socket.socket]) -> None:
    """Read one request and fork its child; the child never returns from here."""
    fds: list[int] = []
    conn.settimeout(10.0)  # a process that connects and says nothing does not hold the server
    try:
        data, fds, _, _ = socket.recv_fds(conn, 1 << 16, 3)
        while not data.endswith(b"\n"):  # a large environment can arrive in more than one read
            more = conn.recv(1 << 16)
            if not more:
                raise ValueError("the request ended early")
            data += more
        request = json.loads(data)
    except (OSError, ValueError):
        for fd in fds:
            os.close(fd)
        conn.close()
        return
    conn.settimeout(None)
    if request.get("key") != key or len(fds) != 3:
        for fd in fds:
            os.close(fd)
        conn.close()  # the stage runs itself
        return
    held = {signal.SIGCHLD, *FORWARDED}  # the server's handlers, never the child's: reset before they arrive
    signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        pid = os.fork()
        if pid == 0:
            for signum in held:
                signal.signal(signum, signal.default_int_handler if signum == signal.SIGINT else signal.SIG_DFL)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, held)
            listener.close()
            for other in children.values():
                other.close()
            _run_child(conn, request, fds)  # never returns
        children[pid] = conn
        for fd in fds:
            os.close(fd)
        print(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} pid {pid}: {' '.join(request['argv'])}", flush=True)
        with contextlib.suppress(OSError):
            _send(conn, {"pid": pid})
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, held)


def _run_child(conn: socket.socket, request: dict, fds: list[int]) -> None:
    """Become the stage process the request describes, run its script as ``__main__``, and exit with its status."""
    code = 1
    try:
        os.setpgid(0, 0)  # its own group, so a signal meant for it does not reach the server
        threading.Thread(target=_exit_with_client, args=(conn,), daemon=True).start()
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        os.environ[CHILD_MARK] = "1"
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        _reopen_std_streams(bool(request.get("unbuffered")))
        for name in [m for m in sys.modules if m == "linreg" or m.startswith("linreg.")]:
            del sys.modules[name]  # this folder's linreg, as it is now
        sys.argv = list(request["argv"])
        sys.path[0] = request["path0"]
        code = _run_script(sys.argv[0])
    except BaseException:  # the child could not become the stage: say why where the stage's errors go
        import traceback

        with contextlib.suppress(Exception):
            traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def _run_script(script: str) -> int:
    """What ``python script`` does with its exit: the status, a traceback for an uncaught exception."""
    import atexit
    import runpy

    try:
        runpy.run_path(script, run_name="__main__")
        code = 0
    except SystemExit as exc:
        code = _exit_code(exc.code)
    except KeyboardInterrupt:
        sys.excepthook(*sys.exc_info())
        code = 128 + signal.SIGINT
    except BaseException:
        sys.excepthook(*sys.exc_info())
        code = 1
    shutdown = getattr(threading, "_shutdown", None)  # what the interpreter does at exit, in its order
    with contextlib.suppress(Exception):
        if shutdown is not None:
            shutdown()
    atexit._run_exitfuncs()
    return code


def _exit_code(value: object) -> int:
    if value is None:
        return 0
    if isinstance(value, int):
        return value & 0xFF
    print(value, file=sys.stderr)
    return 1


def _reopen_std_streams(unbuffered: bool) -> None:
    """sys.stdin/stdout/stderr on the handed-over descriptors, buffered as a new interpreter would buffer them."""
    import io

    for name, fd, mode in (("stdin", 0, "r"), ("stdout", 1, "w"), ("stderr", 2, "w")):
        old = getattr(sys, f"__{name}__") or getattr(sys, name)
        tty = os.isatty(fd)
        raw = io.FileIO(fd, mode, closefd=False)
        buffered = io.BufferedReader(raw) if mode == "r" else io.BufferedWriter(raw)
        stream = io.TextIOWrapper(
            buffered,
            encoding=getattr(old, "encoding", None) or "utf-8",
            errors=getattr(old, "errors", None) or "strict",
            line_buffering=mode == "w" and (tty or name == "stderr"),
            write_through=name == "stderr" or unbuffered,
        )
        setattr(sys, name, stream)
        setattr(sys, f"__{name}__", stream)


def _exit_with_client(conn: socket.socket) -> None:
    """Kill this child when its stage process is gone (killed outright): as the stage itself would have died."""
    with contextlib.suppress(OSError):
        while conn.recv(1):
            pass
    os.kill(os.getpid(), signal.SIGKILL)


def stop_all(folder: Path | None = None) -> int:
    """Remove every server's socket in ``folder``: each exits within five seconds. Returns how many."""
    folder = folder or socket_dir()
    count = 0
    for sock in folder.glob("*.sock") if folder.is_dir() else []:
        sock.unlink(missing_ok=True)
        count += 1
    return count


def main(argv: list[str]) -> None:
    if argv[:1] == ["serve"] and len(argv) == 2:
        serve(argv[1])
    elif argv == ["stop"]:
        print(f"stopped {stop_all()} warm stage server(s)")
    else:
        sys.exit("usage: python -m linreg.pipeline.warm serve KEY | stop")


if __name__ == "__main__":
    main(sys.argv[1:])
