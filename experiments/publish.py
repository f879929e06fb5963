"""Regenerate every committed figure that README.md and docs/ show, from the code, with one
command: `python -m experiments publish` (see `experiments/__main__.py` for the options).

Each generator writes figures at their committed paths under a root folder (the repository,
or a temporary folder for `--quick`):

- every experiment, run at the size its command documents (its command-line defaults, as
  `python -m experiments.NAME --publish` runs it), its figures copied beside its README; the
  calibration experiment also rewrites the generated table in docs/calibration.md;
- the README's run figures: `linkages run` of the built-in default and of `broken_trust`, whose
  `plots/revenue.png` and `plots/trust.png` become docs/figures/default_revenue.png and
  docs/figures/broken_trust_trust.png;
- the workshop's shadow-of-the-future figures, by the `linkages evolve` commands that
  docs/workshop.md prints.

`--quick` runs everything at a small size, for a test that no figure lacks a generator; those
figures are not for committing.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from experiments.common import ROOT, STANDARD
from linkages_sim.files import atomic_write_text

EXPERIMENTS = (
    "ipd_tournament", "market_dilemma", "retention_vs_acquisition", "silent_churn", "price_war",
    "location_layout", "service_standards", "calibration", "channel_economics", "noisy_sla",
    "dynamic_game",
    "service_dimensions",
    "market_sensitivity",
    "dilemma_region",
    "customer_tenure",
    "coordination_incentives",
)  # fmt: skip
"""Every experiment folder (each `experiments/NAME/` with experiment.py and README.md)."""

QUICK = {  # small sizes for --quick: every option the experiment takes, made cheap
    "ipd_tournament": {"turns": 20, "repetitions": 2, "self_play_seeds": 3,
                       "robustness_seeds": 1},
    "market_dilemma": {"customers": 2_000, "replications": 2, "seeds": 1},
    "calibration": {"customers": 2_000, "seeds": 2, "replications": 2, "self_play_seeds": 3,
                    "linear_seeds": 3},
}
QUICK["retention_vs_acquisition"] = {"customers": 2_000, "seeds": 2}  # an interval needs two
QUICK["channel_economics"] = {"customers": 2_000, "seeds": 2, "linear_seeds": 3, "periods": 16,
                              "panel": 50}  # fmt: skip
QUICK["noisy_sla"] = {"customers": 2_000, "replications": 2}
QUICK["dynamic_game"] = {"customers": 1_000, "seeds": 2, "periods": 8, "short": 4}
QUICK["service_dimensions"] = {"customers": 1_000, "seeds": 2, "periods": 8}  # 58 short runs
QUICK["market_sensitivity"] = {"customers": 500, "samples": 4, "periods": 8}  # 48 runs
QUICK["dilemma_region"] = {"customers": 300, "trajectories": 2, "samples": 2, "keep": 2,
                           "grid": 2, "layouts": 2, "periods": 4}  # about 70 stage games
QUICK["customer_tenure"] = {"customers": 1_000, "seeds": 2, "years": 2}
QUICK["coordination_incentives"] = {"customers": 1_000, "seeds": 2, "panel": 30}  # 128 runs
QUICK_MARKET = {"customers": 2_000, "seeds": 1}
"""Every other market experiment at --quick."""


@dataclass
class Generator:
    """Something that writes committed figures: its name, what it runs, the figures (paths from
    the repository root) and how (`make(root, quick, workers, scratch)`)."""

    name: str
    what: str
    figures: tuple[str, ...]
    make: Callable[[Path, bool, int, Path], None]
    documents: tuple[str, ...] = field(default=())  # generated text it rewrites


def _experiment_options(name: str, quick: bool, workers: int) -> dict:
    """The options `python -m experiments.NAME` runs with by default (its OPTIONS, or the
    STANDARD ones), or the small ones of --quick."""
    main = importlib.import_module(f"experiments.{name}.__main__")
    options = {key: default for key, (_, default, _) in getattr(main, "OPTIONS", STANDARD).items()}
    if quick:
        options.update(QUICK.get(name, QUICK_MARKET if "customers" in options else {}))
    if "workers" in options:
        options["workers"] = 1 if quick else workers
    return options


VARIANTS = {  # generator: (experiment, options added to its defaults, its figures' suffix)
    "dilemma_region_decided": ("dilemma_region", {"market": "decided_prices"},
                               "_decided_prices"),
}  # fmt: skip
"""Experiments run a second time on another market, their figures named with a suffix."""


def _experiment(name: str, variant: str | None = None) -> Generator:
    experiment, extra, suffix = VARIANTS[variant] if variant else (name, {}, None)
    folder = ROOT / "experiments" / experiment
    others = [v[2] for v in VARIANTS.values() if v[0] == experiment]
    figures = tuple(sorted(
        f"experiments/{experiment}/{p.name}" for p in folder.glob("*.png")
        if (p.stem.endswith(suffix) if suffix else not any(p.stem.endswith(o) for o in others))
    ))  # fmt: skip
    if name == "calibration" and "experiments/calibration/calibration.png" not in figures:
        figures = (*figures, "experiments/calibration/calibration.png")

    def make(root: Path, quick: bool, workers: int, scratch: Path) -> None:
        module = importlib.import_module(f"experiments.{experiment}.experiment")
        out = scratch / name
        options = _experiment_options(experiment, quick, workers) | extra
        headline = module.run_experiment(out, **options)
        text = json.dumps(headline, indent=2, default=float) + "\n"
        atomic_write_text(out / "results.json", text)  # as `python -m experiments.NAME` does
        here = root / "experiments" / experiment
        here.mkdir(parents=True, exist_ok=True)
        for png in sorted(out.glob("*.png")):
            shutil.copyfile(png, here / png.name)
        if hasattr(module, "publish_table"):
            module.publish_table(out, root)

    options = _experiment_options(experiment, False, 2) | extra
    what = f"python -m experiments.{experiment} " + " ".join(
        f"--{k} {v}" for k, v in options.items() if v is not None
    )
    documents = ("docs/calibration.md",) if name == "calibration" else ()
    return Generator(name, what, figures, make, documents)


def _linkages(*commands: list[str]) -> None:
    """Commands of the command line, as a user runs them (`linkages ...`), side by side; their
    output only if one fails."""
    running = [(args, subprocess.Popen([sys.executable, "-m", "linkages_sim", *args], cwd=ROOT,
                                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                       text=True)) for args in commands]  # fmt: skip
    failed = []
    for args, process in running:
        output, _ = process.communicate()
        if process.returncode != 0:
            failed.append(f"linkages {' '.join(args)} failed:\n{output}")
    if failed:
        raise RuntimeError("\n".join(failed))


RUN_FIGURES = {  # committed path: (scenario, the run's figure)
    "docs/figures/default_revenue.png": ("default", "revenue.png"),
    "docs/figures/broken_trust_trust.png": ("broken_trust", "trust.png"),
}
QUICK_RUN = ("--customers", "2000", "--periods", "20", "--threads", "1")


def _run_figures(root: Path, quick: bool, workers: int, scratch: Path) -> None:
    _linkages(*(["run", scenario, "--out", str(scratch / f"run-{scenario}"), "--force", "--quiet",
                 *(QUICK_RUN if quick else ())] for scenario, _ in RUN_FIGURES.values()))
    for target, (scenario, plot) in RUN_FIGURES.items():
        (root / target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(scratch / f"run-{scenario}" / "plots" / plot, root / target)


SHADOW = {  # committed path: --prob-end (docs/workshop.md, Part 1: the shadow of the future)
    "docs/figures/workshop_shadow_p0.6.png": 0.6,
    "docs/figures/workshop_shadow_p0.4.png": 0.4,
}


def _shadow_arguments(prob_end: float, quick: bool) -> list[str]:
    repetitions, generations = ("20", "10") if quick else ("400", "60")
    return ["evolve", "--strategies", "grim,all-d", "--method", "replicator", "--prob-end",
            f"{prob_end:g}", "--repetitions", repetitions, "--generations", generations,
            "--seed", "1"]  # fmt: skip


def _shadow(root: Path, quick: bool, workers: int, scratch: Path) -> None:
    for target in SHADOW:
        (root / target).parent.mkdir(parents=True, exist_ok=True)
    _linkages(*([*_shadow_arguments(prob_end, quick), "--plot", str(root / target)]
                for target, prob_end in SHADOW.items()))


WORKSHOP_SHOTS = ("01-facilitator-lobby", "03-participant-round1-chosen", "09-facilitator-reveal",
                  "whatif-facilitator-dilemma", "channel-phone-levers",
                  "channel-debrief-facilitator")  # fmt: skip
"""The end-to-end browser test's screenshots that docs/workshop.md shows."""
WORKSHOP_FIGURES = {f"docs/figures/workshop/{name}.png": name for name in WORKSHOP_SHOTS}


