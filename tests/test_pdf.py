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


def _tags(data: bytes):
    """What assistive technology relies on in a PDF/UA file, read with pypdf."""
    import io

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    root = reader.trailer["/Root"]
    tree = root["/StructTreeRoot"].get_object()
    kinds = set()

    def walk(node):
        node = node.get_object()
        if isinstance(node, list):
            for kid in node:
                walk(kid)
        elif hasattr(node, "get") and node.get("/S"):
            kinds.add(str(node["/S"]))
            walk(node.get("/K", []))

    walk(tree["/K"])
    return SimpleNamespace(
        marked=bool(root["/MarkInfo"]["/Marked"]), lang=str(root["/Lang"]), kinds=kinds,
        display_title=bool(root["/ViewerPreferences"]["/DisplayDocTitle"]),
        title=reader.metadata.title, author=reader.metadata.author,
        text="\n".join(page.extract_text() for page in reader.pages),
        box=[round(float(v)) for v in reader.pages[0].mediabox],
        fonts={str(font.get_object()["/BaseFont"]).split("+")[-1] for page in reader.pages
               for font in page["/Resources"]["/Font"].values()},
        images=[image for page in reader.pages for image in page.images])


def test_a_tagged_document_is_pdf_ua_with_structure_language_and_title(registry):
    from markupsafe import Markup

    from hub.pdf import tagged

    request = SimpleNamespace(registry=registry, locale_name="cs")
    data = tagged(request, "Osvědčení o účasti", Markup(
        "<h1>Osvědčení o účasti</h1><p>{}</p>").format("Příliš žluťoučký kůň <b>"),
        orientation="landscape")
    tags = _tags(data)
    assert tags.marked is True and tags.display_title is True and tags.lang == "cs"
    assert {"/H1", "/P"} <= tags.kinds
    assert tags.title == "Osvědčení o účasti"
    assert tags.author == registry.settings["hub.site_name"]
    assert "Příliš žluťoučký kůň <b>" in tags.text  # escaped text, not markup
    assert tags.box == [0, 0, 842, 595]
    assert tags.fonts == {"DejaVu-Sans", "DejaVu-Sans-Bold"}  # embedded by the hub


def test_a_tagged_document_loads_nothing_but_the_hub_fonts(registry):
    from markupsafe import Markup

    from hub.pdf import tagged

    request = SimpleNamespace(registry=registry, locale_name="en")
    data = tagged(request, "Report", Markup(
        '<p>Report</p><img src="file:///etc/hostname" alt="host">'))
    tags = _tags(data)
    assert tags.lang == "en" and tags.box == [0, 0, 595, 842]
    assert tags.images == [] and "host" in tags.text  # the alternative text, not the file


def test_an_fpdf_document_shows_its_title(registry):
    pdf = document(SimpleNamespace(registry=registry, locale_name="cs"), "Ukazatele")
    pdf.add_page()
    assert b"/DisplayDocTitle true" in bytes(pdf.output())
