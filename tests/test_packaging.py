"""Distributions ship their templates, static files, catalogues and migrations."""
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def build_wheel(source: Path, out: Path) -> zipfile.ZipFile:
    """Build as any packaging tool would: in an isolated environment made from the
    distribution's own ``[build-system] requires``, with no hub-core in it."""
    done = subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(out),
                           str(source)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    # setuptools' warnings are classes (SetuptoolsDeprecationWarning, BuildBackendWarning…).
    assert not re.search(r"\w+Warning\b", done.stdout + done.stderr), done.stdout + done.stderr
    return zipfile.ZipFile(next(out.glob("*.whl")))


@pytest.mark.slow
def test_core_wheel_contains_templates_static_catalogues_and_migrations(tmp_path):
    names = build_wheel(ROOT, tmp_path).namelist()
    assert "hub/templates/layout.pt" in names
    assert "hub/static/hub.css" in names
    assert "hub/indicators/templates/report.pt" in names
    assert "hub/fonts/DejaVuSans.ttf" in names  # Czech letters in the indicators' PDF
    assert "hub/locale/cs/LC_MESSAGES/hub.mo" in names
    assert "hub/migrations/env.py" in names and "hub/migrations/script.py.mako" in names
    assert any(n.startswith("hub/migrations/versions/") and n.endswith(".py") for n in names)
    assert not any(n.startswith(("tests/", "plugins/")) for n in names)


@pytest.mark.slow
def test_plugin_builds_with_isolation_without_warnings(tmp_path):
    """``python -m build`` of a plugin: catalogues compiled by babel alone, no hub-core."""
    wheel = build_wheel(ROOT / "plugins" / "booking", tmp_path)
    names = wheel.namelist()
    assert "hub_booking/locale/cs/LC_MESSAGES/hub_booking.mo" in names
    assert "hub_booking/templates/index.pt" in names
    assert not any(n.startswith("tests/") for n in names)


@pytest.mark.slow
def test_plugin_wheel_contains_its_files_and_entry_point(tmp_path):
    wheel = build_wheel(ROOT / "plugins" / "events", tmp_path)
    names = wheel.namelist()
    assert "hub_events/templates/index.pt" in names
    assert "hub_events/locale/cs/LC_MESSAGES/hub_events.mo" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "events = hub_events" in wheel.read(entry_points).decode()


@pytest.mark.slow
def test_third_party_plugin_wheel_ships_its_migrations(tmp_path):
    names = build_wheel(ROOT / "examples" / "hub-greetings", tmp_path).namelist()
    assert any(n.startswith("hub_greetings/migrations/") for n in names)
