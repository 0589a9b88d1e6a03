"""Warm stage starts (linreg.pipeline.warm): a stage run by the server behaves as the same script run cold.

These tests start servers in a private folder that preload only ``json`` (``LINREG_WARM_PRELOAD``), run
small scripts that delegate as the stage scripts do, and stop every server they started. The pipeline's own
stages, run warm and cold on the same inputs, are compared in tests/pipeline/test_end_to_end.py.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from linreg.pipeline import warm

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="warm starts fork: Linux only")

HEADER = """\
import sys
print("before:", sorted(m for m in sys.modules if m == "linreg" or m.startswith("linreg.")), flush=True)
from linreg.pipeline.warm import delegate

delegate()
import os
import time

warm = os.environ.get("LINREG_WARM_CHILD") == "1"
"""


def script(folder: Path, name: str, body: str) -> Path:
    path = folder / name
    path.write_text(HEADER + body)
    return path


def run(path: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(path), *args], env=env, cwd=path.parent, capture_output=True, text=True, timeout=120
    )


def wait_until(condition, seconds: float = 60.0) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def server_pids(folder: Path) -> list[int]:
    pids = []
    for log in folder.glob("*.log"):
        pids += [int(p) for p in re.findall(r"serving as pid (\d+)", log.read_text())]
    return pids


def alive(pid: int, folder: Path | None = None) -> bool:
    """Running, not a zombie waiting for its parent, and (given ``folder``) a warm server of that socket folder or
    a child it forked: a pid from an old log may belong to another process by now (pids wrap at 32768)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0") if folder is not None else []
    except OSError:
        return False
    return state != "Z" and (folder is None or f"LINREG_WARM_DIR={folder}".encode() in environ)


@pytest.fixture
def env(tmp_path):
    folder = tmp_path / "sockets"
    environ = {
        **os.environ,
        "LINREG_WARM": "1",
        "LINREG_WARM_DIR": str(folder),
        "LINREG_WARM_PRELOAD": "json",
        "LINREG_WARM_IDLE": "120",
        "DVC_STAGE": "test",  # as dvc repro runs a stage: run by hand, a script never delegates
    }
    yield environ
    warm.stop_all(folder)
    for pid in server_pids(folder):
        if not wait_until(lambda: not alive(pid, folder), 15):
            os.kill(pid, signal.SIGKILL)


def started(path: Path, env: dict[str, str]) -> None:
    """Run ``path`` once cold (it starts a server) and wait for the server to listen."""
    first = run(path, env)
    assert "warm=False" in first.stdout, first.stdout + first.stderr
    folder = Path(env["LINREG_WARM_DIR"])
    assert wait_until(lambda: any(folder.glob("*.sock"))), f"no server started: {list(folder.iterdir())}"


def test_a_stage_runs_in_the_server_and_exits_with_its_status(tmp_path, env):
    body = """
print(f"warm={warm} argv={sys.argv[1:]} cwd={os.getcwd()} stage={os.environ.get('DVC_STAGE')}")
print("to stderr", file=sys.stderr)
how = sys.argv[1] if len(sys.argv) > 1 else "0"
if how == "raise":
    raise ValueError("a bug in the stage")
if how == "os_exit":
    os._exit(7)
if how == "kill":
    os.kill(os.getpid(), 9)
sys.exit(int(how))
"""
    path = script(tmp_path, "stage.py", body)
    started(path, env)
    done = run(path, {**env, "DVC_STAGE": "train"}, "0")  # DVC's per-stage variable is not in the key
    assert done.returncode == 0, done.stderr
    assert f"warm=True argv=['0'] cwd={tmp_path} stage=train" in done.stdout  # DVC's per-stage variable arrives
    assert done.stderr == "to stderr\n"
    assert run(path, env, "3").returncode == 3
    raised = run(path, env, "raise")
    assert raised.returncode == 1 and "ValueError: a bug in the stage" in raised.stderr and "warm=True" in raised.stdout
    assert run(path, env, "os_exit").returncode == 7
    assert run(path, env, "kill").returncode == 128 + 9
    log = "".join(p.read_text() for p in Path(env["LINREG_WARM_DIR"]).glob("*.log"))
    assert log.count(str(path)) == 5, log  # one line per stage the server ran


def test_the_child_imports_linreg_afresh(tmp_path, env):
    path = script(tmp_path, "fresh.py", 'print(f"warm={warm}")\n')
    started(path, env)
    done = run(path, env)
    # Printed twice: by the stage process before it delegated, then by the child, which must not see the
    # server's own linreg (the server imported linreg.pipeline.warm to run at all).
    assert done.stdout.splitlines() == ["before: []", "before: []", "warm=True"], done.stdout


