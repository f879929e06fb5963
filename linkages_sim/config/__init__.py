"""Scenario configuration: the validated description of a market, and how it is read.

`schema` (pydantic models: every field's unit, range and meaning), `loading` (safe YAML,
`extends:` inheritance), `merging` (the `extends:` merge rules), `checking` (every problem at
once, one located line each), `locating` (files, lines and the user's field paths),
`explaining` (what `linkages validate` shows), `catalogue` (where named scenarios live),
`editing` (the one way to change a scenario in code), `reference` (docs/scenarios.md,
generated from the schema). Imports only the game's strategy library, to validate names.
"""
