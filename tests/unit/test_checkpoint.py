"""VQE checkpoints: a run killed after a checkpoint and resumed ends bit for bit where an
uninterrupted run ends (an identity: the optimisers are deterministic given the evaluations)."""

import numpy as np
import pytest

from qchemflow.checkpoint import EvaluationLog
from qchemflow.vqe import VQESettings, run_vqe

from conftest import chain_terms, hydrogen_chain


class Killed(Exception):
    """Stands for SIGKILL: the run stops right after a checkpoint was saved."""


class KilledAfter(EvaluationLog):
    def __init__(self, path, key, every, kill_after_saves):
        super().__init__(path, key, every)
        self.kill_after_saves = kill_after_saves
        self.max_saving_share = float("inf")  # save at every chance, however fast the iterations

    def save(self):
        super().save()
        self.kill_after_saves -= 1
        if self.kill_after_saves == 0:
            raise Killed


class CountingLog(EvaluationLog):
    """Counts the evaluations that were simulated rather than replayed."""

    simulated = 0

    def evaluate(self, simulator, parameters):
        before = simulator.gradient_evaluations, self.replayed
        result = super().evaluate(simulator, parameters)
        if self.replayed == before[1]:
            CountingLog.simulated += 1
        return result


@pytest.fixture(scope="module")
def chain():
    h1, h2, core, _ = hydrogen_chain(4, 1.5)  # H4, 8 qubits
    return chain_terms(h1, h2, core)


def vqe(terms, settings, log):
    return run_vqe(terms, "jordan_wigner", 4, 2, 2, settings, 4000, log)


SAME = ("energy", "iterations", "energy_evaluations", "gradient_evaluations", "trace",
        "gradient_max_abs", "n_parameters")


@pytest.mark.parametrize("settings", [
    VQESettings(layers=2, checkpoint_every=3),
    VQESettings(ansatz="adapt", optimizer="BFGS", adapt_gradient_norm=1e-2, checkpoint_every=2),
], ids=["uccsd-2-layers", "adapt"])
def test_resumed_run_equals_uninterrupted_run(tmp_path, chain, settings):
    uninterrupted = vqe(chain, settings, None)
    path = tmp_path / "vqe.checkpoint.npz"
    with pytest.raises(Killed):
        vqe(chain, settings, KilledAfter(path, "key", settings.checkpoint_every, 2))
    with np.load(path, allow_pickle=False) as stored:  # plain arrays, no pickled objects
        saved = stored["energies"].size
    assert saved > 0
    CountingLog.simulated = 0
    resumed_log = CountingLog(path, "key", settings.checkpoint_every)
    resumed = vqe(chain, settings, resumed_log)
    assert resumed_log.loaded == saved and resumed_log.replayed == saved
    assert resumed["checkpoint"]["resumed_evaluations"] == saved
    assert CountingLog.simulated == uninterrupted["gradient_evaluations"] - saved
    for key in SAME:
        assert resumed[key] == uninterrupted[key], key
    assert np.array_equal(resumed["parameters"], uninterrupted["parameters"])


def test_checkpoint_of_other_settings_is_ignored(tmp_path, chain):
    settings = VQESettings(checkpoint_every=1)
    path = tmp_path / "vqe.checkpoint.npz"
    with pytest.raises(Killed):
        vqe(chain, settings, KilledAfter(path, "first", 1, 3))
    other = EvaluationLog(path, "second", 1)
    assert other.loaded == 0
    result = vqe(chain, settings, other)
    assert result["checkpoint"]["resumed_evaluations"] == 0
    assert result["energy"] == vqe(chain, settings, None)["energy"]


def test_diverging_replay_computes_from_where_it_diverges(tmp_path, chain):
    # A checkpoint whose recorded parameters differ from what the optimiser asks for (as after a
    # change of code) is used only up to the first difference.
    settings = VQESettings(checkpoint_every=1)
    path = tmp_path / "vqe.checkpoint.npz"
    with pytest.raises(Killed):
        vqe(chain, settings, KilledAfter(path, "key", 1, 4))
    log = EvaluationLog(path, "key", 1)
    log.parameters[2] = log.parameters[2] + 1e-3
    result = vqe(chain, settings, log)
    assert result["checkpoint"]["resumed_evaluations"] == 2
    assert result["energy"] == vqe(chain, settings, None)["energy"]


def test_checkpoint_is_removed_when_the_stage_finishes(tmp_path):
    from conftest import run_stages

    (tmp_path / "h2.xyz").write_text("2\nH2\nH 0 0 0\nH 0 0 0.7414\n")
    run_stages(tmp_path, "h2", xyz=str(tmp_path / "h2.xyz"), methods=("hf", "casci"))
    from qchemflow import stages

    out = tmp_path / "h2"
    stages.qubits_stage(out / "active_space.json", out / "hamiltonian.fcidump", "jordan_wigner",
                        out / "qubit_hamiltonian.json")
    record = stages.vqe_stage(out / "qubit_hamiltonian.json", out / "references.json",
                              VQESettings(checkpoint_every=1), 4000, out / "vqe.json",
                              out / "vqe.checkpoint.npz")
    assert record["status"] == "ok" and (out / "vqe.json").is_file()
    assert not (out / "vqe.checkpoint.npz").exists()


@pytest.mark.parametrize("content", [
    b"not a checkpoint",
    b"PK\x03\x04 damaged zip",
    "object",  # an .npz holding a pickled object array: never unpickled
])
def test_unreadable_checkpoint_is_ignored(tmp_path, chain, content):
    path = tmp_path / "vqe.checkpoint.npz"
    if content == "object":
        with open(path, "wb") as stream:
            np.savez(stream, key=np.array("key"), lengths=np.array([object()], dtype=object),
                     parameters=np.zeros(1), gradients=np.zeros(1), energies=np.zeros(1))
    else:
        path.write_bytes(content)
    log = EvaluationLog(path, "key", 1)
    assert log.loaded == 0
    assert vqe(chain, VQESettings(), log)["checkpoint"]["resumed_evaluations"] == 0


def test_expensive_saves_are_spaced_out(tmp_path):
    # A save that took longer than a tenth of the time since the last one is put off.
    path = tmp_path / "vqe.checkpoint.npz"
    log = EvaluationLog(path, "key", 1)
    log.last_save_seconds = 3600.0
    log.iteration_done()
    assert not path.exists()
    log.last_save_seconds = 0.0
    log.iteration_done()
    assert path.exists()
