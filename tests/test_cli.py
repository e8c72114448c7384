"""The ``hub`` command."""
import sqlalchemy as sa
from click.testing import CliRunner

from hub.cli import main


def _ini(tmp_path, plugins="events elearning", url=None):
    url = url or f"sqlite:///{tmp_path / 'cli.sqlite'}"
    path = tmp_path / "hub.ini"
    path.write_text(f"[app:main]\nuse = egg:hub-core\nhub.plugins = {plugins}\n"
                    f"hub.jobs.backend = immediate\nsqlalchemy.url = {url}\n")
    return str(path), url


def test_plugins_lists_installed_and_enabled(tmp_path):
    ini, _ = _ini(tmp_path)
    result = CliRunner().invoke(main, ["--config", ini, "plugins"])
    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line for line in result.output.splitlines()}
    assert lines["events"].endswith("enabled") and lines["booking"].endswith("installed")
    assert "hub-events" in lines["events"] and "1.0.0" in lines["events"]


def test_db_upgrade_then_demo_twice_is_idempotent(tmp_path):
    ini, url = _ini(tmp_path)
    runner = CliRunner()
    assert runner.invoke(main, ["-c", ini, "db", "upgrade"]).exit_code == 0
    first = runner.invoke(main, ["-c", ini, "demo"])
    assert first.exit_code == 0, first.output
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        users = conn.exec_driver_sql('SELECT count(*) FROM "user"').scalar()
    assert users >= 4
    assert runner.invoke(main, ["-c", ini, "demo"]).exit_code == 0
    with engine.connect() as conn:
        assert conn.exec_driver_sql('SELECT count(*) FROM "user"').scalar() == users
    current = runner.invoke(main, ["-c", ini, "db", "current"])
    assert "core:" in current.output and "up to date" in current.output
    engine.dispose()


def test_unknown_plugin_is_reported_without_a_traceback(tmp_path):
    ini, _ = _ini(tmp_path, plugins="events nosuch")
    result = CliRunner().invoke(main, ["-c", ini, "db", "upgrade"])
    assert result.exit_code != 0
    assert "nosuch" in result.output and "Installed plugins:" in result.output
    assert "Traceback" not in result.output


def test_missing_configuration_file_is_reported(tmp_path):
    result = CliRunner().invoke(main, ["-c", str(tmp_path / "none.ini"), "db", "upgrade"])
    assert result.exit_code != 0 and "not found" in result.output


def test_another_hub_configuration_has_two_modules_and_its_own_theme():
    from pyramid.paster import get_appsettings

    settings = get_appsettings("config/another-hub.ini")
    # Two feature modules of this repository, and the other hub's own theme plugin.
    assert settings["hub.plugins"].split() == ["events", "elearning", "schools"]
