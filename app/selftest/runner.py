"""``glpi-scim-bridge selftest``: will provisioning work here? Do it once, on throwaway objects.

``check`` proves the bridge can reach GLPI with the rights it needs. The
self-test goes further: it builds the bridge's application from the
configuration (``create_app``, as ``serve`` does) and sends it, in-process
through Flask's test client, the requests an IdP sends (:mod:`app.selftest.scenario`).
So the routes, the bearer-token check, payload validation, the tenant's
storage and the GLPI calls all run exactly as for Entra or Okta, without
opening a port and without the IdP's token: the run uses a random token of
its own, valid only inside this process.

Each step is printed with its status, its time and the GLPI calls it took.
Whatever happens (a failed step, an error, SIGINT or SIGTERM), the clean-up
(:mod:`app.selftest.cleanup`) purges what the run created, then one last
line sums up. Exit status: 0 passed, 1 a step failed or the clean-up left
something, 2 invalid configuration or unknown tenant, 128 + the signal
number when interrupted (130 for SIGINT, 143 for SIGTERM).

Testing hook: with ``GLPI_SCIM_BRIDGE_SELFTEST_PAUSE_AFTER=<step number>`` the run
prints ``paused after step N`` and waits there (at most 5 minutes), so a
test can interrupt it mid-way and check the clean-up.
"""

from __future__ import annotations

import contextlib
import copy
import os
import secrets
import signal
import sys
import threading
import time
from collections.abc import Iterator
from collections.abc import Mapping
from typing import Any
from typing import TextIO

from app.config import load_for_command
from app.glpi.client.session import CallRecord
from app.selftest.cleanup import Cleanup
from app.selftest.cleanup import purge_run
from app.selftest.scenario import STEPS
from app.selftest.scenario import Made
from app.selftest.scenario import Run
from app.selftest.scenario import Scim
from app.selftest.scenario import StepFailed
from app.selftest.scenario import Throwaway

#: Not under GLPISCIM_, which the configuration reads as settings.
PAUSE_ENV = "GLPI_SCIM_BRIDGE_SELFTEST_PAUSE_AFTER"
PAUSE_SECONDS = 300.0


class Interrupted(BaseException):
    """SIGINT or SIGTERM arrived: unwind to the clean-up (a BaseException, as KeyboardInterrupt)."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name


class CallLog:
    """The GLPI calls of the tenant's client, from its call hooks (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.records: list[CallRecord] = []

    def __call__(self, record: CallRecord) -> None:
        with self._lock:
            self.records.append(record)

    def since(self, start: int) -> list[CallRecord]:
        with self._lock:
            return self.records[start:]

    def __len__(self) -> int:
        with self._lock:
            return len(self.records)


def calls_text(records: list[CallRecord]) -> str:
    """``2 GLPI calls: GET /search/User, POST /User`` (repeats as ``×n``)."""
    if not records:
        return "0 GLPI calls"
    parts: list[list[Any]] = []
    for record in records:
        label = f"{record.method} {record.endpoint.removeprefix('/apirest.php')}".rstrip("/")
        if parts and parts[-1][0] == label:
            parts[-1][1] += 1
        else:
            parts.append([label, 1])
    shown = ", ".join(label + (f" ×{n}" if n > 1 else "") for label, n in parts)
    return f"{len(records)} GLPI call{'s' if len(records) != 1 else ''}: {shown}"


