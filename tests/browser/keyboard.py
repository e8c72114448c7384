"""Keyboard-only driving of a page: Tab to a control, then type, Space, Enter or arrows.

Every helper reaches its control the way a keyboard user does, pressing Tab from where the
focus is (a fresh page starts at the top); a control that Tab never reaches, or a focus
that stops moving (a keyboard trap), fails the test with the path the focus took.
"""
from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
import sqlalchemy as sa

DESCRIBE = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return "(body)";
  const text = (e.getAttribute("aria-label") || e.labels?.[0]?.innerText || e.innerText
                || e.value || e.name || "").trim().replace(/\\s+/g, " ").slice(0, 50);
  return `${e.tagName.toLowerCase()}${e.id ? "#" + e.id : ""} "${text}"`;
}"""


FOCUS_VISIBLE = """el => {
  const s = getComputedStyle(el);
  return (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== "none";
}"""


def tab_to(page, target, limit: int = 150) -> int:
    """Press Tab until ``target`` (a locator of one element) has the focus; return presses.

    The control must also show that it has the focus (an outline or a shadow).
    """
    handle = target.element_handle()
    if page.evaluate("el => el === document.activeElement", handle):
        return 0
    trail: list[str] = []
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if page.evaluate("el => el === document.activeElement", handle):
            assert handle.evaluate(FOCUS_VISIBLE), (
                f"no visible focus on {page.evaluate(DESCRIBE)} on {page.url}")
            return presses
        trail.append(page.evaluate(DESCRIBE))
        if len(trail) >= 8 and len(set(trail[-8:])) == 1 and trail[-1] != "(body)":
            pytest.fail(f"keyboard trap: the focus stays on {trail[-1]} on {page.url}")
    pytest.fail(f"Tab never reached {target} on {page.url}; the focus went through "
                f"{' > '.join(trail[-40:])}")


def open_group(page, container) -> None:
    """Open the disclosure (``details``) inside ``container`` from the keyboard, as a person
    opens "My pages" or "Administration" in the header: Tab to its summary, press Enter."""
    group = container.locator("details.hub-menu-group").first
    if not group.evaluate("d => d.open"):
        tab_to(page, group.locator("summary"))
        page.keyboard.press("Enter")
        assert group.evaluate("d => d.open")


def activate(page, target, key: str = "Enter", navigates: bool = True) -> None:
    """Tab to a link or button and press ``key``; wait for the page it opens."""
    tab_to(page, target)
    if navigates:
        with page.expect_navigation():
            page.keyboard.press(key)
    else:
        page.keyboard.press(key)


def type_into(page, field, text: str) -> None:
    """Tab to a text field, select what is in it and type ``text`` over it."""
    tab_to(page, field)
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.type(text)
    assert field.input_value() == text


def type_date(page, field, day: dt.date) -> None:
    """Type a date into an ``<input type=date>`` segment by segment, as a person does.

    Headless Chromium orders the segments month, day, year whatever the page's language.
    """
    tab_to(page, field)
    page.keyboard.type(day.strftime("%m%d%Y"))
    assert field.input_value() == day.isoformat()


def type_time(page, field, value: str) -> None:
    """Type ``HH:MM`` into an ``<input type=time>`` (24-hour in Chromium's headless locale;
    a 12-hour field gets AM/PM as well)."""
    tab_to(page, field)
    hours, minutes = (int(x) for x in value.split(":"))
    page.keyboard.type(f"{hours:02d}{minutes:02d}")
    if field.input_value() != value:
        page.keyboard.type("P" if hours >= 12 else "A")
    assert field.input_value() == value


def check(page, box) -> None:
    """Tab to a checkbox and tick it with Space."""
    tab_to(page, box)
    if not box.is_checked():
        page.keyboard.press("Space")
    assert box.is_checked()


def choose(page, select, label: str | re.Pattern) -> None:
    """Tab to a ``<select>`` and move to the option ``label`` with the arrow keys."""
    tab_to(page, select)
    current = "s => s.options[s.selectedIndex] ? s.options[s.selectedIndex].text.trim() : ''"

    def matches(text):
        return bool(label.search(text)) if isinstance(label, re.Pattern) else text == label

    for key in ("ArrowDown", "ArrowUp"):
        for _ in range(60):
            if matches(select.evaluate(current)):
                return
            before = select.evaluate(current)
            page.keyboard.press(key)
            if select.evaluate(current) == before:
                break
    pytest.fail(f"option {label!r} not reachable with the arrow keys on {page.url}")


def choose_radio(page, group_first, wanted) -> None:
    """Tab into a radio group and move to ``wanted`` with the arrow keys."""
    tab_to(page, group_first)
    for _ in range(20):
        if wanted.is_checked():
            return
        page.keyboard.press("ArrowDown")
    assert wanted.is_checked()


# -- mail -------------------------------------------------------------------------------

def subject_of(message) -> str:
    from email.header import decode_header, make_header

    return str(make_header(decode_header(str(message["Subject"]))))


def wait_for_mail(live, address: str, subject: str | None = None, timeout: float = 10):
    """The newest message to ``address`` (with ``subject`` in its subject) in the sink."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        found = [m for m in live.mail.to(address)
                 if subject is None or subject in subject_of(m)]
        if found:
            return found[-1]
        if time.monotonic() > deadline:
            subjects = [subject_of(m) for m in live.mail.to(address)]
            pytest.fail(f"no mail {subject!r} to {address}; got {subjects}")
        time.sleep(0.1)


