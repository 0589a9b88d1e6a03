"""Device resolution speaks of the estimator's own argument; the pipeline adds where its value came from."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from linreg.models import Lasso
from linreg.models._device import HOST, DeviceError, resolve_device, resolve_dtype


def test_cpu_and_auto_resolve():
    assert resolve_device("cpu") is HOST and str(HOST) == "cpu"  # the CPU: NumPy, no torch needed
    assert resolve_device("auto").type in ("cpu", "cuda", "mps")
    assert resolve_dtype("float32") == np.float32


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_a_missing_device_is_named_in_library_words():
    with pytest.raises(DeviceError) as info:
        Lasso(device="cuda").fit([[0.0], [1.0], [2.0]], [0.0, 1.0, 2.0])
    message = str(info.value)
    assert "device 'cuda' was requested but CUDA is unavailable here" in message
    assert "device='cpu'" in message and "params.yaml" not in message


def test_an_unknown_device_lists_the_choices():
    with pytest.raises((DeviceError, ValueError), match="cuda:N"):
        resolve_device("tpu")
