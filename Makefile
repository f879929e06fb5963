# The two commands a new user needs: `make run` and `make test`.
.PHONY: run test lint setup clean

ARGS ?=

setup:
	@bash scripts/bootstrap.sh

run: setup  ## set up .venv and run the built-in default scenario (pass ARGS="--seed 7" etc.)
	.venv/bin/linkages run $(ARGS)

test: setup  ## set up .venv and run the test suite
	.venv/bin/python -m pytest -q

lint: setup  ## ruff (style, docstrings) and import-linter (the layers of docs/architecture.md)
	.venv/bin/ruff check .
	.venv/bin/lint-imports

clean:
	rm -rf .venv runs .pytest_cache
