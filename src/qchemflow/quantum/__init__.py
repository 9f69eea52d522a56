"""The quantum half: sector and Pauli arrays, qubit Hamiltonian, ansätze, circuits, simulator,
VQE, ADAPT and checkpoints. Imports only :mod:`qchemflow.core`; never reads classical references.
"""