def mail_text(message) -> str:
    part = message.get_body(("plain",)) if hasattr(message, "get_body") else None
    if part is None:
        for candidate in message.walk():
            if candidate.get_content_type() == "text/plain":
                part = candidate
                break
    return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")


def link_in(live, text: str, path_pattern: str) -> str:
    """The link in a mail whose path matches ``path_pattern``, on the live server."""
    match = re.search(r"https?://[^/\s]+(" + path_pattern + r"[^\s<>\"]*)", text)
    assert match, f"no link like {path_pattern} in:\n{text}"
    return live.url + match.group(1)


# -- data -------------------------------------------------------------------------------

def translator(live, locale: str):
    """``t(msgid, domain="hub", **mapping)``: the text the portal shows in ``locale``."""
    from translationstring import TranslationString

    from hub.i18n import localizer_for

    localizer = localizer_for(live.registry, locale)

    def t(msgid: str, domain: str = "hub", **mapping) -> str:
        return localizer.translate(TranslationString(msgid, domain=domain,
                                                     mapping=mapping or None))

    return t


def new_member(live, locale: str, what: str) -> str:
    """A new member account (e-mail verified) for one journey; returns the e-mail."""
    from hub.testing import make_user

    email = f"{what}-{locale}-{uuid.uuid4().hex[:8]}@example.org"
    with live.registry["hub.dbsession_factory"]() as db:
        make_user(db, email, "member", name=f"{what.title()} {locale.upper()}",
                  language=locale, password=None)
        db.commit()
    return email


def db_scalar(live, statement):
    with live.registry["hub.dbsession_factory"]() as db:
        return db.scalar(statement)


def weekday_ahead(n: int, live=None) -> dt.date:
    """The ``n``-th working day (Monday to Friday) after today; with ``live``, days when the
    hub is closed (booking closures) do not count."""
    closed: list = []
    if live is not None:
        from hub_booking.models import ClosedPeriod

        with live.registry["hub.dbsession_factory"]() as db:
            closed = [(c.starts_at.date(), c.ends_at.date())
                      for c in db.scalars(sa.select(ClosedPeriod))]
    day = dt.date.today()
    while n:
        day += dt.timedelta(days=1)
        if day.weekday() < 5 and not any(start <= day <= end for start, end in closed):
            n -= 1
    return day
