"""Request input: what the core refuses before any view runs, and converters for the rest.

Before a view runs (for every route of every plugin):

- An address or query string that is not valid UTF-8 is a 400 (WebOb would raise
  ``UnicodeDecodeError`` wherever ``request.path`` or ``request.GET`` is read).
- A route placeholder that holds a database id is a 404 unless it is a whole number
  from 1 to ``MAX_ID``, so views may call ``int(request.matchdict["id"])`` and look the
  row up. A placeholder holds an id when it is named ``id`` or ``…_id``, or when its
  pattern is ``\\d+`` (``/rooms/{id}``, ``/sections/{sid:\\d+}``).
- A request body larger than ``hub.max_body_size`` (10 MB) is a 413, refused before
  anything reads it (the CSRF check, the view, the retry policy that buffers bodies); a
  chunked body without ``Content-Length`` is counted as it is read. A route that takes
  larger uploads says so: ``config.set_body_limit("elearning.lesson_edit", 210 * MB)``.

Converters for query strings and forms answer a bad value with the usual 400 page (on
the API: 422 ``validation_failed`` naming the parameter), never a 500:

- ``int_param(request, "limit", 30, minimum=1, maximum=100)``
- ``id_param(request, "room")``: an id, or ``None`` when the parameter is absent;
- ``page_param(request)``: a page number, lenient (anything unusable is page 1).

Pass ``source=request.POST`` to read a form instead of the query string.
"""
from __future__ import annotations

import io
import re
import tempfile
from urllib.parse import unquote_to_bytes

import sqlalchemy as sa
from pyramid.events import ContextFound
from pyramid.httpexceptions import HTTPBadRequest, HTTPNotFound, HTTPRequestEntityTooLarge
from pyramid.interfaces import IExecutionPolicy, IRoutesMapper
from pyramid.router import default_execution_policy

from hub.i18n import _

# Ids are INTEGER columns, 32 bits on PostgreSQL: a larger number is no row, not an error.
MAX_ID = 2**31 - 1
MIN_INT = -(2**31)
MAX_INT = 2**31 - 1
MAX_PAGE = 100_000
MB = 1024 * 1024
DEFAULT_BODY_LIMIT = 10 * MB

_BAD_INPUT = "hub.bad_input"  # environ key: why the request is refused
_DIGITS = re.compile(r"[0-9]+")
_PLACEHOLDER = re.compile(r"{(\w+)(?::([^{}]*(?:{[^{}]*}[^{}]*)*))?}")
_ID_PATTERNS = {r"\d+", "[0-9]+"}


# -- errors ----------------------------------------------------------------------------

class BadInput(HTTPBadRequest):
    """400: the request cannot be read. ``translatable`` (a translation string) is shown
    to people; ``detail`` is the same in English, for the API."""

    def __init__(self, translatable=None):
        translatable = translatable or _("The address contains characters that cannot be "
                                         "read. Check the link or type the address again.")
        super().__init__(translatable.interpolate() if hasattr(translatable, "interpolate")
                         else str(translatable))
        self.translatable = translatable


class BadParameter(BadInput):
    """400 (422 on the API): the parameter ``name`` has a value the page cannot use."""

    def __init__(self, name: str, translatable):
        self.name = name
        super().__init__(translatable)


class BodyTooLarge(HTTPRequestEntityTooLarge):
    """413: the request body is larger than the route accepts (``limit`` bytes)."""

    def __init__(self, limit: int):
        self.limit = limit
        self.size = format_size(limit)
        super().__init__(f"The request body is larger than the {self.size} accepted here.")


def format_size(size: int) -> str:
    """``size`` bytes for people: 10 MB, 1.5 MB, 2 kB."""
    if size >= MB:
        return f"{size // MB} MB" if size % MB == 0 else f"{size / MB:.1f} MB"
    return f"{size // 1024} kB" if size >= 1024 else f"{size} B"


def is_bad_value(exc) -> bool:
    """The database or Python refused a value (out of range, wrong type): unvalidated
    client input rather than a fault of the server."""
    if isinstance(exc, sa.exc.DataError):
        return True
    if isinstance(exc, sa.exc.StatementError):
        exc = exc.orig
    return isinstance(exc, OverflowError)


