"""Build step shared by the core and plugin distributions: compile gettext catalogues.

``.po`` files are the source; ``.mo`` files are built when a distribution is built or
installed (also in editable mode), so they ship in wheels and are never committed.
"""
from __future__ import annotations

from pathlib import Path

from setuptools.command.build_py import build_py


def compile_catalogs(root: Path) -> list[Path]:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po_path in sorted(root.rglob("locale/*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parts[-3])
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalog)
        written.append(mo_path)
    return written


class BuildWithCatalogs(build_py):
    def run(self):
        for package_dir in {Path(d or ".") for d in (self.package_dir or {"": "."}).values()}:
            compile_catalogs(package_dir)
        compile_catalogs(Path("."))
        super().run()


def cmdclass() -> dict:
    return {"build_py": BuildWithCatalogs}


def update_catalogs(package_dir: Path, domain: str, languages=("cs", "en")) -> Path:
    """Extract messages (lingva) into ``locale/<domain>.pot`` and merge them into each
    language's ``.po`` (a developer command: ``make i18n``)."""
    import subprocess
    import sys

    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po

    locale_dir = package_dir / "locale"
    pot = locale_dir / f"{domain}.pot"
    locale_dir.mkdir(exist_ok=True)
    sources = sorted(str(p) for p in package_dir.rglob("*")
                     if p.suffix in (".py", ".pt") and "tests" not in p.parts)
    command = [str(Path(sys.executable).parent / "pot-create"), "--no-location", "-s",
               "-o", str(pot), *sources]
    subprocess.run(command, check=True)  # noqa: S603 (our own tool on our own files)
    with pot.open("rb") as f:
        template = read_po(f)
    for lang in languages:
        po_path = locale_dir / lang / "LC_MESSAGES" / f"{domain}.po"
        po_path.parent.mkdir(parents=True, exist_ok=True)
        if po_path.exists():
            with po_path.open("rb") as f:
                catalog = read_po(f, locale=lang)
        else:
            catalog = Catalog(locale=lang, domain=domain)
        catalog.update(template, no_fuzzy_matching=True)
        with po_path.open("wb") as f:
            write_po(f, catalog, width=100, omit_header=False, ignore_obsolete=True)
    return pot


if __name__ == "__main__":
    import sys

    update_catalogs(Path(sys.argv[1]), sys.argv[2])
