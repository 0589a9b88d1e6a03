"""Connecting to the engine and running blocks on it: in-process, a LocalCluster, or a cluster by address."""

from __future__ import annotations

import os
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from linreg.pipeline.errors import EngineError

if TYPE_CHECKING:  # the statistics import torch: only the stages that train load them
    pass

__all__ = ["Engine", "EngineError", "connect", "session"]


def connect(
    address: str | None = None,
    *,
    local_workers: int | None = None,
    memory_limit: str | None = None,
    timeout: float = 10.0,
) -> Any:
    """A ``distributed.Client`` for the engine asked for, or None for the embedded default.

    ``address`` (else ``DASK_SCHEDULER_ADDRESS``) connects to a running scheduler and fails
    within ``timeout`` seconds with an ``EngineError`` naming the address and how to
    start one; ``local_workers`` starts a ``LocalCluster`` of that many single-threaded
    worker processes (``memory_limit`` each).
    """
    from_env = not address and bool(os.environ.get("DASK_SCHEDULER_ADDRESS"))
    address = address or os.environ.get("DASK_SCHEDULER_ADDRESS") or None
    if address is None and local_workers is None:
        return None
    if address is not None and not re.fullmatch(r"(tcp|tls|ucx|ws|wss)://\S+:\d+/?|inproc://\S+", address):
        where = "the environment variable DASK_SCHEDULER_ADDRESS" if from_env else "engine.address"
        raise EngineError(
            f"{where} is {address!r}, not a scheduler address: use protocol://host:port, e.g. "
            "tcp://10.0.0.5:8786, or unset it to run in-process."
        )
    from distributed import Client, LocalCluster

    if address is not None:
        if address.startswith(("tls://", "wss://")):
            _check_tls_config(address)
        try:
            return Client(address, timeout=timeout)
        except (OSError, TimeoutError) as exc:
            raise EngineError(
                f"no Dask scheduler answers at {address} ({type(exc).__name__}: {exc}). Start one with "
                f"`dask scheduler` and at least one `dask worker {address}`, or leave the address empty "
                "(and DASK_SCHEDULER_ADDRESS unset) to run in-process."
            ) from None
    # The dashboard on loopback like the scheduler and workers: ":0" would listen on every interface, unauthenticated.
    cluster = LocalCluster(
        n_workers=local_workers,
        threads_per_worker=1,
        processes=True,
        memory_limit=memory_limit or "auto",
        dashboard_address="127.0.0.1:0",
    )
    return Client(cluster)


def _check_tls_config(address: str) -> None:
    """A TLS scheduler needs the client's certificates from Dask's own config (``distributed.comm.tls``);
    without them distributed raises a TypeError deep in its comm layer."""
    from distributed.security import Security

    if Security().get_connection_args("client").get("ssl_context") is None:
        raise EngineError(
            f"engine.address {address} is a TLS scheduler, but Dask's config has no TLS certificates: set "
            "distributed.comm.tls.ca-file, distributed.comm.tls.client.cert and distributed.comm.tls.client.key "
            "(in ~/.config/dask/distributed.yaml, or DASK_DISTRIBUTED__COMM__TLS__CA_FILE and its siblings; "
            "docs/dask.md, 'A TLS scheduler')."
        )


@dataclass
class Engine:
    """An open engine: in-process (``client`` None) or a ``distributed.Client``."""

    client: Any = None
    address: str | None = None
    timeout: float = 10.0  # seconds without any worker before a pass gives up

    @property
    def kind(self) -> str:
        if self.client is None:
            return "in-process"
        return "local cluster" if self.address is None else "cluster"

    @property
    def n_workers(self) -> int:
        """Worker processes (1 in-process: the stage's own)."""
        return 1 if self.client is None else len(self.client.nthreads())

    @property
    def description(self) -> str:
        where = "" if self.address is None else f" at {self.address}"
        return (
            "in-process (no cluster)" if self.client is None else f"Dask {self.kind}{where}, {self.n_workers} worker(s)"
        )

    def record(self) -> dict[str, Any]:
        """What a stage's metrics say about the engine that produced them."""
        return {"engine": self.kind, "engine_workers": self.n_workers}

    def map(
        self, fn: Callable[..., Any], items: Iterable[Any], *args: Any, window: int | None = None, **kwargs: Any
    ) -> Iterator[Any]:
        """``fn(item, *args, **kwargs)`` for each item, yielded in the items' order.

        In-process: one after another. On a cluster: at most ``window`` tasks in flight
        (default two per worker), so a stage that writes the results as they come holds
        a bounded number of blocks whatever the data's size. A task lost with its worker
        is rerun by Dask; results do not depend on which worker ran what.
        """
        if self.client is None:
            for item in items:
                yield fn(item, *args, **kwargs)
            return
        limit = window or 2 * max(1, self.n_workers)
        pending: deque = deque()
        for item in items:
            pending.append(self.client.submit(fn, item, *args, pure=False, **kwargs))
            if len(pending) >= limit:
                yield self._result(pending.popleft())
        while pending:
            yield self._result(pending.popleft())

    def _result(self, future: Any) -> Any:
        """The future's result; an EngineError, not a hang, when the cluster has lost every worker."""
        while True:
            try:
                return future.result(timeout=self.timeout)
            except TimeoutError:
                if not self.client.nthreads():
                    try:
                        self.client.wait_for_workers(1, timeout=self.timeout)
                    except TimeoutError:
                        where = f"at {self.address}" if self.address else "(local)"
                        raise EngineError(
                            f"the Dask cluster {where} has had no worker for {self.timeout:g} s (engine.timeout) "
                            "while blocks were pending; restart its workers, or run in-process."
                        ) from None


@contextmanager
def session(cfg: Any) -> Iterator[Engine]:
    """The engine params.yaml's ``engine`` group asks for, closed (with any cluster it started) on exit."""
    client = connect(
        cfg.address, local_workers=cfg.local_workers or None, memory_limit=cfg.memory_limit, timeout=cfg.timeout
    )
    address = cfg.address or os.environ.get("DASK_SCHEDULER_ADDRESS") or None
    try:
        if client is not None and address is not None:
            try:
                client.wait_for_workers(1, timeout=cfg.timeout)
            except TimeoutError:
                raise EngineError(
                    f"the Dask scheduler at {address} has no workers after {cfg.timeout:g} s; start "
                    f"at least one with `dask worker {address}`."
                ) from None
        yield Engine(client, address, cfg.timeout)
    finally:
        if client is not None:
            cluster = client.cluster if address is None else None
            client.close()
            if cluster is not None:
                cluster.close()
