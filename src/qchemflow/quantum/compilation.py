"""Compile VQE circuits to native gate sets of real hardware, route them, and count the cost.

Three target gate sets (keys of :data:`GATE_SETS`), all ``cirq.TwoQubitCompilationTargetGateset``
subclasses (:class:`CachedTwoQubitTargetGateset`) usable with ``cirq.optimize_for_target_gateset``:

- ``cz``: CZ + single-qubit ``cirq.PhasedXZGate`` (superconducting), :class:`CZGateset`: the
  accepted gates and synthesis (``cirq.two_qubit_matrix_to_cz_operations``) of
  ``cirq.CZTargetGateset``.
- ``sqrt_iswap``: ``cirq.SQRT_ISWAP`` + ``PhasedXZGate`` (superconducting),
  :class:`SqrtIswapGateset`: those of ``cirq.SqrtIswapTargetGateset``
  (``cirq.two_qubit_matrix_to_sqrt_iswap_operations``), made exact for CNOT-like blocks (see
  Accuracy).
- ``xx``: Mølmer–Sørensen ``cirq.MSGate`` of any angle + ``PhasedXZGate`` (trapped ions, all to
  all), :class:`MSTargetGateset`: cirq-core has no ion target gateset, so this one synthesises with
  ``cirq.two_qubit_matrix_to_ion_operations``.

Compilation is ``cirq.optimize_for_target_gateset``: gates on more than two qubits (e.g. the
project's ``ExcitationGate``) are expanded with their ``_decompose_``, connected components of
one- and two-qubit gates are merged into two-qubit unitaries (``cirq.merge_k_qubit_unitaries``)
and each is re-synthesised by its KAK decomposition when that needs fewer two-qubit gates. It runs
to a fixed point (``max_num_passes=None``): re-merging the output of a pass finds blocks the pass
did not (the 8-qubit UCCSD's CZ count falls from 1236 after one pass to 1028 after four). The
synthesis of a unitary is cached (UCCSD circuits repeat the same blocks thousands of times: the
12-qubit UCCSD has ~9 000 blocks but ~1 400 distinct unitaries). Then Pauli flips and Z rotations
are pushed through the entangling gates (``cirq.eject_phased_paulis``, ``cirq.eject_z``), runs of
single-qubit gates are merged into one ``PhasedXZGate`` (``cirq.merge_single_qubit_gates_to_phxz``),
operations whose trace-distance bound is at most :data:`NEGLIGIBLE_ATOL` are dropped
(``cirq.drop_negligible_operations``), and operations are packed into their earliest moments
(``cirq.align_left``, ``cirq.drop_empty_moments``): depth is the length of an as-soon-as-possible
schedule.

Accuracy: the CZ and MS syntheses are exact to ~1e-14 per block. Cirq's two-√iSWAP formulas are
ill-conditioned on the boundaries of the Weyl chamber and lose up to ~5e-8 per block there; the
controlled-phase class (CNOT, CZ, ZZ(t): the blocks of UCCSD ladders) is therefore synthesised with
exact inner gates where Cirq's misses (:func:`controlled_phase_class_to_sqrt_iswap`), but SWAP- and
iSWAP-like blocks of routed circuits keep Cirq's ~2e-8 error per block.

Routing (``cz`` and ``sqrt_iswap``) uses ``cirq.RouteCQC`` onto a line or the smallest near-square
grid (see :func:`grid_shape`), from two initial placements (qubits in index order along a path
through the device, and Cirq's default ``cirq.LineInitialMapper``), keeping the one with fewer
SWAPs; the routed circuit, SWAPs included, is compiled again (a SWAP is 3 CZ or 3 √iSWAP, fewer
where it merges with a neighbouring gate on the same pair). ``RouteCQC`` and the initial mappers
have no random state: routing is deterministic, and the ``seed`` arguments do not change the result.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass

import cirq
import networkx as nx
import numpy as np

GATE_SETS = ("cz", "sqrt_iswap", "xx")
"""Keys of the supported native gate sets."""

TOPOLOGIES = ("line", "grid")
"""Device graphs for routing the superconducting gate sets."""

ROUTED_GATE_SETS = ("cz", "sqrt_iswap")
"""Gate sets whose hardware has nearest-neighbour connectivity (``xx`` is all to all)."""

SYNTHESIS_ATOL = 1e-8
"""Absolute error allowed to Cirq's two-qubit syntheses (KAK based), per merged block."""

