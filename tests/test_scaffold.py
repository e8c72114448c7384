"""``hub plugin new``: the generated plugin installs, migrates, serves and passes its tests."""
import os
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.cli import main
from hub.scaffold import render

SHAPE = {
    "README.md", "pyproject.toml", "setup.cfg", "setup.py", ".gitignore",
    "hub_kitdemo/__init__.py", "hub_kitdemo/hooks.py", "hub_kitdemo/i18n.py",
    "hub_kitdemo/models.py", "hub_kitdemo/services.py", "hub_kitdemo/views.py",
    "hub_kitdemo/api.py", "hub_kitdemo/templates/index.pt",
    "hub_kitdemo/locale/cs/LC_MESSAGES/hub_kitdemo.po",
    "hub_kitdemo/locale/en/LC_MESSAGES/hub_kitdemo.po",
    "tests/conftest.py", "tests/test_pages.py", "tests/test_api.py", "tests/test_hooks.py",
}


def test_the_generated_plugin_has_the_documented_shape():
    files = render("kitdemo")
    migrations = [p for p in files if p.startswith("hub_kitdemo/migrations/")]
    assert set(files) - set(migrations) == SHAPE and len(migrations) == 1
    assert 'PLUGIN_API = ">=1.0,<2"' in files["hub_kitdemo/__init__.py"]
    assert "kitdemo = hub_kitdemo" in files["setup.cfg"]
    assert not any("{{" in text for text in files.values())


def test_bad_names_and_occupied_directories_are_refused(tmp_path):
    runner = CliRunner()
    for name in ("Kit", "kit_demo", "1kit", "k"):
        result = runner.invoke(main, ["plugin", "new", name, "--path", str(tmp_path)])
        assert result.exit_code != 0 and "cannot name a plugin" in result.output
    (tmp_path / "hub-kitdemo").mkdir()
    (tmp_path / "hub-kitdemo" / "mine.txt").write_text("keep")
    result = runner.invoke(main, ["plugin", "new", "kitdemo", "--path", str(tmp_path)])
    assert result.exit_code != 0 and "not empty" in result.output


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run(args, **kwargs) -> str:
    done = subprocess.run(args, capture_output=True, text=True, timeout=900, **kwargs)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def _throwaway_venv(where: Path) -> Path:
    """A new environment that sees this environment's packages (hub-core and its
    requirements) as a second site directory, so installing into it changes nothing here."""
    _run([sys.executable, "-m", "venv", "--without-pip", str(where)])
    python = where / "bin" / "python"
    purelib = _run([str(python), "-c",
                    "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).strip()
    ours = sysconfig.get_paths()["purelib"]
    Path(purelib, "hub_core.pth").write_text(f"import site; site.addsitedir({ours!r})\n")
    return python


def _get(url: str, deadline: float) -> str:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310
                return response.read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


@pytest.mark.slow
def test_a_generated_plugin_installs_migrates_serves_and_passes_its_tests(tmp_path):
    result = CliRunner().invoke(main, ["plugin", "new", "kitdemo", "--path", str(tmp_path)])
    assert result.exit_code == 0, result.output
    plugin = tmp_path / "hub-kitdemo"
    python = _throwaway_venv(tmp_path / "venv")
    # Plain pip install, with build isolation, by this environment's pip.
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", str(plugin)])
    port = _free_port()
    ini = tmp_path / "hub.ini"
    ini.write_text(f"""[app:main]
use = egg:hub-core
hub.plugins = kitdemo
hub.base_url = http://127.0.0.1:{port}
hub.allowed_hosts = 127.0.0.1
hub.data_dir = {tmp_path / "var"}
hub.jobs.backend = immediate
sqlalchemy.url = sqlite:///{tmp_path / "hub.sqlite"}
mail.backend = files

[server:main]
use = egg:waitress#main
listen = 127.0.0.1:{port}
""")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTEST_", "HUB_CONFIG", "COV_"))}
    hub = [str(python), "-m", "hub.cli", "--config", str(ini)]
    assert "kitdemo" in _run([*hub, "db", "upgrade"], env=env)
    server = subprocess.Popen([*hub, "serve"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        page = _get(f"http://127.0.0.1:{port}/kitdemo", deadline)
        assert "Zatím tu nejsou žádné zápisy." in page and 'href="/kitdemo"' in page
        listing = _get(f"http://127.0.0.1:{port}/api/v1/kitdemo/entries", deadline)
        assert '"items": []' in listing.replace('"items":[]', '"items": []')
    finally:
        server.terminate()
        server.wait(30)
    # The generated tests, as generated, in the plugin's own directory (no hub ini there).
    output = _run([str(python), "-m", "pytest", "-q", "-p", "no:xdist"], cwd=plugin, env=env)
    assert " passed" in output and "failed" not in output and "warning" not in output
