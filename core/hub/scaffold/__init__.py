"""``hub plugin new NAME``: a complete plugin of the shape docs/plugins.md prescribes.

The files are the templates under ``template/`` (package data, ``*.tmpl``), with
``{{name}}``, ``{{Name}}``, ``{{title}}``, ``{{dist}}``, ``{{revision}}`` and
``{{created}}`` replaced; ``__package__`` in a path is the package, ``__migration__``
the migration's file name, ``gitignore`` is ``.gitignore``.
"""
from __future__ import annotations

import datetime as dt
import importlib.resources
import re
import uuid
from pathlib import Path

NAME = re.compile(r"[a-z][a-z0-9]{1,29}")


class ScaffoldError(Exception):
    """The plugin cannot be generated (bad name, directory in the way)."""


def check_name(name: str) -> None:
    # Tables are "<name>_<table>" and the core tells plugins apart by the part before the
    # first underscore, so a name has none.
    if not NAME.fullmatch(name):
        raise ScaffoldError(
            f"{name!r} cannot name a plugin: use 2 to 30 lower-case letters and digits, "
            "starting with a letter (it prefixes the plugin's tables, routes and "
            "permissions).")


def render(name: str, revision: str | None = None,
           created: dt.datetime | None = None) -> dict[str, str]:
    """``{relative path: text}`` of the plugin ``name``'s files."""
    check_name(name)
    revision = revision or uuid.uuid4().hex[:12]
    created = created or dt.datetime.now().replace(microsecond=0)
    values = {
        "{{name}}": name,
        "{{Name}}": name.capitalize(),
        "{{title}}": name.capitalize(),
        "{{dist}}": f"hub-{name}",
        "{{revision}}": revision,
        "{{created}}": created.isoformat(sep=" "),
    }
    paths = {
        "__package__": f"hub_{name}",
        "__migration__": f"{created:%Y%m%d}_{revision}_{name}_entries",
        "gitignore": ".gitignore",
    }
    root = importlib.resources.files("hub.scaffold") / "template"
    files: dict[str, str] = {}
    for source, relative in _templates(root, ""):
        target = relative.removesuffix(".tmpl")
        for key, value in paths.items():
            target = target.replace(key, value)
        text = source.read_text(encoding="utf-8")
        for key, value in values.items():
            text = text.replace(key, value)
        files[target] = text
    return files


def _templates(folder, prefix: str):
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        relative = f"{prefix}{entry.name}"
        if entry.is_dir():
            if entry.name != "__pycache__":
                yield from _templates(entry, relative + "/")
        elif entry.name.endswith(".tmpl"):
            yield entry, relative


def generate(name: str, parent: Path | str = ".") -> Path:
    """Write the plugin ``name`` into ``<parent>/hub-<name>``; return that directory."""
    files = render(name)
    target = Path(parent) / f"hub-{name}"
    if target.exists() and any(target.iterdir()):
        raise ScaffoldError(f"{target} exists and is not empty.")
    for relative, text in files.items():
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return target
