"""The import layers of `docs/contracts.md` ("Layers") hold for every module of the package.

Every `import` of every module is read with `ast`, the lazy ones inside functions and the
`TYPE_CHECKING` ones included. A unit is a subpackage (`ladderdata/hub/`) or a top-level module
(`ladderdata/io.py`); `ladderdata` is the package's `__init__`. A unit may import from its own layer
and the ones below it; no two units may import each other, directly or round a loop.
"""

from __future__ import annotations

import ast
import re
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "ladderdata"
CONTRACTS = REPO / "docs" / "contracts.md"
ROOT_UNIT = "ladderdata"


def read_layers(doc: Path = CONTRACTS) -> list[list[str]]:
    """The ```layers block of the doc: one layer per line, lowest first (`#` starts a comment)."""
    block = re.search(r"^```layers\n(.*?)^```", doc.read_text(encoding="utf-8"), re.S | re.M)
    assert block, f"{doc}: no ```layers block (the import layers, lowest first)"
    layers = [line.split("#", 1)[0].split() for line in block.group(1).splitlines()]
    return [layer for layer in layers if layer]


def units(package: Path) -> set[str]:
    """Subpackages and top-level modules of the package, plus its `__init__` (ROOT_UNIT)."""
    found = {ROOT_UNIT}
    for path in package.iterdir():
        if path.is_dir() and any(path.rglob("*.py")):
            found.add(path.name)
        elif path.suffix == ".py" and path.name != "__init__.py":
            found.add(path.stem)
    return found


def _unit_of(module: str, name: str | None, package: Path) -> str | None:
    """The unit an import names (`from ladderdata import prompts` names the `prompts` module)."""
    parts = module.split(".")
    if parts[0] != package.name:
        return None
    if len(parts) > 1:
        return parts[1]
    if name is not None and ((package / name).is_dir() or (package / f"{name}.py").is_file()):
        return name
    return ROOT_UNIT


def imports(package: Path) -> dict[str, set[tuple[str, str]]]:
    """Unit -> {(imported unit, "file:line")} for every import of another unit of the package."""
    edges: dict[str, set[tuple[str, str]]] = {}
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package)
        unit = ROOT_UNIT if rel.as_posix() == "__init__.py" else rel.parts[0].removesuffix(".py")
        dotted = [package.name, *rel.with_suffix("").parts]
        if dotted[-1] == "__init__":
            dotted.pop()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            targets: list[str | None] = []
            if isinstance(node, ast.Import):
                targets = [_unit_of(alias.name, None, package) for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:  # relative: resolve against this module's package
                    base = dotted if path.name == "__init__.py" else dotted[:-1]
                    base = base[: len(base) - node.level + 1]
                    module = ".".join([*base, *([node.module] if node.module else [])])
                else:
                    module = node.module or ""
                targets = [_unit_of(module, alias.name, package) for alias in node.names]
            where = f"{path.relative_to(package.parent)}:{getattr(node, 'lineno', 0)}"
            for target in targets:
                if target is not None and target != unit:
                    edges.setdefault(unit, set()).add((target, where))
    return edges


def upward_imports(edges: dict[str, set[tuple[str, str]]], layers: list[list[str]]) -> list[str]:
    """`where: a (layer i) imports b (layer j > i)` for each import from a higher layer."""
    level = {unit: i for i, layer in enumerate(layers) for unit in layer}
    return sorted(
        f"{where}: {unit} (layer {level[unit]}) imports {target} (layer {level[target]})"
        for unit, targets in edges.items()
        for target, where in targets
        if unit in level and target in level and level[target] > level[unit]
    )


def import_cycle(edges: dict[str, set[tuple[str, str]]]) -> list[str] | None:
    """One loop of units that import each other, or None."""
    graph = {unit: {target for target, _where in targets} for unit, targets in edges.items()}
    try:
        TopologicalSorter(graph).prepare()
    except CycleError as err:
        return list(err.args[1])
    return None


def test_every_unit_has_one_layer():
    layers = read_layers()
    listed = [unit for layer in layers for unit in layer]
    assert len(listed) == len(set(listed)), f"{CONTRACTS}: a unit is listed twice in the layers block"
    present = units(PACKAGE)
    assert sorted(present - set(listed)) == [], f"add these to the layers block of {CONTRACTS}"
    assert sorted(set(listed) - present) == [], f"{CONTRACTS}: the layers block names units that do not exist"


def test_no_module_imports_from_a_higher_layer():
    assert upward_imports(imports(PACKAGE), read_layers()) == []


def test_no_import_cycle_between_packages():
    assert import_cycle(imports(PACKAGE)) is None


def test_checks_catch_lazy_upward_imports_and_cycles(tmp_path):
    """The checks themselves, on a small package whose faults hide in a function and a relative import."""
    pkg = tmp_path / "ladderdata"
    (pkg / "low").mkdir(parents=True)
    (pkg / "high").mkdir()
    (pkg / "__init__.py").write_text('__version__ = "0"\n')
    (pkg / "errors.py").write_text("")
    (pkg / "low" / "__init__.py").write_text("")
    (pkg / "low" / "a.py").write_text(
        "from ladderdata import errors\n\ndef f():\n    from ladderdata.high.b import g\n    return g\n"
    )
    (pkg / "high" / "__init__.py").write_text("")
    (pkg / "high" / "b.py").write_text("from ..low import a\nfrom ladderdata import __version__\n")
    layers = [["ladderdata", "errors"], ["low"], ["high"]]

    assert units(pkg) == {"ladderdata", "errors", "low", "high"}
    edges = imports(pkg)
    assert {t for t, _ in edges["low"]} == {"errors", "high"}
    assert {t for t, _ in edges["high"]} == {"low", "ladderdata"}
    assert upward_imports(edges, layers) == ["ladderdata/low/a.py:4: low (layer 1) imports high (layer 2)"]
    assert sorted(set(import_cycle(edges))) == ["high", "low"]
    del edges["high"]
    assert import_cycle(edges) is None
