"""Fuzz of scenario files: whatever a file holds, loading it returns a Scenario or raises one
ScenarioError with one line per problem, each naming the file; never another exception.

The cases are generated here, deterministically (`random.Random(SEED)`), from the shipped
scenarios (scenarios/*.yaml and the built-in default.yaml):

* every position of every shipped file (each mapping, list and value) replaced by a hostile
  value: a list or mapping where a scalar belongs and the reverse, null, empty, huge and tiny
  numbers, NaN and infinities (`.nan`, `.inf`, `1e400`, `1.0e+400`), 5,000-digit integers, YAML
  tags (`!!python/object/apply`, custom tags, `!!binary`), impossible dates, undefined and
  recursive aliases, control characters, very long strings and lists;
* deletions (required fields included), unknown keys and misspelt keys, duplicated keys;
* benign perturbations, so that some cases are valid: every tenth valid case is also run for
  one period at 300 customers;
* whole files: empty, comments only, binary bytes, NUL, invalid UTF-8, UTF-16, truncated text,
  tabs, alias bombs (billion laughs), deep nesting, several documents, a directory;
* `extends:` merges: a parent file and a child that extends it with wrongly typed overrides
  at every depth (ids that are lists or mappings, a mapping where a list belongs...), and
  extends values that are not names, missing, cyclic, directories or broken files.

Plus end-to-end cases that run `linkages validate` in a subprocess.
"""

from __future__ import annotations

import itertools
import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from linkages_sim.config.checking import LIMIT
from linkages_sim.config.editing import edit_scenario
from linkages_sim.config.loading import ScenarioError, load_scenario
from linkages_sim.config.schema import Scenario
from linkages_sim.market.model import MarketModel
from tests.support import ROOT, SCENARIOS, linkages

SEED = 20_260_611
DEFAULT = ROOT / "linkages_sim" / "config" / "data" / "default.yaml"
SOURCES = {p.stem: p for p in [DEFAULT, *sorted(SCENARIOS.glob("*.yaml"))]}


@dataclass(frozen=True)
class Raw:
    """YAML text written as it stands where a value belongs (a tag, an alias, `1e400`)."""

    text: str


HOSTILE: list[Any] = [
    [], {}, [1, 2], {"a": 1}, [{"id": "x"}], {"id": ["a"]}, [[[[1]]]], None, "", "text",
    "[/]", "a\nb\tc", "0.5", "1e3", True, False, -1, 0, 10**30, -(10**30), -1e308, 1e308,
    5e-324, float("nan"), float("inf"), -float("inf"), b"\xff\xfe", "x" * 10_000,
    list(range(1_000)), Raw("1e400"), Raw(".nan"), Raw("-.inf"), Raw("1.0e+400"), Raw("9" * 5000),
    Raw("!!python/object/apply:os.system ['true']"), Raw("!custom 1"), Raw("!!binary /w=="),
    Raw("!!float abc"), Raw("2024-13-45"), Raw("2024-01-01"), Raw("*nowhere"),
    Raw("&self [*self]"), Raw("!!set {a, b}"), Raw('"\\0\\x1b"'),
]  # fmt: skip
"""Values that do not belong where they are put (some happen to be valid there)."""


@dataclass
class Case:
    """One hostile input: files to write (text, bytes, or None for a directory) and the one
    to load."""

    name: str
    files: dict[str, str | bytes | None]
    entry: str = "s.yaml"
    expect: str | None = None  # a phrase the message must hold, when the case is refused
    notes: list[str] = field(default_factory=list)


def _plain(data: Any) -> Any:
    """A copy with no shared objects (the shipped files reuse clauses through anchors)."""
    return json.loads(json.dumps(data))


def _dump(data: Any) -> str:
    """YAML text for `data`, with every Raw value written as it stands."""
    raws: dict[str, str] = {}

    def mark(x: Any) -> Any:
        if isinstance(x, Raw):
            key = f"__RAW{len(raws)}__"
            raws[key] = x.text
            return key
        if isinstance(x, dict):
            return {k: mark(v) for k, v in x.items()}
        if isinstance(x, list):
            return [mark(v) for v in x]
        return x

    text = yaml.dump(mark(data), Dumper=_DUMPER, sort_keys=False, allow_unicode=True,
                     width=10_000)
    for key, raw in raws.items():
        text = text.replace(key, raw)
    return text


