"""Comparisons across the records: summary table and report. Reads result records only; never
runs chemistry or quantum code.
"""
