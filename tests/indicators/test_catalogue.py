"""Every string of the indicators report and of the plugins' figures is in Czech."""
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

import hub

ROOT = Path(hub.__file__).parent
PLUGINS = Path(__file__).parents[2] / "plugins"


def wanted(tmp_path, sources) -> list[str]:
    pot = tmp_path / "indicators.pot"
    subprocess.run([str(Path(sys.executable).parent / "pot-create"), "--no-location", "-s",
                    "-o", str(pot), *map(str, sources)], check=True,  # noqa: S603
                   capture_output=True)
    with pot.open("rb") as f:
        return [m.id for m in read_po(f) if m.id]


def untranslated(po: Path, ids: list[str]) -> list[str]:
    with po.open("rb") as f:
        czech = read_po(f, locale="cs")
    return [m for m in ids if czech.get(m) is None or not czech.get(m).string]


def test_core_strings(tmp_path):
    ids = wanted(tmp_path, [*(ROOT / "indicators").glob("*.py"),
                            *(ROOT / "indicators" / "templates").glob("*.pt"),
                            ROOT / "charts.py"])
    assert len(ids) > 40
    assert untranslated(ROOT / "locale" / "cs" / "LC_MESSAGES" / "hub.po", ids) == []


@pytest.mark.parametrize("plugin", ["events", "elearning", "booking", "newsletter"])
def test_plugin_strings(tmp_path, plugin):
    package = PLUGINS / plugin / f"hub_{plugin}"
    ids = wanted(tmp_path, [package / "indicators.py"])
    assert len(ids) >= 5
    po = package / "locale" / "cs" / "LC_MESSAGES" / f"hub_{plugin}.po"
    assert untranslated(po, ids) == []
