"""A run on disk: the run folder (tables, ledger, scenario, summary, figures, each written
atomically) and its one-page report."""
