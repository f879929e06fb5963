"""The simulated market: a Mesa model of suppliers, distributors, stores and customer segments.

`model` owns the order of a period (docs/model.md §3); `firms` and `segments` are its Mesa
agents; `offers` the period's store x brand table; `relationships`, `clauses` and `bargaining`
the expectation contracts; `interventions` the decisions under evaluation; `ledger` the
double-entry money flows; `recording` the long table; `kernels` the numba per-customer code.
"""
