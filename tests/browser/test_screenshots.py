"""The README shows the screenshots the browser tests take, copied by update_screenshots.py."""
import re
from pathlib import Path

from update_screenshots import CHOSEN, DOCS, ROOT


def test_readme_images_are_the_copied_test_screenshots():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = re.findall(r"!\[[^\]]+\]\(docs/screenshots/([^)]+)\)", readme)
    assert 2 <= len(shown) <= 4
    assert set(shown) <= set(CHOSEN)
    for name in shown:
        assert (DOCS / name).stat().st_size > 10_000, f"{name} is not a real screenshot"
        assert (DOCS / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_every_chosen_artefact_is_saved_by_a_browser_test():
    sources = "".join(path.read_text(encoding="utf-8")
                      for path in Path(__file__).parent.glob("test_*.py"))
    for artefact in CHOSEN.values():
        stem = artefact.removesuffix(".png")
        base = re.sub(r"-(cs|en)$", "", stem)
        assert f'"{stem}"' in sources or f'f"{base}-{{locale}}"' in sources, artefact
