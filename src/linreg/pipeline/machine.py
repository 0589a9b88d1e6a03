"""What this machine offers the pipeline: the device base.device names, free memory, library versions."""

from __future__ import annotations

import platform
from typing import TYPE_CHECKING

from linreg.pipeline.errors import DeviceError

if TYPE_CHECKING:
    import torch


def params_device(spec: str) -> torch.device:
    """``base.device`` resolved, or a ``DeviceError`` that says where to change it."""
    # torch loads here, not with this module: the validate stage checks "auto" and "cpu" without it.
    from linreg.models.runtime import DeviceError as LibraryDeviceError
    from linreg.models.runtime import as_device, resolve_device

    try:
        return as_device(resolve_device(spec))  # the pipeline runs torch on every device (the library's CPU: HOST)
    except LibraryDeviceError as exc:
        hint = "set base.device to 'auto' or 'cpu' in params.yaml"
        message = str(exc).replace("use device='auto' or device='cpu'", hint)
        raise DeviceError(f"base.device: {message}") from None


def available_memory_bytes() -> int | None:
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def software_versions() -> dict[str, str]:
    """Versions of the libraries whose numerics the results depend on."""
    import numpy
    import pandas
    import sklearn
    import statsmodels
    import torch

    return {
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "pandas": pandas.__version__,
        "torch": torch.__version__,
        "cuda": torch.version.cuda or "none",
        "scikit-learn": sklearn.__version__,
        "statsmodels": statsmodels.__version__,
    }