NEGLIGIBLE_ATOL = 1e-10
"""Operations whose trace-distance bound is at most this are dropped."""

EXACT_ATOL = 1e-12
"""A synthesis this close to its target (entrywise, up to global phase) is taken as exact."""

_PLACEHOLDERS = (cirq.LineQubit(0), cirq.LineQubit(1))  # templates are moved off them at once


def phase_distance(actual: np.ndarray, expected: np.ndarray) -> float:
    """Largest entry of ``actual - e^{i phi} expected`` with the global phase phi that best
    aligns them.

    Args:
        actual: a unitary matrix.
        expected: a unitary matrix of the same shape.

    Returns:
        The distance up to global phase (0 for equal matrices).
    """
    overlap = np.vdot(expected, actual)
    phase = overlap / abs(overlap) if abs(overlap) > 0 else 1.0
    return float(np.max(np.abs(actual - phase * expected)))


def two_qubit_matrix(operations: Sequence[cirq.Operation], q0: cirq.Qid, q1: cirq.Qid
                     ) -> np.ndarray:
    """The 4x4 unitary of one- and two-qubit operations on (q0, q1), q0 the most significant.

    Args:
        operations: operations on q0 and/or q1, in time order.
        q0: first qubit.
        q1: second qubit.

    Returns:
        The product of their unitaries (numpy only: much faster than ``cirq.Circuit.unitary``).
    """
    matrix = np.eye(4, dtype=complex)
    identity = np.eye(2)
    for operation in operations:
        unitary = cirq.unitary(operation)
        if len(operation.qubits) == 2:
            if operation.qubits != (q0, q1):  # reversed: conjugate by SWAP
                unitary = unitary.reshape(2, 2, 2, 2).transpose(1, 0, 3, 2).reshape(4, 4)
        elif operation.qubits == (q0,):
            unitary = np.kron(unitary, identity)
        else:
            unitary = np.kron(identity, unitary)
        matrix = unitary @ matrix
    return matrix


def count_two_qubit(operations: Sequence[cirq.Operation]) -> int:
    """Number of two-qubit operations in a list.

    Args:
        operations: operations.

    Returns:
        How many act on exactly two qubits.
    """
    return sum(1 for operation in operations if len(operation.qubits) == 2)


def controlled_phase_class_to_sqrt_iswap(q0: cirq.Qid, q1: cirq.Qid, unitary: np.ndarray
                                         ) -> list[cirq.Operation] | None:
    """Two √iSWAPs for a unitary locally equivalent to a controlled phase (CNOT, CZ, ZZ(t)).

    Such a unitary has KAK interaction coefficients (x, 0, 0). Cirq's general two-√iSWAP formulas
    (Huang et al., arXiv:2105.06074, Eqs. 4-8) take arccos of arguments that are exactly +-1 there,
    which turns rounding into ~1e-8 errors. With y = z = 0 the inner gates are exact:
    alpha = 0, gamma = pi/2 and beta = 2 arcsin(sqrt(2) sin x), i.e. Rz(-pi) and Rx(-beta) (here
    times X x X, see the code); the outer single-qubit gates come from the KAK decompositions of the
    target and of the core, as in Cirq.

    Args:
        q0: first qubit.
        q1: second qubit.
        unitary: 4x4 unitary matrix.

    Returns:
        PhasedXZ, √iSWAP, PhasedXZ, √iSWAP, PhasedXZ operations equal to ``unitary`` up to global
        phase, or None when the unitary is not of that class (or is local: x = 0).
    """
    kak = cirq.kak_decomposition(unitary)
    x, y, z = kak.interaction_coefficients
    if abs(y) > EXACT_ATOL or abs(z) > EXACT_ATOL or x <= EXACT_ATOL:
        return None
    beta = 2 * np.arcsin(min(1.0, np.sqrt(2) * np.sin(x)))
    # Rz(-pi) x Rx(-beta) times X x X (which commutes with √iSWAP, so the core stays locally
    # equivalent): Y x Rx(pi - beta), a single gate on q0 for a CNOT (beta = pi).
    inner = (cirq.unitary(cirq.Y), cirq.unitary(cirq.rx(np.pi - beta)))
    sqrt_iswap = cirq.unitary(cirq.SQRT_ISWAP)
    core = cirq.kak_decomposition(sqrt_iswap @ np.kron(*inner) @ sqrt_iswap)
    before, after = kak.single_qubit_operations_before, kak.single_qubit_operations_after
    core_before = core.single_qubit_operations_before
    core_after = core.single_qubit_operations_after
    layers = [tuple(c.conj().T @ b for c, b in zip(core_before, before)), inner,
              tuple(a @ c.conj().T for a, c in zip(after, core_after))]
    operations: list[cirq.Operation] = []
    for index, (m0, m1) in enumerate(layers):
        if index:
            operations.append(cirq.SQRT_ISWAP(q0, q1))
        operations += [cirq.PhasedXZGate.from_matrix(m0).on(q0),
                       cirq.PhasedXZGate.from_matrix(m1).on(q1)]
    # Identity layers (the inner gate on q1 for a CNOT) are left out.
    return [operation for operation in operations
            if len(operation.qubits) == 2 or cirq.trace_distance_bound(operation) > EXACT_ATOL]


