"""hub.pdf: documents print Czech letters in the core's embedded fonts, with their metadata."""
import re
import zlib
from types import SimpleNamespace

from hub.pdf import FONT, document

OBJECT = re.compile(rb"(\d+) 0 obj\s*(.*?)endobj", re.S)
STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)
ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _objects(data: bytes) -> dict[int, bytes]:
    return {int(number): body for number, body in OBJECT.findall(data)}


def _stream(body: bytes) -> bytes:
    raw = STREAM.search(body).group(1)
    return zlib.decompress(raw) if b"/FlateDecode" in body else raw


def _ref(body: bytes, key: bytes) -> int:
    return int(re.search(rb"/" + key + rb" (\d+) 0 R", body).group(1))


def _unescape(literal: bytes) -> bytes:
    def one(match):
        code = match.group(1)
        return bytes([int(code, 8)]) if code[:1].isdigit() else ESCAPES.get(code, code)

    return re.sub(rb"\\([0-7]{1,3}|.)", one, literal, flags=re.S)


def _text(data: bytes) -> list[str]:
    """The lines a reader extracts: each string shown, decoded through its font's ToUnicode."""
    objects = _objects(data)
    lines = []
    for body in objects.values():
        if not re.search(rb"/Type /Page\b(?!s)", body):
            continue
        resources = objects[_ref(body, b"Resources")]
        fonts = {name: objects[int(ref)] for name, ref
                 in re.findall(rb"/(F\d+) (\d+) 0 R", resources)}
        font = None
        for token in re.finditer(rb"/(F\d+) [\d.]+ Tf|\(((?:\\.|[^\\)])*)\) Tj",
                                 _stream(objects[_ref(body, b"Contents")]), re.S):
            if token.group(1):
                font = fonts[token.group(1)]
                continue
            cmap = _stream(objects[_ref(font, b"ToUnicode")])
            unicode = {int(glyph, 16): chr(int(char, 16))
                       for glyph, char in re.findall(rb"<([0-9A-F]{4})> <([0-9A-F]{4})>", cmap)}
            glyphs = _unescape(token.group(2))
            lines.append("".join(unicode[int.from_bytes(glyphs[i:i + 2], "big")]
                                 for i in range(0, len(glyphs), 2)))
    return lines


def _utf16(text: str) -> bytes:
    return b"<feff" + text.encode("utf-16-be").hex().encode() + b">"


def test_a_document_prints_czech_in_the_embedded_regular_and_bold_fonts(registry):
    request = SimpleNamespace(registry=registry, locale_name="cs")
    pdf = document(request, "Osvědčení o účasti", orientation="landscape")
    pdf.add_page()
    pdf.set_font(FONT, "", 12)
    pdf.cell(0, 10, "Příliš žluťoučký kůň", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "B", 12)
    pdf.cell(0, 10, "úpěl ďábelské ódy: ŘŠČŽÝÁÍÉŮĚŤĎŇ")
    data = bytes(pdf.output())

    assert _text(data) == ["Příliš žluťoučký kůň", "úpěl ďábelské ódy: ŘŠČŽÝÁÍÉŮĚŤĎŇ"]
    assert re.findall(rb"/FontName /[A-Z]{6}\+(DejaVuSans\w*)", data) == [
        b"DejaVuSansBook", b"DejaVuSansBold"]
    assert data.count(b"/FontFile2 ") == 2  # embedded, so no reader substitutes a font
    assert b"/MediaBox [0 0 841.89 595.28]" in data  # A4 landscape
    assert _utf16("Osvědčení o účasti") in data.lower()
    assert _utf16(registry.settings["hub.site_name"]) in data.lower()
    assert b"/Lang (cs)" in data


def test_a_document_is_a4_portrait_in_the_language_of_the_request(registry):
    pdf = document(SimpleNamespace(registry=registry, locale_name="en"), "Indicators")
    pdf.add_page()
    pdf.set_font(FONT, "", 11)
    pdf.cell(0, 6, "Patients")
    data = bytes(pdf.output())
    assert b"/MediaBox [0 0 595.28 841.89]" in data and b"/Lang (en)" in data
    assert _text(data) == ["Patients"]
