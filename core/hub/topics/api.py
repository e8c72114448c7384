"""JSON API of the topics: the active taxonomy, for API clients and other systems."""
from __future__ import annotations

from pyramid.view import view_config

from hub.api.collections import collection_of, collection_schema, paging_parameters, read_paging
from hub.api.openapi import json_content, ref
from hub.security import PUBLIC
from hub.topics import active_topics


@view_config(route_name="topics.api.list", request_method="GET", renderer="json",
             permission=PUBLIC)
def topics(request):
    return collection_of([{"slug": t.slug, "kind": t.kind,
                           "name": {"cs": t.name_cs, "en": t.name_en}}
                          for t in active_topics(request)], read_paging(request, 100))


def openapi() -> dict:
    topic = {"type": "object", "required": ["slug", "kind", "name"], "properties": {
        "slug": {"type": "string", "description": "Stable identifier used by every module"},
        "kind": {"type": "string", "enum": ["disease", "theme"]},
        "name": {"type": "object", "properties": {"cs": {"type": "string"},
                                                  "en": {"type": "string"}}}}}
    return {
        "paths": {"/topics": {"get": {
            "tags": ["topics"], "summary": "Active topics (disease areas and themes), in order",
            "operationId": "listTopics", "security": [], "parameters": paging_parameters(100),
            "responses": {"200": {"description": "The topics", "content": json_content(
                collection_schema(ref("Topic")))}}}}},
        "components": {"schemas": {"Topic": topic}},
    }
