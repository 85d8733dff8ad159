"""Build step: the wheel carries the top-level folders the portal needs at run time.

templates/ and static/ are copied, and every translations/<lang>/LC_MESSAGES/*.po is compiled
to a .mo, into portal/_resources/ of the build, so `pip install .` gives a portal that serves
Korean without `make i18n-compile` (portal/config.py finds them there). A checkout and an
editable install (`make install`) keep using the top-level folders. Everything else about the
package is in pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
PACKAGED = Path("portal", "_resources")
COPIED = ("templates", "static")
SKIPPED = shutil.ignore_patterns("__pycache__", "*.py[co]", ".*")


def compile_catalogs(source: Path, target: Path) -> list[Path]:
    """Compile each catalog under ``source`` into the same place under ``target``.

    As `pybabel compile` does: fuzzy entries are left out, and a catalog with errors (a
    placeholder the translation lost, say) stops the build.
    """
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po in sorted(source.glob("*/LC_MESSAGES/*.po")):
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=po.parent.parent.name)
        errors = [
            f"{po.relative_to(source)}: {message.id!r}: {error}"
            for message, found in catalog.check()
            for error in found
        ]
        if errors:
            raise SystemExit("catalog errors:\n" + "\n".join(errors))
        mo = target / po.relative_to(source).with_suffix(".mo")
        mo.parent.mkdir(parents=True, exist_ok=True)
        with mo.open("wb") as handle:
            write_mo(handle, catalog)
        written.append(mo)
    if not written:
        raise SystemExit(f"no catalogs (*/LC_MESSAGES/*.po) under {source}")
    return written


class BuildPy(build_py):
    """build_py, then the templates, static files and compiled catalogs under the package."""

    def run(self) -> None:
        super().run()
        if not self.editable_mode:  # an editable install reads the checkout's folders
            self.outputs_extra = self.copy_resources(Path(self.build_lib) / PACKAGED)

    def copy_resources(self, target: Path) -> list[str]:
        shutil.rmtree(target, ignore_errors=True)  # nothing stale from an earlier build
        for name in COPIED:
            shutil.copytree(ROOT / name, target / name, ignore=SKIPPED)
        compile_catalogs(ROOT / "translations", target / "translations")
        return [str(path) for path in sorted(target.rglob("*")) if path.is_file()]

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        return [*super().get_outputs(include_bytecode), *getattr(self, "outputs_extra", [])]


if __name__ == "__main__":  # as setuptools runs it; tests import compile_catalogs
    setup(cmdclass={"build_py": BuildPy})
