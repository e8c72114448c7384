"""hub.storage recognises audio by its content, and videos stay videos."""
import pytest

from hub import storage as st

EBML = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01"


@pytest.mark.parametrize(("head", "kind"), [
    (b"ID3\x04\x00\x00\x00\x00\x00#TSSE" + b"\x00" * 20, st.MP3),
    (b"\xff\xfbP\xc4\x00\x00\n,C.U\x94" + b"\x00" * 20, st.MP3),  # a frame, no ID3 tag
    (b"OggS\x00\x02\x00\x00\x00\x00\x00\x00" + b"\x00" * 20, st.OGG),
    (b"\x00\x00\x00\x1cftypM4A \x00\x00\x02\x00", st.M4A),
    (EBML + b"webm" + b"\x00" * 40 + b"\x86A_OPUS" + b"\x00" * 10, st.AUDIO_WEBM),
    (EBML + b"webm" + b"\x00" * 40 + b"\x86V_VP9" + b"\x86A_OPUS", st.WEBM),
    (EBML + b"webm" + b"\x00" * 40, st.WEBM),
    (b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00", st.MP4),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", st.JPEG),
])
def test_sniffing(head, kind):
    assert st.sniff(head) == kind


def test_audio_is_refused_where_only_video_is_accepted(tmp_path):
    store = st.Storage(str(tmp_path / "files"))
    ogg = b"OggS\x00\x02" + bytes(range(200))
    with pytest.raises(st.StorageError) as refused:
        store.write(ogg, namespace="media", filename="a.ogg", max_size=1000,
                    allowed_types=st.VIDEOS)
    assert refused.value.code == "type_not_allowed"
    stored = store.write(ogg, namespace="media", filename="a.ogg", max_size=1000,
                         allowed_types=st.AUDIOS)
    assert stored.content_type == "audio/ogg"
