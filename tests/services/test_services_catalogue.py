"""The Czech catalogue has every string of the core services."""
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

import hub

SERVICE_SOURCES = ("notifications", "mail", "api", "tokens.py", "templates/notifications",
                   "templates/mail", "templates/api", "templates/tokens")


def test_czech_catalogue_translates_the_services_pages(tmp_path):
    root = Path(hub.__file__).parent
    files = []
    for name in SERVICE_SOURCES:
        path = root / name
        files += [str(p) for p in (path.rglob("*") if path.is_dir() else [path])
                  if p.suffix in (".py", ".pt")]
    pot = tmp_path / "services.pot"
    subprocess.run([str(Path(sys.executable).parent / "pot-create"), "--no-location", "-o",
                    str(pot), *sorted(files)], check=True, capture_output=True)
    with pot.open("rb") as handle:
        wanted = {m.id for m in read_po(handle) if m.id}
    with (root / "locale" / "cs" / "LC_MESSAGES" / "hub.po").open("rb") as handle:
        catalog = {m.id: m.string for m in read_po(handle, locale="cs") if m.id}
    assert len(wanted) > 80
    assert sorted(m for m in wanted if not catalog.get(m)) == []
