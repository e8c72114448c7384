"""Accessibility feedback, the channel required by §9 of Act No. 99/2019 Coll.

Anyone, signed in or not, reports content they cannot use at
``/accessibility/feedback`` (linked from the accessibility statement): the page's address,
a description and, optionally, an e-mail address for the reply. Staff are notified
(kind ``hub.accessibility_feedback``) and handle the reports at
``/admin/accessibility-feedback`` (status new / in progress / answered and a reply note).

Spam is kept out by a hidden field people never fill in, a signed timestamp (a form sent
back faster than a person could is refused) and a limit of reports per sender and hour.
The contact e-mail is personal data: the rows are exported and anonymised with the
account (``hub_personal_data_*`` in ``hub.feedback.hooks``).
"""
from __future__ import annotations

from hub.feedback.models import STATUSES, AccessibilityFeedback

__all__ = ["STATUSES", "AccessibilityFeedback", "FEEDBACK_KIND"]

FEEDBACK_KIND = "hub.accessibility_feedback"


def includeme(config):
    config.add_route("accessibility_feedback", "/accessibility/feedback")
    config.add_route("admin_feedback", "/admin/accessibility-feedback")
    config.add_route("admin_feedback_item", r"/admin/accessibility-feedback/{id:\d+}")
    config.scan("hub.feedback.views")
