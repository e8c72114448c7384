"""Plugin discovery, enabling by configuration and the per-application PluginManager.

Plugins are distributions with an entry point in the group ``hub.plugins`` that names
their package. Only the plugins listed in ``hub.plugins`` are imported and registered;
the others are blocked. The manager lives in the registry, never in a module global, so
two applications (or two tests) never share registrations.
"""
from __future__ import annotations

import importlib
import importlib.metadata as md
from dataclasses import dataclass
from graphlib import CycleError, TopologicalSorter
from types import ModuleType

import pluggy

from hub import hookspecs
from hub.markers import PROJECT

ENTRY_POINT_GROUP = "hub.plugins"

# The core's own behaviour is registered through the same hooks as any plugin.
INTERNAL_PLUGINS = (
    "hub.core_hooks",
    "hub.accounts.hooks",
    "hub.organizations.hooks",
    "hub.organizations.network_hooks",
    "hub.notifications.hooks",
    "hub.topics.hooks",
    "hub.feedback.hooks",
    "hub.media.hooks",
    "hub.uploads.hooks",
    "hub.consent.hooks",
    "hub.indicators.hooks",
)


class PluginError(Exception):
    """A plugin configuration problem that must stop start-up."""


@dataclass(frozen=True)
class PluginInfo:
    name: str
    module: ModuleType
    distribution: str
    version: str

    @property
    def package(self) -> str:
        return self.module.__name__


def installed_plugins() -> dict[str, md.EntryPoint]:
    """Entry points of every installed plugin, by plugin name.

    Editable installs may list an entry point twice; the first one wins.
    """
    found: dict[str, md.EntryPoint] = {}
    for ep in md.entry_points(group=ENTRY_POINT_GROUP):
        found.setdefault(ep.name, ep)
    return found


def _distribution_of(ep: md.EntryPoint) -> tuple[str, str]:
    dist = getattr(ep, "dist", None)
    if dist is None:
        return ("?", "?")
    return (dist.metadata["Name"], dist.version)


def load_plugins(enabled: list[str]) -> dict[str, PluginInfo]:
    """Import the enabled plugins, in configuration order."""
    available = installed_plugins()
    duplicates = sorted({n for n in enabled if enabled.count(n) > 1})
    if duplicates:
        raise PluginError(f"hub.plugins names a plugin more than once: {', '.join(duplicates)}")
    missing = [n for n in enabled if n not in available]
    if missing:
        installed = ", ".join(sorted(available)) or "none"
        raise PluginError(
            f"hub.plugins names plugins that are not installed: {', '.join(missing)}. "
            f"Installed plugins: {installed}."
        )
    loaded = {}
    for name in enabled:
        ep = available[name]
        module = ep.load()
        dist_name, version = _distribution_of(ep)
        check_plugin_api(name, dist_name, getattr(module, "PLUGIN_API", None))
        loaded[name] = PluginInfo(name, module, dist_name, version)
    return loaded


def _api_version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.strip().split("."))


_COMPARISONS = {
    ">=": lambda have, want: have >= want, "<=": lambda have, want: have <= want,
    "==": lambda have, want: have == want, "!=": lambda have, want: have != want,
    ">": lambda have, want: have > want, "<": lambda have, want: have < want,
}


def supports(declared: str, api: str) -> bool:
    """Whether the range a plugin declares (``">=1.0,<2"``) includes the core's ``api``.

    Versions are compared as numbers part by part, missing parts being zeros.
    """
    have = _api_version(api)
    for clause in declared.split(","):
        clause = clause.strip()
        operator = next((op for op in sorted(_COMPARISONS, key=len, reverse=True)
                         if clause.startswith(op)), None)
        if operator is None:
            raise ValueError(f"{clause!r} does not start with one of {' '.join(_COMPARISONS)}")
        want = _api_version(clause[len(operator):])
        width = max(len(have), len(want))
        padded = have + (0,) * (width - len(have)), want + (0,) * (width - len(want))
        if not _COMPARISONS[operator](*padded):
            return False
    return True


