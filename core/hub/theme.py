"""A hub's own look, from configuration: names, logo, colours, header and footer, icon and
template overrides.

Settings (all optional; the defaults are the Patient Hub's):

- ``hub.site_name`` and ``hub.site_name_genitive``: the name, and its Czech genitive for
  texts such as "Zpráva od Pacientského hubu" (the name itself when not set).
- ``hub.logo``: an asset specification of an image shown beside the name in the header
  (``my_theme:static/logo.svg``).
- ``hub.favicon``: an asset specification of the ``.ico`` served at ``/favicon.ico``.
- ``hub.tokens``: design-system tokens, one ``name value`` a line (``primary #6b2d8f``),
  emitted as the CSS custom properties ``--hub-<name>`` of the stylesheet ``/theme.css``.
- ``hub.header_text``, ``hub.footer_text``: texts under the name and in the footer;
  ``hub.footer_links``: ``label | address`` a line. Each line may start with a language
  (``en: Ministry of Education``); a line without one is for every language.
- ``hub.overrides``: asset specifications of directories or files that replace templates
  and static files of the core or of any plugin, Pyramid's ``config.override_asset``. A
  directory holds one subdirectory per package it overrides (``my_theme:overrides/`` with
  ``hub/templates/home.pt`` replaces ``hub:templates/home.pt``); ``target = replacement``
  overrides one asset (``hub:templates/home.pt = my_theme:home.pt``).
"""
from __future__ import annotations

import importlib.resources
import re
from dataclasses import dataclass, field
from pathlib import Path

from pyramid.response import FileResponse, Response
from pyramid.view import view_config

from hub.security import PUBLIC

# The tokens of hub.css a theme may set, and the values a token may take: colours and
# lengths only, so a setting cannot end the declaration and inject other CSS.
TOKENS = ("primary", "primary-dark", "text", "muted", "bg", "page", "border", "focus",
          "error", "success")
TOKEN_VALUE = re.compile(r"^(#[0-9a-fA-F]{3,8}|[a-z]+|(rgb|hsl)a?\([0-9.,%\s]+\)|"
                         r"[0-9.]+(px|rem|em|%)?)$")
LANGUAGE_PREFIX = re.compile(r"^([a-z]{2}):\s*(.*)$")


class ThemeError(ValueError):
    """A theme setting that cannot be used; start-up stops with this message."""


def _lines(value) -> list[str]:
    if isinstance(value, str):
        value = value.splitlines()
    return [line.strip() for line in value or () if line.strip()]


def as_tokens(value) -> dict[str, str]:
    tokens = {}
    for line in _lines(value):
        name, _, token_value = line.partition(" ")
        name, token_value = name.strip().removeprefix("--hub-"), token_value.strip()
        if name not in TOKENS:
            raise ThemeError(f"unknown token {name!r}; known: {', '.join(TOKENS)}")
        if not TOKEN_VALUE.match(token_value):
            raise ThemeError(f"token {name!r}: give a colour or a length, not {token_value!r}")
        tokens[name] = token_value
    return tokens


def as_texts(value) -> dict[str, list[str]]:
    """``{language or "": [lines]}`` of a per-language text setting."""
    texts: dict[str, list[str]] = {}
    for line in _lines(value):
        match = LANGUAGE_PREFIX.match(line)
        language, text = (match.group(1), match.group(2)) if match else ("", line)
        texts.setdefault(language, []).append(text)
    return texts


def as_links(value) -> dict[str, list[tuple[str, str]]]:
    links: dict[str, list[tuple[str, str]]] = {}
    for language, lines in as_texts(value).items():
        for line in lines:
            label, sep, href = (part.strip() for part in line.partition("|"))
            if not sep or not label or not href.startswith(("https://", "http://", "/")):
                raise ThemeError(f"footer link {line!r}: write 'label | https://address'")
            links.setdefault(language, []).append((label, href))
    return links


def _for_language(values: dict, language: str) -> list:
    return values.get(language) or values.get("", [])


