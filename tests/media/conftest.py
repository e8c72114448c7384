import pytest

from hub.testing import make_user

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7"
       b"\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")
# The head of a WebM file with a VP9 video track, and enough bytes to ask ranges of.
WEBM = b"\x1a\x45\xdf\xa3" + b"\x00" * 28 + b"V_VP9" + bytes(range(256)) * 8
CAPTIONS = "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nDobrý den.\n"
CAPTIONS_EN = "WEBVTT\n\n00:00.000 --> 00:02.000\nGood afternoon.\n"


def csrf_headers(client) -> dict:
    return {"X-CSRF-Token": client.csrf_token.strip('"'), "Origin": "https://hub.example.org"}


@pytest.fixture
def english_staff(dbsession):
    return make_user(dbsession, "staff-en@test.example", "staff", name="Sam Staff",
                     language="en")


@pytest.fixture
def add_item(add_media):
    """``add_item(kind="video", data=..., **values)``: a library item with a stored file."""

    def _add(kind="video", data=None, captions=None, **values):
        data = data or {"video": WEBM, "image": PNG}[kind]
        defaults = {"title": "Záznam", "alt": "Popis obrázku" if kind == "image" else ""}
        return add_media(kind, data, file_name=values.pop("file_name", f"soubor.{kind}"),
                         captions=captions, **{**defaults, **values})

    return _add
