"""Serve the simulator on a real loopback port (threaded werkzeug server)."""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass

from werkzeug.serving import BaseWSGIServer
from werkzeug.serving import WSGIRequestHandler
from werkzeug.serving import make_server

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
) -> RunningSimulator:
    """Start a seeded simulator in a background thread and return it."""
    sim = Simulator(
        version=version, app_token=app_token, user_token=user_token, latency_ms=latency_ms
    )
    server = make_server(host, port, SimulatorApp(sim), threaded=True, request_handler=_Handler)
    server.daemon_threads = True
    bound_port = server.socket.getsockname()[1]
    sim.base_url = f"http://{host}:{bound_port}"
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


def restart_simulator(running: RunningSimulator) -> RunningSimulator:
    """Stop ``running`` and serve the same data again on the same port, sessions lost.

    Models GLPI's PHP process (or its session store) restarting: every
    Session-Token becomes invalid, the database is untouched.
    """
    running.stop()
    running.sim.invalidate_sessions()
    host, port = running.server.server_address[:2]
    server = make_server(
        host, port, SimulatorApp(running.sim), threaded=True, request_handler=_Handler
    )
    server.daemon_threads = True
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name="glpi-simulator",
        daemon=True,
    )
    thread.start()
    return RunningSimulator(
        url=running.url,
        app_token=running.app_token,
        user_token=running.user_token,
        sim=running.sim,
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
) -> int:
    """Serve until interrupted (the ``simulator`` CLI command); prints URL and tokens."""
    running = start_simulator(
        version=version,
        host=host,
        port=port,
        app_token=app_token,
        user_token=user_token,
        latency_ms=latency_ms,
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
