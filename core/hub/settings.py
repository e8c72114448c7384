"""Settings: core defaults, environment overrides and plugin settings schemas."""
from __future__ import annotations

import datetime as dt
import os
from typing import Any

from pyramid.settings import asbool, aslist

from hub.contributions import Setting


class SettingsError(Exception):
    """A configuration value is unknown or invalid; start-up stops."""


def as_int(value: Any) -> int:
    return int(value)


def as_positive_int(value: Any) -> int:
    number = int(value)
    if number < 1:
        raise ValueError("must be a positive whole number")
    return number


def as_list(value: Any) -> list[str]:
    return aslist(value) if isinstance(value, str) else list(value or [])


def as_token_days(value: Any) -> int:
    days = int(value)
    if not 1 <= days <= 3650:
        raise ValueError("give a number of days from 1 to 3650")
    return days


def as_date(value: Any) -> dt.date:
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value).strip())


def as_demo_data(value: Any) -> str:
    from hub.theme import asset_path

    spec = str(value).strip()
    if not asset_path(spec).is_file():
        raise ValueError("not a file")
    return spec


COMPLIANCE_STATUSES = ("full", "partial", "none")


def as_compliance(value: Any) -> str:
    if value not in COMPLIANCE_STATUSES:
        raise ValueError(f"give one of {', '.join(COMPLIANCE_STATUSES)}")
    return value


CORE_SETTINGS = (
    Setting("hub.plugins", [], as_list, "Enabled plugins, in menu order."),
    Setting("hub.site_name", "Pacientský Hub", str, "Name shown in the header and e-mails."),
    # The hub's look (hub.theme): names, logo, colours, header, footer, icon, overrides.
    Setting("hub.site_name_genitive", "", str,
            "The name's Czech genitive, for texts such as 'Zpráva od …' (unset: the name)."),
    Setting("hub.logo", "", str, "Asset specification of the header logo (package:path)."),
    Setting("hub.favicon", "", str, "Asset specification of the site icon (.ico)."),
    Setting("hub.tokens", "", str, "Design tokens, 'name value' a line (primary #2362a2)."),
    Setting("hub.header_text", "", str, "Text under the name; lines may start with 'cs:'."),
    Setting("hub.footer_text", "", str, "Footer text; lines may start with 'en:'."),
    Setting("hub.footer_links", "", str, "Footer links, 'label | address' a line."),
    Setting("hub.overrides", "", str,
            "Asset specifications replacing core or plugin templates (my_theme:overrides/)."),
    Setting("hub.demo_plugins", None, as_list,
            "Plugins whose demo data 'hub demo' loads (unset: every enabled plugin)."),
    Setting("hub.demo_data", "hub:data/demo-patient-hub.toml", as_demo_data,
            "Asset specification of the hub's demo organisations, memberships and topics "
            "(TOML, or .json), which 'hub demo' loads with the demo accounts."),
    Setting("hub.base_url", "http://127.0.0.1:6543", str,
            "Public address used in links sent by e-mail (never taken from the Host header)."),
    Setting("hub.allowed_hosts", [], as_list, "Host names accepted; empty accepts any."),
    Setting("hub.default_locale", "cs", str, "Language for visitors without a choice."),
    Setting("hub.available_locales", ["cs", "en"], as_list, "Languages offered."),
    Setting("hub.secure_cookies", False, asbool, "Send cookies with the Secure flag (production)."),
    Setting("hub.hsts", False, asbool, "Send Strict-Transport-Security (production, behind TLS)."),
    Setting("hub.session.idle_minutes", 60, as_int, "Sign out after this much inactivity."),
    Setting("hub.session.absolute_hours", 24, as_int, "Sign out after this long in any case."),
    Setting("hub.session.backend", "database", str, "'database' or 'redis'."),
    Setting("hub.redis_url", "", str,
            "Redis for sessions, rate limits, the job queue and caches shared by machines."),
    Setting("hub.jobs.backend", "sqlite", str, "'sqlite', 'redis' or 'immediate' (tests)."),
    Setting("hub.jobs.path", "var/jobs.sqlite", str, "File of the embedded job queue."),
    Setting("hub.data_dir", "var", str, "Directory for uploaded files and mail in development."),
    Setting("hub.storage.url", "", str,
            "Where uploaded files are kept: a directory or an fsspec URL such as "
            "s3://bucket/prefix (empty: <hub.data_dir>/files); hub.storage.options.* are "
            "passed to the filesystem."),
    Setting("hub.uploads.max_size", 2 * 1024 ** 3, as_positive_int,
            "Largest resumable upload (tus, /uploads) in bytes."),
    Setting("hub.uploads.max_unfinished", 5, as_positive_int,
            "Unfinished resumable uploads one person may have at a time."),
    Setting("hub.uploads.expire_hours", 24, as_positive_int,
            "Resumable uploads nobody added to or claimed for this long are removed."),
    Setting("hub.erasure_journal", "", str,
            "Directory of the erasure journal (empty: <hub.data_dir>/erasures); keep it out "
            "of the database's reach: a restore reads it to erase people again."),
    Setting("hub.metrics.allowed", ["127.0.0.1", "::1"], as_list,
            "Addresses (or networks) allowed to read /metrics; others get 404."),
    Setting("hub.log_format", "text", str, "'text' or 'json' (one JSON object per line)."),
    Setting("hub.trusted_proxies", [], as_list,
            "Reverse proxies (addresses or networks) whose X-Forwarded-For names the visitor."),
    Setting("hub.dbengine", None, None, "An existing SQLAlchemy engine (tests, embedding)."),
    Setting("sqlalchemy.pool_size", None, as_int,
            "Database connections a process keeps open (unset: SQLAlchemy's 5)."),
    Setting("sqlalchemy.max_overflow", None, as_int,
            "Connections a process may open beyond those when busy (unset: 10)."),
    Setting("hub.terms_version", "2026-01", str, "Version of the terms the users accept."),
    Setting("hub.max_body_size", 10 * 1024 * 1024, as_positive_int,
            "Largest request body in bytes (routes that take uploads may allow more)."),
    Setting("hub.api_tokens.max_days", 365, as_token_days,
            "Longest validity of a personal API token, in days (new tokens: 90 by default)."),
    Setting("hub.media.max_size", 2 * 1024 ** 3, as_positive_int,
            "Largest audio or video file of the media library in bytes (images: at most "
            "20 MB, documents 50 MB, and never more than this)."),
    # The accessibility statement (Decree 523/2020 Coll.): the operator's own facts.
    Setting("hub.accessibility.status", "partial", as_compliance,
            "Compliance with Act 99/2019: 'full', 'partial' or 'none'."),
    Setting("hub.accessibility.prepared", "2026-12-07", as_date,
            "Date the accessibility statement was prepared (YYYY-MM-DD)."),
    Setting("hub.accessibility.reviewed", "2026-12-07", as_date,
            "Date the statement was last reviewed (YYYY-MM-DD)."),
    Setting("hub.accessibility.email", "", str, "E-mail for accessibility feedback."),
    Setting("hub.accessibility.phone", "", str, "Telephone for accessibility feedback."),
)


