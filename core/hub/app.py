"""Application assembly: settings → plugins → Pyramid configuration → WSGI app."""
from __future__ import annotations

import gc

from pyramid.config import Configurator

from hub import plugins as plugin_loader
from hub.contributions import Permission
from hub.security import CORE_PERMISSIONS, ROLE_NAMES, build_root_acl
from hub.settings import SettingsError, apply_core_settings, apply_plugin_settings
from hub.shell import flatten


def make_config(settings: dict, global_config=None) -> Configurator:
    """A committed Configurator with the core and the enabled plugins included."""
    settings = apply_core_settings(settings)
    loaded = plugin_loader.load_plugins(settings["hub.plugins"])
    pm = plugin_loader.make_plugin_manager(loaded)
    order = plugin_loader.dependency_order(pm, loaded)
    schemas = {name: spec for name, spec in
               plugin_loader.per_plugin(pm, "hub_settings_schema").items() if name in loaded}
    for name in loaded:
        schemas.setdefault(name, [])
    settings = apply_plugin_settings(settings, schemas, set(plugin_loader.installed_plugins()))

    config = Configurator(settings=settings)
    config.registry["hub.pm"] = pm
    config.registry["hub.plugins"] = loaded
    config.registry["hub.plugin_order"] = order
    config.registry["hub.root_acl"] = build_root_acl(collect_permissions(pm))
    config.registry["hub.root_acl_answers"] = {}

    config.include("hub.routing")  # before any route
    config.include("pyramid_chameleon")
    config.include("hub.logging_json")
    config.include("hub.proxy")
    config.include("hub.security")  # before anything that could commit (CSRF defaults)
    config.include("hub.params")
    config.include("hub.db")
    config.include("hub.cache")
    config.include("hub.page_cache")
    config.include("hub.sessions")
    config.include("hub.i18n")
    config.include("hub.theme")  # before anything renders: template overrides
    config.include("hub.shell")
    config.include("hub.embeds")
    config.include("hub.api")
    config.include("hub.jobs")
    config.include("hub.metrics")  # counts the queue's jobs
    config.include("hub.mail")
    config.include("hub.notifications")
    config.include("hub.accounts")
    config.include("hub.organizations.views")
    config.include("hub.profile")
    config.include("hub.privacy")
    config.include("hub.admin")
    config.include("hub.tokens")
    config.include("hub.topics")
    config.include("hub.feedback")
    config.include("hub.media")
    config.include("hub.consent")
    config.include("hub.indicators")
    config.include("hub.search")
    config.include("hub.uploads")
    config.include("hub.views")
    config.include("hub.health")
    for name in order:
        prefix = settings.get(f"{name}.route_prefix", f"/{name}")
        config.include(loaded[name].module, route_prefix=prefix)
    config.commit()
    return config


def collect_permissions(pm) -> list[Permission]:
    permissions = list(CORE_PERMISSIONS) + flatten(pm.hook.hub_permissions())
    seen: dict[str, Permission] = {}
    for perm in permissions:
        if perm.name in seen and seen[perm.name] != perm:
            raise SettingsError(f"Permission {perm.name} is declared twice, differently.")
        # A plugin's own roles (given by hub_roles) are named "<plugin>.<role>".
        unknown = {r for r in perm.roles if r not in ROLE_NAMES and "." not in r}
        if unknown:
            raise SettingsError(f"Permission {perm.name} names unknown roles {sorted(unknown)}")
        seen[perm.name] = perm
    return list(seen.values())


def make_app(settings: dict, global_config=None):
    config = make_config(settings, global_config)
    app = config.make_wsgi_app()
    # What start-up made lives as long as the process: keep it out of the collector's full
    # passes, which otherwise stall a busy worker for tens of milliseconds.
    gc.freeze()
    return app
