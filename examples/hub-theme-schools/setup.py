"""Build step of a hub plugin: compile its gettext catalogues (``.po`` → ``.mo``).

It needs only setuptools and babel (``[build-system] requires`` in pyproject.toml), so the
plugin builds with build isolation, without the core installed.
"""
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from setuptools import setup
from setuptools.command.build_py import build_py


def compile_catalogs(root: Path) -> None:
    for po_path in sorted(root.rglob("locale/*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parts[-3])
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalog)


class BuildWithCatalogs(build_py):
    def run(self):
        compile_catalogs(Path(__file__).resolve().parent)
        super().run()


setup(cmdclass={"build_py": BuildWithCatalogs})
