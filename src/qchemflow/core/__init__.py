"""Foundations every layer uses: errors, units, atomic files, result records, provenance,
settings and memory guards. Imports nothing of qchemflow above it.
"""
