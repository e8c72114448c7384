"""The page shell: layout macro, menus, widgets, flash messages, language switch.

Templates of the core and of plugins use ``<html metal:use-macro="layout">`` and fill the
``content`` slot (and ``title``); everything around it comes from here.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cached_property

from markupsafe import Markup, escape
from pyramid.decorator import reify
from pyramid.events import BeforeRender, subscriber
from pyramid.i18n import get_localizer
from pyramid.renderers import get_renderer, render
from translationstring import TranslationString

from hub.contributions import MENUS, NavItem
from hub.i18n import LANGUAGE_NAMES, _
from hub.security import PUBLIC, role_key

MENU_REGION = "hub.menus"
MENU_TTL = 3600


@dataclass(frozen=True)
class MenuEntry:
    label: str
    href: str
    current: bool


def flatten(results) -> list:
    """Hook results are lists per plugin (or None): one flat list."""
    items = []
    for result in results:
        if result:
            items.extend(result)
    return items


class Shell:
    """What the layout needs, computed once per request."""

    def __init__(self, request):
        self.request = request

    @property
    def site_name(self) -> str:
        return self.request.registry.settings["hub.site_name"]

    @property
    def theme(self):
        """The hub's look from configuration (``hub.theme``)."""
        return self.request.registry["hub.theme"]

    @property
    def degraded(self) -> bool:
        return bool(self.request.environ.get("hub.degraded"))

    @property
    def user(self):
        return None if self.degraded else self.request.identity

    @cached_property
    def localizer(self):
        return get_localizer(self.request)

    def translate(self, message, mapping=None) -> str:
        return self.localizer.translate(message, mapping=mapping)

    def menu(self, name: str) -> list[MenuEntry]:
        if name not in MENUS:
            raise ValueError(f"unknown menu {name!r}")
        request = self.request
        if self.degraded:
            # The database may be unusable while an error page renders: public items only,
            # and nothing kept.
            items = self._menu_items(name)
        else:
            # Menus are the same for everyone with the same roles and language (see the
            # hub_navigation hookspec): built once, then only "current" is worked out.
            registry = request.registry
            registry["hub.cache"].ensure_region(MENU_REGION, registry["hub.shell_tables"],
                                                MENU_TTL)
            key = (name, request.locale_name, role_key(request), request.script_name)
            items = request.cached(MENU_REGION, key, lambda: self._menu_items(name))
        current_route = request.matched_route.name if request.matched_route else None
        current = [current_route is not None and (
            current_route == route or any(current_route.startswith(m) for m in match))
            for _label, _href, route, match in items]
        if sum(current) > 1:
            # Only the most specific match is "current" (a page is in one section only).
            exact = [i for i, item in enumerate(items) if item[2] == current_route]
            keep = exact[0] if exact else current.index(True)
            current = [i == keep for i in range(len(items))]
        return [MenuEntry(label, href, is_current)
                for (label, href, _route, _match), is_current in zip(items, current,
                                                                      strict=True)]

    def _menu_items(self, name: str) -> tuple:
        """``(label, href, route, match)`` of the items of ``name`` this request may use."""
        request = self.request
        items: list[NavItem] = flatten(request.hooks.hub_navigation(request=request, menu=name))
        if self.degraded:
            items = [i for i in items if i.permission in (None, PUBLIC)]
        else:
            items = [i for i in items
                     if i.permission is None or request.has_permission(i.permission)]
        items.sort(key=lambda i: (i.order, str(i.label)))
        return tuple((self.translate(item.label),
                      item.url or request.route_path(item.route, **item.route_kw),
                      item.route, tuple(item.match))
                     for item in items)

    def visible_widgets(self, where: str) -> list:
        """The widgets for ``where`` this request may see, in their order."""
        key = f"_widgets_{where}"
        if key not in self.__dict__:
            request = self.request
            found = flatten(request.hooks.hub_dashboard_widgets(request=request))
            found = [w for w in found if w.where == where
                     and (w.permission is None or request.has_permission(w.permission))]
            found.sort(key=lambda w: (w.order, w.name))
            self.__dict__[key] = found
        return self.__dict__[key]

    def widgets(self, where: str) -> list[dict]:
        blocks = []
        for widget in self.visible_widgets(where):
            html = self._render_widget(widget)
            if html is not None:
                blocks.append({"name": widget.name, "title": self.translate(widget.title),
                               "html": html if isinstance(html, Markup) else escape(html)})
        return blocks

    def _render_widget(self, widget):
        request = self.request
        if not widget.cache_tables or self.degraded:
            return widget.render(request)
        region = f"widget:{widget.name}"
        request.registry["hub.cache"].ensure_region(region, widget.cache_tables,
                                                    widget.cache_ttl)
        person = self.user.id if widget.cache_per_user and self.user is not None else None
        return request.cached(region, (request.locale_name, role_key(request), person),
                              lambda: widget.render(request))

    def slot(self, name: str, context=None) -> Markup:
        parts = self.request.hooks.hub_slot(request=self.request, name=name, context=context)
        return Markup("").join(p if isinstance(p, Markup) else escape(p) for p in parts if p)

    def flash(self) -> list[dict]:
        session = self.request.session
        messages = []
        for queue, kind in (("", "info"), ("success", "success"), ("error", "error")):
            for text in session.pop_flash(queue):
                messages.append({"kind": kind, "text": text})
        return messages

    @reify
    def csrf_token(self) -> str:
        return self.request.registry["hub.csrf_policy"].get_csrf_token(self.request)

    @property
    def languages(self) -> list[dict]:
        current = self.request.locale_name
        return [{"code": code, "name": LANGUAGE_NAMES.get(code, code), "current": code == current}
                for code in self.request.registry.settings["hub.available_locales"]]

    def share_head(self):
        from hub.sharing import share_head

        return share_head(self.request)

    def has_route(self, name: str) -> bool:
        return name in route_names(self.request.registry)

    def field_error(self, field_id: str, message) -> Markup:
        """The message under a field that was filled in wrongly, the same on every form:
        ``id="<field_id>-error"`` for the input's ``aria-describedby`` (next to
        ``aria-invalid="true"``) and a prefix that screen readers read out ("Error:").
        Empty when there is no message, so templates call it for every field."""
        if not message:
            return Markup("")
        return Markup('<p id="{}-error" class="hub-error"><span class="visually-hidden">{}'
                      "</span> {}</p>").format(field_id, self.translate(_("Error:")),
                                               self.translate(message))

    def title_details(self, *details, search: str | None = None, page: int | None = None) -> str:
        """What sets a filtered, paged or week/month view apart from the plain one (WCAG
        2.4.2: every page its own title), to append to the title and the heading:
        `` – <detail> – search “…” – page N``. Details are texts or translation strings
        (a topic, a week); an empty search and page 1 add nothing."""
        parts = [self.translate(detail) if isinstance(detail, TranslationString) else str(detail)
                 for detail in details if detail]
        if search:
            parts.append(self.translate(_("search “${text}”", mapping={"text": search})))
        if page is not None and page > 1:
            parts.append(self.translate(_("page ${number}", mapping={"number": page})))
        return "".join(f" – {part}" for part in parts)

    @staticmethod
    def machine_time(value) -> str | None:
        """The value of ``<time datetime="...">``: HTML allows at most milliseconds and
        readers need no more than seconds, so stored microseconds are dropped."""
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            value = value.replace(microsecond=0)
        return value.isoformat()

    @property
    def next_url(self) -> str:
        return self.request.path_qs

    def unread_notifications(self) -> int:
        if self.degraded:
            return 0
        counter = self.request.registry.get("hub.unread_counter")
        if counter is None or self.user is None:
            return 0
        return counter(self.request)


