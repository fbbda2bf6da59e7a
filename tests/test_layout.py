"""The package's layout: small modules, short functions, contracts that name every module.

Sizes are counted in physical lines, blank lines, comments and docstrings included:

- a module: the lines of its file (what ``wc -l`` says);
- a function or method: from its ``def`` line to its last line (``end_lineno - lineno + 1``
  of the ``ast`` node), decorators *not* included. A nested function counts on its own and
  within the function around it.
"""

from __future__ import annotations

import ast
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "svcaudit"
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 80

#: Violators that may stay for now, all in modules being refactored on other branches:
#: "path" for a module over MAX_MODULE_LINES, "path:qualified.name" for a function over
#: MAX_FUNCTION_LINES. The list only shrinks: an entry that no longer violates fails
#: ``test_known_violators_still_violate`` until it is removed from here.
KNOWN: dict[str, str] = {}


def function_lengths(source: str) -> Iterator[tuple[str, int]]:
    """(qualified name, length in lines) of every function and method in ``source``."""

    def walk(node: ast.AST, prefix: str) -> Iterator[tuple[str, int]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = prefix + child.name
                assert child.end_lineno is not None
                yield name, child.end_lineno - child.lineno + 1
                yield from walk(child, name + ".")
            elif isinstance(child, ast.ClassDef):
                yield from walk(child, prefix + child.name + ".")
            else:
                yield from walk(child, prefix)

    yield from walk(ast.parse(source), "")


def violations(package: Path, root: Path) -> dict[str, str]:
    """Every module and function of ``package`` over its limit: {key: what and how long}."""
    found: dict[str, str] = {}
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        source = path.read_text(encoding="utf-8")
        lines = len(source.splitlines())
        if lines > MAX_MODULE_LINES:
            found[rel] = f"module of {lines} lines (at most {MAX_MODULE_LINES})"
        for name, length in function_lengths(source):
            if length > MAX_FUNCTION_LINES:
                found[f"{rel}:{name}"] = (
                    f"function of {length} lines (at most {MAX_FUNCTION_LINES})"
                )
    return found


def test_no_module_or_function_is_too_long() -> None:
    new = {k: v for k, v in violations(PACKAGE, ROOT).items() if k not in KNOWN}
    assert not new, "split these along their concerns:\n" + "\n".join(
        f"  {k}: {v}" for k, v in new.items()
    )


def test_known_violators_still_violate() -> None:
    found = violations(PACKAGE, ROOT)
    fixed = [k for k in KNOWN if k not in found]
    assert not fixed, "within the limits now; remove from KNOWN in tests/test_layout.py: " + (
        ", ".join(fixed)
    )
    wrong = {k: v for k, v in KNOWN.items() if v != found[k].split()[0]}
    assert not wrong, f"KNOWN names the wrong kind: {wrong}"


def test_the_limits_are_measured_as_documented(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    at_limit = [  # def + docstring + body + return: the limit exactly; decorators do not count
        "@decorator",
        "def at_limit():",
        '    """Doc."""',
        *["    x = 0"] * (MAX_FUNCTION_LINES - 3),
        "    return 0",
    ]
    (package / "ok.py").write_text("\n".join(at_limit) + "\n")
    inner = ["        def inner():", *["            y = 0"] * 10, "            return 0"]
    method = [
        "    def m(self):",
        *inner,
        *["        x = 0"] * (MAX_FUNCTION_LINES - len(inner) - 1),
        "        return inner",
    ]
    padding = ["# a comment"] * (MAX_MODULE_LINES - len(method))
    (package / "long.py").write_text("\n".join(["class C:", *method, *padding]) + "\n")
    assert dict(function_lengths((package / "ok.py").read_text())) == {
        "at_limit": MAX_FUNCTION_LINES
    }
    assert dict(function_lengths((package / "long.py").read_text())) == {
        "C.m": MAX_FUNCTION_LINES + 1,
        "C.m.inner": 12,
    }
    assert set(violations(package, tmp_path)) == {"pkg/long.py", "pkg/long.py:C.m"}


def _contracts() -> dict[str, dict[str, object]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    return {c["name"]: c for c in contracts}


def _children() -> set[str]:
    """The modules and packages directly under svcaudit, package data excluded."""
    names = {p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    names |= {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    return names - {"data"}


@pytest.mark.parametrize(
    ("contract", "exempt"),
    [
        ("Only the CLI uses Typer", {"cli", "cli_options", "__main__"}),
        (
            "Core never prints: only the CLI and the reports use Rich",
            {"cli", "cli_options", "progress_bar", "inspection", "config", "__main__", "report"},
        ),
    ],
)
def test_forbidden_contracts_cover_every_other_module(contract: str, exempt: set[str]) -> None:
    # The layers contract is exhaustive by itself; these list their modules, so a new module
    # must be added to them.
    sources = _contracts()[contract]["source_modules"]
    assert isinstance(sources, list)
    assert {s.removeprefix("svcaudit.") for s in sources} == _children() - exempt
