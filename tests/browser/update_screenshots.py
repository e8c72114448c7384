"""Copy the README's screenshots from the browser tests' artefacts to docs/screenshots/.

Run the browser tests first (they save every main page under test-artifacts/), then::

    .venv/bin/python tests/browser/update_screenshots.py

The README shows only pictures taken by the tests; none is made by hand.
"""
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
DOCS = ROOT / "docs" / "screenshots"

# docs/screenshots/<name>: the artefact it is copied from.
CHOSEN = {
    "home.png": "home.png",
    "room-calendar.png": "room-calendar-cs.png",
    "course.png": "course-en.png",
    "crm-segment.png": "crm-segment-en.png",
}


def main() -> int:
    missing = [source for source in CHOSEN.values() if not (ARTIFACTS / source).exists()]
    if missing:
        print(f"missing in {ARTIFACTS}: {', '.join(missing)}; run the browser tests first",
              file=sys.stderr)
        return 1
    DOCS.mkdir(parents=True, exist_ok=True)
    for name, source in CHOSEN.items():
        shutil.copyfile(ARTIFACTS / source, DOCS / name)
        print(f"{ARTIFACTS / source} -> {DOCS / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
