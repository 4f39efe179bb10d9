"""The stage packages import only downwards (README "Architecture"): every ``import`` in envmgr/,
also one inside a function, names its own stage or a lower one; only the CLI reaches everything."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "envmgr"

# Lowest first. Peers (envs and importer) do not import each other.
STAGES = ["ground", "knowledge", "compat", "specs", "host", "engine", "envs|importer", "testchannel", "cli"]
GROUND = {"models", "errors", "atomic", "yamlio", "disk", "paths"}


def stage_of(module: str) -> str:
    """The stage of ``envmgr.x.y`` (``envmgr`` itself and the shared modules are the ground floor)."""
    parts = module.split(".")[1:]
    if parts[:1] == ["__main__"]:
        return "cli"
    if not parts or parts[0] in GROUND or not (PACKAGE / parts[0]).is_dir():
        return "ground"     # a shared module, or a name of the package itself (__version__)
    return parts[0]


def rank(stage: str) -> int:
    for index, names in enumerate(STAGES):
        if stage in names.split("|"):
            return index
    raise AssertionError(f"stage {stage!r} is not in the layout: add it to STAGES and the README")


def module_of(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module) for every envmgr import in the file, lazy ones included."""
    module = module_of(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "envmgr":
                continue
            if node.module is None or target.count(".") == 0:
                found += [(node.lineno, f"{target}.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, target))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "envmgr"]
    return found


def upward_imports() -> list[str]:
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        here = stage_of(module_of(path))
        for line, target in imported(path):
            there = stage_of(target)
            if here == "cli" or there == here:
                continue
            if rank(there) >= rank(here):
                wrong.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {here} imports {target} ({there})")
    return wrong


def test_no_module_imports_a_higher_stage_or_a_peer():
    assert upward_imports() == []


@pytest.mark.parametrize("stage", ["knowledge", "compat", "specs", "host", "engine", "envs", "importer"])
def test_every_stage_package_says_what_it_owns_and_may_import(stage):
    doc = ast.get_docstring(ast.parse((PACKAGE / stage / "__init__.py").read_text())) or ""
    assert "Owns:" in doc and "May import:" in doc


def test_the_checker_sees_a_lazy_upward_import(tmp_path, monkeypatch):
    fake = tmp_path / "envmgr"
    (fake / "knowledge").mkdir(parents=True)
    (fake / "engine").mkdir()
    (fake / "knowledge" / "facts.py").write_text("def f():\n    from ..engine import lock\n")
    monkeypatch.setattr(__import__(__name__, fromlist=["PACKAGE"]), "PACKAGE", fake)
    assert upward_imports() == ["envmgr/knowledge/facts.py:2: knowledge imports envmgr.engine (engine)"]
