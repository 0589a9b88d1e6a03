"""Errors a user fixes from the message alone; stages print them without a traceback."""


class ParamsError(ValueError):
    """params.yaml is missing, malformed or invalid; the message says where and how to fix it."""


class DataError(ValueError):
    """A dataset is unusable; the message names the file, the column and the fix."""


class DeviceError(RuntimeError):
    """base.device names a device this machine lacks (the library's DeviceError, with the params.yaml hint)."""


class ArtifactError(RuntimeError):
    """An input artifact is missing or unreadable; the message says which and why."""


class EngineError(RuntimeError):
    """The configured Dask cluster cannot be reached or started; the message names the address and the fix."""


class RenderError(RuntimeError):
    """The report could not be rendered (Quarto missing, a failed cell, pandoc's error); the message says why."""


USER_ERRORS = (ParamsError, DataError, DeviceError, ArtifactError, EngineError, RenderError)