class CachedTwoQubitTargetGateset(cirq.TwoQubitCompilationTargetGateset):
    """A two-qubit target gateset: one native entangling gate, ``cirq.PhasedXZGate``,
    measurements and global phases, with each two-qubit synthesis cached by unitary.

    Everything but the synthesis is ``cirq.TwoQubitCompilationTargetGateset``'s, as for Cirq's own
    ``cirq.CZTargetGateset`` and ``cirq.SqrtIswapTargetGateset``: expand gates on more than two
    qubits, merge connected one- and two-qubit components, re-synthesise a component when that
    needs fewer two-qubit gates (or it holds a non-native one). Differences from Cirq's classes: an
    instance gate (CZ, √iSWAP) is accepted exactly, not up to global phase (Cirq's check compares
    every non-native gate up to phase, a third of the time of a pass), and the postprocessing drops
    operations at :data:`NEGLIGIBLE_ATOL`.

    UCCSD circuits repeat the same blocks thousands of times (the 12-qubit UCCSD has ~9 000 blocks
    but ~1 400 distinct unitaries), so the cache saves most syntheses.
    """

    def __init__(self, two_qubit_gate: cirq.Gate | type[cirq.Gate], name: str) -> None:
        """Args:
            two_qubit_gate: the native entangling gate (an instance, or a gate type).
            name: the gateset's name.
        """
        family = (cirq.GateFamily(two_qubit_gate, ignore_global_phase=False)
                  if isinstance(two_qubit_gate, cirq.Gate) else cirq.GateFamily(two_qubit_gate))
        super().__init__(family, cirq.PhasedXZGate, cirq.MeasurementGate, cirq.GlobalPhaseGate,
                         name=name)
        self.atol = SYNTHESIS_ATOL
        self.synthesis_cache: dict[bytes, tuple[cirq.Operation, ...]] = {}

    def synthesize(self, q0: cirq.Qid, q1: cirq.Qid, unitary: np.ndarray
                   ) -> Sequence[cirq.Operation]:
        """Native operations implementing ``unitary`` on (q0, q1), up to global phase.

        Args:
            q0: first qubit.
            q1: second qubit.
            unitary: 4x4 unitary matrix.

        Returns:
            Operations of the gateset's entangling gate and single-qubit gates.
        """
        raise NotImplementedError

    def _decompose_two_qubit_operation(self, op: cirq.Operation, _: int) -> cirq.OP_TREE:
        if not cirq.has_unitary(op):
            return NotImplemented
        unitary = cirq.unitary(op)
        # Repeated blocks (same gates, same angles) agree to ~1e-16 and hit; a hit for a matrix
        # up to 5e-13 from the one synthesised adds at most that error.
        key = (np.round(unitary, 12) + 0.0).tobytes()  # + 0.0 maps -0.0 to 0.0
        template = self.synthesis_cache.get(key)
        if template is None:
            template = tuple(self.synthesize(_PLACEHOLDERS[0], _PLACEHOLDERS[1], unitary))
            self.synthesis_cache[key] = template
        mapping: dict[cirq.Qid, cirq.Qid] = {_PLACEHOLDERS[0]: op.qubits[0],
                                             _PLACEHOLDERS[1]: op.qubits[1]}
        return [operation.transform_qubits(mapping) for operation in template]

    @property
    def postprocess_transformers(self) -> list[cirq.TRANSFORMER]:
        """Cirq's: merge single-qubit moments, drop negligible operations and empty moments."""
        return [cirq.create_transformer_with_kwargs(cirq.merge_single_qubit_moments_to_phxz,
                                                    atol=NEGLIGIBLE_ATOL),
                cirq.create_transformer_with_kwargs(cirq.drop_negligible_operations,
                                                    atol=NEGLIGIBLE_ATOL),
                cirq.drop_empty_moments]


