"""News, announcements and editable pages.

Articles in Czech and English with scheduled publication, a news list with topic filter,
Atom feeds, a home-page block, a site-wide announcement banner, the pages linked from
the footer, Open Graph metadata and share links without third-party scripts.
"""
from hub.security import PUBLIC
from hub_news.hooks import (  # noqa: F401
    hub_dashboard_widgets,
    hub_demo_data,
    hub_for_you,
    hub_media_usage,
    hub_navigation,
    hub_openapi,
    hub_permissions,
    hub_personal_data_erase,
    hub_personal_data_export,
    hub_personal_data_tables,
    hub_search_sources,
    hub_slot,
    hub_translations_missing,
)

# The plugin API versions (hub.PLUGIN_API) this plugin is written for.
PLUGIN_API = ">=1.0,<2"


def includeme(config):
    from hub_news.hooks import FOOTER_PAGES_REGION
    from hub_news.services import BANNERS_REGION

    config.add_translation_dirs("hub_news:locale/")
    # Asked on every page: kept until a banner or a page is saved (and at most 5 minutes).
    config.add_cache_region(BANNERS_REGION, tables=("news_banner",), ttl=300)
    config.add_cache_region(FOOTER_PAGES_REGION, tables=("news_page",), ttl=300)
    # Every page shows the banners and links the written pages (footer, accessibility note):
    # menus and kept pages are made anew when these tables change.
    config.add_shell_tables("news_page", "news_banner")
    config.add_static_view("static", "hub_news:static", permission=PUBLIC)
    config.add_route("news.index", "", inherit_slash=True)
    config.add_route("news.feed", "/feed.atom")
    config.add_route("news.topic_feed", "/topics/{slug}/feed.atom")
    config.add_route("news.rss", "/feed.rss")
    config.add_route("news.topic_rss", "/topics/{slug}/feed.rss")
    config.add_route("news.article", r"/{id:\d+}")
    config.add_route("news.image", r"/{id:\d+}/image/{name}")
    config.add_route("news.page", "/pages/{slug}")
    config.add_route("news.manage", "/manage")
    config.add_route("news.new", "/manage/new")
    config.add_route("news.edit", r"/manage/{id:\d+}")
    config.add_route("news.delete", r"/manage/{id:\d+}/delete")
    config.add_route("news.publish", r"/manage/{id:\d+}/publish")
    config.add_route("news.revisions", r"/manage/{id:\d+}/revisions")
    config.add_route("news.revision", r"/manage/{id:\d+}/revisions/{number:\d+}")
    config.add_route("news.revision_restore",
                     r"/manage/{id:\d+}/revisions/{number:\d+}/restore")
    config.add_route("news.banners", "/manage/banners")
    config.add_route("news.banner_new", "/manage/banners/new")
    config.add_route("news.banner_edit", r"/manage/banners/{id:\d+}")
    config.add_route("news.banner_delete", r"/manage/banners/{id:\d+}/delete")
    config.add_route("news.pages", "/manage/pages")
    config.add_route("news.page_edit", "/manage/pages/{slug}")
    config.add_api_route("news.api.articles", "/news/articles")
    config.add_api_route("news.api.article", r"/news/articles/{id:\d+}")
    config.scan("hub_news.views")
    config.scan("hub_news.manage")
    config.scan("hub_news.publishing")
    config.scan("hub_news.api")
