"""Hook implementations of the media library (an internal plugin of the core)."""
from __future__ import annotations

from hub.contributions import NavItem, Permission
from hub.i18n import _
from hub.markers import hookimpl


@hookimpl
def hub_permissions():
    from hub.media import MANAGE

    return [Permission(MANAGE, _("Manage the media library"), ("staff", "admin"))]


@hookimpl
def hub_navigation(request, menu):
    if menu == "admin":
        from hub.media import MANAGE

        return [NavItem(_("Media library"), route="media.admin", permission=MANAGE, order=45,
                        match=("media.admin",))]
    return None


@hookimpl
def hub_openapi(request):
    from hub.media.api import openapi

    return openapi()


@hookimpl
def hub_translations_missing(request):
    """Public files whose title, alternative text or transcript has no English version
    (what readers of English pages see)."""
    import sqlalchemy as sa

    from hub.media.models import MediaItem
    from hub.translations import MissingTranslation

    items = request.dbsession.scalars(
        sa.select(MediaItem).where(MediaItem.is_public.is_(True))
        .order_by(MediaItem.created_at.desc(), MediaItem.id.desc()).limit(500))
    return [MissingTranslation(_("Media library"), item.title,
                               request.route_path("media.admin_edit", id=item.id),
                               tuple(item.missing_translations()))
            for item in items if item.missing_translations()]