class CZGateset(CachedTwoQubitTargetGateset):
    """CZ + ``PhasedXZGate`` (as ``cirq.CZTargetGateset``), by
    ``cirq.two_qubit_matrix_to_cz_operations``: at most 3 CZs per block, 1 for a CNOT."""

    def __init__(self) -> None:
        super().__init__(cirq.CZ, name="CZGateset")

    def synthesize(self, q0: cirq.Qid, q1: cirq.Qid, unitary: np.ndarray
                   ) -> Sequence[cirq.Operation]:
        """``cirq.two_qubit_matrix_to_cz_operations`` (arguments as in the base class)."""
        return cirq.two_qubit_matrix_to_cz_operations(q0, q1, unitary, allow_partial_czs=False,
                                                      atol=self.atol)


class SqrtIswapGateset(CachedTwoQubitTargetGateset):
    """√iSWAP (``cirq.SQRT_ISWAP``) + ``PhasedXZGate`` (as ``cirq.SqrtIswapTargetGateset``): at
    most 3 √iSWAPs per block, 2 for a CNOT."""

    def __init__(self) -> None:
        super().__init__(cirq.SQRT_ISWAP, name="SqrtIswapGateset")

    def synthesize(self, q0: cirq.Qid, q1: cirq.Qid, unitary: np.ndarray
                   ) -> Sequence[cirq.Operation]:
        """``cirq.two_qubit_matrix_to_sqrt_iswap_operations`` (arguments as in the base class),
        unless it misses ``unitary`` by more than :data:`EXACT_ATOL` and
        :func:`controlled_phase_class_to_sqrt_iswap` does better (Cirq's two-√iSWAP formulas lose
        ~1e-8 on CNOT-like blocks)."""
        operations = list(cirq.two_qubit_matrix_to_sqrt_iswap_operations(
            q0, q1, unitary, use_sqrt_iswap_inv=False, atol=self.atol,
            check_preconditions=False, clean_operations=True))
        error = phase_distance(two_qubit_matrix(operations, q0, q1), unitary)
        if error > EXACT_ATOL:  # Cirq's is often exact, with fewer single-qubit gates than ours
            exact = controlled_phase_class_to_sqrt_iswap(q0, q1, unitary)
            if (exact is not None and count_two_qubit(exact) <= count_two_qubit(operations)
                    and phase_distance(two_qubit_matrix(exact, q0, q1), unitary) < error):
                return exact
        return operations


class MSTargetGateset(CachedTwoQubitTargetGateset):
    """Trapped-ion target: Mølmer–Sørensen ``cirq.MSGate`` (any angle) + ``cirq.PhasedXZGate``.

    cirq-core has no ion target gateset; blocks are synthesised by
    ``cirq.two_qubit_matrix_to_ion_operations`` (KAK: one MS per non-zero interaction coefficient,
    so a CNOT is one MS(pi/4), a generic block three partial-angle MS gates).
    """

    def __init__(self) -> None:
        super().__init__(cirq.MSGate, name="MSTargetGateset")

    def synthesize(self, q0: cirq.Qid, q1: cirq.Qid, unitary: np.ndarray
                   ) -> Sequence[cirq.Operation]:
        """``cirq.two_qubit_matrix_to_ion_operations`` (arguments as in the base class)."""
        return cirq.two_qubit_matrix_to_ion_operations(q0, q1, unitary, atol=self.atol)


def target_gateset(gate_set: str) -> CachedTwoQubitTargetGateset:
    """A fresh Cirq target gateset (with an empty synthesis cache) for a gate-set key.

    Args:
        gate_set: one of :data:`GATE_SETS`.

    Returns:
        The gateset to pass to ``cirq.optimize_for_target_gateset``.

    Raises:
        ValueError: ``gate_set`` is not a key of :data:`GATE_SETS`.
    """
    if gate_set == "cz":
        return CZGateset()
    if gate_set == "sqrt_iswap":
        return SqrtIswapGateset()
    if gate_set == "xx":
        return MSTargetGateset()
    raise ValueError(f"unknown gate set {gate_set!r}; expected one of {GATE_SETS}")


