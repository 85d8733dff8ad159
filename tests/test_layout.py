"""The code's shape: small modules that say what they are, and a README that draws them."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PORTAL = ROOT / "portal"
MODULES = sorted(PORTAL.rglob("*.py"))
MAX_LINES = 300
# Names of files that live outside this repository, which no comment may send a reader to.
OUTSIDE = re.compile(r"DESIGN\.md|GLOSSARY\.md|\.\./shared")


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_module_is_small_and_says_what_it_holds(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    assert len(source.splitlines()) <= MAX_LINES
    docstring = ast.get_docstring(ast.parse(source))
    assert docstring, "a one-line docstring says what the module is for"
    assert not OUTSIDE.search(source)


def test_readme_layout_draws_every_package() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    layout = readme.split("## Layout", 1)[1].split("\n## ", 1)[0]
    packages = sorted(
        path.parent.name
        for path in PORTAL.glob("*/__init__.py")
        if path.parent.name != "migrations"
    )
    drawn = set(re.findall(r"^\s+(\w+)/", layout, re.M))
    assert set(packages) <= drawn
