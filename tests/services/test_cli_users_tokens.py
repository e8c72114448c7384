"""``hub user create`` and ``hub token create/list/revoke``; the token works on the API."""
import webtest
from click.testing import CliRunner

from hub.cli import main


def _ini(tmp_path):
    path = tmp_path / "hub.ini"
    path.write_text("[app:main]\nuse = egg:hub-core\nhub.plugins =\n"
                    "hub.jobs.backend = immediate\n"
                    f"sqlalchemy.url = sqlite:///{tmp_path / 'cli.sqlite'}\n"
                    f"hub.data_dir = {tmp_path}\n")
    return str(path)


def test_create_a_user_and_a_token_then_call_the_api(tmp_path):
    ini = _ini(tmp_path)
    runner = CliRunner()
    assert runner.invoke(main, ["-c", ini, "db", "upgrade"]).exit_code == 0
    created = runner.invoke(main, ["-c", ini, "user", "create", "--email", "Eva@Example.org",
                                   "--role", "admin", "--name", "Eva Správcová",
                                   "--password-stdin"], input="a long enough secret pass\n")
    assert created.exit_code == 0, created.output
    again = runner.invoke(main, ["-c", ini, "user", "create", "--email", "eva@example.org",
                                 "--password-stdin"], input="a long enough secret pass\n")
    assert again.exit_code != 0 and "exists already" in again.output
    short = runner.invoke(main, ["-c", ini, "user", "create", "--email", "x@example.org",
                                 "--password-stdin"], input="short\n")
    assert short.exit_code != 0 and "12 characters" in short.output

    made = runner.invoke(main, ["-c", ini, "token", "create", "--user", "eva@example.org",
                                "--name", "curl"])
    assert made.exit_code == 0, made.output
    secret = made.stdout.splitlines()[0]
    assert secret.startswith("hub_")
    missing = runner.invoke(main, ["-c", ini, "token", "create", "--user", "no@example.org"])
    assert missing.exit_code != 0 and "No user" in missing.output

    from pyramid.paster import get_app

    api = webtest.TestApp(get_app(ini))
    me = api.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).json
    assert me["email"] == "Eva@Example.org" and me["role"] == "admin"

    listed = runner.invoke(main, ["-c", ini, "token", "list"])
    assert "curl" in listed.output and "active" in listed.output and secret not in listed.output
    token_id = listed.output.split()[0]
    assert runner.invoke(main, ["-c", ini, "token", "revoke", token_id]).exit_code == 0
    assert "revoked" in runner.invoke(main, ["-c", ini, "token", "list"]).output
    api.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}, status=401)