def _paths(data: Any, prefix: tuple = ()) -> list[tuple]:
    """Every position in a parsed file: the document, each mapping, list and value."""
    out = [prefix]
    if isinstance(data, dict):
        for k, v in data.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += _paths(v, (*prefix, i))
    return out


def _set(data: Any, path: tuple, value: Any) -> Any:
    if not path:
        return value
    node = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return data


_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml, when there: 5x faster
_PARSED = {name: yaml.load(path.read_text(encoding="utf-8"),
                           Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
           for name, path in SOURCES.items()}  # fmt: skip


def _source(name: str) -> dict:
    """A fresh copy of a shipped file's data, as written (no defaults, no inheritance)."""
    return _plain(_PARSED[name])


def _mappings(data: Any) -> list[tuple]:
    return [p for p in _paths(data) if isinstance(_get(data, p), dict)]


def _get(data: Any, path: tuple) -> Any:
    for part in path:
        data = data[part]
    return data


def _every_position(rng: random.Random) -> list[Case]:
    """Each position of each shipped file, replaced by a hostile value."""
    cases = []
    for name in SOURCES:
        for j, path in enumerate(_paths(_source(name))):
            value = rng.choice(HOSTILE)
            text = _dump(_set(_source(name), path, value))
            where = ".".join(map(str, path)) or "(document)"
            cases.append(Case(f"position-{name}-{j}", {"s.yaml": text},
                              notes=[f"{where} = {value!r:.60}"]))
    return cases


def _deletions(rng: random.Random, n: int) -> list[Case]:
    cases = []
    full = _plain(load_scenario("default").model_dump(mode="json"))  # every field, defaults too
    for j in range(n):
        data = full if j % 2 else _source(rng.choice(list(SOURCES)))
        data = _plain(data)
        keyed = [p for p in _paths(data) if p and isinstance(p[-1], str)]
        path = rng.choice(keyed)
        del _get(data, path[:-1])[path[-1]]
        cases.append(Case(f"delete-{j}", {"s.yaml": _dump(data)}, notes=[".".join(map(str, path))]))
    return cases


def _unknown_keys(rng: random.Random, n: int) -> list[Case]:
    cases = []
    for j in range(n):
        data = _source(rng.choice(list(SOURCES)))
        path = rng.choice(_mappings(data))
        mapping = _get(data, path)
        if mapping and j % 2:  # a misspelt key: a letter dropped or doubled
            key = rng.choice(list(mapping))
            k = rng.randrange(len(key))
            typo = key[:k] + key[k + 1:] if j % 4 == 1 else key[:k] + key[k] + key[k:]
            mapping[typo] = mapping.pop(key)
        else:
            mapping[rng.choice(["qualty", "zzz", "Name", "1", "extends_", "__class__"])] = 1
        cases.append(Case(f"unknown-key-{j}", {"s.yaml": _dump(data)}))
    return cases


def _duplicates(rng: random.Random, n: int) -> list[Case]:
    """A `key: value` line written twice in its mapping."""
    cases: list[Case] = []
    while len(cases) < n:
        lines = _dump(_source(rng.choice(list(SOURCES)))).splitlines()
        candidates = [i for i, line in enumerate(lines)
                      if ": " in line and not line.rstrip().endswith(":")]  # fmt: skip
        if not candidates:
            continue
        i = rng.choice(candidates)
        line = lines[i]
        indent = len(line) - len(line.lstrip(" -"))
        again = " " * indent + line.lstrip(" -")
        lines.insert(i + 1, again)
        cases.append(Case(f"duplicate-{len(cases)}", {"s.yaml": "\n".join(lines) + "\n"},
                          expect="duplicate key"))  # fmt: skip
    return cases


def _benign(rng: random.Random, n: int) -> list[Case]:
    """Small changes of numbers and optional deletions: mostly valid scenarios."""
    cases = []
    for j in range(n):
        data = _source(rng.choice(list(SOURCES)))
        for path in rng.sample(_paths(data), k=min(5, len(_paths(data)))):
            value = _get(data, path)
            if isinstance(value, float | int) and not isinstance(value, bool) and path:
                _set(data, path, type(value)(value * rng.uniform(0.8, 1.2)))
        cases.append(Case(f"benign-{j}", {"s.yaml": _dump(data)}))
    return cases


def _bomb(width: int, depth: int, where: str = "description") -> str:
    lines = [f"l0: &l0 [{', '.join(['lol'] * width)}]"]
    for k in range(1, depth + 1):
        lines.append(f"l{k}: &l{k} [{', '.join([f'*l{k - 1}'] * width)}]")
    return "extends: default\n" + "\n".join(lines) + f"\n{where}: *l{depth}\n"


def _whole_files(rng: random.Random) -> list[Case]:
    default_text = DEFAULT.read_text(encoding="utf-8")
    cases = [
        Case("empty", {"s.yaml": ""}, expect="empty"),
        Case("blank", {"s.yaml": "\n   \n\n"}, expect="empty"),
        Case("comments", {"s.yaml": "# nothing here\n# at all\n"}, expect="empty"),
        Case("document-marker", {"s.yaml": "---\n...\n"}, expect="empty"),
        Case("null", {"s.yaml": "~\n"}, expect="empty"),
        Case("list", {"s.yaml": "- a\n- b\n"}, expect="expected a mapping"),
        Case("scalar", {"s.yaml": "5\n"}, expect="expected a mapping"),
        Case("text", {"s.yaml": "just some words\n"}, expect="expected a mapping"),
        Case("png", {"s.yaml": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe"},
             expect="not a text"),
        Case("nul", {"s.yaml": "extends: default\nseed: 1\x00\n"}, expect="not a text"),
        Case("latin-1", {"s.yaml": "extends: default\ndescription: caf\xe9\n".encode("latin-1")},
             expect="not a text"),
        Case("utf-16", {"s.yaml": "extends: default\n".encode("utf-16")}, expect="not a text"),
        Case("utf-8-bom", {"s.yaml": "\ufeffextends: default\nseed: 3\n"}),
        Case("control", {"s.yaml": "extends: default\nseed: 1\x07\n"}, expect="not allowed"),
        Case("escape", {"s.yaml": "extends: default\n\x1b[31mseed: 1\n"}, expect="not allowed"),
        Case("tabs", {"s.yaml": "extends: default\nmap:\n\twidth_km: 5\n"}, expect="tab"),
        Case("bad-indent", {"s.yaml": "extends: default\nmap:\n  width_km: 5\n height_km: 3\n"},
             expect="YAML"),
        Case("unclosed", {"s.yaml": "extends: default\nstores: [{id: n1\n"}, expect="YAML"),
        Case("two-documents", {"s.yaml": "extends: default\n---\nseed: 2\n"}, expect="document"),
        Case("bomb-9x9", {"s.yaml": _bomb(9, 9)}, expect="aliases"),
        Case("bomb-2x30", {"s.yaml": _bomb(2, 30)}, expect="expand"),
        Case("bomb-in-stores", {"s.yaml": _bomb(10, 7, "stores")}, expect="aliases"),
        Case("bomb-small", {"s.yaml": _bomb(5, 4)}),  # 780 values: refused by validation
        Case("recursive-list", {"s.yaml": "extends: default\nstores: &a [*a]\n"},
             expect="contains it"),
        Case("recursive-map", {"s.yaml": "extends: default\nmap: &m {width_km: *m}\n"},
             expect="contains it"),
        Case("deep-lists", {"s.yaml": "extends: default\nstores: " + "[" * 5000 + "]" * 5000},
             expect="nest"),
        Case("deep-maps", {"s.yaml": "extends: default\nmap: " + "{a: " * 300 + "1" + "}" * 300},
             expect="nested"),
        Case("deep-block", {"s.yaml": "extends: default\nmarket:\n" + "".join(
            "  " * (k + 1) + f"k{k}:\n" for k in range(60)) + "  " * 61 + "1\n"},
             expect="nested"),
        Case("deep-ok", {"s.yaml": "extends: default\ndescription: " + "[" * 20 + "]" * 20}),
        Case("long-line", {"s.yaml": "extends: default\ndescription: " + "x" * 1_000_000 + "\n"}),
        Case("many-unknown", {"s.yaml": "extends: default\n" + "".join(
            f"field_{k}: {k}\n" for k in range(5000))}, expect="more problem"),
        Case("undefined-alias", {"s.yaml": "extends: default\nseed: *x\n"}, expect="alias"),
        Case("anchor-only", {"s.yaml": "extends: default\nseed: &x\n"}),
        Case("merge-key", {"s.yaml": "extends: default\nmap:\n  <<: {width_km: 30}\n"
                                    "  width_km: 25\n"}),  # an override of a merged key is fine
        Case("merge-not-mapping", {"s.yaml": "extends: default\nmap:\n  <<: [1, 2]\n"},
             expect="merging"),
        Case("complex-key", {"s.yaml": "extends: default\n? [a, b]\n: 1\n"}, expect="key"),
        Case("null-key", {"s.yaml": "extends: default\n~: 1\n"}, expect="keys must be text"),
        Case("int-key", {"s.yaml": "extends: default\n7: 1\n"}, expect="keys must be text"),
        Case("bool-key", {"s.yaml": "extends: default\nmap: {true: 1}\n"},
             expect="keys must be text"),
        Case("directory", {"s.yaml": None}, expect="directory"),
        Case("weird-file-name", {"my market (copy) ü.yaml": "extends: default\n"},
             entry="my market (copy) ü.yaml"),  # no name: the stem, made a valid name
        Case("dot-name", {".yaml": "extends: default\n"}, entry=".yaml"),
    ]
    for k in range(8):
        cut = rng.randrange(len(default_text))
        cases.append(Case(f"truncated-{k}", {"s.yaml": default_text[:cut]}))
    for k in range(8):
        rnd = random.Random(rng.random())
        noise = bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 400)))
        cases.append(Case(f"random-bytes-{k}", {"s.yaml": noise}))
    for k in range(6):  # random printable garbage: YAML syntax errors and odd structures
        rnd = random.Random(rng.random())
        chars = "{}[]:,-&*!|>'\"%@`#?\n ab1."
        cases.append(Case(f"garbage-{k}", {"s.yaml": "".join(rnd.choice(chars)
                                                             for _ in range(200))}))  # fmt: skip
    return cases


