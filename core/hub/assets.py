"""Build the portal's stylesheet from the government design system's npm package.

``npm ci`` installs ``@gov-design-system-ce/styles``; this script concatenates the
plain-HTML CSS files the templates use into ``hub/static/vendor/gov.css`` (one request,
no CDN); ``copy_tus`` copies tus-js-client's browser build next to it for resumable
uploads, and ``build_editor`` bundles the rich-text editor into
``hub/static/vendor/editor.js``. Run by ``make assets``.
"""
from __future__ import annotations

import sys
from pathlib import Path

PACKAGE = Path("node_modules/@gov-design-system-ce/styles/lib/html")
COMPONENTS = ("gov-container", "gov-breadcrumbs", "gov-card", "gov-tag", "gov-form-label",
              "gov-form-message", "gov-pagination")
TARGET = Path(__file__).parent / "static" / "vendor" / "gov.css"


def build(package: Path = PACKAGE, target: Path = TARGET) -> Path:
    if not package.is_dir():
        raise SystemExit(f"{package} not found: run 'npm ci' first")
    parts = [package / "tokens.css", package / "styles.css", package / "layout.css"]
    parts += [package / "components" / f"{name}.css" for name in COMPONENTS]
    css = [f"/* {p.relative_to(package.parent.parent)} */\n" + p.read_text(encoding="utf-8-sig")
           for p in parts]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("\n".join(css), encoding="utf-8")
    return target


TUS = Path("node_modules/tus-js-client/dist/tus.min.js")


def copy_tus(vendor: Path, source: Path = TUS) -> Path:
    """tus-js-client's browser build (MIT), for ``hub/static/uploads.js``."""
    if not source.is_file():
        raise SystemExit(f"{source} not found: run 'npm ci' first")
    target = vendor / "tus.min.js"
    target.write_bytes(source.read_bytes())
    return target


EDITOR_SOURCE = Path(__file__).parent / "static" / "src" / "editor.js"
EDITOR_TARGET = Path(__file__).parent / "static" / "vendor" / "editor.js"
ESBUILD = Path("node_modules/.bin/esbuild")


def build_editor(source: Path = EDITOR_SOURCE, target: Path = EDITOR_TARGET) -> Path:
    """Bundle the rich-text editor (TipTap from npm) into one file served by the hub: no
    CDN, and nothing evaluated from strings (the content security policy forbids it)."""
    # A fixed command line of the project's own bundler, no shell, no outside input.
    import subprocess  # nosec B404

    if not ESBUILD.is_file():
        raise SystemExit(f"{ESBUILD} not found: run 'npm ci' first")
    command = [str(ESBUILD), str(source), "--bundle", "--minify", "--format=iife",
               "--target=es2019", f"--outfile={target}", "--log-level=warning"]
    subprocess.run(command, check=True)  # noqa: S603  # nosec B603
    return target


if __name__ == "__main__":
    stylesheet = build(Path(sys.argv[1]) if len(sys.argv) > 1 else PACKAGE)
    print(stylesheet)
    print(copy_tus(stylesheet.parent))
    print(build_editor())
