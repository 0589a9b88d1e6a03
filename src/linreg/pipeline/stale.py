"""After ``dvc repro`` stopped: the stages whose outputs on disk are not this params.yaml's.

``make run`` prints this when ``dvc repro`` fails. A failed stage keeps its previous outputs
(linreg.pipeline.outputs), and so do the stages after it, which never ran: ``dvc metrics show``
and ``dvc plots show`` then print the last successful run's numbers without a word. ``dvc status``
names the stages whose inputs changed; everything downstream of them is stale as well.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from linreg.pipeline.paths import Paths, project_paths


def _entries(stage: dict[str, Any], section: str) -> list[str]:
    return [e if isinstance(e, str) else next(iter(e)) for e in stage.get(section, [])]


def _feeds(out: str, dep: str) -> bool:
    """Whether an out is (inside) a dep or a dep is inside an out: ``models`` feeds ``models``, ``reports/plots``…"""
    a, b = Path(out), Path(dep)
    return a == b or b in a.parents or a in b.parents


def stale_stages(paths: Paths, changed: set[str]) -> list[str]:
    """The changed stages and every stage downstream of one, in dvc.yaml's order."""
    from linreg.pipeline.params import read_yaml

    stages = read_yaml(paths.dvc_yaml.read_text())["stages"]
    stale = set(changed) & set(stages)
    while True:
        outs = [out for s in stale for section in ("outs", "metrics") for out in _entries(stages[s], section)]
        more = {
            name
            for name, stage in stages.items()
            if name not in stale and any(_feeds(out, dep) for out in outs for dep in _entries(stage, "deps"))
        }
        if not more:
            return [name for name in stages if name in stale]
        stale |= more


def message(stale: list[str]) -> str:
    if not stale:
        return "dvc status: every stage is up to date."
    return (
        f"dvc repro did not finish: the outputs of {', '.join(stale)} on disk are still their last successful "
        "run's, not this params.yaml's, and so is what `dvc metrics show` and `dvc plots show` print for them. "
        "Fix what the stage's error above names, then run make run again."
    )


def main() -> None:
    paths = project_paths(None)
    done = subprocess.run([sys.executable, "-m", "dvc", "status", "--json"], capture_output=True, text=True)
    if done.returncode != 0:
        print(f"dvc status failed: {done.stderr.strip()}", file=sys.stderr)
        sys.exit(1)
    changed = {name.rsplit(":", 1)[-1] for name in json.loads(done.stdout or "{}")}
    print(message(stale_stages(paths, changed)), file=sys.stderr)


if __name__ == "__main__":
    main()