def route_names(registry) -> frozenset[str]:
    """Names of all routes (cached: routes do not change after start-up)."""
    names = registry.get("hub.route_names")
    if names is None:
        from pyramid.interfaces import IRoutesMapper

        names = frozenset(r.name for r in registry.getUtility(IRoutesMapper).get_routes())
        registry["hub.route_names"] = names
    return names


def layout_macro(request):
    return get_renderer("hub:templates/layout.pt").implementation().macros["layout"]


def render_snippet(request, renderer: str, values: dict) -> Markup:
    """Render a template fragment (a widget, a profile section) to safe HTML."""
    # Chameleon has escaped every value already; the result is HTML to insert as is.
    return Markup(render(renderer, values, request=request))  # noqa: S704  # nosec B704


@subscriber(BeforeRender)
def add_shell_globals(event):
    request = event.get("request")
    if request is None or event.get("renderer_name", "").endswith(".json"):
        return
    event.setdefault("layout", request.layout)
    event.setdefault("shell", request.shell)
    event.setdefault("title", "")
    event.setdefault("breadcrumbs", [])


def serialise_template_compilation():
    """Compile Chameleon templates one at a time.

    CPython 3.11 can fail with "AST constructor recursion depth mismatch" when two threads
    compile at once (the first concurrent requests after start-up). Compiling happens once
    per template, so a process-wide lock costs nothing afterwards.
    """
    import threading

    from chameleon.template import BaseTemplate

    if getattr(BaseTemplate.cook, "_hub_serialised", False):
        return
    lock = threading.RLock()
    cook = BaseTemplate.cook

    def serialised_cook(self, body):
        with lock:
            return cook(self, body)

    serialised_cook._hub_serialised = True
    BaseTemplate.cook = serialised_cook


