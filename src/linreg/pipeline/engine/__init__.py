"""The pipeline's engine: where blocks run (in-process, a LocalCluster, or a Dask cluster by
address) and the statistics of a table's blocks.

The stages open a ``session()`` from params.yaml's ``engine`` group and hand it their
per-block work (``Engine.map()``): generating the data's blocks, the scaler's moments
and the training statistics run on the workers, block by block, and come back in block
order. Three ways to run (``connect``):

* embedded (default): no address, no ``DASK_SCHEDULER_ADDRESS``; in-process, no server,
  no network;
* a cluster by address (``dask scheduler`` + ``dask worker tcp://host:8786``):
  ``connect("tcp://host:8786")``;
* a ``LocalCluster`` of worker processes with a memory limit each:
  ``connect(local_workers=2, memory_limit="1GiB")``.

Submodules: ``session`` (connecting, running blocks) and ``tables`` (a table's
statistics and lazy arrays; it loads the library, so only the stages that train import it).
The statistics of Dask arrays themselves are the library's (``linreg.models._dask_arrays``).
"""

from linreg.pipeline.engine.session import Engine, EngineError, connect, session

__all__ = ["Engine", "EngineError", "connect", "session"]
