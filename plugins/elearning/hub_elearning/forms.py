"""Small form helpers: field descriptions rendered by templates/macros.pt, validation."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hub_elearning.i18n import _


@dataclass
class Field:
    name: str
    label: Any
    kind: str = "text"  # text, textarea, richtext, select, checkbox, checkboxes, number, file, url
    options: list = field(default_factory=list)  # (value, label)
    help: Any = ""
    required: bool = False
    rows: int = 4
    maxlength: int | None = None
    accept: str = ""
    group: str = ""  # "en": shown in the form's "English version" fieldset


class Form:
    """Values and errors of one submission; ``errors`` maps field names to messages."""

    def __init__(self, fields: list[Field], values: dict | None = None):
        self.fields = fields
        self.values = dict(values or {})
        self.errors: dict[str, Any] = {}

    def read(self, params) -> Form:
        for f in self.fields:
            if f.kind == "checkbox":
                self.values[f.name] = params.get(f.name) == "on"
            elif f.kind == "checkboxes":
                self.values[f.name] = list(dict.fromkeys(
                    v.strip() for v in params.getall(f.name) if v.strip()))
            elif f.kind == "file":
                upload = params.get(f.name)
                self.values[f.name] = upload if hasattr(upload, "file") else None
            else:
                self.values[f.name] = (params.get(f.name) or "").strip()
        for f in self.fields:
            value = self.values.get(f.name)
            if f.required and not value:
                self.errors[f.name] = _("This field is required.")
            elif f.maxlength and isinstance(value, str) and len(value) > f.maxlength:
                self.errors[f.name] = _("Use at most ${n} characters.",
                                        mapping={"n": f.maxlength})
            elif f.kind == "select" and value and value not in {o[0] for o in f.options}:
                self.errors[f.name] = _("Choose one of the offered values.")
            elif f.kind == "checkboxes" and not set(value) <= {o[0] for o in f.options}:
                self.errors[f.name] = _("Choose one of the offered values.")
            elif f.kind == "number" and value and not value.isdigit():
                self.errors[f.name] = _("Enter a whole number (0 or more).")
        return self

    def in_group(self, group: str = "") -> list[Field]:
        return [f for f in self.fields if f.group == group]

    def int(self, name: str, default: int = 0) -> int:
        value = self.values.get(name)
        return int(value) if isinstance(value, str) and value.isdigit() else default

    def error(self, name: str, message) -> None:
        self.errors.setdefault(name, message)

    @property
    def ok(self) -> bool:
        return not self.errors
