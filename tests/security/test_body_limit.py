"""Request bodies are limited (``hub.max_body_size``) before anything reads them.

The apps here accept 2 kB, so that the limit is crossed with small bodies; routes that
take uploads declare a larger limit with ``config.set_body_limit``.
"""
from __future__ import annotations

import io

import pytest
from webob import Request

from hub.params import DEFAULT_BODY_LIMIT, MB

LIMIT = 2048
SITE = "https://hub.example.org"


@pytest.fixture
def client(make_app, make_testapp):
    return make_testapp(make_app("elearning", **{"hub.max_body_size": str(LIMIT)}))


def language_form(client, size: int, language: str = "en") -> dict:
    """The language switch's form, padded to about ``size`` bytes."""
    return {"language": language, "csrf_token": client.csrf_token, "next": "/",
            "padding": "x" * max(0, size - 150)}


def raw_post(client, path: str, body: bytes, *, chunked: bool = False,
             content_length: int | None = None, content_type: str =
             "application/x-www-form-urlencoded"):
    """POST through WSGI as a server would pass it: a chunked body comes without
    ``Content-Length`` and with ``wsgi.input_terminated``."""
    request = Request.blank(path, environ=dict(client.extra_environ), method="POST")
    request.content_type = content_type
    request.headers["Origin"] = SITE
    request.headers["Cookie"] = "; ".join(f"{c.name}={c.value}" for c in client.cookiejar)
    request.environ["wsgi.input"] = io.BytesIO(body)
    if chunked:
        request.environ.pop("CONTENT_LENGTH", None)
        request.environ["wsgi.input_terminated"] = True
    else:
        request.environ["CONTENT_LENGTH"] = str(len(body) if content_length is None
                                                else content_length)
    return request.get_response(client.app)


def test_the_default_limit_is_ten_megabytes():
    from hub.settings import SettingsError, apply_core_settings

    assert DEFAULT_BODY_LIMIT == 10 * MB
    assert apply_core_settings({})["hub.max_body_size"] == DEFAULT_BODY_LIMIT
    with pytest.raises(SettingsError, match="hub.max_body_size"):
        apply_core_settings({"hub.max_body_size": "0"})


def test_a_body_over_the_limit_is_a_friendly_413_before_the_csrf_check(client):
    form = language_form(client, LIMIT + 500)
    del form["csrf_token"]  # refused for its size before anyone looks for the token
    response = client.post("/language", form, headers={"Origin": SITE}, status=413)
    assert "text/html" in response.content_type
    assert "Příliš mnoho dat" in response.text and "2 kB" in response.text
    assert "hub_lang" not in response.headers.get("Set-Cookie", "")  # the view never ran
    client.set_cookie("hub_lang", "en")
    response = client.post("/language", form, headers={"Origin": SITE}, status=413)
    assert "Too much data" in response.text


def test_a_body_within_the_limit_reaches_the_view(client):
    form = language_form(client, LIMIT - 300)
    del form["csrf_token"]  # post_form adds it
    response = client.post_form("/language", form, status=303)
    assert "hub_lang=en" in response.headers["Set-Cookie"]


def test_on_the_api_the_413_has_the_json_error_shape(client):
    response = raw_post(client, "/api/v1/notifications/read-all", b"{}" + b" " * LIMIT,
                        content_type="application/json")
    assert response.status_int == 413
    assert response.json["error"] == {
        "status": 413, "code": "too_large", "details": {"limit": LIMIT},
        "message": "Tělo požadavku je větší než 2 kB, které zde lze přijmout."}


def test_a_chunked_body_is_counted_as_it_is_read(client):
    form = language_form(client, LIMIT * 4)
    body = "&".join(f"{k}={v}" for k, v in form.items()).encode()
    assert raw_post(client, "/language", body, chunked=True).status_int == 413
    small = language_form(client, LIMIT // 2)
    body = "&".join(f"{k}={v}" for k, v in small.items()).encode()
    response = raw_post(client, "/language", body, chunked=True)
    assert response.status_int == 303  # read in full, CSRF token included
    assert "hub_lang=en" in response.headers["Set-Cookie"]


def test_a_content_length_over_the_limit_is_refused_without_reading_the_body(client):
    class Unreadable(io.RawIOBase):
        def read(self, *args):
            raise AssertionError("the body was read")

    request = Request.blank("/language", environ=dict(client.extra_environ), method="POST")
    request.environ.update({"wsgi.input": Unreadable(), "CONTENT_LENGTH": str(50 * MB),
                            "CONTENT_TYPE": "application/x-www-form-urlencoded"})
    assert request.get_response(client.app).status_int == 413


def test_an_upload_route_declares_a_larger_limit(client):
    from hub_elearning.lessons import MAX_UPLOAD

    limits = client.app.registry["hub.body_limits"]
    assert limits["elearning.lesson_edit"] > MAX_UPLOAD
    assert limits["elearning.lesson_new"] > MAX_UPLOAD
    client.get("/")  # a CSRF cookie
    body = b"x" * (LIMIT * 3)
    upload = raw_post(client, "/elearning/manage/lessons/1", body,
                      content_type="multipart/form-data; boundary=x")
    assert upload.status_int != 413  # on to the usual checks (here: the CSRF token)
    elsewhere = raw_post(client, "/elearning/manage/courses/1", body,
                         content_type="multipart/form-data; boundary=x")
    assert elsewhere.status_int == 413
    too_large = raw_post(client, "/elearning/manage/lessons/1", b"",
                         content_length=limits["elearning.lesson_edit"] + 1)
    assert too_large.status_int == 413


def test_a_body_limit_must_be_a_positive_number_of_bytes():
    from pyramid.config import Configurator

    config = Configurator(settings={})
    config.include("hub.params")
    with pytest.raises(ValueError, match="positive"):
        config.set_body_limit("somewhere", 0)