def chromium_available() -> bool:
    """Whether the browser test can run here (Debian's chromium and the playwright package)."""
    import importlib.util

    return bool((shutil.which("chromium") or shutil.which("chromium-browser"))
                and importlib.util.find_spec("playwright"))  # fmt: skip


def _workshop_screenshots(root: Path, quick: bool, workers: int, scratch: Path) -> None:
    """Run the browser test (tests/workshop/test_browser.py) with its screenshots in `scratch`,
    then copy the ones the docs show, reduced to a 128-colour palette (a tenth of the bytes)."""
    from PIL import Image

    shots = scratch / "workshop_screenshots"
    env = {**os.environ, "LINKAGES_SCREENSHOTS": str(shots), "CI": os.environ.get("CI", "1")}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "tests/workshop/test_browser.py"], cwd=ROOT, env=env, capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"the browser test failed:\n{done.stdout[-3000:]}{done.stderr[-2000:]}")
    for target, name in WORKSHOP_FIGURES.items():
        path = root / target
        path.parent.mkdir(parents=True, exist_ok=True)
        with Image.open(shots / f"{name}.png") as image:
            image.convert("RGB").quantize(colors=128).save(path, optimize=True)


def generators() -> dict[str, Generator]:
    """Every generator, by name, in the order `publish` runs them."""
    found = [_experiment(name) for name in EXPERIMENTS]
    found += [_experiment(variant, variant) for variant in VARIANTS]
    found.append(Generator(
        "run_figures",
        "; ".join(f"linkages run {s} --out DIR (DIR/plots/{p} -> {t})"
                  for t, (s, p) in RUN_FIGURES.items()),
        tuple(RUN_FIGURES), _run_figures,
    ))  # fmt: skip
    found.append(Generator(
        "workshop_screenshots",
        "pytest tests/workshop/test_browser.py with LINKAGES_SCREENSHOTS set (Chromium); "
        + ", ".join(WORKSHOP_SHOTS) + " -> docs/figures/workshop/",
        tuple(WORKSHOP_FIGURES), _workshop_screenshots,
    ))  # fmt: skip
    found.append(Generator(
        "workshop_shadow",
        "; ".join("linkages " + " ".join(_shadow_arguments(p, False)) + f" --plot {t}"
                  for t, p in SHADOW.items()),
        tuple(SHADOW), _shadow,
    ))  # fmt: skip
    return {g.name: g for g in found}