def is_native_operation(operation: cirq.Operation, gate_set: str) -> bool:
    """Whether an operation is native to a gate set: a ``PhasedXZGate``, a measurement, a global
    phase, or the gate set's two-qubit gate (CZ, ``cirq.SQRT_ISWAP``, or an ``MSGate``).

    Args:
        operation: the operation to check.
        gate_set: one of :data:`GATE_SETS`.

    Returns:
        True if the gate set's hardware runs it natively.

    Raises:
        ValueError: ``gate_set`` is not a key of :data:`GATE_SETS`.
    """
    if gate_set not in GATE_SETS:
        raise ValueError(f"unknown gate set {gate_set!r}; expected one of {GATE_SETS}")
    gate = operation.gate
    if isinstance(gate, (cirq.PhasedXZGate, cirq.MeasurementGate, cirq.GlobalPhaseGate)):
        return True
    if gate_set == "cz":
        return gate == cirq.CZ
    if gate_set == "sqrt_iswap":
        return gate == cirq.SQRT_ISWAP
    return isinstance(gate, cirq.MSGate)


def _compile_with(circuit: cirq.AbstractCircuit, gateset: cirq.CompilationTargetGateset,
                  max_num_passes: int | None = None) -> cirq.Circuit:
    """optimize_for_target_gateset (to a fixed point by default), eject Paulis and Z rotations,
    merge single-qubit runs, drop negligible operations, pack left."""
    compiled = cirq.optimize_for_target_gateset(circuit, gateset=gateset, ignore_failures=False,
                                                max_num_passes=max_num_passes)
    # Push Pauli flips and Z rotations through the entangling gates as far as they commute
    # (through CZ: a quarter fewer single-qubit gates; nothing moves through √iSWAP or MS).
    compiled = cirq.eject_phased_paulis(compiled, atol=NEGLIGIBLE_ATOL)
    compiled = cirq.eject_z(compiled, atol=NEGLIGIBLE_ATOL)
    compiled = cirq.merge_single_qubit_gates_to_phxz(compiled, atol=NEGLIGIBLE_ATOL)
    compiled = cirq.drop_negligible_operations(compiled, atol=NEGLIGIBLE_ATOL)
    compiled = cirq.align_left(compiled)
    return cirq.drop_empty_moments(compiled)


def _check_resolved(circuit: cirq.AbstractCircuit) -> None:
    """Raise ValueError for a circuit with unresolved symbols."""
    if cirq.is_parameterized(circuit):
        raise ValueError("resolve the circuit's parameters before compiling it")


def compile_circuit(circuit: cirq.Circuit, gate_set: str) -> cirq.Circuit:
    """Compile a resolved circuit to a native gate set (unitary kept up to global phase).

    Args:
        circuit: a circuit without symbols; gates on more than two qubits must be decomposable.
        gate_set: one of :data:`GATE_SETS`.

    Returns:
        An equivalent circuit of ``PhasedXZGate`` s and the gate set's two-qubit gate, with single-
        qubit runs merged, negligible operations dropped and operations in their earliest moments.

    Raises:
        ValueError: unknown ``gate_set``, a parameterised circuit, or an operation Cirq cannot
            convert.
    """
    gateset = target_gateset(gate_set)
    _check_resolved(circuit)
    return _compile_with(circuit, gateset)


