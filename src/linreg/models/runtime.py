"""Second tier: where a fit runs — devices, dtypes, and waiting for a device before reading a clock.

* ``as_device`` — a device string, ``torch.device`` or the library's host as a ``torch.device`` (for torch code)
* ``resolve_device`` — ``auto | cpu | cuda | cuda:N | mps`` → an available ``torch.device``
* ``resolve_dtype`` — ``"float32" | "float64"`` → the torch dtype
* ``DeviceError`` — the requested device does not exist here; the message names what does
* ``available_devices`` — the CPU, and CUDA / MPS when present; for each missing one, why
* ``cuda_unavailable_reason`` — why CUDA cannot be used here, or None
* ``synchronize`` — wait for the device's queued work (nothing on the CPU)
* ``synchronizer`` — ``synchronize`` bound to a device, for timing loops
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from linreg.models._lazy import lazy_attributes

if TYPE_CHECKING:  # the names' types for mypy; at run time each loads on first use
    from linreg.models._device import DeviceError as DeviceError
    from linreg.models._device import as_device as as_device
    from linreg.models._device import available_devices as available_devices
    from linreg.models._device import cuda_unavailable_reason as cuda_unavailable_reason
    from linreg.models._device import resolve_device as resolve_device
    from linreg.models._device import resolve_dtype as resolve_dtype
    from linreg.models._device import synchronize as synchronize
    from linreg.models._device import synchronizer as synchronizer

_EXPORTS = {
    "DeviceError": "linreg.models._device",
    "as_device": "linreg.models._device",
    "available_devices": "linreg.models._device",
    "cuda_unavailable_reason": "linreg.models._device",
    "resolve_device": "linreg.models._device",
    "resolve_dtype": "linreg.models._device",
    "synchronize": "linreg.models._device",
    "synchronizer": "linreg.models._device",
}
__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_attributes(__name__, globals(), _EXPORTS)