class SignalGuard:
    """While active, SIGINT/SIGTERM raise :class:`Interrupted`; once ``deferring``, they are
    noted and ignored, so that nothing stops the clean-up half-way.

    One handler for the whole run, so there is no moment without it. Only the
    main thread may set handlers; elsewhere the defaults stay.
    """

    def __init__(self) -> None:
        self.deferring = False

    def _handle(self, signum: int, _frame: Any) -> None:
        if not self.deferring:
            raise Interrupted(signum)
        print(f"selftest: {signal.Signals(signum).name} received, finishing the clean-up first",
              file=sys.stderr, flush=True)

    @contextlib.contextmanager
    def installed(self) -> Iterator[SignalGuard]:
        if threading.current_thread() is not threading.main_thread():
            yield self
            return
        saved = {s: signal.signal(s, self._handle) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield self
        finally:
            for signum, previous in saved.items():
                signal.signal(signum, previous)


def selftest_config(config: Mapping[str, Any], tenant: str, token: str) -> dict:
    """The configuration of the run's own app: one tenant, its own token, no status page events.

    The activity store is the status page's record of IdP traffic, so the
    run stays out of it; access and info logs would drown the report, so only
    errors are logged; an audit file, if configured, still records the writes.
    """
    settings = copy.deepcopy(dict(config))
    chosen = next(t for t in settings["tenants"] if t["name"] == tenant)
    chosen["tokens"] = [token]
    chosen.pop("oauth", None)
    settings["tenants"] = [chosen]
    settings["activity"] = {**settings.get("activity", {}), "enabled": False}
    settings["server"] = {**settings.get("server", {}), "access_log": False}
    logging = dict(settings.get("logging", {}))
    logging["level"] = "ERROR"
    if logging.get("audit_sink", "stdout") == "stdout":
        logging["audit_sink"] = "off"
    settings["logging"] = logging
    return settings


def _pause(number: int, out: TextIO, environ: Mapping[str, str]) -> None:
    if environ.get(PAUSE_ENV) == str(number):
        print(f"selftest: paused after step {number} ({PAUSE_ENV}), pid {os.getpid()}",
              file=out, flush=True)
        deadline = time.monotonic() + PAUSE_SECONDS
        while time.monotonic() < deadline:
            time.sleep(0.05)


def _steps(run: Run, log: CallLog, out: TextIO, environ: Mapping[str, str]) -> str | None:
    """Run the steps in order; return why the first failing one failed, or None."""
    for number, (name, step) in enumerate(STEPS, 1):
        first, started = len(log), time.perf_counter()
        failure = note = None
        try:
            note = step(run)
        except Interrupted as exc:
            print(f"  {number}/{len(STEPS)} {name:<26} {'INTERRUPTED by ' + exc.name}  "
                  f"{calls_text(log.since(first))}", file=out, flush=True)
            raise
        except StepFailed as exc:
            failure = str(exc)
        except Exception as exc:  # noqa: BLE001 - any error of a step is reported, then cleaned up
            failure = f"{type(exc).__name__}: {exc}"
        elapsed = (time.perf_counter() - started) * 1000
        status = "FAIL" if failure else "OK"
        print(f"  {number}/{len(STEPS)} {name:<26} {status:<4} {elapsed:6.0f} ms  "
              f"{calls_text(log.since(first))}  ({failure or note})", file=out, flush=True)
        if failure:
            return f"step {number}/{len(STEPS)} ({name}): {failure}"
        _pause(number, out, environ)
    return None


def selftest(
    config: Mapping[str, Any],
    tenant: str,
    *,
    out: TextIO | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    """Run the scenario for ``tenant`` of a validated ``config``; print the report; exit status."""
    from app import create_app

    out = out or sys.stdout
    environ = os.environ if environ is None else environ
    token = secrets.token_urlsafe(32)
    app = create_app(selftest_config(config, tenant, token))
    registry = app.extensions["tenants"]
    client = registry.get(tenant).storage.client
    log = CallLog()
    client.hooks.append(log)
    policy = registry.get(tenant).config.get("deprovisioning", "trash")
    run = Run(Scim(app.test_client(), token), Throwaway.new(), Made(), policy)
    print(f"selftest of tenant {tenant}: entity {registry.get(tenant).config['entity']['id']}, "
          f"deprovisioning {policy}, objects named {run.names.tag}", file=out, flush=True)
    started = time.perf_counter()
    failure: str | None = None
    interrupted: Interrupted | None = None
    with SignalGuard().installed() as guard:
        try:
            failure = _steps(run, log, out, environ)
        except Interrupted as exc:
            interrupted = exc
        finally:
            guard.deferring = True
            cleanup = _clean(client, run, log, out)
            with contextlib.suppress(Exception):
                registry.close()
    seconds = time.perf_counter() - started
    return _verdict(out, tenant, failure, interrupted, cleanup, len(log), seconds)


def _clean(client: Any, run: Run, log: CallLog, out: TextIO) -> Cleanup:
    """Purge what the run made; print one line; never raise."""
    first = len(log)
    try:
        cleanup = purge_run(client, run.made, run.names)
    except Exception as exc:  # noqa: BLE001 - reported, never hidden
        cleanup = Cleanup(failed=[f"the clean-up itself ({type(exc).__name__}: {exc})"])
    print(f"  clean-up: {cleanup.summary()} ({calls_text(log.since(first))})", file=out, flush=True)
    return cleanup


def _verdict(
    out: TextIO,
    tenant: str,
    failure: str | None,
    interrupted: Interrupted | None,
    cleanup: Cleanup,
    calls: int,
    seconds: float,
) -> int:
    """Print the one closing line; return the exit status."""
    tail = "nothing left in GLPI" if not cleanup.failed else "LEFTOVERS in GLPI (see clean-up)"
    if interrupted is not None:
        print(f"selftest INTERRUPTED by {interrupted.name}: tenant {tenant}, {calls} GLPI calls, "
              f"{seconds:.1f} s; {tail}", file=out, flush=True)
        return 128 + interrupted.signum
    if failure or cleanup.failed:
        print(f"selftest FAILED: tenant {tenant}, {failure or 'clean-up'}; {tail}",
              file=out, flush=True)
        return 1
    print(f"selftest PASSED: tenant {tenant}, {len(STEPS)}/{len(STEPS)} steps, {calls} GLPI calls, "
          f"{seconds:.1f} s; {tail}", file=out, flush=True)
    return 0


def run_selftest(
    config_path: str | None,
    tenant: str | None = None,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    """The ``selftest`` command: load the configuration, choose the tenant, run."""
    out = out or sys.stdout
    err = err or sys.stderr
    config = load_for_command(config_path, environ, err)
    if config is None:
        return 2
    names = [t["name"] for t in config["tenants"]]
    if tenant is None and len(names) > 1:
        print(f"error: several tenants, choose one with --tenant: {', '.join(names)}", file=err)
        return 2
    chosen = tenant or names[0]
    if chosen not in names:
        print(f"error: no tenant {chosen!r}; the tenants are: {', '.join(names)}", file=err)
        return 2
    return selftest(config, chosen, out=out, environ=environ)
