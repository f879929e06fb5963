"""Designs: every sampling kind gives the points it should, replications are shared by every
point, and each bad design gets one located message before anything runs."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from linkages_sim.research.design import Design, DesignError, check_design, read_design
from tests.support import ROOT, assert_bad_input, linkages

GRID = {
    "base": "default",
    "parameters": [
        {"path": "stores[*].greeting_time_s", "name": "greeting", "levels": [20, 40, 60]},
        {"path": "stores[*].layout", "name": "layout", "range": {"low": 0.2, "high": 0.8},
         "steps": 2},
    ],
    "replications": {"count": 3, "seed": 5},
}


def design(**changes) -> Design:
    return Design.model_validate({**GRID, **changes})


def test_a_grid_is_every_combination_in_order():
    points = design().points()
    assert len(points) == 6
    assert points[0] == {"greeting": 20, "layout": 0.2} and points[-1] == {"greeting": 60,
                                                                              "layout": 0.8}


def test_replication_seeds_are_spawned_or_given_and_shared():
    seeds = design().replications.seed_list()
    assert seeds == [int(x) for x in np.random.SeedSequence(5).generate_state(3)]
    explicit = design(replications={"seeds": [7, 8]}).replications.seed_list()
    assert explicit == [7, 8]


def test_sampled_designs_have_the_sizes_of_their_schemes():
    ranged = [{"path": p, "range": {"low": 0.2, "high": 0.8}}
              for p in ("stores[*].layout", "stores[*].reputation", "segments[0].share")]
    lhs = design(parameters=ranged, sampling={"kind": "lhs", "samples": 10})
    assert len(lhs.points()) == 10
    sobol = design(parameters=ranged, sampling={"kind": "sobol", "samples": 8})
    assert len(sobol.points()) == 8 * (3 + 2)  # Saltelli: N (k + 2) without second order
    morris = design(parameters=ranged, sampling={"kind": "morris", "samples": 4, "levels": 4})
    assert len(morris.points()) == 4 * (3 + 1)  # trajectories x (k + 1)
    for d in (lhs, sobol, morris):
        values = np.array([list(p.values()) for p in d.points()])
        assert values.min() >= 0.2 - 1e-12 and values.max() <= 0.8 + 1e-12


def test_points_and_distributions():
    explicit = design(sampling={"kind": "points", "points": [
        {"greeting": 25, "layout": 0.5}, {"stores[*].layout": 0.7, "greeting": 90}]})
    assert explicit.points()[1] == {"layout": 0.7, "greeting": 90}
    normal = design(parameters=[
        {"path": "stores[*].layout", "distribution": {"kind": "normal", "mean": 0.5, "sd": 0.05}},
        {"path": "stores[*].reputation", "distribution": {"kind": "triangular", "low": 0.2,
                                                          "mode": 0.4, "high": 0.9}},
    ], sampling={"kind": "lhs", "samples": 400, "seed": 3})
    values = np.array([list(p.values()) for p in normal.points()])
    assert abs(values[:, 0].mean() - 0.5) < 0.01
    assert abs(values[:, 1].mean() - (0.2 + 0.4 + 0.9) / 3) < 0.02  # triangular mean


@pytest.mark.parametrize(
    ("changes", "needle"),
    [
        ({"parameters": [{"path": "stores[*].layout", "range": {"low": 0.8, "high": 0.2},
                          "steps": 3}]}, "empty range"),
        ({"sampling": {"kind": "sobel"}}, "sampling.kind"),
        ({"parameters": [{"path": "stores[*].layout", "range": {"low": 0, "high": 1}},
                         {"path": "stores[*].reputation", "range": {"low": 0, "high": 1}}],
          "sampling": {"kind": "sobol", "samples": 100}}, "power of 2, got 100 (try 128)"),
        ({"parameters": [{"path": "stores[*].layout", "levels": [0.1], "range":
                          {"low": 0, "high": 1}}]}, "exactly one of levels, range"),
        ({"replications": {"count": 2, "seeds": [1, 2]}}, "either count or seeds"),
        ({"replications": {"seeds": [1, 1]}}, "repeated seeds"),
        ({"sampling": {"kind": "morris", "samples": 4, "levels": 5}}, "even number"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_designs_are_refused_with_the_field(tmp_path, changes, needle):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump({**GRID, **changes}))
    with pytest.raises(DesignError) as err:
        read_design(path)
    assert needle in str(err.value) and str(path) in str(err.value)


@pytest.mark.parametrize(
    ("parameter", "needle"),
    [
        ({"path": "stores[nowhere].layout", "levels": [0.5]}, "no item 'nowhere'"),
        ({"path": "segments[0].tastes.prise", "levels": [1]}, "did you mean 'price'"),
        ({"path": "stores[*].layout", "range": {"low": 0.5, "high": 1.5}, "steps": 2},
         "1.5 is outside what the field allows"),
        ({"path": "stores[*].layout", "distribution": {"kind": "normal", "mean": 0.5, "sd": 0.4}},
         "outside what the field allows"),
    ],
)
def test_paths_and_bounds_are_checked_against_the_base_scenario(tmp_path, parameter, needle):
    d = design(parameters=[parameter], sampling={"kind": "lhs", "samples": 4}
               if "distribution" in parameter else {"kind": "grid"})  # fmt: skip
    with pytest.raises(DesignError) as err:
        check_design(d, tmp_path, "my.yaml")
    assert needle in str(err.value) and "my.yaml: parameters[0]" in str(err.value)


def test_the_shipped_designs_are_valid():
    names = sorted(p.stem for p in (ROOT / "designs").glob("*.yaml"))
    assert len(names) >= 2
    for name in names:
        d, folder = read_design(name)
        check_design(d, folder, name)


def test_the_command_line_says_what_is_wrong(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({**GRID, "parameters": [
        {"path": "stores[n1].greting_time_s", "levels": [1, 2]}]}))
    assert_bad_input(linkages("sweep", str(bad), "--out", str(tmp_path / "o")),
                     "bad.yaml: parameters[0].path", "did you mean 'greeting_time_s'")
    assert not (tmp_path / "o").exists()  # nothing was started
