"""A small form helper for the core's pages: fields declared in Python, one template.

Fields carry translatable labels and hints; ``Form.read`` strips and length-checks the
submitted values and collects errors; ``hub:templates/accounts/form.pt`` renders the error
summary (linked to the fields), the labels, hints and messages (``aria-describedby``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hub.i18n import _


@dataclass(frozen=True)
class Field:
    name: str
    label: Any
    type: str = "text"  # text, email, password, url, select, textarea, checkbox, hidden
    autocomplete: str | None = None
    hint: Any = None
    required: bool = True
    maxlength: int | None = 200
    options: tuple = ()  # (value, label) for selects
    inputmode: str | None = None


class Form:
    """``id_prefix`` tells apart the fields of two forms on one page that share a name
    (each field's id must be unique, or its label names the wrong input)."""

    def __init__(self, request, fields: list[Field], values: dict | None = None,
                 id_prefix: str = "field"):
        self.request = request
        self.id_prefix = id_prefix
        self.fields = fields
        self.values: dict[str, Any] = dict(values or {})
        self.errors: dict[str, Any] = {}
        self.general: list = []

    def read(self) -> dict:
        post = self.request.POST
        for field in self.fields:
            if field.type == "checkbox":
                value: Any = post.get(field.name) == "on"
                if field.required and not value:
                    self.errors[field.name] = _("This box must be ticked to continue.")
            else:
                raw = post.get(field.name, "")
                value = raw if field.type == "password" else raw.strip()
                if field.required and not value:
                    self.errors[field.name] = _("Fill in this field.")
                elif field.maxlength and len(value) > field.maxlength:
                    self.errors[field.name] = _("Use at most ${max} characters.",
                                                mapping={"max": field.maxlength})
                elif field.options and value and value not in {v for v, _l in field.options}:
                    self.errors[field.name] = _("Choose one of the offered values.")
            if field.type != "password":
                self.values[field.name] = value
        return {f.name: (post.get(f.name, "") if f.type == "password" else self.values[f.name])
                for f in self.fields}

    def error(self, name: str | None, message) -> None:
        if name is None:
            self.general.append(message)
        else:
            self.errors.setdefault(name, message)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.general

    def field_id(self, field: Field) -> str:
        return f"{self.id_prefix}-{field.name}"


def local_datetime(request, value) -> str:
    """An aware datetime shown in Prague time, formatted for the page's language."""
    from hub.dates import format_moment

    return format_moment(value, request.locale_name)
