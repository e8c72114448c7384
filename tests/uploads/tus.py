"""A minimal tus client over WebTest, for the upload tests."""
import base64
from urllib.parse import urlsplit

OFFSET_STREAM = "application/offset+octet-stream"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def tus_headers(client, csrf: bool = True, **extra) -> dict:
    headers = {"Tus-Resumable": "1.0.0", "Origin": client.origin}
    if csrf:
        headers["X-CSRF-Token"] = client.csrf_token
    headers.update({name.replace("_", "-"): str(value) for name, value in extra.items()})
    return headers


def create(client, length: int, filename: str = "zprava.pdf", filetype: str = "application/pdf",
           status: int = 201, **extra):
    headers = tus_headers(client, Upload_Length=length,
                          Upload_Metadata=f"filename {b64(filename)},filetype {b64(filetype)}",
                          **extra)
    return client.post("/uploads", b"", headers=headers, status=status)


def path_of(response) -> str:
    return urlsplit(response.headers["Location"]).path


def patch(client, path: str, offset: int, data: bytes, status: int = 204,
          content_type: str = OFFSET_STREAM, csrf: bool = True):
    return client.patch(path, data, headers=tus_headers(client, csrf=csrf, Upload_Offset=offset),
                        content_type=content_type, status=status)


def head(client, path: str, status: int = 200):
    return client.head(path, headers=tus_headers(client, csrf=False), status=status)


def upload(client, data: bytes, chunk: int, **kwargs) -> str:
    """Upload ``data`` in chunks of ``chunk`` bytes; return the upload's path."""
    path = path_of(create(client, len(data), **kwargs))
    for start in range(0, len(data), chunk):
        patch(client, path, start, data[start:start + chunk])
    return path
