"""What the staff's authoring pages share: the edited object from the address, breadcrumbs,
messages, reordering, and the event recordings another plugin offers."""
from __future__ import annotations

from pyramid.httpexceptions import HTTPNotFound

from hub.shell import flatten
from hub_elearning.i18n import _
from hub_elearning.models import Course, Lesson, Section

LEAVE_EMPTY = _("Leave empty to show the Czech text.")
LEAVE_EMPTY_HTML = _("Leave empty to show the Czech text. HTML is allowed; scripts, styles "
                     "and unsafe links are removed.")


def _options(values, labels):
    return [(v, labels[v]) for v in values]


def _course(request, key="id") -> Course:
    course = request.dbsession.get(Course, int(request.matchdict[key]))
    if course is None:
        raise HTTPNotFound()
    return course


def _section(request) -> Section:
    section = request.dbsession.get(Section, int(request.matchdict["sid"]))
    if section is None:
        raise HTTPNotFound()
    return section


def _lesson(request) -> Lesson:
    lesson = request.dbsession.get(Lesson, int(request.matchdict["lid"]))
    if lesson is None:
        raise HTTPNotFound()
    return lesson


def _edit_url(request, course_id) -> str:
    return request.route_path("elearning.course_edit", id=course_id)


def _crumbs(request, *extra):
    return [(_("Online courses"), request.route_path("elearning.index")),
            (_("Course management"), request.route_path("elearning.manage")), *extra]


def _flash(request, message, queue="success"):
    request.session.flash(request.shell.translate(message), queue)


def _move(items: list, item, direction: str) -> None:
    """Swap ``item`` with its neighbour and renumber positions 1..n."""
    index = items.index(item)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(items):
        items[index], items[other] = items[other], items[index]
    for position, entry in enumerate(items, start=1):
        entry.position = position


def recordings_offered(request) -> bool:
    """Whether an enabled plugin (events) answers ``hub_event_recordings``."""
    return bool(request.hooks.hub_event_recordings.get_hookimpls())


def event_recordings(request) -> list[dict]:
    """Recordings of past events offered by the events plugin (none when it is disabled)."""
    return flatten(request.hooks.hub_event_recordings(request=request))
