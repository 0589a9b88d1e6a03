"""Stage scale: fit the scaler on the training part, apply it to all three.

Inputs:  data/split/*.parquet; params scale
Outputs: data/scaled/{train,validation,test}.parquet, data/scaled/scaler.json,
         reports/metrics/scale.json
"""

from __future__ import annotations

from pathlib import Path

from linreg import io, stage
from linreg.data.generate import TARGET, features_and_target
from linreg.data.scale import fit_scaler
from linreg.data.split import PARTS
from linreg.log import setup_logging
from linreg.params import stage_params
from linreg.paths import project_paths


def main(root: Path | None = None) -> None:
    log = setup_logging("scale")
    paths = project_paths(root)
    params = stage_params(paths, "scale")
    tables = {part: io.read_parquet(paths.split_table(part)) for part in PARTS}
    X_train, _, names = features_and_target(tables["train"])
    scaler = fit_scaler(X_train, names, params.scale.method)
    for name in scaler.constant_features:
        log.warning("feature %s is constant on the training part: scaled to a zero column", name)

    for part, table in tables.items():
        X, y, _ = features_and_target(table)
        scaled = table.copy()
        scaled[names] = scaler.transform(X)
        scaled[TARGET] = y
        io.write_parquet(paths.scaled_table(part), scaled)

    io.write_json(paths.scaler, scaler.to_dict())
    io.write_json(paths.metrics("scale"), {"method": scaler.method,
                                           "n_constant_features": len(scaler.constant_features)})
    log.info("wrote %s (%s scaling)", paths.scaled_dir, scaler.method)


if __name__ == "__main__":
    stage.run(main, "scale")
