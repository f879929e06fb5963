"""The wheel holds everything a user needs: installed outside the repository, into a fresh
virtual environment, it lists the shipped scenarios and runs one by name."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

from tests.support import ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The project's wheel, built from this checkout."""
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(out), str(ROOT)],
        check=True, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    (found,) = out.glob("linkages_sim-*.whl")
    return found


def test_the_wheel_ships_scenarios_and_benchmarks_as_package_data(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {p.name for p in (ROOT / "scenarios").glob("*.yaml")}
    assert {f"linkages_sim/scenarios/{n}" for n in shipped} <= names
    assert "linkages_sim/config/data/default.yaml" in names
    assert "linkages_sim/benchmarks/__main__.py" in names
    shipped_designs = {p.name for p in (ROOT / "designs").glob("*.yaml")}
    assert {f"linkages_sim/designs/{n}" for n in shipped_designs} <= names
    assert not any(n.startswith(("tests/", "experiments/")) for n in names)


def test_installed_outside_the_repository_it_runs_a_shipped_scenario(wheel, tmp_path):
    env_dir = tmp_path / "env"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    # the wheel alone; its dependencies are borrowed from this interpreter's site-packages
    # (installing them from the registry again would only test the registry)
    target = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "-q",
         "--target", target, str(wheel)],
        check=True, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    Path(target, "borrowed_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}

    def linkages(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(python), "-m", "linkages_sim", *args], cwd=work, env=env,
            capture_output=True, text=True, timeout=600,
        )  # fmt: skip

    where = subprocess.run([str(python), "-c", "import linkages_sim; print(linkages_sim.__file__)"],
                           cwd=work, env=env, capture_output=True, text=True).stdout  # fmt: skip
    assert where.startswith(target), where  # the installed copy, not the checkout
    listing = linkages("scenarios")
    assert listing.returncode == 0, listing.stderr
    for name in ("default", "price_war", "broken_trust", "sla_enforced"):
        assert name in listing.stdout
    designs = linkages("designs")
    assert designs.returncode == 0 and "sla_under_noise" in designs.stdout, designs.stderr
    ran = linkages("run", "price_war", "--customers", "2000", "--periods", "2", "-q",
                   "--out", "out")  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    assert (work / "out" / "summary.json").is_file()
    assert (work / "out" / "plots" / "revenue.png").is_file()
