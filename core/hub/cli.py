"""The ``hub`` command: run the portal, migrate the database, load demo data, run workers.

The configuration file is ``--config``, else ``$HUB_CONFIG``, else
``config/development.ini``. Plugins add subcommands through ``hub_cli``.
"""
from __future__ import annotations

import os
import sys
from functools import cached_property

import click

DEFAULT_CONFIG = "config/development.ini"


class Env:
    """The configuration and, built on first use, the application around a CLI call."""

    def __init__(self, config_path: str):
        self.config_path = config_path

    @cached_property
    def settings(self) -> dict:
        from pyramid.paster import get_appsettings, setup_logging

        if not os.path.exists(self.config_path):
            raise click.ClickException(f"Configuration file not found: {self.config_path}")
        setup_logging(self.config_path)
        return dict(get_appsettings(self.config_path))

    @cached_property
    def config(self):
        from hub.app import make_config
        from hub.plugins import PluginError
        from hub.settings import SettingsError

        try:
            return make_config(self.settings)
        except (PluginError, SettingsError) as exc:
            raise click.ClickException(str(exc)) from exc

    @property
    def registry(self):
        return self.config.registry

    @cached_property
    def app(self):
        return self.config.make_wsgi_app()


def _config_path(ctx_args_config: str | None) -> str:
    return ctx_args_config or os.environ.get("HUB_CONFIG") or DEFAULT_CONFIG


class HubGroup(click.Group):
    """Adds the plugins' subcommands once the configuration is known."""

    def _plugin_group(self, ctx):
        if "hub.plugin_commands" not in ctx.meta:
            ctx.meta["hub.plugin_commands"] = {}
            config = _config_path(ctx.params.get("config"))
            if os.path.exists(config):
                try:
                    env = Env(config)
                    extra = click.Group()
                    env.registry["hub.pm"].hook.hub_cli(group=extra)
                    ctx.meta["hub.plugin_commands"] = extra.commands
                except click.ClickException:
                    pass  # the built-in command will report the configuration error
        return ctx.meta["hub.plugin_commands"]

    def list_commands(self, ctx):
        return sorted(set(super().list_commands(ctx)) | set(self._plugin_group(ctx)))

    def get_command(self, ctx, name):
        return super().get_command(ctx, name) or self._plugin_group(ctx).get(name)


@click.group(cls=HubGroup)
@click.option("--config", "-c", default=None, envvar="HUB_CONFIG",
              help=f"ini file (default: {DEFAULT_CONFIG})")
@click.pass_context
def main(ctx, config):
    """Patient Hub portal administration."""
    ctx.obj = Env(_config_path(config))


pass_env = click.make_pass_decorator(Env)


DEFAULT_LISTEN = "127.0.0.1:6543"


def listen_address(config_path: str, host: str | None, port: int | None) -> str:
    """Where ``hub serve`` listens: ``--host``/``--port`` when given, else the ini's
    ``[server:main] listen``, else 127.0.0.1:6543."""
    import plaster

    configured = ""
    if os.path.exists(config_path):
        configured = plaster.get_settings(config_path, "server:main").get("listen", "")
    default_host, _, default_port = (configured.split() or [DEFAULT_LISTEN])[0].rpartition(":")
    if host is None and port is None and configured:
        return configured
    return f"{host or default_host or '127.0.0.1'}:{port or default_port or 6543}"


@main.command()
@click.option("--host", default=None, help="default: the ini's listen, else 127.0.0.1")
@click.option("--port", default=None, type=int, help="default: the ini's listen, else 6543")
@click.option("--threads", default=8, type=int)
@pass_env
def serve(env, host, port, threads):
    """Serve the portal with waitress (where the ini's [server:main] listen says)."""
    import waitress

    listen = listen_address(env.config_path, host, port)
    app = env.app
    click.echo(f"Serving on {' '.join(f'http://{a}' for a in listen.split())}")
    waitress.serve(app, listen=listen, threads=threads, ident=None)


@main.group()
def db():
    """Database migrations."""


@db.command("upgrade")
@click.option("--revision", default="heads")
@pass_env
def db_upgrade(env, revision):
    """Upgrade the core, then every enabled plugin."""
    from hub import migrate

    for branch in migrate.upgrade(env.registry, revision):
        click.echo(f"{branch}: up to date")


@db.command("downgrade")
@click.argument("branch")
@click.option("--revision", default="base")
@pass_env
def db_downgrade(env, branch, revision):
    """Downgrade one branch (a plugin's tables are removed at 'base')."""
    from hub import migrate

    migrate.downgrade(env.registry, branch, revision)
    click.echo(f"{branch}: downgraded to {revision}")


@db.command("current")
@pass_env
def db_current(env):
    """Show the database revision of each branch."""
    from hub import migrate

    for branch, (current, head) in migrate.current_heads(env.registry).items():
        state = "up to date" if current == head else f"needs upgrade to {head}"
        click.echo(f"{branch}: {current or '-'} ({state})")