def _override_at(parent: dict, path: tuple, value: Any) -> dict:
    """The child fragment that reaches `path` through `extends:` merging (list items by their
    `id`) with `value` there, or replaces the first list without ids on the way."""

    def build(target: Any, rest: tuple) -> Any:
        if not rest:
            return value
        part, tail = rest[0], rest[1:]
        if isinstance(target, dict):
            return {part: build(target[part], tail)}
        item = target[part]
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            fragment = build(item, tail)
            return [{"id": item["id"], **fragment} if isinstance(fragment, dict) else fragment]
        return value

    return build(parent, path)


def _extends(rng: random.Random, n: int) -> list[Case]:
    """A parent file, a child extending it with a wrongly typed override; and broken extends."""
    cases = []
    parent = _plain(load_scenario("default").model_dump(mode="json"))
    parent_text = _dump(parent)
    paths = [p for p in _paths(parent) if p]
    for j in range(n):
        path = rng.choice(paths)
        value = rng.choice(HOSTILE)
        if j % 3 == 0:  # the id itself is wrongly typed: merging by id must not break
            lists = [p for p in paths if isinstance(p[-1], int)
                     and isinstance(_get(parent, p), dict) and "id" in _get(parent, p)]
            path = (*rng.choice(lists), "id")
            value = rng.choice([[1, 2], {"a": 1}, None, 7, 1.5, True, "", Raw("&s [*s]")])
        child = {"extends": "parent.yaml", "name": "child", **_override_at(parent, path, value)}
        cases.append(Case(f"extends-{j}", {"parent.yaml": parent_text, "s.yaml": _dump(child)},
                          notes=[f"{'.'.join(map(str, path))} = {value!r:.60}"]))
    broken = {
        "extends-list": ({"s.yaml": "extends: [default]\n"}, "extends"),
        "extends-map": ({"s.yaml": "extends: {name: default}\n"}, "extends"),
        "extends-number": ({"s.yaml": "extends: 5\n"}, "extends"),
        "extends-null": ({"s.yaml": "extends:\nseed: 1\n"}, "extends"),
        "extends-empty": ({"s.yaml": "extends: ''\n"}, "extends"),
        "extends-spaces": ({"s.yaml": "extends: '   '\n"}, "extends"),
        "extends-missing": ({"s.yaml": "extends: nowhere.yaml\n"}, "no scenario"),
        "extends-unknown-name": ({"s.yaml": "extends: no_such_scenario\n"}, "no scenario"),
        "extends-nul": ({"s.yaml": 'extends: "a\\0b"\n'}, "extends"),
        "extends-long": ({"s.yaml": "extends: " + "x" * 5000 + "\n"}, "extends"),
        "extends-self": ({"s.yaml": "extends: s.yaml\n"}, "cycle"),
        "extends-cycle-2": ({"s.yaml": "extends: b.yaml\n", "b.yaml": "extends: s.yaml\n"},
                            "cycle"),
        "extends-cycle-3": ({"s.yaml": "extends: b.yaml\n", "b.yaml": "extends: c.yaml\n",
                             "c.yaml": "extends: b.yaml\n"}, "cycle"),
        "extends-directory": ({"s.yaml": "extends: d\n", "d": None}, "directory"),
        "extends-dot": ({"s.yaml": "extends: .\n"}, "directory"),
        "extends-binary": ({"s.yaml": "extends: b.yaml\n", "b.yaml": b"\x00\x01\xff"},
                           "not a text"),
        "extends-empty-file": ({"s.yaml": "extends: b.yaml\n", "b.yaml": ""}, "empty"),
        "extends-bad-yaml": ({"s.yaml": "extends: b.yaml\n", "b.yaml": "a: [1\n"}, "YAML"),
        "extends-duplicates": ({"s.yaml": "extends: b.yaml\n", "b.yaml": parent_text +
                                "seed: 1\nseed: 2\n"}, "duplicate key"),
        "extends-list-file": ({"s.yaml": "extends: b.yaml\n", "b.yaml": "- 1\n"},
                              "expected a mapping"),
        "extends-chain": ({"s.yaml": "extends: b.yaml\nseed: 3\n", "b.yaml": "extends: c.yaml\n",
                           "c.yaml": "extends: baseline\nperiods: 20\n"}, None),
        "extends-shipped": ({"s.yaml": "extends: price_war\nstores: [{id: n1, layout: [1]}]\n"},
                            "stores[id=n1].layout"),
        "extends-clear-list": ({"s.yaml": "extends: interventions\ninterventions: []\n"}, None),
        "extends-scalar-over-list": ({"s.yaml": "extends: default\nstores: [5, {id: n1}]\n"},
                                     "stores[0]"),
        "extends-duplicate-ids": ({"s.yaml": "extends: default\nstores: [{id: n1, layout: 0.1}, "
                                   "{id: n1, layout: 0.2}]\n"}, None),
    }
    for name, (files, expect) in broken.items():
        cases.append(Case(name, files, expect=expect))
    return cases


