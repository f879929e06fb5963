"""`python -m experiments publish --quick`: every figure that README.md and docs/ show (and
the experiments' READMEs) is written by a generator, run here at a small size into a
temporary folder (the committed figures are not touched). About a minute on 2 cores."""

import os

from experiments.publish import (
    WORKSHOP_FIGURES,
    chromium_available,
    generators,
    missing_generators,
    publish,
    referenced_figures,
)
from tests.support import ROOT


def test_every_referenced_figure_has_a_generator():
    assert missing_generators() == []


def test_publish_quick_writes_every_referenced_figure(tmp_path):
    """Every generator at its small size; the browser's screenshots need Chromium, so outside
    CI without it they are left out (as the browser test itself is skipped)."""
    browser = chromium_available() or bool(os.environ.get("CI"))
    names = [n for n in generators() if browser or n != "workshop_screenshots"]
    root, _ = publish(names, quick=True, into=tmp_path, say=lambda _: None)
    referenced = referenced_figures(ROOT)
    assert referenced, "README.md and docs/ show no figure?"
    missing = [f for f in referenced if not (root / f).is_file()
               and (browser or f not in WORKSHOP_FIGURES)]  # fmt: skip
    assert not missing, f"not written by `publish --quick`: {missing}"
    calibration = (root / "docs" / "calibration.md").read_text()
    assert "| probability of selling to an active customer |" in calibration
