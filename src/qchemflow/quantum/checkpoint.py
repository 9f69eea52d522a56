"""VQE checkpoints: every energy-and-gradient evaluation, saved every few iterations.

The optimisers (SciPy's L-BFGS-B and BFGS, ADAPT's growth) are deterministic functions of the
energies and gradients they are given. A checkpoint therefore stores the evaluations themselves:
the parameters asked for, the energy and the gradient returned, in order. A rerun replays them:
while the optimiser asks for exactly (bit for bit) the recorded parameters it gets the recorded
values without simulating, so it rebuilds its own state (the L-BFGS memory, the line search,
the parameters) exactly where the killed run left it and then goes on computing. The resumed run
therefore ends with the same numbers as an uninterrupted one.

Matching parameters alone cannot tell that the code computing the energies has changed (the first
parameters are zeros, and replayed gradients steer the optimiser onto the recorded points). So
the first evaluation of every optimisation (every layer, every ADAPT step) is computed again and
must equal the recorded one bit for bit; if it does not, the rest of the checkpoint is dropped.

The file is NumPy's ``.npz`` (numbers and one text key, read with ``allow_pickle=False``),
written atomically. A checkpoint made for another Hamiltonian or other settings (its ``key``
differs) is ignored. Saving rewrites the whole history, so when saves grow expensive they are
spaced out: at most ``MAX_SAVING_SHARE`` of the run's time goes to writing checkpoints.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Protocol

import numpy as np

from qchemflow.core.files import remove_with_leftovers, write_file_atomic

logger = logging.getLogger(__name__)
MAX_SAVING_SHARE = 0.1


class Evaluated(Protocol):
    """What the log needs of a simulator: the evaluation and its two counters."""

    energy_evaluations: int
    gradient_evaluations: int

    def energy_and_gradient(self, parameters: np.ndarray) -> tuple[float, np.ndarray]: ...


class EvaluationLog:
    """The evaluations of one VQE run, replayed from a checkpoint and saved to it.

    Args:
        path: the checkpoint file, or None for no checkpoint.
        key: identifies the Hamiltonian and settings; a checkpoint with another key is ignored.
        every: save after every ``every`` optimiser iterations (0: no checkpoint at all).
    """

    def __init__(self, path: str | Path | None, key: str, every: int) -> None:
        self.path = None if path is None or every <= 0 else Path(path)
        self.key = key
        self.every = every
        self.parameters: list[np.ndarray] = []
        self.energies: list[float] = []
        self.gradients: list[np.ndarray] = []
        self.position = 0
        self.replayed = 0
        self.verified = 0
        self.verify_next = False
        self.iterations = 0
        self.saved_at = 0
        self.last_save_end = time.perf_counter()
        self.last_save_seconds = 0.0
        self.max_saving_share = MAX_SAVING_SHARE
        if self.path is not None and self.path.is_file():
            self._load(self.path)
        self.loaded = len(self.energies)

    def _load(self, path: Path) -> None:
        """Read a checkpoint; one that cannot be read (damaged, foreign, pickled objects) or was
        made for something else is ignored, and the run starts over."""
        try:
            stored = np.load(path, allow_pickle=False)
            if not isinstance(stored, np.lib.npyio.NpzFile):
                return
            with stored:
                if str(stored["key"]) != self.key:
                    return
                lengths = np.asarray(stored["lengths"], dtype=np.int64).reshape(-1)
                offsets = np.concatenate([[0], np.cumsum(lengths)])
                parameters = np.asarray(stored["parameters"], dtype=float).reshape(-1)
                gradients = np.asarray(stored["gradients"], dtype=float).reshape(-1)
                energies = [float(energy) for energy in np.asarray(stored["energies"]).reshape(-1)]
        except Exception:  # whatever is wrong with the file, it is not a usable checkpoint
            return
        if not (lengths.size == len(energies) and offsets[-1] == parameters.size == gradients.size
                and np.all(lengths >= 0)):
            return
        for index in range(lengths.size):
            part = slice(int(offsets[index]), int(offsets[index + 1]))
            self.parameters.append(parameters[part].copy())
            self.gradients.append(gradients[part].copy())
        self.energies = energies

    def start_optimisation(self) -> None:
        """An optimisation (a layer, an ADAPT step) begins: verify its first replayed value."""
        self.verify_next = True

    def evaluate(self, simulator: Evaluated, parameters: np.ndarray) -> tuple[float, np.ndarray]:
        """Energy and gradient at ``parameters``: replayed when recorded here, else simulated."""
        verify, self.verify_next = self.verify_next, False
        if self.position < len(self.energies):
            recorded = self.parameters[self.position]
            if recorded.shape == parameters.shape and np.array_equal(recorded, parameters):
                energy, gradient = self.energies[self.position], self.gradients[self.position]
                if verify:
                    computed = simulator.energy_and_gradient(parameters)
                    self.verified += 1
                    if computed[0] != energy or not np.array_equal(computed[1], gradient):
                        self._forget_from(self.position)  # other code or choices: recompute
                        return self._record(parameters, *computed)
                else:
                    simulator.energy_evaluations += 1
                    simulator.gradient_evaluations += 1
                self.position += 1
                self.replayed += 1
                return energy, gradient.copy()
            self._forget_from(self.position)  # the run went another way: compute from here on
        return self._record(parameters, *simulator.energy_and_gradient(parameters))

    def _record(self, parameters: np.ndarray, energy: float, gradient: np.ndarray
                ) -> tuple[float, np.ndarray]:
        if self.path is not None:  # without a checkpoint file there is nothing to keep
            self.parameters.append(np.array(parameters, dtype=float))
            self.energies.append(energy)
            self.gradients.append(np.array(gradient, dtype=float))
            self.position += 1
        return energy, gradient

    def _forget_from(self, index: int) -> None:
        del self.parameters[index:], self.energies[index:], self.gradients[index:]

    def iteration_done(self) -> None:
        """Count an optimiser iteration; save every ``every`` iterations once past the replay,
        unless the last save took more than ``MAX_SAVING_SHARE`` of the time since."""
        self.iterations += 1
        replaying = self.position < len(self.energies)
        since_save = time.perf_counter() - self.last_save_end
        if (self.path is not None and not replaying
                and self.iterations - self.saved_at >= self.every
                and self.last_save_seconds <= self.max_saving_share * since_save):
            self.save()

    def save(self) -> None:
        """Write the checkpoint atomically (evaluations up to the current one)."""
        if self.path is None:
            return
        path = self.path
        count = self.position
        lengths = np.array([vector.size for vector in self.parameters[:count]], dtype=np.int64)
        arrays = {
            "key": np.array(self.key),
            "lengths": lengths,
            "parameters": np.concatenate(self.parameters[:count]) if count else np.zeros(0),
            "gradients": np.concatenate(self.gradients[:count]) if count else np.zeros(0),
            "energies": np.array(self.energies[:count], dtype=float),
        }

        def write(temporary: str) -> None:
            with open(temporary, "wb") as stream:  # a stream: savez would append ".npz" to a name
                np.savez(stream, **arrays)  # type: ignore[arg-type]

        start = time.perf_counter()
        try:
            write_file_atomic(path, write)
        except OSError as error:  # a full disk costs the checkpoint, not the VQE
            logger.warning("VQE checkpoint not saved: %s", error)
        self.saved_at = self.iterations
        self.last_save_end = time.perf_counter()
        self.last_save_seconds = self.last_save_end - start

    def remove(self) -> None:
        """Delete the checkpoint and any temporary file a killed save left (the run finished and
        its result is written)."""
        if self.path is not None:
            remove_with_leftovers(self.path)
