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


def test_token_flags_scope_days_and_any_account(tmp_path):
    """Any account, staff without two-factor included, may get a token on the server."""
    import datetime as dt

    ini = _ini(tmp_path)
    runner = CliRunner()
    assert runner.invoke(main, ["-c", ini, "db", "upgrade"]).exit_code == 0
    assert runner.invoke(main, ["-c", ini, "user", "create", "--email", "ops@example.org",
                                "--role", "staff", "--password-stdin"],
                         input="a long enough secret pass\n").exit_code == 0

    reader = runner.invoke(main, ["-c", ini, "token", "create", "ops@example.org",
                                  "--name", "monitoring"])
    assert reader.exit_code == 0, reader.output
    assert "(read)" in reader.stderr
    writer = runner.invoke(main, ["-c", ini, "token", "create", "ops@example.org", "--name",
                                  "sync", "--scope", "read", "--scope", "write", "--days", "7"])
    assert writer.exit_code == 0, writer.output
    assert "(read write)" in writer.stderr
    until = dt.datetime.strptime(writer.stderr.split("valid until ")[1][:16], "%Y-%m-%d %H:%M")
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    assert dt.timedelta(days=6) < until - now <= dt.timedelta(days=7)

    too_long = runner.invoke(main, ["-c", ini, "token", "create", "ops@example.org",
                                    "--days", "366"])
    assert too_long.exit_code != 0 and "at most 365 days" in too_long.output
    bad_scope = runner.invoke(main, ["-c", ini, "token", "create", "ops@example.org",
                                     "--scope", "admin"])
    assert bad_scope.exit_code != 0
    twice = runner.invoke(main, ["-c", ini, "token", "create", "ops@example.org",
                                 "--user", "other@example.org"])
    assert twice.exit_code != 0 and "once" in twice.output
    nobody = runner.invoke(main, ["-c", ini, "token", "create"])
    assert nobody.exit_code != 0 and "e-mail address" in nobody.output

    from pyramid.paster import get_app

    api = webtest.TestApp(get_app(ini))
    read_secret = reader.stdout.splitlines()[0]
    write_secret = writer.stdout.splitlines()[0]
    me = api.get("/api/v1/me", headers={"Authorization": f"Bearer {read_secret}"}).json
    assert me["role"] == "staff"
    reply = api.post("/api/v1/notifications/read-all", status=403,
                     headers={"Authorization": f"Bearer {read_secret}"})
    assert reply.json["error"]["code"] == "insufficient_scope"
    api.post("/api/v1/notifications/read-all",
             headers={"Authorization": f"Bearer {write_secret}"}, status=200)

    listed = runner.invoke(main, ["-c", ini, "token", "list", "--user", "ops@example.org"])
    lines = listed.output.splitlines()
    assert len(lines) == 2 and "monitoring" in lines[0] and " read " in lines[0]
    assert "sync" in lines[1] and " write " in lines[1] and "expires " in lines[1]