def mailbox_settings(prefix: str, what: str) -> list[Setting]:
    """The keys of a mailbox the hub reads (``hub.mail.inbox``), for a plugin's
    ``hub_settings_schema``: ``<prefix>maildir`` and/or ``<prefix>imap_host`` with its port,
    TLS, user, password and folder. ``what`` names the mailbox in the descriptions."""
    return [
        Setting(f"{prefix}maildir", "", str, f"Maildir of the {what} (empty: off)."),
        Setting(f"{prefix}imap_host", "", str, f"IMAP server of the {what} (empty: off)."),
        Setting(f"{prefix}imap_port", 0, as_int, "IMAP port; 0: 993 with TLS, 143 with STARTTLS."),
        Setting(f"{prefix}imap_ssl", True, asbool, "'true': IMAP over TLS; 'false': STARTTLS."),
        Setting(f"{prefix}imap_username", "", str, f"IMAP user of the {what}."),
        Setting(f"{prefix}imap_password", "", str, f"IMAP password of the {what}."),
        Setting(f"{prefix}imap_folder", "INBOX", str, f"IMAP folder of the {what}."),
    ]


def apply_core_settings(settings: dict) -> dict:
    """Return a copy of ``settings`` with core defaults, conversions and env overrides."""
    result = dict(settings)
    for spec in CORE_SETTINGS:
        result[spec.key] = _convert(spec, result.get(spec.key, spec.default))
    if os.environ.get("HUB_DATABASE_URL"):
        result["sqlalchemy.url"] = os.environ["HUB_DATABASE_URL"]
    result.setdefault("sqlalchemy.url", "sqlite:///var/hub.sqlite")
    if os.environ.get("HUB_REDIS_URL"):
        result["hub.redis_url"] = os.environ["HUB_REDIS_URL"]
    unknown = [k for k in result if k.startswith("hub.")
               and k not in {s.key for s in CORE_SETTINGS}
               and not k.startswith("hub.storage.options.")]
    if unknown:
        raise SettingsError(f"Unknown core settings: {', '.join(sorted(unknown))}")
    return result


def apply_plugin_settings(settings: dict, schemas: dict[str, list[Setting] | None],
                          installed: set[str]) -> dict:
    """Fill plugin defaults and reject unknown keys of enabled plugins.

    ``schemas`` maps an enabled plugin's name to the list its ``hub_settings_schema``
    returned. Keys of installed but disabled plugins are ignored so one ini file can serve
    several assemblies.
    """
    result = dict(settings)
    for plugin, specs in schemas.items():
        known = {"route_prefix"}
        for spec in specs or ():
            key = f"{plugin}.{spec.key}"
            known.add(spec.key)
            result[key] = _convert(spec, result.get(key, spec.default))
        unknown = sorted(k for k in result if k.startswith(plugin + ".")
                         and k.split(".", 1)[1] not in known)
        if unknown:
            raise SettingsError(
                f"Unknown settings for plugin '{plugin}': {', '.join(unknown)}. "
                f"Known: {', '.join(sorted(known))}."
            )
    return result


def _convert(spec: Setting, value: Any) -> Any:
    if spec.converter is None or value is None:
        return value
    try:
        return spec.converter(value)
    except (TypeError, ValueError) as exc:
        raise SettingsError(f"Setting {spec.key} = {value!r} is invalid: {exc}") from exc
