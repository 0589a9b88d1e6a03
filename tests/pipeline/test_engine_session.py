"""The engine's session: embedded by default; a LocalCluster gives the same bits, even when a worker dies."""

from __future__ import annotations

import os
import re
import signal
import time

import dask.array as da
import numpy as np
import pytest

from linreg.models import LinearRegression
from linreg.models._dask_arrays import dask_stats
from linreg.pipeline.engine import EngineError, connect

pytestmark = pytest.mark.slow  # starts LocalClusters


def _data(n=24_000, p=6, offset=1e3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) + offset  # means far from zero: merges of centred moments keep the digits
    y = X @ np.linspace(-1, 2, p) + rng.standard_normal(n)
    return X, y


def _lazy(X, y, rows=5000):
    return da.from_array(X, chunks=(rows, X.shape[1])), da.from_array(y, chunks=rows)


@pytest.fixture(scope="module")
def blocks():
    X, y = _data(n=40_000)
    return X, y, _lazy(X, y, rows=2500)  # 16 blocks


def test_embedded_by_default_and_a_missing_scheduler_is_a_clear_error(monkeypatch):
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)
    assert connect() is None  # in-process: no server, no network
    start = time.perf_counter()
    with pytest.raises(EngineError, match=r"no Dask scheduler answers at tcp://127\.0\.0\.1:9.*dask scheduler"):
        connect("tcp://127.0.0.1:9", timeout=2)
    assert time.perf_counter() - start < 30  # an error, not a hang
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", "tcp://127.0.0.1:9")
    with pytest.raises(EngineError, match="127.0.0.1:9"):
        connect(timeout=2)


@pytest.mark.parametrize("address", ["garbage", "tcp://host-without-port", "http://127.0.0.1:8786"])
def test_a_malformed_scheduler_address_is_named_with_where_it_came_from(monkeypatch, address):
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", address)
    with pytest.raises(EngineError, match=rf"DASK_SCHEDULER_ADDRESS is '{re.escape(address)}'.*protocol://host:port"):
        connect(timeout=2)
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS")
    with pytest.raises(EngineError, match=r"engine.address is 'garbage'"):
        connect("garbage", timeout=2)


def test_local_cluster_workers_give_identical_bits(blocks):
    X, y, (Xd, yd) = blocks
    mem = LinearRegression(device="cpu").fit(X, y)
    results = {}
    for workers in (1, 2, 3):
        with connect(local_workers=workers, memory_limit="1GiB") as client:
            st = dask_stats(Xd, yd)
            model = LinearRegression(device="cpu").fit(Xd, yd)
            assert len(client.scheduler_info()["workers"]) == workers
            # The dashboard listens on loopback only, as the scheduler and workers do, not on every interface
            # (its link says 127.0.0.1 either way: the bound sockets are what tell; tornado's TCPServer).
            bound = {sock.getsockname()[0] for sock in client.cluster.scheduler.http_server._sockets.values()}
            assert bound == {"127.0.0.1"}, bound
        results[workers] = (st, model.coef_)
    for workers in (2, 3):  # each block is summarised alike and merged in one fixed order
        assert np.array_equal(np.asarray(results[workers][0].gram), np.asarray(results[1][0].gram))
        np.testing.assert_array_equal(results[workers][1], results[1][1])
    np.testing.assert_allclose(results[2][1], mem.coef_, rtol=1e-10)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals to kill a worker")
def test_a_worker_killed_mid_pass_changes_nothing(blocks):
    _, _, (Xd, yd) = blocks

    def slow(block):  # defined here so the workers receive it by value
        import time as _time

        _time.sleep(0.15)
        return block

    Xs = Xd.map_blocks(slow, dtype=Xd.dtype)
    with connect(local_workers=2, memory_limit="1GiB") as client:
        reference = dask_stats(Xs, yd)
        import threading

        out: dict = {}
        thread = threading.Thread(target=lambda: out.setdefault("stats", dask_stats(Xs, yd)))
        thread.start()
        time.sleep(0.6)  # some blocks done, others running
        pids = client.run(os.getpid)  # worker address → process id
        os.kill(next(iter(pids.values())), signal.SIGKILL)  # dies mid-task; its nanny starts another
        thread.join(timeout=120)
        assert not thread.is_alive()
        assert set(client.run(os.getpid).values()) != set(pids.values())  # the kill did land: a new process
    assert np.array_equal(np.asarray(out["stats"].gram), np.asarray(reference.gram)) and np.array_equal(
        np.asarray(out["stats"].xty), np.asarray(reference.xty)
    )


def test_a_tls_address_connects_with_the_certificates_of_the_dask_config(blocks, monkeypatch):
    """engine.address tls://… uses Dask's own security settings (distributed.comm.tls.*, e.g. from
    ~/.config/dask/*.yaml or DASK_DISTRIBUTED__COMM__TLS__CA_FILE): linreg passes none of its own."""
    pytest.importorskip("cryptography")  # Security.temporary() makes a throwaway CA and certificates
    import dask
    from distributed import LocalCluster
    from distributed.security import Security

    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)
    X, y, (dX, dy) = blocks
    want = LinearRegression(device="cpu").fit(dX, dy)  # the same blocks, in-process
    sec = Security.temporary()
    with LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        processes=False,
        protocol="tls",
        host="127.0.0.1",
        security=sec,
        dashboard_address=None,
    ) as cluster:
        assert cluster.scheduler_address.startswith("tls://127.0.0.1:")
        with pytest.raises(EngineError, match="a TLS scheduler, but Dask's config has no TLS certificates"):
            connect(cluster.scheduler_address, timeout=2)
        tls = {
            "distributed.comm.tls.ca-file": sec.tls_ca_file,
            "distributed.comm.tls.client.cert": sec.tls_client_cert,
            "distributed.comm.tls.client.key": sec.tls_client_key,
        }
        with dask.config.set(tls):
            client = connect(cluster.scheduler_address, timeout=10)
            try:
                assert client.scheduler_info()["address"].startswith("tls://")
                ours = LinearRegression(device="cpu").fit(dX, dy)  # the statistics pass runs over TLS
                np.testing.assert_array_equal(ours.coef_, want.coef_)  # the same bits as in-process
            finally:
                client.close()
