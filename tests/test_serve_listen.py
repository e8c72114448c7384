"""``hub serve`` listens where the ini's [server:main] says unless told otherwise."""
from hub.cli import listen_address


def test_the_ini_listen_is_honoured(tmp_path):
    ini = tmp_path / "hub.ini"
    ini.write_text("[app:main]\nuse = egg:hub-core\n\n[server:main]\nuse = egg:waitress#main\n"
                   "listen = 127.0.0.1:6544\n")
    assert listen_address(str(ini), None, None) == "127.0.0.1:6544"
    assert listen_address(str(ini), None, 7000) == "127.0.0.1:7000"
    assert listen_address(str(ini), "0.0.0.0", None) == "0.0.0.0:6544"  # noqa: S104


def test_without_a_listen_the_default_address(tmp_path):
    ini = tmp_path / "hub.ini"
    ini.write_text("[app:main]\nuse = egg:hub-core\n")
    assert listen_address(str(ini), None, None) == "127.0.0.1:6543"
