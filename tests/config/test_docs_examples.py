"""docs/scenarios.md shows real output: each example file, validated, prints what the docs say.

An example is a YAML block after `<!-- example: NAME -->`; its output is the block after
`<!-- output: linkages validate ARGS -->`, compared line by line with the command's (stdout,
then stderr) with the built-in scenarios' folder written as `...`.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from linkages_sim.config.catalogue import BUILT_IN
from tests.support import ROOT, linkages

DOC = ROOT / "docs" / "scenarios.md"
BLOCK = r"<!-- {kind}: (?P<name>[^>]+?) -->\n```[a-z]*\n(?P<body>.*?)```"


def examples(text: str) -> dict[str, str]:
    """Each example file of the docs, by name."""
    return {m["name"]: m["body"] for m in re.finditer(BLOCK.format(kind="example"), text, re.S)}


def outputs(text: str) -> list[tuple[list[str], str]]:
    """Each documented command (its arguments after `linkages`) and its output."""
    return [(m["name"].split()[1:], m["body"])
            for m in re.finditer(BLOCK.format(kind="output"), text, re.S)]  # fmt: skip


def test_the_docs_have_examples():
    text = DOC.read_text(encoding="utf-8")
    assert len(examples(text)) >= 2 and len(outputs(text)) >= 2


@pytest.mark.parametrize("command", outputs(DOC.read_text(encoding="utf-8")),
                         ids=lambda c: " ".join(c[0]))  # fmt: skip
def test_a_documented_output_is_the_real_one(tmp_path: Path, command):
    args, expected = command
    for name, body in examples(DOC.read_text(encoding="utf-8")).items():
        (tmp_path / name).write_text(body, encoding="utf-8")
    proc = linkages(*args, cwd=tmp_path, env={"COLUMNS": "80"})
    assert "Traceback" not in proc.stderr
    shown = (proc.stdout + proc.stderr).replace(str(BUILT_IN), "...")
    assert shown.strip().splitlines() == expected.strip().splitlines(), shown