def generate_cases() -> list[Case]:
    rng = random.Random(SEED)
    return [*_every_position(rng), *_deletions(rng, 50), *_unknown_keys(rng, 30),
            *_duplicates(rng, 30), *_benign(rng, 40), *_whole_files(rng),
            *_extends(rng, 90)]  # fmt: skip


CASES = generate_cases()
_VALID = itertools.count()


def _write(tmp_path: Path, case: Case) -> Path:
    for name, content in case.files.items():
        path = tmp_path / name
        if content is None:
            path.mkdir()
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return tmp_path / case.entry


def check_message(message: str, files: list[Path]) -> None:
    """One line per problem (at most LIMIT, then a count), each naming one of `files`."""
    lines = message.split("\n")
    assert 1 <= len(lines) <= LIMIT + 1, message
    for line in lines:
        if line.startswith("... and ") and line.endswith(" more problem(s)"):
            continue
        assert any(line.startswith(f"{f}: ") for f in files), line
        assert line.isprintable(), repr(line)
        assert len(line) < 2_000, line[:200]


def test_there_are_enough_cases():
    assert len(CASES) >= 500
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_file_loads_or_gets_one_line_per_problem(case: Case, tmp_path: Path):
    path = _write(tmp_path, case)
    try:
        scenario = load_scenario(path)
    except ScenarioError as err:
        check_message(str(err), [tmp_path / name for name in case.files])
        if case.expect is not None:
            assert case.expect in str(err), (case.notes, str(err))
        return
    assert isinstance(scenario, Scenario)
    assert case.expect is None, (case.notes, case.expect)
    if next(_VALID) % 10 == 0:  # a sample of the valid ones also runs
        MarketModel(edit_scenario(scenario, customers=300)).run(1)


