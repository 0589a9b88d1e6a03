"""What the benchmark ran on: CPU, GPU, driver, library versions, memory."""

from __future__ import annotations

import os
import platform
import resource
import subprocess

import torch

from linreg.models.runtime import cuda_unavailable_reason
from linreg.pipeline.machine import software_versions


def cpu_model() -> str:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def gpu_info() -> dict[str, str | float]:
    reason = cuda_unavailable_reason()
    if reason is not None:
        return {"gpu": "none", "gpu_reason": reason}
    props = torch.cuda.get_device_properties(0)
    try:
        driver = (
            subprocess.run(
                ["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"],
                capture_output=True,
                text=True,
                timeout=10,
            )
            .stdout.strip()
            .splitlines()[0]
        )
    except (OSError, subprocess.SubprocessError, IndexError):
        driver = "unknown"
    return {
        "gpu": props.name,
        "gpu_memory_gib": props.total_memory / 2**30,
        "gpu_driver": driver,
        "gpu_count": torch.cuda.device_count(),
    }


def describe_system() -> dict[str, object]:
    return {
        "cpu": cpu_model(),
        "cpu_cores": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", "default"),
        "platform": platform.platform(),
        **gpu_info(),
        **software_versions(),
    }


def peak_host_memory_gib() -> float:
    """Peak resident memory of this process (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def load_average() -> float | None:
    """The 1-minute load average (runnable processes); None where the OS has none."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None