@db.command("revision")
@click.argument("branch")
@click.option("--message", "-m", required=True)
@click.option("--empty", is_flag=True, help="Do not autogenerate from the models.")
@pass_env
def db_revision(env, branch, message, empty):
    """Write a new migration for BRANCH (core or a plugin name)."""
    from hub import migrate

    migrate.revision(env.registry, branch, message, autogenerate=not empty)


@db.command("reindex")
@pass_env
def db_reindex(env):
    """Rebuild the search index from the content of every enabled plugin."""
    from hub import migrate

    for kind in migrate.refresh_search_index(env.registry, force=True):
        click.echo(f"search index: {kind}")


@main.command()
@click.option("--scale", default=1, type=int, help="Multiply the amount of data (benchmarks).")
@pass_env
def demo(env, scale):
    """Load demo data from every enabled plugin (safe to run again)."""
    from hub.demo import load_demo_data

    for name in load_demo_data(env.registry, scale):
        click.echo(f"demo data: {name}")


@main.command()
@pass_env
def plugins(env):
    """List installed plugins, their versions and whether they are enabled."""
    from hub.plugins import installed_plugins

    enabled = set(env.settings and _enabled(env))
    for name, ep in sorted(installed_plugins().items()):
        dist = ep.dist
        version = dist.version if dist else "?"
        dist_name = dist.metadata["Name"] if dist else "?"
        state = "enabled" if name in enabled else "installed"
        click.echo(f"{name:<14} {dist_name:<18} {version:<10} {state}")


def _enabled(env) -> list[str]:
    from hub.settings import as_list

    return as_list(env.settings.get("hub.plugins", ""))


@main.command()
@click.option("--workers", default=2, type=int)
@click.option("--metrics-port", default=None, type=click.IntRange(1, 65535),
              help="Serve this worker's Prometheus metrics on 127.0.0.1:PORT.")
@pass_env
def worker(env, workers, metrics_port):
    """Run background jobs (and the plugins' periodic jobs)."""
    from hub.jobs import register_periodic_jobs

    registry = env.registry
    if metrics_port:
        from prometheus_client import start_http_server

        start_http_server(metrics_port, addr="127.0.0.1")
    names = register_periodic_jobs(registry)
    click.echo(f"worker: {workers} threads; periodic jobs: {', '.join(names) or 'none'}")
    consumer = registry["hub.huey"].create_consumer(workers=workers, worker_type="thread",
                                                   periodic=True)
    consumer.run()


# -- backup and restore ------------------------------------------------------------------

@main.command()
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Archive to write (default: hub-backup-<UTC date and time>.tar.gz).")
@pass_env
def backup(env, output):
    """Back up the database and the files into one archive (safe while the portal runs)."""
    import datetime as dt
    from pathlib import Path

    from hub.backup import BackupError, create_backup

    output = Path(output or f"hub-backup-{dt.datetime.now(dt.UTC):%Y%m%d-%H%M%S}.tar.gz")
    try:
        manifest = create_backup(env.registry, output)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{output}: {manifest['database']['kind']} database and "
               f"{len(manifest['files'])} files, taken at {manifest['created_at']}")


@main.command()
@click.argument("archive", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_env
def restore(env, archive, yes):
    """Replace the database and the files with those of ARCHIVE, then erase again every
    account erased since (the erasure journal). Stop the web processes and workers first."""
    from pathlib import Path

    from hub.backup import BackupError, read_manifest, restore_backup

    try:
        manifest = read_manifest(Path(archive))
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    if not yes:
        click.confirm(f"Replace the database and the files with the backup taken at "
                      f"{manifest['created_at']}?", abort=True)
    try:
        result = restore_backup(env.registry, Path(archive))
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"restored the backup taken at {manifest['created_at']}: database and "
               f"{result.files} files")
    click.echo(f"accounts erased again from the erasure journal: {len(result.erased_again)}")


# -- people and tokens -------------------------------------------------------------------

def _transaction(env):
    """A background request whose work commits when the block ends (or rolls back)."""
    from hub.jobs import background_request

    return background_request(env.registry)