# --- end to end: the command line ----------------------------------------------------------


def _files(tmp_path: Path, cases: list[str]) -> list[Path]:
    by_name = {c.name: c for c in CASES}
    out = []
    for name in cases:
        folder = tmp_path / name
        folder.mkdir()
        out.append(_write(folder, by_name[name]))
    return out


def _no_traceback(proc) -> None:
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr
    assert proc.returncode in (0, 2), proc.returncode


def test_cli_accepts_a_valid_mutated_file(tmp_path):
    path = _files(tmp_path, ["benign-1"])[0]
    assert load_scenario(path)  # the case is valid
    proc = linkages("validate", str(path))
    _no_traceback(proc)
    assert proc.returncode == 0 and "ok" in proc.stdout, proc.stdout + proc.stderr


def test_cli_gives_one_line_per_problem(tmp_path):
    data = _plain(load_scenario("default").model_dump(mode="json"))
    data["stores"][2]["location"]["x"] = -1
    data["suppliers"][0]["qualty"] = 0.5
    data["segments"][1]["share"] = [0.5]
    data["market"]["reference_price"] = Raw(".nan")
    path = tmp_path / "four.yaml"
    path.write_text(_dump(data), encoding="utf-8")
    proc = linkages("validate", str(path))
    _no_traceback(proc)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and len(lines) == 4, proc.stderr
    assert all(line.startswith(f"error: {path}: line ") for line in lines), proc.stderr
    for needle in ("stores[id=n3].location.x: must be >= 0",
                   "suppliers[id=acme]: unknown field 'qualty'; did you mean 'quality'?",
                   "segments[id=urban].share: must be a number",
                   "market.reference_price: must be a finite number"):  # fmt: skip
        assert needle in proc.stderr, proc.stderr


