"""Serve the simulator on a real loopback port (threaded werkzeug server)."""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass

from werkzeug.serving import BaseWSGIServer
from werkzeug.serving import WSGIRequestHandler
from werkzeug.serving import make_server
from werkzeug.wsgi import LimitedStream

from app.simulator.api import SimulatorApp
from app.simulator.state import Simulator


class _Handler(WSGIRequestHandler):
    """Request handler that can refuse connections (fault injection) and logs nothing."""

    def handle(self) -> None:
        """Serve the connection, or close it at once when connections are refused."""
        sim = self.server.app.sim  # type: ignore[attr-defined]
        if sim.faults.refuse_connections:
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self.connection.close()
            return
        super().handle()

    def log_request(self, *args, **kwargs) -> None:
        """Stay quiet: the call log is the record."""
        return

    def log(self, *args, **kwargs) -> None:
        """Stay quiet: the call log is the record."""
        return


class _KeepAliveHandler(_Handler):
    """Keeps connections open between calls, as GLPI behind Apache or nginx does.

    werkzeug's development server answers every call with ``Connection:
    close`` (and drains the socket after each answer, which would swallow
    a kept-alive client's next request), so a client opens one TCP
    connection per call, which real GLPI does not make it do: benchmarks
    would measure connects, not work. This handler runs the WSGI app
    itself: it buffers the answer, sends it with its ``Content-Length``,
    reads whatever request body the app left unread, and waits for the
    next request on the same connection. A chunked request body, or an app
    failure, closes the connection after the answer.
    """

    #: Seconds an idle kept-alive connection waits for its next request.
    timeout = 30
    #: Headers and body go out in two writes: without TCP_NODELAY the body
    #: would wait for the client's delayed ACK (40 ms) on every call.
    disable_nagle_algorithm = True

    def run_wsgi(self) -> None:
        environ = self.make_environ()
        must_close = bool(environ.get("wsgi.input_terminated"))
        length = environ.get("CONTENT_LENGTH", "")
        unread = None
        if not must_close:
            unread = LimitedStream(self.rfile, int(length) if length.isdigit() else 0)
            environ["wsgi.input"] = unread
        started: list = []
        chunks: list[bytes] = []

        def start_response(status, headers, exc_info=None):
            started[:] = [status, headers]
            return chunks.append

        try:
            result = self.server.app(environ, start_response)
            try:
                chunks.extend(result)
            finally:
                if hasattr(result, "close"):
                    result.close()
        except Exception:  # noqa: BLE001 - answer 500 as werkzeug would, then close
            started[:] = ["500 INTERNAL SERVER ERROR", [("Content-Type", "text/plain")]]
            chunks[:] = [b"simulator error"]
            must_close = True
        status, headers = started
        body = b"".join(chunks)
        code, _, reason = status.partition(" ")
        self.send_response(int(code), reason)
        for key, value in headers:
            if key.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        if must_close:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        if unread is not None:
            unread.exhaust()


@dataclass
class RunningSimulator:
    """A simulator being served: ``url`` ends with ``/apirest.php``."""

    url: str
    app_token: str
    user_token: str
    sim: Simulator
    server: BaseWSGIServer
    thread: threading.Thread

    def stop(self) -> None:
        """Shut the server down and close its socket."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def start_simulator(
    version: str = "10",
    host: str = "127.0.0.1",
    port: int = 0,
    app_token: str | None = None,
    user_token: str | None = None,
    latency_ms: float = 0.0,
    keep_alive: bool = False,
    ldap_directory: bool = False,
) -> RunningSimulator:
    """Start a seeded simulator in a background thread and return it.

    :param keep_alive: keep HTTP connections open between calls, as GLPI
        does (the benchmarks use it); off by default, so that stopping or
        restarting the simulator ends every connection, as a GLPI restart does.
    :param ldap_directory: a GLPI with an LDAP directory configured: Group search
        options 3, 4 and 5 (``ldap_field``, ``ldap_value``, ``ldap_group_dn``) exist.
    """
    sim = Simulator(
        version=version,
        app_token=app_token,
        user_token=user_token,
        latency_ms=latency_ms,
        ldap_directory=ldap_directory,
    )
    handler = _KeepAliveHandler if keep_alive else _Handler
    return _serve(sim, host, port, handler)


def restart_simulator(running: RunningSimulator) -> RunningSimulator:
    """Stop ``running`` and serve the same data again on the same port, sessions lost.

    Models GLPI's PHP process (or its session store) restarting: every
    Session-Token becomes invalid, the database is untouched.
    """
    running.stop()
    running.sim.invalidate_sessions()
    host, port = running.server.server_address[:2]
    return _serve(running.sim, host, port, running.server.RequestHandlerClass)


def _serve(sim: Simulator, host: str, port: int, handler: type) -> RunningSimulator:
    """Serve ``sim`` on ``host:port`` (0: any free port) from a daemon thread."""
    server = make_server(host, port, SimulatorApp(sim), threaded=True, request_handler=handler)
    server.daemon_threads = True
    sim.base_url = f"http://{host}:{server.socket.getsockname()[1]}"
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name="glpi-simulator",
        daemon=True,
    )
    thread.start()
    return RunningSimulator(
        url=f"{sim.base_url}/apirest.php",
        app_token=sim.app_token,
        user_token=sim.glpi_user_token,
        sim=sim,
        server=server,
        thread=thread,
    )


def run_simulator(
    host: str = "127.0.0.1",
    port: int = 8090,
    version: str = "10",
    app_token: str | None = None,
    user_token: str | None = None,
    latency_ms: float = 0.0,
    keep_alive: bool = False,
    ldap_directory: bool = False,
) -> int:
    """Serve until interrupted (the ``simulator`` CLI command); prints URL and tokens."""
    running = start_simulator(
        version=version,
        host=host,
        port=port,
        app_token=app_token,
        user_token=user_token,
        latency_ms=latency_ms,
        keep_alive=keep_alive,
        ldap_directory=ldap_directory,
    )
    print(f"GLPI simulator (version {running.sim.version}) at {running.url}", flush=True)
    print(f"App-Token: {running.app_token}", flush=True)
    print(f"user_token: {running.user_token}", flush=True)
    try:
        running.thread.join()
    except KeyboardInterrupt:
        pass
    finally:
        running.stop()
    return 0