IMAGE = re.compile(r"!\[[^\]]*\]\(([^)\s]+\.png)\)")


def referenced_figures(root: Path = ROOT) -> dict[str, list[str]]:
    """Every PNG that README.md, docs/*.md and the experiments' READMEs show: its path from
    the repository root -> the documents that show it."""
    documents = [root / "README.md", *sorted((root / "docs").glob("*.md")),
                 root / "experiments" / "README.md",
                 *sorted((root / "experiments").glob("*/README.md"))]  # fmt: skip
    found: dict[str, list[str]] = {}
    for doc in documents:
        if not doc.exists():
            continue
        for link in IMAGE.findall(doc.read_text()):
            if "://" in link:
                continue
            path = (doc.parent / link).resolve().relative_to(root.resolve()).as_posix()
            found.setdefault(path, []).append(doc.relative_to(root).as_posix())
    return found


def publish(
    names: list[str] | None = None,
    quick: bool = False,
    into: Path | None = None,
    workers: int = 2,
    say: Callable[[str], None] = print,
) -> tuple[Path, dict[str, float]]:
    """Run the generators (all, or `names`) writing figures under `into` (the repository by
    default; a new temporary folder for `quick`). Returns the root and each one's seconds."""
    table = generators()
    unknown = [n for n in names or [] if n not in table]
    if unknown:
        raise ValueError(f"unknown generator(s) {', '.join(unknown)}; known: {', '.join(table)}")
    if quick:  # small runs: one kernel thread (the same results) starts no thread pool each call
        import numba

        numba.set_num_threads(1)
    root = into or (Path(tempfile.mkdtemp(prefix="linkages-publish-")) if quick else ROOT)
    scratch = root / "runs" / "publish" if quick or into else ROOT / "runs" / "experiments"
    seconds: dict[str, float] = {}
    for name in names or list(table):
        g = table[name]
        started = time.perf_counter()
        g.make(root, quick, workers, scratch)
        seconds[name] = time.perf_counter() - started
        say(f"{name}: {len(g.figures)} figure(s) in {seconds[name]:.0f} s")
    return root, seconds


def missing_generators(root: Path = ROOT) -> list[str]:
    """Referenced figures that no generator writes (should be none)."""
    written = {f for g in generators().values() for f in g.figures}
    return sorted(set(referenced_figures(root)) - written)
