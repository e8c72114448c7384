"""Every string of the consent pages is translated into Czech."""
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

import hub


def test_czech_catalogue_covers_the_consent_strings(tmp_path):
    root = Path(hub.__file__).parent
    sources = sorted(str(p) for p in [*(root / "consent").glob("*.py"),
                                      *(root / "consent" / "templates").glob("*.pt"),
                                      root / "topics" / "digest.py",
                                      root / "templates" / "topics" / "interests_form.pt"])
    pot = tmp_path / "consent.pot"
    subprocess.run([str(Path(sys.executable).parent / "pot-create"), "--no-location", "-s",
                    "-o", str(pot), *sources], check=True, capture_output=True)  # noqa: S603
    with pot.open("rb") as f:
        wanted = [m.id for m in read_po(f) if m.id]
    with (root / "locale" / "cs" / "LC_MESSAGES" / "hub.po").open("rb") as f:
        czech = read_po(f, locale="cs")
    assert len(wanted) > 60
    assert [m for m in wanted if czech.get(m) is None or not czech.get(m).string] == []
