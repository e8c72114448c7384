"""iCalendar (RFC 5545) files of reservations: feeds and e-mail attachments."""
from __future__ import annotations

import datetime as dt

from hub.db import utcnow


def _escape(text: str) -> str:
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n"))


def _stamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space."""
    data = line.encode()
    if len(data) <= 75:
        return line
    parts, current = [], b""
    for char in line:
        encoded = char.encode()
        if len(current) + len(encoded) > 74:
            parts.append(current.decode())
            current = b""
        current += encoded
    parts.append(current.decode())
    return "\r\n ".join(parts)


def calendar(name: str, events: list[dict], host: str) -> bytes:
    """``events`` are dicts with id, title, starts_at, ends_at, location, status,
    description (optional)."""
    now = _stamp(utcnow())
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Patient Hub//booking//EN",
             "CALSCALE:GREGORIAN", f"X-WR-CALNAME:{_escape(name)}"]
    for event in events:
        status = {"approved": "CONFIRMED", "pending": "TENTATIVE"}.get(event["status"],
                                                                        "CANCELLED")
        lines += ["BEGIN:VEVENT", f"UID:booking-{event['id']}@{host}", f"DTSTAMP:{now}",
                  f"DTSTART:{_stamp(event['starts_at'])}", f"DTEND:{_stamp(event['ends_at'])}",
                  f"SUMMARY:{_escape(event['title'])}", f"STATUS:{status}"]
        if event.get("location"):
            lines.append(f"LOCATION:{_escape(event['location'])}")
        if event.get("description"):
            lines.append(f"DESCRIPTION:{_escape(event['description'])}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return ("\r\n".join(_fold(line) for line in lines) + "\r\n").encode()
