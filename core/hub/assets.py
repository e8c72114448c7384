"""Build the portal's stylesheet from the government design system's npm package.

``npm ci`` installs ``@gov-design-system-ce/styles``; this script concatenates the
plain-HTML CSS files the templates use into ``hub/static/vendor/gov.css`` (one request,
no CDN). Run by ``make assets``.
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


if __name__ == "__main__":
    print(build(Path(sys.argv[1]) if len(sys.argv) > 1 else PACKAGE))
