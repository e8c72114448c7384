"""Integrations between plugins follow pluggy's model: the plugin that calls a hook declares
it in its ``hookspecs.py``; plugins that answer it implement it with
``@hookimpl(optionalhook=True)``. So any subset of the plugins starts, and a plugin finds
out whether anything answers with ``get_hookimpls()``, never by looking the hook up."""
import ast
import itertools
from pathlib import Path

import pytest

from hub.jobs import background_request
from hub.plugins import load_plugins, make_plugin_manager

ROOT = Path(__file__).resolve().parents[1]

# (hook, the plugin that calls and declares it, a bundled plugin that answers it)
INTEGRATIONS = [
    ("hub_room_provider", "events", "booking"),
    ("hub_events_recording_withdrawn", "events", "elearning"),
    ("hub_event_recordings", "elearning", "events"),
    ("hub_upcoming_events", "newsletter", "events"),
    *((hook, "newsletter", "crm") for hook in (
        "hub_audiences", "hub_audience_members", "hub_audience_consents",
        "hub_audience_allowed", "hub_audience_used", "hub_audience_withdraw_links")),
    ("hub_grants_call_invitation", "grants", "newsletter"),
    ("hub_contact_activity", "crm", "counselling"),
    ("hub_crm_questions_url", "crm", "counselling"),
]
PLUGINS = sorted({name for _hook, *names in INTEGRATIONS for name in names})


@pytest.fixture(scope="module")
def loaded():
    return load_plugins(PLUGINS)


def manager(loaded, names):
    return make_plugin_manager({name: loaded[name] for name in names})


def source_files(root: Path = ROOT):
    """The core's and every bundled or example plugin's own code (not their tests)."""
    packages = [root / "core" / "hub", *root.glob("plugins/*/hub_*"),
                *root.glob("examples/*/hub_*")]
    for package in packages:
        yield from package.rglob("*.py")


def plugin_of(path: Path) -> str | None:
    package = next((p for p in path.relative_to(ROOT).parts if p.startswith("hub_")), None)
    return package.removeprefix("hub_") if package else None


def relay_lookups(root: Path) -> list[str]:
    """Where code looks a ``hub_*`` hook up by name on a hook relay (``getattr(request.hooks,
    "hub_x", None)``, ``hasattr(pm.hook, "hub_x")``)."""
    found = []
    for path in source_files(root):
        text = path.read_text()
        for node in ast.walk(ast.parse(text, str(path))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in ("getattr", "hasattr") and len(node.args) >= 2
                    and "hook" in (ast.get_source_segment(text, node.args[0]) or "")
                    and isinstance(node.args[1], ast.Constant)
                    and str(node.args[1].value).startswith("hub_")):
                found.append(f"{path.relative_to(root)}:{node.lineno}")
    return found


def test_every_subset_of_the_integrating_plugins_starts(loaded):
    for size in range(len(PLUGINS) + 1):
        for names in itertools.combinations(PLUGINS, size):
            manager(loaded, names)  # raises PluginError on a hook nobody declares


def test_the_calling_plugin_declares_each_integration_hook(loaded):
    pm = manager(loaded, PLUGINS)
    for hook, declarer, provider in INTEGRATIONS:
        caller = getattr(pm.hook, hook)
        assert caller.spec.namespace.__name__ == f"hub_{declarer}.hookspecs", hook
        impls = {impl.plugin_name: impl for impl in caller.get_hookimpls()}
        assert provider in impls and impls[provider].optionalhook, (hook, provider)


def test_a_plugins_hooks_are_called_by_that_plugin_only(loaded):
    """A hook is declared once; a second caller elsewhere would need the declarer enabled."""
    pm = manager(loaded, PLUGINS)
    spec_modules = {f"{info.package}.hookspecs": name for name, info in loaded.items()}
    declared = {caller.name: spec_modules[caller.spec.namespace.__name__]
                for caller in vars(pm.hook).values()
                if caller.spec is not None and caller.spec.namespace.__name__ in spec_modules}
    assert {hook for hook, *_ in INTEGRATIONS} <= declared.keys()
    strangers = set()
    for path in source_files():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Attribute) and node.attr in declared \
                    and plugin_of(path) != declared[node.attr]:
                strangers.add((str(path.relative_to(ROOT)), node.attr))
    assert strangers == set()


def test_no_code_looks_a_hook_up_on_the_relay():
    """A lookup hides a missing declaration and breaks when the declaring plugin is
    disabled; the calling plugin declares the hook and asks ``get_hookimpls()`` instead."""
    assert relay_lookups(ROOT) == []


def test_the_guard_rail_sees_a_lookup_over_several_lines(tmp_path):
    package = tmp_path / "plugins" / "sample" / "hub_sample"
    package.mkdir(parents=True)
    (package / "views.py").write_text(
        'def rooms(request):\n    return getattr(\n        request.hooks, "hub_room_provider",'
        ' None)\n')
    assert relay_lookups(tmp_path) == ["plugins/sample/hub_sample/views.py:2"]


def test_a_hook_no_enabled_plugin_answers_gives_nothing(loaded):
    for hook, declarer, _provider in INTEGRATIONS:
        caller = getattr(manager(loaded, [declarer]).hook, hook)
        assert caller.get_hookimpls() == []
        assert caller(**dict.fromkeys(caller.spec.argnames)) in (None, [])


def test_consumers_work_without_their_providers(make_app, dbsession):
    from hub_elearning.authoring import event_recordings, recordings_offered
    from hub_events.services import room_provider
    from hub_grants.staff import invitation_hook
    from hub_newsletter.manage import upcoming_events
    from hub_newsletter.models import Campaign
    from hub_newsletter.services import collect_recipients, crm_audiences
    from hub_newsletter.snapshots import _sources

    def request_of(*plugins):
        request = background_request(make_app(*plugins).registry)
        request.dbsession = dbsession
        return request

    request = request_of("elearning")
    assert not recordings_offered(request) and event_recordings(request) == []
    assert room_provider(request_of("events")) is None
    assert invitation_hook(request_of("grants")) is None

    request = request_of("newsletter")
    assert crm_audiences(request) == [] and upcoming_events(request) == []
    campaign = Campaign(subject="Zpravodaj", lists=[], audiences=["crm.segment.1"])
    assert collect_recipients(request, campaign) == {}
    assert _sources(request, campaign)["audience:crm.segment.1"]["purpose"] is None


def test_consumers_use_their_providers(make_app, dbsession):
    from hub_elearning.authoring import recordings_offered
    from hub_events.services import room_provider
    from hub_grants.staff import invitation_hook

    def request_of(*plugins):
        request = background_request(make_app(*plugins).registry)
        request.dbsession = dbsession
        return request

    assert recordings_offered(request_of("events", "elearning"))
    assert hasattr(room_provider(request_of("booking", "events")), "reserve")
    assert invitation_hook(request_of("grants", "newsletter")) is not None
