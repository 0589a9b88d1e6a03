"""The teaching pipeline on top of ``linreg.models``: params, data stages, training, evaluation, benchmark, report.

It imports the library; the library never imports it (``tests/models/test_layering.py``). Its own
dependencies come with the ``[pipeline]`` extra, which the library alone does not install: without
them, importing any part of it says so, and how to fix it, instead of naming one missing module.
"""

import importlib.util

# Imported by every stage (params, tables), looked up without importing them: microseconds.
_NEEDS = {"pydantic": "pydantic", "yaml": "pyyaml", "pandas": "pandas"}
_missing = [dist for module, dist in _NEEDS.items() if importlib.util.find_spec(module) is None]
if _missing:
    raise ModuleNotFoundError(
        f"linreg.pipeline needs {', '.join(_missing)} (not installed): install the [pipeline] extra, "
        "pip install 'linreg-models[pipeline]' (in a clone: pip install -e '.[pipeline]')"
    )