def keep_compiled_templates(directory: str) -> None:
    """Keep Chameleon's compiled templates as modules in ``directory``, for every process.

    Compiling a template costs a process tens of megabytes of short-lived objects that
    its memory never gives back; with the modules on disk, only the first process of a
    release compiles each template and every later worker loads it (its name is a digest
    of the template and Chameleon's version, so a changed template is compiled anew).
    """
    import os

    from chameleon.loader import ModuleLoader
    from chameleon.template import BaseTemplate

    class TemplateModules(ModuleLoader):
        def build(self, source, filename):
            os.makedirs(self.path, exist_ok=True)  # the data directory may be new
            return super().build(source, filename)

    path = os.path.abspath(directory)
    if getattr(BaseTemplate.loader, "path", None) != path:
        BaseTemplate.loader = TemplateModules(path)


ERROR_SUMMARY = re.compile(rb'<[a-z0-9]+ [^>]*class="(?:[^"]* )?hub-error-summary[ "]')


def error_title(request, body: bytes) -> bytes:
    """A page that shows an error summary is a failed submission: its title says so first
    (WCAG 3.3.1), whichever template drew the summary. The layout renders the title before
    the content, so only the finished page knows whether it has one."""
    if not ERROR_SUMMARY.search(body):
        return body
    prefix = request.localizer.translate(_("Error:")).encode() + b" "
    return body.replace(b"<title>", b"<title>" + prefix, 1)


def doctype_tween_factory(handler, registry):
    """Page templates fill the layout macro, which cannot carry the doctype itself; the
    finished page also gets its title's error prefix here (``error_title``)."""

    def doctype_tween(request):
        response = handler(request)
        if response.content_type == "text/html" and response.body[:2] == b"<h":
            response.body = b"<!DOCTYPE html>\n" + error_title(request, response.body)
        return response

    return doctype_tween


def add_shell_tables(config, *tables: str) -> None:
    """``config.add_shell_tables("news_page")``: what the plugin adds to every page (its
    navigation items, its slots) is read from these tables, so kept menus and pages are
    made anew when they change."""
    config.registry["hub.shell_tables"].update(tables)


def includeme(config):
    import os

    serialise_template_compilation()
    # Under the cache directory: rebuilt on its own, so backups leave it out.
    keep_compiled_templates(os.path.join(config.get_settings()["hub.data_dir"] or "var", "cache",
                                         "templates"))
    config.registry["hub.shell_tables"] = set()
    config.add_directive("add_shell_tables", add_shell_tables)
    config.add_tween("hub.shell.doctype_tween_factory")
    config.add_request_method(Shell, "shell", reify=True)
    config.add_request_method(layout_macro, "layout", reify=True)
    config.add_request_method(lambda r: r.registry["hub.pm"].hook, "hooks", reify=True)
    config.scan("hub.shell")
