"""The compute device and dtype an estimator runs on: ``device="auto" | "cpu" | "cuda" | "cuda:N" | "mps"``.

Errors here speak of the estimator's ``device`` argument; the pipeline adds where its
own value came from (``base.device`` in params.yaml).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import torch

DTYPES = {"float32": torch.float32, "float64": torch.float64}


class DeviceError(RuntimeError):
    """The requested device does not exist on this machine; the message names what does."""


def resolve_device(spec: str) -> torch.device:
    """Turn ``auto | cpu | cuda | cuda:N | mps`` into an available ``torch.device``.

    ``auto`` picks CUDA, then MPS, then the CPU. Asking explicitly for a device
    this machine lacks raises ``DeviceError`` naming the fix. Names are case-insensitive
    (``"CPU"``, ``"Cuda:0"``), as torch's own are not.
    """
    given, spec = spec, spec.lower()
    if spec == "auto":
        if torch.cuda.is_available():  # the concrete device, as "cuda" gives: cards and metrics record one name
            return torch.device("cuda", torch.cuda.current_device())
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    if spec == "cpu":
        return torch.device("cpu")
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
        raise DeviceError(
            f"device {given!r} was requested but CUDA is unavailable here ({why}, torch {torch.__version__}); "
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
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def resolve_dtype(name: str) -> torch.dtype:
    try:
        return DTYPES[name]
    except KeyError:
        raise ValueError(f"unknown dtype {name!r}; use one of {sorted(DTYPES)}.") from None


def synchronize(device: torch.device) -> None:
    """Wait for queued kernels; a no-op on the CPU, where work is synchronous."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def synchronizer(device: torch.device) -> Callable[[], None]:
    """What a clock read must wait for on ``device`` (nothing on the CPU)."""
    return lambda: synchronize(device)


def cuda_unavailable_reason() -> str | None:
    """Why CUDA cannot be used here, or None when it can."""
    if torch.cuda.is_available():
        return None
    return "CPU-only torch build" if torch.version.cuda is None else "no CUDA GPU visible"


def available_devices() -> tuple[list[torch.device], list[dict[str, str]]]:
    """The CPU always; CUDA and MPS when present; for each missing accelerator, why."""
    devices, missing = [torch.device("cpu")], []
    reason = cuda_unavailable_reason()
    if reason is None:
        devices.append(torch.device("cuda"))
    else:
        missing.append({"device": "cuda", "reason": reason})
    if _mps_available():
        devices.append(torch.device("mps"))
    return devices, missing
