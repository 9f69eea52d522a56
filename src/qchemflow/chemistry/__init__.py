"""Classical chemistry: molecule table, geometry, SCF, active space and reference methods.
Imports only :mod:`qchemflow.core`.
"""