# -- converters --------------------------------------------------------------------------

def _raw(request, name: str, source):
    values = request.GET if source is None else source
    value = values.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return value.strip() if isinstance(value, str) else value


def whole_number(value, minimum: int = MIN_INT, maximum: int = MAX_INT) -> int | None:
    """``value`` (text) as an int when it is a plain decimal number from ``minimum`` to
    ``maximum``, else ``None``: for form fields that report their own errors."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    digits = value[1:] if value[:1] in "+-" else value
    if not _DIGITS.fullmatch(digits) or len(digits) > 18:
        return None
    number = int(value)
    return number if minimum <= number <= maximum else None


def int_param(request, name: str, default: int | None = None, *, minimum: int = MIN_INT,
              maximum: int = MAX_INT, source=None) -> int | None:
    """The whole number ``name`` from ``minimum`` to ``maximum``; ``default`` when it is
    absent or empty; ``BadParameter`` otherwise."""
    raw = _raw(request, name, source)
    if raw is None:
        return default
    value = whole_number(raw, minimum, maximum)
    if value is None:
        raise BadParameter(name, _("${name} must be a whole number from ${minimum} to "
                                   "${maximum}.", mapping={"name": name, "minimum": minimum,
                                                           "maximum": maximum}))
    return value


def id_param(request, name: str, source=None) -> int | None:
    """The id ``name`` (1 to ``MAX_ID``), ``None`` when absent; ``BadParameter`` otherwise."""
    return int_param(request, name, None, minimum=1, maximum=MAX_ID, source=source)


def page_param(request, name: str = "page", maximum: int = MAX_PAGE, source=None) -> int:
    """A page number from 1 to ``maximum``: a visitor who edits the address gets a page,
    so a value that is not a number is page 1 and a larger one the last allowed."""
    raw = _raw(request, name, source)
    if not isinstance(raw, str) or not _DIGITS.fullmatch(raw):
        return 1
    if len(raw) > len(str(maximum)):
        return maximum  # no need to convert a number of a thousand digits
    return max(1, min(int(raw), maximum))


# -- route ids ---------------------------------------------------------------------------

def id_placeholders(pattern: str) -> tuple[str, ...]:
    """The placeholders of a route pattern that hold database ids."""
    names = []
    for name, regex in _PLACEHOLDER.findall(pattern):
        if regex in _ID_PATTERNS or (not regex and (name == "id" or name.endswith("_id"))):
            names.append(name)
    return tuple(names)


def is_id(value) -> bool:
    """``value`` (text) is the decimal form of an id: digits only, 1 to ``MAX_ID``."""
    return (isinstance(value, str) and len(value) <= 10 and _DIGITS.fullmatch(value) is not None
            and 1 <= int(value) <= MAX_ID)


def check_route_ids(request) -> None:
    """A matched route's id placeholders are ids, or the address is not found."""
    route = request.matched_route
    if route is None:
        return
    known = request.registry.setdefault("hub.id_placeholders", {})
    names = known.get(route.name)
    if names is None:
        names = known[route.name] = id_placeholders(route.pattern)
    for name in names:
        if not is_id(request.matchdict.get(name)):
            raise HTTPNotFound()


# -- before the router -------------------------------------------------------------------

def screen_request(event) -> None:
    """Answer what the execution policy found wrong, then check the route's ids. Done
    inside the router once the context is known, so that the answer is the usual error
    page (or the API's JSON error) with the usual headers, before any view runs."""
    request = event.request
    reason = request.environ.get(_BAD_INPUT)
    if reason == "too_large":
        raise BodyTooLarge(request.environ["hub.body_limit"])
    if reason is not None:
        raise BadInput()
    check_route_ids(request)


def _utf8(value: str, unquote: bool = False) -> str | None:
    """A WSGI string (bytes as latin-1) decoded as UTF-8, or ``None`` when it does not
    decode; ``unquote`` first undoes percent-encoding, as WebOb does for query strings."""
    try:
        raw = value.encode("latin-1")
        return (unquote_to_bytes(raw) if unquote else raw).decode("utf-8")
    except UnicodeError:
        return None


