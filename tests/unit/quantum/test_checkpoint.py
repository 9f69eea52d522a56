"""VQE checkpoints: a run killed after a checkpoint and resumed ends bit for bit where an
uninterrupted run ends (an identity: the optimisers are deterministic given the evaluations)."""

import numpy as np
import pytest

from qchemflow.quantum.checkpoint import EvaluationLog
from qchemflow.quantum.vqe import run_vqe

from conftest import BY_HAND, RUN, chain_terms, hydrogen_chain, vqe_settings


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


def kill_after_saves(chain, settings, path, key, every, saves):
    """Run the VQE until it has saved ``saves`` checkpoints, then stop it as SIGKILL would."""
    with pytest.raises(Killed):
        vqe(chain, settings, KilledAfter(path, key, every, saves))


def vqe(terms, settings, log):
    return run_vqe(terms, "jordan_wigner", 4, 2, 2, settings, RUN, log)


SAME = ("energy", "iterations", "energy_evaluations", "gradient_evaluations", "trace",
        "gradient_max_abs", "n_parameters")


@pytest.mark.parametrize("settings, every", [
    (vqe_settings(layers=2), 3),
    (vqe_settings(ansatz="adapt", optimizer="BFGS", adapt_gradient_norm=1e-2), 2),
], ids=["uccsd-2-layers", "adapt"])
def test_resumed_run_equals_uninterrupted_run(tmp_path, chain, settings, every):
    uninterrupted = vqe(chain, settings, None)
    path = tmp_path / "vqe.checkpoint.npz"
    kill_after_saves(chain, settings, path, "key", every, 2)
    with np.load(path, allow_pickle=False) as stored:  # plain arrays, no pickled objects
        saved = stored["energies"].size
    assert saved > 0
    CountingLog.simulated = 0
    resumed_log = CountingLog(path, "key", every)
    resumed = vqe(chain, settings, resumed_log)
    assert resumed_log.loaded == saved and resumed_log.replayed == saved
    assert resumed_log.verified >= 1  # the first replayed value of an optimisation is recomputed
    assert resumed["checkpoint"]["resumed_evaluations"] == saved
    assert CountingLog.simulated == uninterrupted["gradient_evaluations"] - saved
    for key in SAME:
        assert resumed[key] == uninterrupted[key], key
    assert np.array_equal(resumed["parameters"], uninterrupted["parameters"])


def test_checkpoint_of_other_settings_is_ignored(tmp_path, chain):
    settings = vqe_settings()
    path = tmp_path / "vqe.checkpoint.npz"
    kill_after_saves(chain, settings, path, "first", 1, 3)
    other = EvaluationLog(path, "second", 1)
    assert other.loaded == 0
    result = vqe(chain, settings, other)
    assert result["checkpoint"]["resumed_evaluations"] == 0
    assert result["energy"] == vqe(chain, settings, None)["energy"]


def test_diverging_replay_computes_from_where_it_diverges(tmp_path, chain):
    # A checkpoint whose recorded parameters differ from what the optimiser asks for (as after a
    # change of code) is used only up to the first difference.
    settings = vqe_settings()
    path = tmp_path / "vqe.checkpoint.npz"
    kill_after_saves(chain, settings, path, "key", 1, 4)
    log = EvaluationLog(path, "key", 1)
    log.parameters[2] = log.parameters[2] + 1e-3
    result = vqe(chain, settings, log)
    assert result["checkpoint"]["resumed_evaluations"] == 2
    assert result["energy"] == vqe(chain, settings, None)["energy"]


def test_checkpoint_is_removed_when_the_stage_finishes(tmp_path):
    from conftest import run_stages

    (tmp_path / "h2.xyz").write_text("2\nH2\nH 0 0 0\nH 0 0 0.7414\n")
    run_stages(tmp_path, "h2", xyz=str(tmp_path / "h2.xyz"), methods=("hf", "casci"))
    from qchemflow.pipeline import stages
    from qchemflow.quantum.settings import QubitSettings

    out = tmp_path / "h2"
    stages.qubits_stage(out / "active_space.json", out / "hamiltonian.fcidump",
                        QubitSettings("jordan_wigner", False), RUN, BY_HAND,
                        out / "qubit_hamiltonian.json")
    record = stages.vqe_stage(out / "qubit_hamiltonian.json", out / "hamiltonian.fcidump",
                              vqe_settings(), RUN, BY_HAND, out / "vqe.json",
                              out / "vqe.checkpoint.npz", 1)
    assert record["status"] == "ok" and (out / "vqe.json").is_file()
    assert not (out / "vqe.checkpoint.npz").exists()


@pytest.mark.parametrize("content", [
    b"not a checkpoint",
    b"",
    b"PK\x03\x04 damaged zip",
    "npy",  # a single array, not an archive
    "object",  # an .npz holding a pickled object array: never unpickled
])
def test_unreadable_checkpoint_is_ignored(tmp_path, chain, content):
    path = tmp_path / "vqe.checkpoint.npz"
    if content == "npy":
        with open(path, "wb") as stream:
            np.save(stream, np.zeros(3))
    elif content == "object":
        with open(path, "wb") as stream:
            np.savez(stream, key=np.array("key"), lengths=np.array([object()], dtype=object),
                     parameters=np.zeros(1), gradients=np.zeros(1), energies=np.zeros(1))
    else:
        path.write_bytes(content)
    log = EvaluationLog(path, "key", 1)
    assert log.loaded == 0
    assert vqe(chain, vqe_settings(), log)["checkpoint"]["resumed_evaluations"] == 0


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


def test_changed_code_is_detected_and_the_checkpoint_dropped(tmp_path, chain):
    # Values recorded by other code (here: a tampered first energy) are caught by recomputing the
    # first evaluation of the optimisation; nothing from the checkpoint is used.
    settings = vqe_settings()
    path = tmp_path / "vqe.checkpoint.npz"
    kill_after_saves(chain, settings, path, "key", 1, 4)
    log = EvaluationLog(path, "key", 1)
    log.energies[0] += 1e-12
    result = vqe(chain, settings, log)
    assert log.verified == 1 and result["checkpoint"]["resumed_evaluations"] == 0
    uninterrupted = vqe(chain, settings, None)
    for key in SAME:
        assert result[key] == uninterrupted[key], key


def test_no_checkpoint_when_every_is_zero(tmp_path, chain):
    path = tmp_path / "vqe.checkpoint.npz"
    kill_after_saves(chain, vqe_settings(), path, "key", 1, 2)
    log = EvaluationLog(path, "key", 0)
    assert log.path is None and log.loaded == 0
    vqe(chain, vqe_settings(), log)
    assert log.energies == []  # nothing kept in memory either


def test_remove_deletes_leftover_temporary_files(tmp_path):
    path = tmp_path / "vqe.checkpoint.npz"
    path.write_bytes(b"x")
    (tmp_path / ".vqe.checkpoint.npz.abc123").write_bytes(b"half")
    (tmp_path / "vqe.json").write_text("{}")
    EvaluationLog(path, "key", 1).remove()
    assert sorted(item.name for item in tmp_path.iterdir()) == ["vqe.json"]
