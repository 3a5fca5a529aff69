"""retry_finer: the one place that retries a transient whose time step collapsed."""

import pytest

from pyspice_flows.sim.session import SimulationError, retry_finer


def _collapse() -> SimulationError:
    return SimulationError(
        "ngspice failed during .tran",
        [
            'doAnalyses: TRAN:  Timestep too small; time = 1.7e-08, timestep = 6.25e-22: trouble with node "s0"'
        ],
    )


def test_a_collapsed_step_is_retried_finer_until_it_passes():
    caps = []

    def attempt(max_step):
        caps.append(max_step)
        if len(caps) < 3:
            raise _collapse()
        return "waveforms"

    assert retry_finer(attempt, 1e-9, (1, 4, 16)) == "waveforms"
    assert caps == pytest.approx([1e-9, 0.25e-9, 1e-9 / 16])


def test_another_failure_is_not_retried():
    caps = []

    def attempt(max_step):
        caps.append(max_step)
        raise SimulationError("no convergence", ["singular matrix"])

    with pytest.raises(SimulationError, match="singular matrix"):
        retry_finer(attempt, 1e-9)
    assert caps == [1e-9]


def test_the_last_collapse_is_raised_and_bad_divisors_refused():
    def attempt(_max_step):
        raise _collapse()

    with pytest.raises(SimulationError) as err:
        retry_finer(attempt, 1e-9, (1, 4))
    assert err.value.step_collapsed
    for bad in ((), (0,), (1, 2.5), (True,)):
        with pytest.raises(ValueError, match="divisors"):
            retry_finer(attempt, 1e-9, bad)


@pytest.mark.parametrize("kind", ["ngspice", "vacask"])
def test_a_simulation_error_crosses_a_process_boundary_whole(kind):
    """A worker's failure reaches the parent with its summary, ngspice's lines and the
    netlist (unpickling used to fail, and the pool then reported a broken process)."""
    import pickle

    from pyspice_flows.sim.vacask import VacaskError

    cls = SimulationError if kind == "ngspice" else VacaskError
    err = cls("transient failed", ["Timestep too small 1e-18"], "* netlist\n.end")
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is cls and str(back) == str(err)
    assert back.ngspice_messages == err.ngspice_messages and back.netlist == err.netlist
    assert back.step_collapsed
