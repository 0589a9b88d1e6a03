"""Errors a user fixes from the message alone; stages print them without a traceback."""


class ParamsError(ValueError):
    """params.yaml is missing, malformed or invalid; the message says where and how to fix it."""


class DataError(ValueError):
    """A dataset is unusable; the message names the file, the column and the fix."""


class DeviceError(RuntimeError):
    """The requested device does not exist on this machine."""


class ArtifactError(RuntimeError):
    """An input artifact is missing or unreadable; the message says which and why."""


class EngineError(RuntimeError):
    """The configured Dask cluster cannot be reached or started; the message names the address and the fix."""


USER_ERRORS = (ParamsError, DataError, DeviceError, ArtifactError, EngineError)
