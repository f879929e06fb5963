"""A run on disk: the run folder and its one-page report.

The run folder holds the tables, ledger, scenario, summary and figures, each written
atomically.
"""
