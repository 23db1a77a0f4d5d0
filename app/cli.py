"""The ``glpi-scim-bridge`` command: serve, sandbox, simulator, check, selftest."""

from __future__ import annotations

import argparse
import sys

from app import __version__


def _serve(args: argparse.Namespace) -> int:
    from app.serve import run_gunicorn

    return run_gunicorn(args.config)


def _sandbox(args: argparse.Namespace) -> int:
    from app.sandbox import run_sandbox

    return run_sandbox(host=args.host, port=args.port, token=args.token,
                       glpi_version=args.glpi_version)


def _simulator(args: argparse.Namespace) -> int:
    from app.simulator.server import run_simulator

    return run_simulator(host=args.host, port=args.port, version=args.glpi_version,
                         app_token=args.app_token, user_token=args.user_token,
                         latency_ms=args.latency_ms, keep_alive=args.keep_alive,
                         ldap_directory=args.ldap_directory)


def _check(args: argparse.Namespace) -> int:
    from app.check import run_check

    return run_check(args.config)


def _selftest(args: argparse.Namespace) -> int:
    from app.selftest.runner import run_selftest

    return run_selftest(args.config, args.tenant)


def _hash_password(args: argparse.Namespace) -> int:
    import getpass

    from werkzeug.security import generate_password_hash

    password = getpass.getpass("Status page password: ")
    if len(password) < 12:
        print("error: use at least 12 characters", file=sys.stderr)
        return 2
    if getpass.getpass("Again: ") != password:
        print("error: the two passwords differ", file=sys.stderr)
        return 2
    print(generate_password_hash(password))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="glpi-scim-bridge",
        description="SCIM 2.0 service provider that provisions users and groups into GLPI.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the bridge under gunicorn")
    serve.add_argument("--config", help="YAML configuration file (default: $GLPISCIM_CONFIG)")
    serve.set_defaults(func=_serve)

    sandbox = sub.add_parser("sandbox", help="run the bridge against an embedded GLPI simulator")
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--port", type=int, default=8000)
    sandbox.add_argument("--token", default=None, help="bearer token (random when omitted)")
    sandbox.add_argument("--glpi-version", choices=["10", "11"], default="10")
    sandbox.set_defaults(func=_sandbox)

    simulator = sub.add_parser("simulator", help="run a standalone GLPI REST API simulator")
    simulator.add_argument("--host", default="127.0.0.1")
    simulator.add_argument("--port", type=int, default=8090)
    simulator.add_argument("--glpi-version", choices=["10", "11"], default="10")
    simulator.add_argument("--app-token", default=None, help="App-Token (random when omitted)")
    simulator.add_argument("--user-token", default=None, help="user token of the API account")
    simulator.add_argument("--latency-ms", type=float, default=0.0, help="added latency per call")
    simulator.add_argument("--keep-alive", action="store_true",
                           help="keep HTTP connections open between calls, as GLPI does")
    simulator.add_argument("--ldap-directory", action="store_true",
                           help="as a GLPI with an LDAP directory (Group search options 3, 4, 5)")
    simulator.set_defaults(func=_simulator)

    check = sub.add_parser("check", help="check the configuration and each tenant's GLPI access")
    check.add_argument("--config", help="YAML configuration file (default: $GLPISCIM_CONFIG)")
    check.set_defaults(func=_check)

    selftest = sub.add_parser(
        "selftest",
        help="provision as an IdP would, on throwaway objects, then purge them "
        "(docs/operations.md)",
    )
    selftest.add_argument("--config", help="YAML configuration file (default: $GLPISCIM_CONFIG)")
    selftest.add_argument("--tenant", help="the tenant to test (needed when there are several)")
    selftest.set_defaults(func=_selftest)

    hash_password = sub.add_parser("hash-password", help="print the hash of a status page password")
    hash_password.set_defaults(func=_hash_password)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
