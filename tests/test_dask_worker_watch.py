"""A Dask run whose scheduler loses every worker ends with one clear error instead of
hanging (issue 23: the sweep's Dask loop had no guard for "every worker gone"; one CI run
hung there).  A real scheduler and worker on 127.0.0.1 (``distributed.LocalCluster``,
worker processes); the worker is retired while its task runs."""

import time

import distributed
import pytest

from pyspice_flows.app.tasks import NoWorkerError, WorkerWatch


@pytest.fixture()
def cluster():
    with (
        distributed.LocalCluster(
            n_workers=1,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as local,
        distributed.Client(local) as client,
    ):
        yield local, client


def test_a_finished_task_is_returned_while_workers_are_there(cluster):
    _, client = cluster
    fast, slow = client.submit(sum, [1, 2]), client.submit(time.sleep, 30)
    watch = WorkerWatch(client, no_worker_s=5.0, poll_s=0.2)
    assert watch.first_done([slow, fast]) == [fast] and fast.result() == 3
    slow.cancel()


def test_no_worker_left_ends_the_wait_with_an_error_naming_the_scheduler(cluster):
    local, client = cluster
    job = client.submit(time.sleep, 60, pure=False)
    client.wait_for_workers(1)
    while job.status == "pending" and not client.processing()[next(iter(client.nthreads()))]:
        time.sleep(0.05)
    client.retire_workers(list(client.nthreads()), close_workers=True, remove=True)
    local.scale(0)
    watch = WorkerWatch(client, no_worker_s=1.0, poll_s=0.2)
    t0 = time.monotonic()
    with pytest.raises(RuntimeError) as err:
        watch.first_done([job])
    assert time.monotonic() - t0 < 30.0
    message = str(err.value)
    assert "no worker for 1 s" in message and local.scheduler_address in message
    assert "1 task(s) outstanding" in message
    # fetching the result is guarded the same way (a future that wait() saw finish can need
    # its task again when its worker leaves before the fetch; a CI run hung in result())
    t0 = time.monotonic()
    with pytest.raises(NoWorkerError, match="no worker for 1 s"):
        watch.result(job)
    assert time.monotonic() - t0 < 30.0
