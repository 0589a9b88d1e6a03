"""The compute device and dtype an estimator runs on: ``device="auto" | "cpu" | "cuda" | "cuda:N" | "mps"``.

torch is optional. The CPU is ``HOST`` (NumPy arrays; no torch import), any other device a
``torch.device`` (torch arrays). ``auto`` looks for a GPU only where the installed torch build could
drive one (``torch_can_accelerate()``, read without importing torch), so on a CPU-only machine a
fit never imports it. ``namespace()`` gives the array API namespace of the arrays a solver was
handed (array-api-compat's NumPy or torch wrapper), so each solver is written once for both.

Errors here speak of the estimator's ``device`` argument; the pipeline adds where its
own value came from (``base.device`` in params.yaml).
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import platform
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from array_api_compat import array_namespace, is_torch_array

DTYPES: dict[str, np.dtype] = {"float32": np.dtype(np.float32), "float64": np.dtype(np.float64)}


@dataclass(frozen=True)
class Host:
    """The CPU, where NumPy computes: ``str(HOST) == "cpu"``, ``HOST.type == "cpu"`` (as a ``torch.device``)."""

    type: str = "cpu"
    index: None = None

    def __str__(self) -> str:
        return "cpu"


HOST = Host()


def torch_module():
    """torch, imported now (the one place the library imports it), or an ImportError saying how to get it."""
    try:
        return importlib.import_module("torch")
    except ImportError:
        raise ImportError(
            "this needs PyTorch (a GPU device, torch tensors, or LINREG_CPU_BLAS=torch): install it with "
            "the library's [torch] extra, or see https://pytorch.org/get-started/locally/"
        ) from None


class _LazyTorch:
    """``torch`` for modules whose torch-only paths (mini-batch descent on tensors, CUDA graphs) import it
    on first use: ``torch = lazy_torch()`` at module level, with ``import torch`` under TYPE_CHECKING."""

    def __getattr__(self, name: str) -> Any:
        return getattr(torch_module(), name)


def lazy_torch() -> Any:
    return _LazyTorch()


def torch_loaded() -> bool:
    """Whether torch is imported already (a ``None`` entry in sys.modules marks it unimportable)."""
    return sys.modules.get("torch") is not None


def torch_installed() -> bool:
    if "torch" in sys.modules:
        return torch_loaded()
    try:
        return importlib.util.find_spec("torch") is not None
    except ImportError:  # a finder that refuses torch (an environment that hides it)
        return False


def torch_can_accelerate() -> bool:
    """Whether the installed torch might drive a GPU: a CUDA or ROCm build, or an Apple-silicon Mac (MPS).

    Read from torch/version.py's text, without importing torch (2 s and hundreds of MB): a CPU-only
    build says ``cuda = None`` and ``hip = None`` there.
    """
    if "torch" in sys.modules:
        torch = sys.modules["torch"]
        if torch is None:
            return False
        return torch.version.cuda is not None or getattr(torch.version, "hip", None) is not None or _mps_available()
    return _installed_build_can_accelerate()


@functools.cache  # once per process: the installed build does not change, and a fit asks every time
def _installed_build_can_accelerate() -> bool:
    spec = importlib.util.find_spec("torch") if torch_installed() else None
    if spec is None or spec.origin is None:
        return False
    if platform.system() == "Darwin" and platform.machine() == "arm64":
        return True
    try:
        text = (Path(spec.origin).parent / "version.py").read_text(encoding="utf-8")
    except OSError:
        return True  # cannot tell: ask torch itself
    builds = re.findall(r"^(cuda|hip)\s*(?::[^=]*)?=\s*(.+)$", text, flags=re.MULTILINE)
    return any(value.strip() not in ("None", "''", '""') for _, value in builds) if builds else True


def namespace(*arrays) -> Any:
    """The array API namespace of ``arrays`` (array-api-compat's NumPy or torch), ignoring Nones and scalars."""
    return array_namespace(*(a for a in arrays if a is not None and not isinstance(a, (int, float))))


def is_torch(a) -> bool:
    """Whether ``a`` is a torch tensor (without importing torch when it is not loaded)."""
    return torch_loaded() and is_torch_array(a)


def to_numpy(a) -> np.ndarray:
    """``a`` as a float64 NumPy array on the host (a view when it already is one)."""
    if is_torch(a):
        a = a.detach().cpu().numpy()
    return np.asarray(a, dtype=np.float64)


def as_device(device) -> Any:
    """``device`` (``HOST``, a ``torch.device`` or its name) as a ``torch.device``, for the torch code paths."""
    torch = torch_module()
    return device if isinstance(device, torch.device) else torch.device(str(device))


def as_torch_dtype(dtype) -> Any:
    """A NumPy dtype, its name or a torch dtype as the torch dtype."""
    torch = torch_module()
    if isinstance(dtype, torch.dtype):
        return dtype
    return {"float32": torch.float32, "float64": torch.float64}[np.dtype(dtype).name]


def as_numpy_dtype(dtype) -> np.dtype:
    """A NumPy dtype, its name or a torch dtype (without importing torch) as the NumPy dtype."""
    if type(dtype).__module__ == "torch":
        return np.dtype(str(dtype).removeprefix("torch."))
    return np.dtype(dtype)


def is_host(device) -> bool:
    return device is None or getattr(device, "type", str(device)) == "cpu"


class DeviceError(RuntimeError):
    """The requested device does not exist on this machine; the message names what does."""


def resolve_device(spec: str):
    """Turn ``auto | cpu | cuda | cuda:N | mps`` into ``HOST`` or an available ``torch.device``.

    ``auto`` picks CUDA, then MPS, then the CPU (``HOST``, without importing torch when the installed
    build cannot drive a GPU, or torch is absent). Asking explicitly for a device
    this machine lacks raises ``DeviceError`` naming the fix. Names are case-insensitive
    (``"CPU"``, ``"Cuda:0"``), as torch's own are not.
    """
    given, spec = spec, spec.lower()
    if spec == "cpu" or (spec == "auto" and not torch_can_accelerate()):
        return HOST
    torch: Any = torch_module() if spec == "auto" or torch_installed() else None
    if spec == "auto":
        if torch.cuda.is_available():  # the concrete device, as "cuda" gives: cards and metrics record one name
            return torch.device("cuda", torch.cuda.current_device())
        if _mps_available():
            return torch.device("mps")
        return HOST
    if spec == "mps":
        if not _mps_available():
            raise DeviceError(
                "device 'mps' was requested but this machine has no Apple MPS backend; "
                "use device='auto' or device='cpu'."
            )
        return torch.device("mps")
    match = re.fullmatch(r"cuda(?::(\d+))?", spec)
    if match is None:
        raise DeviceError(f"unknown device {given!r}; use auto, cpu, cuda, cuda:N or mps.")
    why = cuda_unavailable_reason()
    if why is not None:
        version = f"torch {torch.__version__}" if torch is not None else "install the [torch] extra"
        raise DeviceError(
            f"device {given!r} was requested but CUDA is unavailable here ({why}, {version}); "
            "use device='auto' or device='cpu', or install a CUDA build of torch "
            "(https://pytorch.org/get-started/locally/)."
        )
    index = int(match.group(1)) if match.group(1) else torch.cuda.current_device()  # "cuda": torch's current one
    if index >= torch.cuda.device_count():
        raise DeviceError(
            f"device {given!r} was requested but only {torch.cuda.device_count()} CUDA "
            f"device(s) exist (cuda:0 … cuda:{torch.cuda.device_count() - 1})."
        )
    return torch.device("cuda", index)


def _mps_available() -> bool:
    if not torch_installed():
        return False
    backend = getattr(torch_module().backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def resolve_dtype(name: str) -> np.dtype:
    try:
        return DTYPES[name]
    except KeyError:
        raise ValueError(f"unknown dtype {name!r}; use one of {sorted(DTYPES)}.") from None


def synchronize(device) -> None:
    """Wait for queued kernels; a no-op on the CPU, where work is synchronous."""
    if device.type == "cpu":
        return
    torch = torch_module()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def synchronizer(device) -> Callable[[], None]:
    """What a clock read must wait for on ``device`` (nothing on the CPU)."""
    return lambda: synchronize(device)


def cuda_unavailable_reason() -> str | None:
    """Why CUDA cannot be used here, or None when it can."""
    if not torch_installed():
        return "PyTorch is not installed"
    torch = torch_module()
    if torch.cuda.is_available():
        return None
    return "CPU-only torch build" if torch.version.cuda is None else "no CUDA GPU visible"


def available_devices() -> tuple[list, list[dict[str, str]]]:
    """The CPU always (``HOST``); CUDA and MPS when present; for each missing accelerator, why."""
    devices: list = [HOST]
    missing = []
    reason = cuda_unavailable_reason()
    if reason is None:
        devices.append(torch_module().device("cuda"))
    else:
        missing.append({"device": "cuda", "reason": reason})
    if _mps_available():
        devices.append(torch_module().device("mps"))
    return devices, missing
