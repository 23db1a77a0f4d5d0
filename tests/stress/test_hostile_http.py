"""Hostile input at the encoding level, through the real server (gunicorn) on a raw socket.

What a test client normalises away is sent byte for byte here: invalid UTF-8
in the path, the query string, a header and the body; ``..`` and ``%2e%2e``
that no client resolved; double slashes; a body shorter or longer than its
Content-Length; a broken chunked body. Whatever reaches the application is
answered with a SCIM Error (no 5xx) and changes nothing in GLPI. Requests so
malformed that gunicorn refuses them before the application (a request
line that is not HTTP) get gunicorn's own 400, also without a 5xx; see
docs/resilience.md.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from app.simulator.server import start_simulator
from tests.ops.served import Served
from tests.stress.helpers import TOKEN
from tests.stress.helpers import USER_SCHEMA
from tests.stress.helpers import check_error
from tests.stress.helpers import tenant_config

AUTH = f"Authorization: Bearer {TOKEN}\r\n".encode()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = start_simulator(version="10")
    served = Served(
        Path(tmp_path_factory.mktemp("hostile-http")),
        {"tenants": [tenant_config(running)]},
        workers=1,
    ).start()
    try:
        yield served, running
    finally:
        served.stop()
        running.stop()


def _send(port: int, raw: bytes) -> tuple[int, dict, bytes]:
    """Send raw bytes, read the whole answer (the server closes), split it."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(raw)
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while True:
            data = sock.recv(65536)
            if not data:
                break
            chunks.append(data)
    answer = b"".join(chunks)
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().title()] = value.strip()
    return status, headers, body


def _request(method: str, target: bytes, body: bytes = b"", extra: bytes = b"") -> bytes:
    length = f"Content-Length: {len(body)}\r\n".encode() if body else b""
    return (
        method.encode()
        + b" "
        + target
        + b" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
        + AUTH
        + length
        + extra
        + b"\r\n"
        + body
    )


USER = json.dumps({"schemas": [USER_SCHEMA], "userName": "raw@acme.example"}).encode()
SCIM = b"Content-Type: application/scim+json\r\n"

CASES = {
    "invalid UTF-8 in the path": _request("GET", b"/scim/v2/Users/\xff\xfe"),
    "invalid UTF-8 in an id to delete": _request("DELETE", b"/scim/v2/Users/2\xc0"),
    "invalid UTF-8 in the filter": _request(
        "GET", b"/scim/v2/Users?filter=userName%20eq%20%22\xff%22"
    ),
    "percent-encoded invalid UTF-8 in the filter": _request(
        "GET", b"/scim/v2/Users?filter=userName%20eq%20%22%FF%FE%22"
    ),
    "percent-encoded NUL in the filter": _request(
        "GET", b"/scim/v2/Users?filter=userName%20eq%20%22a%00b%22"
    ),
    "invalid UTF-8 in the body": _request(
        "POST", b"/scim/v2/Users", b'{"userName": "\xff\xfe@acme.example"}', SCIM
    ),
    "Latin-1 body declared UTF-8": _request(
        "POST",
        b"/scim/v2/Users",
        '{"schemas": ["%s"], "userName": "jos\xe9@acme.example"}'.encode("latin-1")
        % USER_SCHEMA.encode(),
        SCIM,
    ),
    "invalid UTF-8 in a header": _request("GET", b"/scim/v2/Users", extra=b"X-Note: \xff\xfe\r\n"),
    "invalid UTF-8 in the token": b"GET /scim/v2/Users HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
    b"Authorization: Bearer \xff\xfe\r\n\r\n",
    "raw dot-dot": _request("GET", b"/scim/v2/Users/../Groups"),
    "raw dot-dot to delete": _request("DELETE", b"/scim/v2/Groups/../Users/2"),
    "encoded dot-dot": _request("GET", b"/scim/v2/Users/%2e%2e/%2e%2e/admin"),
    "encoded slash": _request("DELETE", b"/scim/v2/Users/2%2f..%2f3"),
    "double slashes": _request("GET", b"//scim//v2//Users"),
    "absolute-form target": _request("GET", b"http://evil.example/scim/v2/Users"),
    "body shorter than Content-Length": b"POST /scim/v2/Users HTTP/1.1\r\nHost: x\r\n"
    b"Connection: close\r\n" + AUTH + SCIM + b"Content-Length: 500\r\n\r\n" + USER,
    "body longer than Content-Length": b"POST /scim/v2/Users HTTP/1.1\r\nHost: x\r\n"
    b"Connection: close\r\n" + AUTH + SCIM + b"Content-Length: 10\r\n\r\n" + USER,
    "broken chunked body": b"POST /scim/v2/Users HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
    + AUTH
    + SCIM
    + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n"
    + USER
    + b"\r\n0\r\n\r\n",
    "chunked body that never ends": b"POST /scim/v2/Users HTTP/1.1\r\nHost: x\r\n"
    b"Connection: close\r\n" + AUTH + SCIM + b'Transfer-Encoding: chunked\r\n\r\n5\r\n{"sc\r\n',
    "NUL in the request target": _request("GET", b"/scim/v2/Users/\x00"),
}


@pytest.mark.parametrize("raw", CASES.values(), ids=CASES.keys())
def test_encoding_level_garbage_is_refused_without_a_5xx_or_a_change(server, raw: bytes) -> None:
    served, running = server
    digest = running.sim.state_digest()
    status, headers, body = _send(served.port, raw)
    assert status < 500, (status, body[:300])
    assert running.sim.state_digest() == digest
    if status >= 400 and headers.get("Content-Type", "").startswith("application/scim+json"):
        check_error(status, headers, body)
    elif status >= 400:
        # gunicorn refused the request before the application: its own short answer.
        assert b"Traceback" not in body and len(body) < 2000, body
    else:
        assert b"raw@acme.example" not in body