def test_cli_refuses_hostile_yaml_with_one_line_each(tmp_path):
    names = ["duplicate-0", "bomb-9x9", "deep-lists", "png", "directory", "recursive-list",
             "extends-cycle-2"]  # fmt: skip
    paths = _files(tmp_path, names)
    proc = linkages("validate", *map(str, paths))
    _no_traceback(proc)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and len(lines) == len(names), proc.stderr
    for path, line in zip(paths, lines, strict=True):
        assert line.startswith(f"error: {path.parent}/"), line  # a cycle names where it closes


def test_cli_refuses_wrong_types_in_an_extends_merge(tmp_path):
    parent = tmp_path / "parent.yaml"
    parent.write_text(DEFAULT.read_text(encoding="utf-8"), encoding="utf-8")
    child = tmp_path / "child.yaml"
    child.write_text("extends: parent.yaml\nstores:\n  - {id: [n1, n2], layout: 0.5}\n"
                     "  - {id: {c: 1}}\nsuppliers: {id: acme}\nmap: [20, 20]\n")  # fmt: skip
    proc = linkages("validate", str(child))
    _no_traceback(proc)
    assert proc.returncode == 2
    for needle in ("stores[0].id: must be a text string", "suppliers: must be a list",
                   "map: must be a mapping of fields"):  # fmt: skip
        assert needle in proc.stderr, proc.stderr


def test_cli_prints_brackets_from_the_file_as_they_are(tmp_path):
    """Console markup in a message is the user's text, not a style (cli.common.say_error)."""
    path = tmp_path / "brackets.yaml"
    path.write_text("extends: default\nseed: '[/]'\n")
    proc = linkages("validate", str(path))
    _no_traceback(proc)
    assert proc.returncode == 2 and "seed: must be a whole number (got '[/]')" in proc.stderr