def _find_user(request, email: str):
    import sqlalchemy as sa

    from hub.accounts.models import User

    user = request.dbsession.scalar(sa.select(User).where(
        sa.func.lower(User.email) == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"No user with the e-mail address {email}.")
    return user


@main.group()
def user():
    """User accounts."""


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < 12:
        raise click.ClickException("The password must have at least 12 characters.")
    return password


@user.command("create")
@click.option("--email", required=True)
@click.option("--role", type=click.Choice(["member", "staff", "admin"]), default="member",
              show_default=True)
@click.option("--name", default=None, help="Full name (default: from the e-mail address).")
@click.option("--language", type=click.Choice(["cs", "en"]), default="cs", show_default=True)
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of standard input.")
@pass_env
def user_create(env, email, role, name, language, password_stdin):
    """Create a verified account (the password is asked for, or read from stdin)."""
    import sqlalchemy as sa

    from hub.accounts.models import User
    from hub.accounts.passwords import hash_password
    from hub.db import utcnow

    email = email.strip()
    if "@" not in email or any(c.isspace() for c in email) or len(email) > 254:
        raise click.ClickException(f"Not an e-mail address: {email!r}")
    password = _read_password(password_stdin)
    request = _transaction(env)
    with request.tm:
        exists = request.dbsession.scalar(sa.select(User.id).where(
            sa.func.lower(User.email) == email.lower()))
        if exists:
            raise click.ClickException(f"A user with the e-mail address {email} exists already.")
        account = User(email=email, name=name or email.split("@")[0], role=role,
                       language=language, password_hash=hash_password(password),
                       email_verified_at=utcnow(), password_changed_at=utcnow())
        request.dbsession.add(account)
        request.dbsession.flush()
        click.echo(f"Created user {account.id} <{account.email}> ({role}).")


@main.group()
def token():
    """Personal API tokens."""


@token.command("create")
@click.argument("email", required=False)
@click.option("--user", "user_email", default=None,
              help="E-mail address of the token's owner (or give it as the argument).")
@click.option("--name", default="CLI", show_default=True, help="What the token is for.")
@click.option("--scope", "scopes", multiple=True, type=click.Choice(["read", "write"]),
              help="read (the default) or write, which includes read.")
@click.option("--days", type=click.IntRange(min=1), default=None,
              help="Valid for this many days (default: 90, at most hub.api_tokens.max_days).")
@pass_env
def token_create(env, email, user_email, name, scopes, days):
    """Create a token for the account EMAIL and print it (it is not stored and cannot be
    shown again). Any account may get one here, staff included: access to the server
    stands in for the two-factor check of the profile page."""
    import datetime as dt

    from hub.db import utcnow
    from hub.tokens import create_token, default_days

    if email and user_email and email.strip().lower() != user_email.strip().lower():
        raise click.ClickException("Give the owner's e-mail address once.")
    email = email or user_email
    if not email:
        raise click.ClickException("Give the e-mail address of the token's owner.")
    if not name.strip():
        raise click.ClickException("The token needs a name.")
    max_days = env.registry.settings["hub.api_tokens.max_days"]
    if days is not None and days > max_days:
        raise click.ClickException(f"A token can be valid for at most {max_days} days "
                                   "(hub.api_tokens.max_days).")
    days = days or default_days(env.registry.settings)
    request = _transaction(env)
    with request.tm:
        owner = _find_user(request, email)
        # Staff rights for a staff account only: a promotion later does not add them.
        row, secret = create_token(request.dbsession, owner, name,
                                   utcnow() + dt.timedelta(days=days), scopes or ("read",),
                                   staff_rights=owner.is_staff)
        token_id, granted, expires = row.id, row.scopes, row.expires_at
    click.echo(secret)
    click.echo(f"token {token_id} for {email} ({granted}), valid until "
               f"{expires:%Y-%m-%d %H:%M} UTC; shown only once.", err=True)


@token.command("list")
@click.option("--user", "email", default=None, help="Only the tokens of this user.")
@pass_env
def token_list(env, email):
    """List tokens (never their secrets)."""
    import sqlalchemy as sa

    from hub.accounts.models import User
    from hub.tokens import ApiToken

    request = _transaction(env)
    with request.tm:
        query = sa.select(ApiToken, User.email).join(User, User.id == ApiToken.user_id)
        if email:
            query = query.where(ApiToken.user_id == _find_user(request, email).id)
        for row, owner in request.dbsession.execute(query.order_by(ApiToken.id)).all():
            state = "revoked" if row.revoked_at else ("active" if row.is_valid() else "expired")
            used = row.last_used_at.isoformat(timespec="minutes") if row.last_used_at else "-"
            expires = row.expires_at.isoformat(timespec="minutes")
            click.echo(f"{row.id:>5}  {row.prefix}…  {state:<8} {row.scope_choice:<5} "
                       f"{owner:<30} expires {expires} last used {used}  {row.name}")


@token.command("revoke")
@click.argument("token_id", type=int)
@pass_env
def token_revoke(env, token_id):
    """Revoke a token by its number (see ``hub token list``)."""
    from hub.db import utcnow
    from hub.tokens import ApiToken

    request = _transaction(env)
    with request.tm:
        row = request.dbsession.get(ApiToken, token_id)
        if row is None:
            raise click.ClickException(f"No token {token_id}.")
        if row.revoked_at is None:
            row.revoked_at = utcnow()
    click.echo(f"token {token_id} revoked")


@main.group("plugin")
def plugin_group():
    """Write plugins."""


@plugin_group.command("new")
@click.argument("name")
@click.option("--path", "parent", default=".", show_default=True,
              type=click.Path(file_okay=False),
              help="Directory in which to create hub-NAME.")
def plugin_new(name, parent):
    """Create the plugin NAME: package, hooks, model, migration, page, API, catalogues and
    tests, ready for `pip install`."""
    from hub.scaffold import ScaffoldError, generate

    try:
        target = generate(name, parent)
    except ScaffoldError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Created {target}. Next: pip install -e '{target}[testing]', add {name} to "
               f"hub.plugins in the hub's ini file, hub db upgrade; pytest {target} runs "
               "its tests.")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
