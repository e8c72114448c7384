"""The plugin's permissions (declared through hub_permissions)."""
from hub.contributions import Permission
from hub_events.i18n import _

MANAGE = "events:event:manage"
REGISTER_MEMBERS = "events:registration:register_members"

PERMISSIONS = [
    Permission(MANAGE, _("Organise events: create, edit, registrations, check-in"),
               ("staff", "admin")),
    Permission(REGISTER_MEMBERS, _("Register members of one's organisation for events"),
               ("representative", "staff", "admin")),
]