def grid_shape(n_qubits: int) -> tuple[int, int]:
    """The smallest near-square grid (rows and columns differ by at most one) with enough nodes.

    ``columns = ceil(sqrt(n))``, ``rows = ceil(n / columns)``: 4 -> 2x2, 6 -> 2x3, 8 -> 3x3,
    12 -> 3x4.

    Args:
        n_qubits: number of qubits to place (at least 1).

    Returns:
        (rows, columns).

    Raises:
        ValueError: ``n_qubits`` < 1.
    """
    if n_qubits < 1:
        raise ValueError("need at least one qubit")
    columns = math.isqrt(n_qubits - 1) + 1
    return -(-n_qubits // columns), columns


def device_graph(topology: str, n_qubits: int) -> nx.Graph:
    """The connectivity graph of a device whose nodes are Cirq qubits.

    Args:
        topology: ``line`` (``cirq.LineQubit`` 0 .. n-1 on ``networkx.path_graph``) or ``grid``
            (``cirq.GridQubit`` on ``networkx.grid_2d_graph`` of :func:`grid_shape`).
        n_qubits: number of logical qubits to fit.

    Returns:
        An undirected ``networkx.Graph``.

    Raises:
        ValueError: unknown ``topology`` or ``n_qubits`` < 1.
    """
    if n_qubits < 1:
        raise ValueError("need at least one qubit")
    if topology == "line":
        path = nx.path_graph(n_qubits)
        return nx.relabel_nodes(path, {node: cirq.LineQubit(node) for node in path.nodes})
    if topology == "grid":
        rows, columns = grid_shape(n_qubits)
        grid = nx.grid_2d_graph(rows, columns)
        return nx.relabel_nodes(grid, {node: cirq.GridQubit(*node) for node in grid.nodes})
    raise ValueError(f"unknown topology {topology!r}; expected one of {TOPOLOGIES}")


def device_path(topology: str, n_qubits: int) -> list[cirq.Qid]:
    """A path through the device visiting the first ``n_qubits`` nodes, each next to the last.

    Args:
        topology: ``line`` (qubits 0, 1, ...) or ``grid`` (rows in a snake: left to right, then
            right to left, ...).
        n_qubits: number of nodes to visit.

    Returns:
        Physical qubits of :func:`device_graph`, consecutive ones adjacent.

    Raises:
        ValueError: unknown ``topology`` or ``n_qubits`` < 1.
    """
    if n_qubits < 1:
        raise ValueError("need at least one qubit")
    if topology == "line":
        return list(cirq.LineQubit.range(n_qubits))
    if topology == "grid":
        rows, columns = grid_shape(n_qubits)
        snake: list[cirq.Qid] = []
        for row in range(rows):
            order = range(columns) if row % 2 == 0 else range(columns - 1, -1, -1)
            snake.extend(cirq.GridQubit(row, column) for column in order)
        return snake[:n_qubits]
    raise ValueError(f"unknown topology {topology!r}; expected one of {TOPOLOGIES}")


PLACEMENTS = ("index_order", "line_initial_mapper")
"""Initial placements tried by the router, in order (the first with the fewest SWAPs wins):
logical qubits in index order along :func:`device_path` (the Jordan-Wigner order, along which
excitation ladders are nearest neighbours), and Cirq's default ``cirq.LineInitialMapper``."""


@dataclass(frozen=True)
class RoutedCircuit:
    """A circuit routed onto a device graph and compiled again.

    Attributes:
        circuit: the routed circuit compiled to the gate set, on the device's qubits.
        swaps: SWAPs ``cirq.RouteCQC`` inserted.
        placement: the initial placement used, one of :data:`PLACEMENTS`.
        router_output: the router's circuit (compiled gates and the inserted SWAPs) before
            compiling again.
        initial_mapping: logical qubit -> physical qubit at the start.
        final_permutation: physical qubit at the start -> physical qubit at the end (where the
            state of that logical qubit ends up), as ``cirq.RouteCQC.route_circuit`` returns it.
    """

    circuit: cirq.Circuit
    swaps: int
    placement: str
    router_output: cirq.Circuit
    initial_mapping: dict[cirq.Qid, cirq.Qid]
    final_permutation: dict[cirq.Qid, cirq.Qid]


def _route_compiled(compiled: cirq.Circuit, topology: str,
                    gateset: cirq.CompilationTargetGateset) -> RoutedCircuit:
    """Route a compiled circuit with RouteCQC from each placement, keep the one with the fewest
    SWAPs, compile it again."""
    qubits = sorted(compiled.all_qubits())
    graph = device_graph(topology, len(qubits))
    router = cirq.RouteCQC(graph)
    mappers: dict[str, cirq.AbstractInitialMapper] = {
        "index_order": cirq.HardCodedInitialMapper(
            dict(zip(qubits, device_path(topology, len(qubits))))),
        "line_initial_mapper": cirq.LineInitialMapper(graph)}
    best: RoutedCircuit | None = None
    for placement in PLACEMENTS:
        routed, initial_mapping, final_permutation = router.route_circuit(
            compiled, tag_inserted_swaps=True, initial_mapper=mappers[placement])
        swaps = sum(1 for operation in routed.all_operations()
                    if cirq.RoutingSwapTag() in operation.tags)
        if best is None or swaps < best.swaps:
            best = RoutedCircuit(cirq.Circuit(), swaps, placement, cirq.Circuit(routed.untagged),
                                 dict(initial_mapping), dict(final_permutation))
    assert best is not None
    # One pass: the router's output is the unrouted fixed point plus SWAPs, and the pass merges
    # each SWAP into its neighbours' blocks (more passes changed no count on the 8- and 12-qubit
    # UCCSD, and each costs as much as the first).
    return dataclasses.replace(best, circuit=_compile_with(best.router_output, gateset,
                                                           max_num_passes=1))


def route_with_mapping(circuit: cirq.Circuit, topology: str, gate_set: str, seed: int
                       ) -> RoutedCircuit:
    """Compile, route onto a line or grid with ``cirq.RouteCQC``, and compile again.

    Args:
        circuit: a resolved circuit (as for :func:`compile_circuit`).
        topology: ``line`` or ``grid`` (see :func:`device_graph`).
        gate_set: ``cz`` or ``sqrt_iswap`` (``xx`` hardware is all to all: nothing to route).
        seed: kept for a stable interface; ``cirq.RouteCQC`` and ``cirq.LineInitialMapper`` are
            deterministic and take no random state, so every seed gives the same result.

    Returns:
        The routed circuit, its SWAP count and the qubit mappings.

    Raises:
        ValueError: unknown or unroutable ``gate_set`` (``xx``), unknown ``topology``, or a circuit
            that :func:`compile_circuit` rejects.
    """
    del seed  # RouteCQC has no random state (see the docstring).
    if gate_set not in ROUTED_GATE_SETS:
        raise ValueError(f"gate set {gate_set!r} is not routed; expected one of {ROUTED_GATE_SETS}")
    if topology not in TOPOLOGIES:
        raise ValueError(f"unknown topology {topology!r}; expected one of {TOPOLOGIES}")
    _check_resolved(circuit)
    gateset = target_gateset(gate_set)
    return _route_compiled(_compile_with(circuit, gateset), topology, gateset)


def route_circuit(circuit: cirq.Circuit, topology: str, gate_set: str, seed: int
                  ) -> tuple[cirq.Circuit, int]:
    """Compile, route onto a line or grid with ``cirq.RouteCQC``, and compile again.

    Args:
        circuit: a resolved circuit (as for :func:`compile_circuit`).
        topology: ``line`` or ``grid`` (see :func:`device_graph`).
        gate_set: ``cz`` or ``sqrt_iswap``.
        seed: no effect (routing is deterministic; see :func:`route_with_mapping`).

    Returns:
        The routed circuit in the gate set, on the device's qubits, and the number of SWAPs the
        router inserted.

    Raises:
        ValueError: as :func:`route_with_mapping`.
    """
    routed = route_with_mapping(circuit, topology, gate_set, seed)
    return routed.circuit, routed.swaps


@dataclass(frozen=True)
class GateTimes:
    """Durations of native operations on some hardware, in seconds.

    Attributes:
        single_qubit_s: one single-qubit gate.
        two_qubit_s: one two-qubit gate.
        readout_s: one measurement of all qubits (in parallel).
    """

    single_qubit_s: float
    two_qubit_s: float
    readout_s: float

    def __post_init__(self) -> None:
        if min(self.single_qubit_s, self.two_qubit_s, self.readout_s) < 0:
            raise ValueError("gate times must be non-negative")


def circuit_duration(circuit: cirq.Circuit, gate_times: GateTimes) -> float:
    """Wall time of one execution: moments run one after another, each as long as its slowest
    operation, then one readout.

    Measurements in the circuit last ``readout_s`` each moment they occur, and then no final
    readout is added; zero-qubit operations (global phases) take no time.

    Args:
        circuit: the circuit as scheduled (its moments are kept as they are).
        gate_times: durations of the native operations.

    Returns:
        Seconds.

    Raises:
        ValueError: an operation on three or more qubits that is not a measurement.
    """
    total = 0.0
    measured = False
    for moment in circuit:
        slowest = 0.0
        for operation in moment:
            if cirq.is_measurement(operation):
                measured = True
                duration = gate_times.readout_s
            elif len(operation.qubits) == 0:
                duration = 0.0
            elif len(operation.qubits) == 1:
                duration = gate_times.single_qubit_s
            elif len(operation.qubits) == 2:
                duration = gate_times.two_qubit_s
            else:
                raise ValueError(f"no native duration for {operation}: compile the circuit first")
            slowest = max(slowest, duration)
        total += slowest
    return total if measured else total + gate_times.readout_s


def count_gates(circuit: cirq.Circuit) -> tuple[int, int, int]:
    """Two-qubit operations, single-qubit operations, and moments holding a two-qubit operation.

    Args:
        circuit: any circuit.

    Returns:
        (two-qubit gates, single-qubit gates, two-qubit depth).
    """
    two = sum(1 for operation in circuit.all_operations() if len(operation.qubits) == 2)
    one = sum(1 for operation in circuit.all_operations() if len(operation.qubits) == 1)
    depth = sum(1 for moment in circuit if any(len(op.qubits) == 2 for op in moment))
    return two, one, depth


@dataclass(frozen=True)
class CompiledCircuit:
    """What one circuit needs on one gate set's hardware.

    Attributes:
        gate_set: key in :data:`GATE_SETS`.
        n_qubits: qubits the circuit acts on.
        two_qubit_gates: native two-qubit gates, unrouted (all-to-all connectivity).
        single_qubit_gates: single-qubit gates after merging, unrouted.
        depth: moments of the unrouted compiled circuit (as soon as possible).
        two_qubit_depth: moments holding a two-qubit gate, unrouted.
        swaps_line: SWAPs ``cirq.RouteCQC`` inserts on a line (None for ``xx``).
        swaps_grid: SWAPs on the grid of ``grid_shape`` (None for ``xx``).
        two_qubit_gates_line: two-qubit gates of the line-routed, recompiled circuit.
        two_qubit_gates_grid: two-qubit gates of the grid-routed, recompiled circuit.
        depth_line: moments of the line-routed circuit.
        depth_grid: moments of the grid-routed circuit.
        duration_s: estimated time of one execution on the hardware: of the grid-routed circuit
            for ``cz`` and ``sqrt_iswap``, of the unrouted circuit for ``xx`` (all to all).
        duration_unrouted_s: the same for the unrouted circuit (every gate set).
        grid_shape: (rows, columns) of the routing grid (None for ``xx``).
    """

    gate_set: str
    n_qubits: int
    two_qubit_gates: int
    single_qubit_gates: int
    depth: int
    two_qubit_depth: int
    swaps_line: int | None
    swaps_grid: int | None
    two_qubit_gates_line: int | None
    two_qubit_gates_grid: int | None
    depth_line: int | None
    depth_grid: int | None
    duration_s: float
    duration_unrouted_s: float
    grid_shape: tuple[int, int] | None


def compile_for_hardware(circuit: cirq.Circuit, gate_set: str, gate_times: GateTimes,
                         seed: int) -> CompiledCircuit:
    """Compile a circuit to a gate set, route it where the hardware needs it, and count.

    Args:
        circuit: a resolved circuit (as for :func:`compile_circuit`).
        gate_set: one of :data:`GATE_SETS`.
        gate_times: durations of the native operations.
        seed: no effect (compilation and routing are deterministic; see
            :func:`route_with_mapping`).

    Returns:
        Gate counts, depths, SWAPs and duration.

    Raises:
        ValueError: unknown ``gate_set`` or a circuit :func:`compile_circuit` rejects.
    """
    del seed  # nothing random: see route_with_mapping
    gateset = target_gateset(gate_set)  # one synthesis cache for the three compilations
    _check_resolved(circuit)
    compiled = _compile_with(circuit, gateset)
    two, one, two_depth = count_gates(compiled)
    unrouted_duration = circuit_duration(compiled, gate_times)
    n_qubits = len(compiled.all_qubits())
    if gate_set not in ROUTED_GATE_SETS:
        return CompiledCircuit(gate_set, n_qubits, two, one, len(compiled), two_depth, None, None,
                               None, None, None, None, unrouted_duration, unrouted_duration,
                               None)
    line = _route_compiled(compiled, "line", gateset)
    grid = _route_compiled(compiled, "grid", gateset)
    return CompiledCircuit(gate_set, n_qubits, two, one, len(compiled), two_depth, line.swaps,
                           grid.swaps, count_gates(line.circuit)[0], count_gates(grid.circuit)[0],
                           len(line.circuit), len(grid.circuit),
                           circuit_duration(grid.circuit, gate_times), unrouted_duration,
                           grid_shape(n_qubits))
