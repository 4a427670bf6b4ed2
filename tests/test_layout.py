"""The package's layout: four stages on top of each other, commands on top of them all.

core <- registry <- publish <- site <- (cli, build). A module may import its own stage or a lower one,
never a higher one, and the modules import each other without a cycle."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

PACKAGE = ROOT / "scripts" / "servicepoints"
STAGES = ("core", "registry", "publish", "site")
TOP = {"__init__.py", "__main__.py", "cli.py", "build.py", "py.typed"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def rank(module: str) -> int:
    """0..3 for the stages, 4 for the commands on top."""
    parts = module.split(".")
    return STAGES.index(parts[1]) if len(parts) > 1 and parts[1] in STAGES else len(STAGES)


def imports(path: Path, text: str | None = None) -> set[str]:
    """The servicepoints modules a file (or `text` as if it stood at `path`) imports, anywhere in it."""
    here = module_name(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8") if text is None else text)):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("servicepoints"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("servicepoints"):
                continue
            if node.module is None or target.count(".") < 2 and target.split(".")[-1] in STAGES + ("servicepoints",):
                # `from . import x` or `from ..site import x`: the names are modules
                found.update(f"{target}.{a.name}" for a in node.names)
            else:
                found.add(target)
    return found


def graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    edges = {}
    for name, path in modules.items():
        edges[name] = {m for m in imports(path) if m in modules and m != name}
    return edges


def test_the_package_top_holds_only_the_commands_and_the_stages():
    top = {p.name for p in PACKAGE.iterdir() if p.name != "__pycache__"}
    assert top - TOP == set(STAGES), sorted(top - TOP - set(STAGES))


@pytest.mark.parametrize("stage", STAGES)
def test_each_stage_is_a_package_of_modules(stage):
    assert (PACKAGE / stage / "__init__.py").is_file()
    assert list((PACKAGE / stage).glob("*.py"))


def test_no_stage_imports_a_higher_one():
    upward = [
        f"{module} ({STAGES[rank(module)] if rank(module) < 4 else 'top'}) imports {target}"
        for module, targets in graph().items()
        for target in targets
        if rank(target) > rank(module)
    ]
    assert not upward, "\n".join(sorted(upward))


def test_modules_import_each_other_without_a_cycle():
    edges = graph()
    done: set[str] = set()
    path: list[str] = []

    def visit(node: str) -> None:
        if node in path:
            raise AssertionError("import cycle: " + " -> ".join(path[path.index(node) :] + [node]))
        if node in done:
            return
        path.append(node)
        for target in sorted(edges[node]):
            visit(target)
        path.pop()
        done.add(node)

    for node in sorted(edges):
        visit(node)


def test_the_checker_sees_upward_and_relative_imports():
    """The rules above must be able to fail: a core module importing site, written three ways."""
    probe = PACKAGE / "core" / "probe.py"
    for line in ("from ..site import render", "from ..site.render import x", "import servicepoints.site.render"):
        assert "servicepoints.site.render" in imports(probe, line), line
    assert rank("servicepoints.core.probe") < rank("servicepoints.site.render")


def test_the_linter_reads_every_module_and_test_of_ours():
    # An exclude pattern meant for the built site (site/) once matched scripts/servicepoints/site/ and tests/site/
    # as well: ruff passed without reading them.
    ruff = Path(sys.executable).parent / "ruff"
    listed = subprocess.run(
        [str(ruff), "check", "--show-files", "scripts", "tests"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    read = {Path(line.strip()).resolve() for line in listed.splitlines() if line.strip().endswith(".py")}
    ours = {p.resolve() for folder in ("scripts", "tests") for p in (ROOT / folder).rglob("*.py")}
    ours = {p for p in ours if "vendor" not in p.relative_to(ROOT).parts and ".venv" not in p.parts}
    assert sorted(map(str, ours - read)) == []
