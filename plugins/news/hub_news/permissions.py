from hub.contributions import Permission
from hub_news.i18n import _

MANAGE = "news:manage"

PERMISSIONS = [Permission(MANAGE, _("Write news, announcements and pages"), ("staff", "admin"))]