@dataclass(frozen=True)
class Theme:
    site_name: str
    site_name_genitive: str = ""
    logo: str = ""
    favicon: str = ""
    tokens: dict = field(default_factory=dict)
    header_text: dict = field(default_factory=dict)
    footer_text: dict = field(default_factory=dict)
    footer_links: dict = field(default_factory=dict)

    def name(self, language: str, case: str = "nominative") -> str:
        """The hub's name; ``case="genitive"`` gives the Czech genitive in Czech."""
        if case == "genitive" and language == "cs" and self.site_name_genitive:
            return self.site_name_genitive
        return self.site_name

    def header(self, language: str) -> str:
        return " ".join(_for_language(self.header_text, language))

    def footer(self, language: str) -> list[str]:
        return _for_language(self.footer_text, language)

    def links(self, language: str) -> list[tuple[str, str]]:
        return _for_language(self.footer_links, language)

    @property
    def css(self) -> str:
        declarations = "".join(f"  --hub-{k}: {v};\n" for k, v in self.tokens.items())
        return f":root {{\n{declarations}}}\n"


def theme_of(registry) -> Theme:
    return registry["hub.theme"]


def site_name(request, case: str = "nominative") -> str:
    """The hub's name in the request's language (``case="genitive"`` for "od …")."""
    return theme_of(request.registry).name(request.locale_name, case)


def asset_path(spec: str) -> Path:
    """The file of an asset specification ``package:path``."""
    package, sep, path = spec.partition(":")
    if not sep or not package or not path:
        raise ThemeError(f"{spec!r} is not an asset specification (package:path)")
    try:
        root = importlib.resources.files(package)
    except ModuleNotFoundError as exc:
        raise ThemeError(f"{spec!r}: package {package!r} is not installed") from exc
    return Path(str(root.joinpath(path)))


def _overrides(value) -> list[tuple[str, str]]:
    """``(to_override, override_with)`` pairs of ``hub.overrides``."""
    pairs = []
    for line in _lines(value):
        target, sep, replacement = (part.strip() for part in line.partition("="))
        if sep:
            asset_path(replacement)
            pairs.append((target, replacement))
            continue
        directory = asset_path(target)
        if not directory.is_dir():
            raise ThemeError(f"hub.overrides: {target!r} is not a directory")
        prefix = target if target.endswith("/") else target + "/"
        for sub in sorted(p.name for p in directory.iterdir() if p.is_dir()):
            if sub.isidentifier():
                pairs.append((f"{sub}:", f"{prefix}{sub}/"))
    return pairs


def make_theme(settings: dict) -> Theme:
    theme = Theme(
        site_name=settings["hub.site_name"],
        site_name_genitive=settings["hub.site_name_genitive"],
        logo=settings["hub.logo"], favicon=settings["hub.favicon"],
        tokens=as_tokens(settings["hub.tokens"]),
        header_text=as_texts(settings["hub.header_text"]),
        footer_text=as_texts(settings["hub.footer_text"]),
        footer_links=as_links(settings["hub.footer_links"]))
    for spec in (theme.logo, theme.favicon):
        if spec and not asset_path(spec).is_file():
            raise ThemeError(f"{spec!r} is not a file")
    return theme


@view_config(route_name="theme_css", permission=PUBLIC, request_method="GET")
def theme_css(request):
    response = Response(theme_of(request.registry).css, content_type="text/css",
                        charset="utf-8")
    response.cache_control.max_age = 3600
    return response


@view_config(route_name="theme_logo", permission=PUBLIC, request_method="GET")
def theme_logo(request):
    spec = theme_of(request.registry).logo
    if not spec:
        return Response(status=404)
    return FileResponse(str(asset_path(spec)), request=request, cache_max_age=86400)


def includeme(config):
    from hub.settings import SettingsError

    settings = config.registry.settings
    try:
        config.registry["hub.theme"] = make_theme(settings)
        overrides = _overrides(settings["hub.overrides"])
    except ThemeError as exc:
        raise SettingsError(f"Theme: {exc}") from exc
    for target, replacement in overrides:
        config.override_asset(to_override=target, override_with=replacement)
    config.add_route("theme_css", "/theme.css")
    config.add_route("theme_logo", "/theme-logo")
    config.scan("hub.theme")
