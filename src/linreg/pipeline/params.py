"""params.yaml, validated by one typed schema, and each stage's declared view of it.

* ``load_params()`` validates the whole file: unknown keys, wrong types and
  out-of-range values are errors that name the key, the bad value and what is
  allowed, raised before any stage touches an output.
* ``stage_params()`` returns only the keys a stage declares under
  ``stages.<name>.params`` in ``dvc.yaml``. Reading anything else raises, so a
  stage can never depend on a param DVC does not know it depends on (DVC would
  not re-run it when that param changes).
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any, ClassVar, Literal, get_args, get_origin

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from linreg.pipeline.errors import ParamsError
from linreg.pipeline.paths import Paths
from linreg.pipeline.variants import BENCHMARK_SOLVERS, MODEL_NAMES

# Magnitudes past this would overflow squares and sums of the generated data (float64 tops out near 1e308).
MAGNITUDE = 1e50
DEMO_X, DEMO_SPAN = 1e5, 1e-3
# generate.n_features: the evaluate stage's regime sweep refits lasso and elastic-net paths on fresh datasets of
# evaluate.regimes' sizes (60 training rows for the default 100-row regimes) with this many features, and where
# features outnumber those rows coordinate descent converges slowly. Measured with the other defaults on this
# 2-core VM, shared (docs/performance.md, "Limits of the params"): 50 features, the whole run in 279 s; 100,
# evaluate alone stopped after 644 s still in the sweep; 1000, stopped after 441 s with 12.6 GiB resident.
MAX_FEATURES = 50
MAX_FEATURES_WHY = (
    "the regime sweep (evaluate.regimes) refits lasso and elastic-net paths on small datasets with this many "
    "features, which converge slowly once features outnumber their training rows: 100 features kept the evaluate "
    "stage alone busy past 10 minutes on a 2-core machine (params.yaml's comment)"
)
BENCHMARK_MAX_FEATURES = 1000  # benchmark sizes: the timed fits only, no regime sweep
DEMO_MAX_ROWS = 1_000_000
REGIME_MAX_ROWS = 100_000
MIN_WORKER_MEMORY = 2**30  # bytes per LocalCluster worker (engine.memory_limit)
EPS64 = float(np.finfo(np.float64).eps)
RESOLVED = 100  # ulps of the intercept y's variation must span, so that it does not round away


def _quoted_number(value: Any) -> str | None:
    """The first string in ``value`` (or in its lists) that reads as a number, e.g. ``"0.6"``."""
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return None
        return value
    if isinstance(value, (list, tuple)):
        return next((q for q in map(_quoted_number, value) if q is not None), None)
    return None


def _takes_text(annotation: Any) -> bool:
    """Whether a field's type admits free text (``str`` anywhere in it; a Literal's words do not count)."""
    if annotation is str:
        return True
    if get_origin(annotation) is Literal:
        return False
    return any(_takes_text(arg) for arg in get_args(annotation))


class _Strict(BaseModel):
    # No NaN or infinity anywhere: a non-finite value would be written into the data and fail stages later.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_quoted_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        # A number in quotes is text in YAML. Coerced here it would pass, while DVC (and any stage that
        # reads params.yaml as a file, as the report does) still sees the text "0.6": refused, once, here.
        quoted = None if _takes_text(cls.model_fields[str(info.field_name)].annotation) else _quoted_number(value)
        if quoted is not None:
            raise ValueError(f"a number in quotes ({quoted!r}) is text in YAML; write it without the quotes")
        return value


class Base(_Strict):
    seed: int = Field(ge=0, le=2**32 - 1)
    dtype: Literal["float32", "float64"]
    device: str = Field(pattern=r"^(auto|cpu|mps|cuda(:\d+)?)$")
    max_rows_in_memory: int = Field(default=2_000_000, ge=100, le=10**10)


class Demo(_Strict):
    n_samples: int = Field(ge=5, le=DEMO_MAX_ROWS)
    slope: float = Field(ge=-MAGNITUDE, le=MAGNITUDE)
    intercept: float = Field(ge=-MAGNITUDE, le=MAGNITUDE)
    noise_std: float = Field(ge=0, le=MAGNITUDE)
    # The degree sweep fits raw powers of x up to x^30 (evaluate.poly_max_degree) and squares them:
    # |x| <= 1e5 keeps 1e5^60 = 1e300 inside float64, a span >= 1e-3 keeps x from being a constant.
    x_min: float = Field(ge=-DEMO_X, le=DEMO_X)
    x_max: float = Field(ge=-DEMO_X, le=DEMO_X)

    @model_validator(mode="after")
    def _range(self) -> Demo:
        if not self.x_max - self.x_min >= DEMO_SPAN:
            raise ValueError(
                f"x_max ({self.x_max}) must exceed x_min ({self.x_min}) by at least {DEMO_SPAN:g}, so that x varies"
            )
        return self


class Generate(_Strict):
    source: Literal["synthetic", "diabetes", "csv"]
    n_samples: int = Field(ge=10, le=100_000_000)
    n_features: int = Field(ge=1, le=MAX_FEATURES)  # _bounded_run says why the maximum
    n_informative: int = Field(ge=0)
    intercept: float = Field(ge=-MAGNITUDE, le=MAGNITUDE)
    noise_std: float = Field(ge=0, le=MAGNITUDE)
    correlation: float = Field(ge=0, lt=1)
    scale_spread: float = Field(ge=1, le=MAGNITUDE)
    feature_offset: float = Field(ge=-1e6, le=1e6)
    csv_path: str | None = None
    csv_target: str | None = None
    demo: Demo

    @property
    def slope_floor(self) -> float:
        """The least spread of y the synthetic coefficients give: each non-zero one moves y by at
        least 0.5 per standard deviation of its feature (``make_synthetic``)."""
        return 0.5 if self.n_informative > 0 else 0.0

    @field_validator("n_features", mode="before")
    @classmethod
    def _bounded_run(cls, value: Any) -> Any:
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value > MAX_FEATURES:
            raise ValueError(f"at most {MAX_FEATURES}: {MAX_FEATURES_WHY}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Generate:
        if self.n_informative > self.n_features:
            raise ValueError(f"n_informative ({self.n_informative}) cannot exceed n_features ({self.n_features})")
        if self.source == "csv" and (not self.csv_path or not self.csv_target):
            raise ValueError("source 'csv' needs both csv_path and csv_target")
        if self.csv_path is not None:
            parts = Path(self.csv_path).parts
            if Path(self.csv_path).is_absolute() or parts[:2] != ("data", "external") or ".." in parts:
                raise ValueError(
                    f"csv_path {self.csv_path!r} must be a file under data/external/ (DVC tracks that folder as "
                    "an input, so an edited CSV re-runs the pipeline); move the file there"
                )
        return self


class Split(_Strict):
    train: float = Field(gt=0, lt=1)
    validation: float = Field(gt=0, lt=1)
    test: float = Field(gt=0, lt=1)

    @model_validator(mode="after")
    def _sum_to_one(self) -> Split:
        total = self.train + self.validation + self.test
        if abs(total - 1.0) > 1e-9:
            raise ValueError(f"train + validation + test must sum to 1, got {total:g}")
        return self


class Scale(_Strict):
    method: Literal["standard", "minmax", "none"]


class GradientDescent(_Strict):
    learning_rate: float | Literal["auto"]
    max_epochs: int = Field(ge=1, le=1_000_000)
    tol: float = Field(ge=0)
    patience: int = Field(ge=0)
    batch_size: int = Field(ge=1)

    @field_validator("learning_rate")
    @classmethod
    def _positive(cls, value: float | str) -> float | str:
        if not isinstance(value, str) and not value > 0:
            raise ValueError("learning_rate must be 'auto' or a number > 0")
        return value


class RegPath(_Strict):
    n_alphas: int = Field(ge=2, le=1000)
    # Below 1e-12 of α_max every penalty is OLS to the solvers' tolerance, and the arithmetic reaches
    # subnormal numbers: 5e-324 took 24 s on tiny data (docs/performance.md, "Limits of the params").
    alpha_min_ratio: float = Field(ge=1e-12, lt=1)
    # Below 0.01 α_max = max|Xᵀy| / (n ρ) grows past any useful grid (scikit-learn's ElasticNetCV
    # warns the same; 5e-324 overflows it): ridge is the pure L2 fit.
    l1_ratio: float = Field(ge=0.01, le=1)
    solver: Literal["auto", "cd", "fista"]
    # A duality gap is computed in float64: below ~1e-14 of ‖y − ȳ‖² rounding hides whether it was met.
    tol: float = Field(ge=1e-14, lt=1)
    max_iter: int = Field(ge=1, le=1_000_000)


class LearningRateSweep(_Strict):
    learning_rates: list[float] = Field(min_length=1)
    epochs: int = Field(ge=1, le=100_000)

    @field_validator("learning_rates")
    @classmethod
    def _positive(cls, values: list[float]) -> list[float]:
        bad = [v for v in values if not v > 0]
        if bad:
            raise ValueError(f"every learning rate must be > 0, got {bad}")
        return values


class Train(_Strict):
    models: list[Literal[MODEL_NAMES]] = Field(min_length=1)  # type: ignore[valid-type]
    ols_solver: Literal["auto", "cholesky", "qr", "svd"]
    gd: GradientDescent
    path: RegPath
    lr_sweep: LearningRateSweep

    @field_validator("models")
    @classmethod
    def _unique(cls, values: list[str]) -> list[str]:
        if len(set(values)) != len(values):
            raise ValueError(f"models must not repeat a name, got {values}")
        return values


class Regime(_Strict):
    """One setting of the regime sweep: fresh data from the generator with these three values changed."""

    name: str = Field(min_length=1, max_length=40)
    n_samples: int = Field(ge=10, le=REGIME_MAX_ROWS)  # refitted `repeats` times per regime: kept small
    noise_std: float = Field(ge=0, le=MAGNITUDE)
    correlation: float = Field(ge=0, lt=1)


class Evaluate(_Strict):
    bootstrap_resamples: int = Field(ge=10, le=100_000)
    learning_curve_fractions: list[float] = Field(min_length=2)
    poly_max_degree: int = Field(ge=1, le=30)
    poly_ridge_alpha: float = Field(gt=0)
    regimes: list[Regime] = Field(default_factory=list, max_length=12)
    regime_repeats: int = Field(default=10, ge=2, le=200)
    gd_path_multiples: list[float] = Field(default_factory=lambda: [0.25, 0.5], min_length=1, max_length=20)
    gd_path_epochs: int = Field(default=30, ge=1, le=500)

    @field_validator("gd_path_multiples")
    @classmethod
    def _multiples(cls, values: list[float]) -> list[float]:
        if any(not 0 < v <= 3 for v in values):
            raise ValueError(f"step multiples of 2/L must be in (0, 3], got {values}")
        return values

    @field_validator("regimes")
    @classmethod
    def _distinct(cls, values: list[Regime]) -> list[Regime]:
        names = [r.name for r in values]
        if len(set(names)) != len(names):
            raise ValueError(f"regime names must be distinct, got {names}")
        return values

    @field_validator("learning_curve_fractions")
    @classmethod
    def _fractions(cls, values: list[float]) -> list[float]:
        if any(not 0 < v <= 1 for v in values) or sorted(values) != values:
            raise ValueError(f"fractions must be increasing and in (0, 1], got {values}")
        return values


class BenchmarkGrid(_Strict):
    sizes: list[tuple[int, int]] = Field(min_length=1)

    @field_validator("sizes")
    @classmethod
    def _sizes(cls, values: list[tuple[int, int]]) -> list[tuple[int, int]]:
        bad = [s for s in values if not (s[0] >= 10 and 1 <= s[1] <= BENCHMARK_MAX_FEATURES and s[1] < s[0])]
        if bad:
            raise ValueError(
                f"every [n, p] needs n >= 10 rows and 1 <= p < n features (p <= {BENCHMARK_MAX_FEATURES}), got {bad}"
            )
        return values

    repeats: int = Field(ge=1, le=1000)
    warmup: int = Field(ge=0, le=100)
    sklearn_max_n: int = Field(ge=0)


class PSweep(_Strict):
    """The closed form against gradient descent to convergence as p grows (report chapter "Why gradient descent")."""

    n: int = Field(ge=10, le=1_000_000)
    ps: list[int] = Field(min_length=1)
    tol: float = Field(gt=0, lt=1)
    max_epochs: int = Field(ge=1, le=1_000_000)

    # The sweep holds every p's design at once (its timed runs go round-robin over them) and times each p
    # several times: 10,000 rows × (10 + 40 + 160 + 640) take about 70 MB; this bound keeps them near 400 MB.
    MAX_VALUES: ClassVar[int] = 50_000_000

    @model_validator(mode="after")
    def _ps(self) -> PSweep:
        if sorted(set(self.ps)) != self.ps or self.ps[0] < 1 or 4 * self.ps[-1] > self.n:
            raise ValueError(
                f"benchmark.p_sweep.ps must increase, start at 1 or more and stay below n / 4 = {self.n // 4} "
                f"(GD's agreement test assumes a well-conditioned design), got {self.ps}"
            )
        if self.n * sum(self.ps) > self.MAX_VALUES:
            raise ValueError(
                f"benchmark.p_sweep: n × the sum of ps = {self.n:,} × {sum(self.ps):,} values is more than "
                f"{self.MAX_VALUES:,} (about 400 MB at once, and minutes of timing): lower n or the ps"
            )
        return self


class Benchmark(_Strict):
    preset: Literal["default", "large"]
    default: BenchmarkGrid
    large: BenchmarkGrid
    dtypes: list[Literal["float32", "float64"]] = Field(min_length=1)
    solvers: list[Literal[BENCHMARK_SOLVERS]] = Field(min_length=1)  # type: ignore[valid-type]
    gd_epochs: int = Field(ge=1, le=10_000)
    batch_size: int = Field(ge=1, le=10**8)
    n_alphas: int = Field(ge=2, le=1000)
    p_sweep: PSweep


class Report(_Strict):
    engine: Literal["auto", "quarto", "jupyter"]


class Engine(_Strict):
    """Where blockwise work runs. How, not what: every engine writes the same bits (tests/pipeline/test_engine.py)."""

    address: str | None = Field(default=None, pattern=r"^(tcp|tls|ucx|ws|wss|inproc)://\S+$")
    local_workers: int = Field(default=0, ge=0, le=1024)
    memory_limit: str | None = None
    timeout: float = Field(default=10.0, gt=0, le=3600)

    @field_validator("memory_limit")
    @classmethod
    def _bytes(cls, value: str | None) -> str | None:
        if value is not None:
            from dask.utils import parse_bytes

            try:
                size = parse_bytes(value)
                if size <= 0:
                    raise ValueError
            except (ValueError, TypeError):
                raise ValueError(f"memory_limit {value!r} is not a size such as '2GiB' or '500MB'") from None
            if size < MIN_WORKER_MEMORY:
                # Dask restarts a worker past 95% of its limit: below this one would restart forever.
                raise ValueError(
                    f"memory_limit {value!r} is below the 1GiB a worker needs (its libraries alone take about "
                    "320 MiB, and it holds a few 32 MB blocks at once; docs/performance.md): raise it, or set "
                    "null for Dask's share of this machine"
                )
        return value

    @model_validator(mode="after")
    def _one_engine(self) -> Engine:
        if self.address is not None and self.local_workers:
            raise ValueError("set either address (a running cluster) or local_workers (start one here), not both")
        if self.memory_limit is not None and not self.local_workers:
            raise ValueError(
                "memory_limit applies to the workers a LocalCluster starts; set local_workers too "
                "(a cluster at an address has its own limits)"
            )
        return self


class Params(_Strict):
    base: Base
    generate: Generate
    split: Split
    scale: Scale
    train: Train
    evaluate: Evaluate
    benchmark: Benchmark
    report: Report
    engine: Engine = Field(default_factory=Engine)

    @model_validator(mode="after")
    def _y_varies(self) -> Params:
        # A target that rounds to a constant leaves nothing to regress and every test MSE zero (the
        # regime sweep's ratio to OLS would be 0/0). Ask for >= RESOLVED ulps of variation at the intercept.
        g, eps32 = self.generate, float(np.finfo(self.base.dtype).eps)
        cases = [("generate", g.intercept, g.slope_floor, g.noise_std, eps32)] if g.source == "synthetic" else []
        cases += [
            (f"evaluate.regimes[{k}] ({r.name!r})", g.intercept, g.slope_floor, r.noise_std, EPS64)
            for k, r in enumerate(self.evaluate.regimes)
        ]
        demo = g.demo
        cases.append(
            ("generate.demo", demo.intercept, abs(demo.slope) * (demo.x_max - demo.x_min), demo.noise_std, EPS64)
        )
        for where, intercept, signal, noise, eps in cases:
            variation = max(signal, noise)
            if variation == 0:
                raise ValueError(
                    f"{where}: y would be constant (no noise and no non-zero coefficient); "
                    "set noise_std > 0 or give y a signal (n_informative >= 1, or a non-zero demo slope)"
                )
            if abs(intercept) * eps * RESOLVED > variation:
                raise ValueError(
                    f"{where}: the intercept ({intercept:g}) swamps y's variation (about {variation:g}): "
                    f"y would round to nearly a constant; keep |intercept| below {variation / (eps * RESOLVED):.3g}"
                )
        return self


def _describe(error: Any, raw: dict[str, Any]) -> str:
    key = ".".join(str(part) for part in error["loc"])
    if error["type"] == "extra_forbidden":
        parent = raw
        for part in error["loc"][:-1]:
            parent = parent.get(part, {}) if isinstance(parent, dict) else {}
        return f"  {key}: unknown key (check the spelling; see params.yaml's comments for the valid keys)"
    if error["type"] == "missing":
        return f"  {key}: required key is missing"
    message = error["msg"].removeprefix("Value error, ")
    if not key:  # a check across groups names its keys in the message
        return f"  {message}"
    value = error.get("input")
    shown = value if not isinstance(value, dict) else "{…}"
    return f"  {key} = {shown!r}: {message}"


def validate_params(raw: Any, source: str = "params.yaml") -> Params:
    if not isinstance(raw, dict):
        raise ParamsError(f"{source} must be a mapping of groups (base, generate, …), got {type(raw).__name__}")
    try:
        return Params.model_validate(raw)
    except ValidationError as exc:
        lines = [_describe(err, raw) for err in exc.errors()]
        raise ParamsError(f"{source} is invalid; fix these keys:\n" + "\n".join(lines)) from None


def read_yaml(text: str) -> Any:
    """YAML as DVC reads params.yaml and dvc.yaml: ruamel.yaml's safe loader (YAML 1.2), as
    ``dvc.utils.serialize.parse_yaml`` constructs it.

    One reading for both: PyYAML (YAML 1.1) reads ``2e4`` and ``0o47040`` as strings, ``047040``
    as octal 20000 and ``on`` as True, where DVC sees 20000.0, 20000, 47040 and "on". Read
    differently, a value DVC considers unchanged would skip the validate stage and fail later,
    after DVC removed that later stage's outputs.
    """
    return copy.deepcopy(_parsed_yaml(text))  # a copy: a caller's edit never reaches the next caller


@functools.lru_cache(maxsize=4)
def _parsed_yaml(text: str) -> Any:
    # A stage reads dvc.yaml three times (its params, its outputs, what is stale): ruamel's pure-Python
    # loader takes about 40 ms a reading (docs/performance.md, "warm stage starts").
    from ruamel.yaml import YAML

    return YAML(typ="safe").load(text)


def load_params(paths: Paths) -> Params:
    from ruamel.yaml import YAMLError

    try:
        raw = read_yaml(paths.params.read_text())
    except FileNotFoundError:
        raise ParamsError(f"{paths.params} not found: run from the project root.") from None
    except YAMLError as exc:
        raise ParamsError(f"{paths.params} is not valid YAML: {exc}") from None
    return validate_params(raw, str(paths.params))


def declared_params(paths: Paths, stage: str) -> list[str]:
    """The params keys ``dvc.yaml`` declares for ``stage`` (e.g. ``["base.seed", "split"]``)."""
    dvc = read_yaml(paths.dvc_yaml.read_text())
    try:
        entries = dvc["stages"][stage].get("params", [])
    except KeyError:
        raise ParamsError(f"dvc.yaml has no stage named {stage!r}") from None
    keys: list[str] = []
    for entry in entries:
        if isinstance(entry, str):
            keys.append(entry)
        else:  # {file: [keys]} form
            for file_keys in entry.values():
                keys.extend(file_keys)
    return keys


class StageParams:
    """A read-only view of the params a stage declared; reading others raises.

    ``read`` collects the full keys actually read, so a test can check that a
    stage reads everything it declares and nothing more.
    """

    def __init__(self, value: Any, allowed: dict[str, Any], prefix: str, read: set[str]):
        self._value = value
        self._allowed = allowed
        self._prefix = prefix
        self.read = read

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        key = f"{self._prefix}{name}"
        if name not in self._allowed:
            raise ParamsError(
                f"this stage reads params key {key!r} but dvc.yaml does not declare it in the "
                "stage's params list; add it there so DVC re-runs the stage when it changes."
            )
        sub = self._allowed[name]
        value = getattr(self._value, name)
        if sub is True:
            self.read.add(key)
            return value
        return StageParams(value, sub, key + ".", self.read)


def engine_params(paths: Paths) -> Engine:
    """The ``engine`` group, for any stage: how to run, not what to compute.

    Deliberately not a DVC dependency of the data and model stages: every engine
    gives the same bits, so switching between in-process, a LocalCluster and a
    cluster by address re-runs nothing. (The validate stage declares it, so a bad
    engine setting still stops ``dvc repro`` before any output is removed.)
    """
    return load_params(paths).engine


def stage_params(paths: Paths, stage: str) -> StageParams:
    """Validate params.yaml, then expose only what ``stage`` declares in dvc.yaml."""
    params = load_params(paths)
    tree: dict[str, Any] = {}
    for key in declared_params(paths, stage):
        node = tree
        parts = key.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if node is True:
                break
        else:
            node[parts[-1]] = True
    return StageParams(params, tree, "", set())
