"""Container health probe: ``python -m app.ops.probe`` exits 0 when ``/healthz`` answers 200.

It reads the same configuration as the server (``$GLPISCIM_CONFIG`` and
``GLPISCIM_*``) to find the port and whether gunicorn serves TLS, then asks
``/healthz`` on the loopback interface with the standard library only, so
the image needs no curl.
"""

from __future__ import annotations

import ssl
import sys
import urllib.error
import urllib.request

from app.config import load_config


def health_url(settings: dict) -> str:
    """The loopback ``/healthz`` URL of a server configured by ``settings``."""
    port = settings["server"]["bind"].rsplit(":", 1)[-1]
    scheme = "https" if settings["server"]["tls"]["certfile"] else "http"
    return f"{scheme}://127.0.0.1:{port}/healthz"


def main(timeout: float = 4.0) -> int:
    url = health_url(load_config())
    context = None
    if url.startswith("https"):
        # Liveness on loopback: the certificate names the public host, not 127.0.0.1.
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    try:
        with urllib.request.urlopen(url, timeout=timeout, context=context) as response:
            return 0 if response.status == 200 else 1
    except (urllib.error.URLError, OSError):
        return 1


if __name__ == "__main__":
    sys.exit(main())