def test_ctrl_c_reaches_the_stage_in_the_server(tmp_path, env):
    body = """
try:  # the signal may come as soon as the line is out
    print(f"warm={warm}", flush=True)
    time.sleep(60 if warm else 0)
except KeyboardInterrupt:
    print("interrupted: cleaned up", flush=True)
    sys.exit(130)
"""
    path = script(tmp_path, "sleeper.py", body)
    started(path, env)
    proc = subprocess.Popen([sys.executable, str(path)], env=env, cwd=tmp_path, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    lines = [proc.stdout.readline() for _ in range(3)]  # "before:" from the stage process, then the child's
    assert lines[2].strip() == "warm=True", lines
    proc.send_signal(signal.SIGINT)
    rest, _ = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert "interrupted: cleaned up" in rest


def test_a_killed_stage_process_takes_its_child_with_it(tmp_path, env):
    body = """
open(sys.argv[1], "w").write(str(os.getpid()))
time.sleep(60 if warm else 0)
"""
    path = script(tmp_path, "orphan.py", body)
    pid_file = tmp_path / "pid"
    first = run(path, env, str(pid_file))
    assert first.returncode == 0
    assert wait_until(lambda: any(Path(env["LINREG_WARM_DIR"]).glob("*.sock")))
    pid_file.unlink()
    proc = subprocess.Popen([sys.executable, str(path), str(pid_file)], env=env, cwd=tmp_path)
    assert wait_until(lambda: pid_file.exists() and pid_file.read_text() != "", 30)
    child = int(pid_file.read_text())
    assert child != proc.pid and alive(child)
    proc.kill()  # SIGKILL: nothing is forwarded, as when DVC itself is killed
    proc.wait()
    assert wait_until(lambda: not alive(child), 15), "the child outlived its stage process"


def test_another_environment_gets_its_own_server(tmp_path, env):
    path = script(tmp_path, "env.py", "print(f\"warm={warm} threads={os.environ.get('OMP_NUM_THREADS')}\")\n")
    started(path, env)
    threads = str(int(env.get("OMP_NUM_THREADS") or 2) + 1)  # the first server's libraries loaded with another
    other = {**env, "OMP_NUM_THREADS": threads}
    done = run(path, other)
    assert f"warm=False threads={threads}" in done.stdout  # never served by the first server
    folder = Path(env["LINREG_WARM_DIR"])
    assert wait_until(lambda: len(list(folder.glob("*.sock"))) == 2)
    assert f"warm=True threads={threads}" in run(path, other).stdout


@pytest.mark.parametrize("off", [{"LINREG_WARM": "0"}, {"LINREG_WARM": "off"}, {"LINREG_WARM": "false"}, {}])
def test_linreg_warm_off_or_a_script_run_by_hand_runs_cold_and_starts_nothing(tmp_path, env, off):
    path = script(tmp_path, "cold.py", 'print(f"warm={warm}")\n')
    started(path, env)
    environ = {k: v for k, v in env.items() if k != "DVC_STAGE"} if not off else {**env, **off}  # {}: by hand
    done = run(path, environ)
    assert "warm=False" in done.stdout
    assert len(list(Path(env["LINREG_WARM_DIR"]).glob("*.sock"))) == 1


def test_an_idle_server_exits_and_a_removed_socket_stops_one(tmp_path, env):
    path = script(tmp_path, "idle.py", 'print(f"warm={warm}")\n')
    folder = Path(env["LINREG_WARM_DIR"])
    started(path, {**env, "LINREG_WARM_IDLE": "1"})
    (pid,) = server_pids(folder)
    assert wait_until(lambda: not alive(pid), 20), "an idle server kept running"
    assert not list(folder.glob("*.sock"))
    started(path, env)
    (pid,) = set(server_pids(folder)) - {pid}
    assert warm.stop_all(folder) == 1
    assert wait_until(lambda: not alive(pid), 20), "a server outlived its socket"


def test_a_stale_socket_is_replaced(tmp_path, env):
    path = script(tmp_path, "stale.py", 'print(f"warm={warm}")\n')
    started(path, env)
    folder = Path(env["LINREG_WARM_DIR"])
    (pid,) = server_pids(folder)
    assert alive(pid, folder)
    os.kill(pid, signal.SIGKILL)  # the socket file stays, with nobody listening
    assert wait_until(lambda: not alive(pid), 15)
    assert "warm=False" in run(path, env).stdout  # runs cold, and starts a new server
    assert wait_until(lambda: len(server_pids(folder)) == 2 and any(folder.glob("*.sock")))
    assert wait_until(lambda: "warm=True" in run(path, env).stdout, 30)


def test_the_key_covers_installs_and_the_environment(tmp_path, monkeypatch):
    base = warm.server_key({"A": "1"}, cwd=str(tmp_path))
    assert warm.server_key({"A": "1", "DVC_STAGE": "x", "PWD": "/y"}, cwd=str(tmp_path)) == base
    assert warm.server_key({"A": "2"}, cwd=str(tmp_path)) != base
    assert warm.server_key({"A": "1"}, cwd=str(tmp_path / "..")) != base
    folder = tmp_path / "site"
    folder.mkdir()
    monkeypatch.setattr(sys, "path", [*sys.path, str(folder)])
    before = warm.server_key({"A": "1"}, cwd=str(tmp_path))
    time.sleep(0.01)
    (folder / "newly_installed").mkdir()  # pip install adds a folder: the folder's mtime moves
    assert warm.server_key({"A": "1"}, cwd=str(tmp_path)) != before


def test_only_this_user_private_folder_is_used(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o777)
    shared.chmod(0o777)
    assert warm._private_dir(shared) is None  # others could plant a socket there
    assert warm._private_dir(tmp_path / "mine") == tmp_path / "mine"
    assert (tmp_path / "mine").stat().st_mode & 0o777 == 0o700


def test_a_library_that_starts_a_thread_while_loading_is_never_forked(tmp_path, env):
    """A thread would be missing in every child, holding whatever it held: the server refuses, says why, and
    no stage starts another."""
    starts = "import threading, time\nthreading.Thread(target=time.sleep, args=(60,), daemon=True).start()\n"
    (tmp_path / "threaded_lib.py").write_text(starts)
    env = {**env, "LINREG_WARM_PRELOAD": "json,threaded_lib", "PYTHONPATH": str(tmp_path)}
    path = script(tmp_path, "threads.py", 'print(f"warm={warm}")\n')
    folder = Path(env["LINREG_WARM_DIR"])
    assert "warm=False" in run(path, env).stdout
    assert wait_until(lambda: any(folder.glob("*.refused")))
    (refused,) = folder.glob("*.refused")
    assert "started threads" in refused.read_text()
    for _ in range(2):
        assert "warm=False" in run(path, env).stdout
    assert not list(folder.glob("*.sock")) and not list(folder.glob("*.starting"))
    assert len(server_pids(folder)) == 0  # the one that refused never listened
    assert "not serving: loading the libraries started threads" in "".join(p.read_text() for p in folder.glob("*.log"))


def test_a_module_that_imports_a_stage_does_not_hand_itself_over(tmp_path, env):
    """delegate() acts only in the script Python runs: a notebook or test that imports a stage module runs
    nothing in a server (it would otherwise run the importer's own argv there)."""
    path = script(tmp_path, "stage_mod.py", 'print(f"warm={warm}")\n')
    started(path, env)
    importer = tmp_path / "importer.py"
    importer.write_text("import stage_mod\n\nprint('importer done')\n")  # beside it: found on sys.path[0]
    done = run(importer, env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-2:] == ["warm=False", "importer done"]


def test_dvc_temporary_experiment_folders_start_no_server(tmp_path, env):
    folder = tmp_path / ".dvc" / "tmp" / "exps" / "run" / "abc"  # where dvc exp run --temp / --queue runs
    folder.mkdir(parents=True)
    path = script(folder, "stage.py", 'print(f"warm={warm}")\n')
    for _ in range(2):
        assert "warm=False" in run(path, env).stdout
    time.sleep(1)
    sockets = Path(env["LINREG_WARM_DIR"])
    assert not sockets.exists() or not list(sockets.iterdir())
    assert warm.one_shot_workspace(str(folder))
    assert not warm.one_shot_workspace(str(tmp_path / "project"))
    assert not warm.one_shot_workspace(str(tmp_path / ".dvc"))


def test_a_terminated_server_removes_its_socket(tmp_path, env):
    """kill (SIGTERM) or a closed terminal (SIGHUP): the server goes, and no dead socket stays behind."""
    path = script(tmp_path, "term.py", 'print(f"warm={warm}")\n')
    folder = Path(env["LINREG_WARM_DIR"])
    for signum in (signal.SIGTERM, signal.SIGHUP):
        started(path, env)
        (pid,) = [p for p in server_pids(folder) if alive(p, folder)]
        os.kill(pid, signum)
        assert wait_until(lambda: not alive(pid), 15)
        assert not list(folder.glob("*.sock"))
