"""Repeating groups of form rows (criteria, documents, questions, FAQ, instalments).

A group's fields are named ``<group>-<n>-<field>``, numbered from 0 without gaps. A row
whose ``remove`` box is ticked, or whose text fields are all empty, is left out. A button
``name="add" value="<group>"`` asks for the form again with one more empty row; pages
start their form with a hidden default Save button so that Enter in a field saves.
"""
from __future__ import annotations

MAX_ROWS = 50


def rows_from_post(post, group: str, fields: tuple[str, ...], flags: tuple[str, ...] = (),
                   limit: int = MAX_ROWS, preset: tuple[str, ...] = ()) -> list[dict]:
    """The rows of ``group``; ``flags`` are checkboxes, ``preset`` fields always have a
    value (a select) and so do not make a row count as filled in."""
    rows = []
    for i in range(limit):
        names = [f"{group}-{i}-{f}" for f in fields + flags + ("remove",)]
        if not any(name in post for name in names):
            break
        if post.get(f"{group}-{i}-remove"):
            continue
        row = {f: post.get(f"{group}-{i}-{f}", "").strip() for f in fields}
        if not any(v for f, v in row.items() if f not in preset):
            continue
        row.update({f: bool(post.get(f"{group}-{i}-{f}")) for f in flags})
        rows.append(row)
    return rows


def with_blank(rows: list[dict], fields: tuple[str, ...], extra: int = 1,
               defaults: dict | None = None) -> list[dict]:
    """``rows`` and ``extra`` empty rows to fill in."""
    blank = {f: "" for f in fields} | (defaults or {})
    return list(rows) + [dict(blank) for _ in range(extra)]