def check_plugin_api(name: str, distribution: str, declared) -> None:
    """Refuse a plugin whose ``PLUGIN_API`` range excludes the core's ``hub.PLUGIN_API``.

    A plugin states the range it was written for in its package (``PLUGIN_API =
    ">=1.0,<2"``); a plugin that states none is taken to support any version.
    """
    from hub import PLUGIN_API

    if declared is None:
        return
    try:
        ok = supports(str(declared), PLUGIN_API)
    except ValueError as exc:
        raise PluginError(f"Plugin '{name}' ({distribution}) declares PLUGIN_API = "
                          f"{declared!r}, which is not a version range: {exc}.") from exc
    if not ok:
        raise PluginError(
            f"Plugin '{name}' ({distribution}) supports plugin API {declared}, but this "
            f"hub-core offers plugin API {PLUGIN_API}. Install a release of {distribution} "
            f"made for plugin API {PLUGIN_API}, or remove '{name}' from hub.plugins.")


def make_plugin_manager(plugins: dict[str, PluginInfo]) -> pluggy.PluginManager:
    """A manager with every hookspec added before any implementation is registered."""
    pm = pluggy.PluginManager(PROJECT)
    pm.add_hookspecs(hookspecs)
    # Plugins may offer hooks to other plugins (booking offers a room provider).
    for info in plugins.values():
        specs = _optional_submodule(info.module, "hookspecs")
        if specs is not None:
            pm.add_hookspecs(specs)
    for name in INTERNAL_PLUGINS:
        pm.register(importlib.import_module(name), name=name)
    for name, info in plugins.items():
        pm.register(info.module, name=name)
    for name in installed_plugins().keys() - plugins.keys():
        pm.set_blocked(name)
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginError(f"A plugin implements a hook that does not exist: {exc}") from exc
    return pm


def _optional_submodule(module: ModuleType, name: str) -> ModuleType | None:
    if not hasattr(module, "__path__"):
        return None  # a plain module has no submodules
    try:
        return importlib.import_module(f"{module.__name__}.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"{module.__name__}.{name}":
            return None
        raise


def per_plugin(pm: pluggy.PluginManager, hook_name: str, **kwargs) -> dict[str, object]:
    """Call one hook per plugin and return ``{plugin name: result}``.

    Used for hooks whose answer belongs to the plugin that gave it (dependencies,
    settings, migrations), where a flattened list would lose the owner.
    """
    results = {}
    for impl in getattr(pm.hook, hook_name).get_hookimpls():
        args = {k: kwargs[k] for k in impl.argnames}
        results[impl.plugin_name] = impl.function(**args)
    return results


def dependency_order(pm: pluggy.PluginManager, plugins: dict[str, PluginInfo]) -> list[str]:
    """Plugin names with every plugin after the plugins it depends on.

    Raises ``PluginError`` when a dependency is not enabled or dependencies form a cycle.
    """
    deps = {name: list(deps or ()) for name, deps in per_plugin(pm, "hub_dependencies").items()
            if name in plugins}
    for name, needed in deps.items():
        missing = [d for d in needed if d not in plugins]
        if missing:
            raise PluginError(
                f"Plugin '{name}' requires {', '.join(missing)}; add "
                f"{' and '.join(missing)} to hub.plugins or disable '{name}'."
            )
    graph = {name: set(deps.get(name, ())) for name in plugins}
    try:
        ordered = list(TopologicalSorter(graph).static_order())
    except CycleError as exc:
        raise PluginError(f"Plugin dependencies form a cycle: {exc.args[1]}") from exc
    # Keep configuration order where dependencies allow it, for predictable menus.
    position = {name: i for i, name in enumerate(plugins)}
    result: list[str] = []
    remaining = set(ordered)
    while remaining:
        ready = sorted((n for n in remaining if graph[n] <= set(result)), key=position.get)
        result.append(ready[0])
        remaining.discard(ready[0])
    return result
