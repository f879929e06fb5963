"""`python -m experiments publish --quick`: every figure that README.md and docs/ show (and
the experiments' READMEs) is written by a generator, run here at a small size into a
temporary folder (the committed figures are not touched). About a minute on 2 cores."""

from experiments.publish import missing_generators, publish, referenced_figures
from tests.support import ROOT


def test_every_referenced_figure_has_a_generator():
    assert missing_generators() == []


def test_publish_quick_writes_every_referenced_figure(tmp_path):
    root, _ = publish(quick=True, into=tmp_path, say=lambda _: None)
    referenced = referenced_figures(ROOT)
    assert referenced, "README.md and docs/ show no figure?"
    missing = [f for f in referenced if not (root / f).is_file()]
    assert not missing, f"not written by `publish --quick`: {missing}"
    calibration = (root / "docs" / "calibration.md").read_text()
    assert "| probability of selling to an active customer |" in calibration
