"""Benchmarks of linkages-sim (issue: performance and scale). Not part of the test suite:
`python -m benchmarks` (or `linkages bench`) runs them and writes benchmarks/RESULTS.md."""