def screen_encoding(environ) -> None:
    """Mark an undecodable path or query string, and replace it with one that decodes (the
    tweens and the exception views read ``request.path``)."""
    path = environ.get("PATH_INFO", "")
    if _utf8(path) is None:
        environ[_BAD_INPUT] = "encoding"
        readable = path.encode("latin-1", "replace").decode("utf-8", "replace")
        environ["PATH_INFO"] = readable.encode("utf-8").decode("latin-1")
    query = environ.get("QUERY_STRING", "")
    if query and _utf8(query, unquote=True) is None:
        environ[_BAD_INPUT] = "encoding"
        environ["QUERY_STRING"] = ""


def body_limit_for(environ, router) -> int:
    """The body limit of the route the request goes to (routes rarely declare one)."""
    registry = router.registry
    default = registry.settings["hub.max_body_size"]
    limits = registry.get("hub.body_limits")
    if not limits:
        return default
    mapper = registry.queryUtility(IRoutesMapper)
    request = router.request_factory(environ)
    request.registry = registry
    route = mapper(request)["route"] if mapper is not None else None
    return limits.get(route.name, default) if route is not None else default


def _too_large(environ, limit: int) -> None:
    environ[_BAD_INPUT] = "too_large"
    environ["hub.body_limit"] = limit
    environ["wsgi.input"] = io.BytesIO()
    environ["CONTENT_LENGTH"] = "0"
    environ.pop("wsgi.input_terminated", None)


def screen_body(environ, router) -> None:
    """Refuse a body over the limit before anything reads it; read a chunked one (no
    ``Content-Length``) only up to the limit."""
    default = router.registry.settings["hub.max_body_size"]
    length = environ.get("CONTENT_LENGTH") or ""
    if length.isdigit():
        if int(length) > default:
            limit = body_limit_for(environ, router)
            if int(length) > limit:
                _too_large(environ, limit)
        return
    if not environ.get("wsgi.input_terminated"):
        return  # no body WebOb would read
    limit = None
    body = tempfile.SpooledTemporaryFile(max_size=MB)
    stream = environ["wsgi.input"]
    while chunk := stream.read(64 * 1024):
        body.write(chunk)
        if body.tell() > default:
            limit = limit or body_limit_for(environ, router)
            if body.tell() > limit:
                body.close()
                _too_large(environ, limit)
                return
    size = body.tell()
    body.seek(0)
    environ["wsgi.input"] = body
    environ["CONTENT_LENGTH"] = str(size)
    environ.pop("wsgi.input_terminated", None)


def screening_policy(inner):
    """An execution policy that screens the request, then runs ``inner`` (pyramid_retry's,
    which buffers the whole body to replay it: hence before it, not in a tween)."""

    def policy(environ, router):
        screen_encoding(environ)
        screen_body(environ, router)
        return inner(environ, router)

    return policy


# -- configuration -----------------------------------------------------------------------

def set_body_limit(config, route_name: str, max_bytes: int) -> None:
    """Configuration directive: the route ``route_name`` accepts bodies up to ``max_bytes``
    instead of ``hub.max_body_size`` (for uploads larger than the default)."""
    if not isinstance(max_bytes, int) or max_bytes < 1:
        raise ValueError(f"body limit of {route_name} must be a positive number of bytes")

    def register():
        config.registry.setdefault("hub.body_limits", {})[route_name] = max_bytes

    config.action(("hub.body_limit", route_name), register)


def includeme(config):
    config.add_directive("set_body_limit", set_body_limit)
    config.add_subscriber(screen_request, ContextFound)

    def wrap_execution_policy():
        registry = config.registry
        inner = registry.queryUtility(IExecutionPolicy, default=default_execution_policy)
        registry.registerUtility(screening_policy(inner), IExecutionPolicy)

    # After every other action: pyramid_retry registers its policy during phase 3.
    config.action(None, wrap_execution_policy, order=1)
