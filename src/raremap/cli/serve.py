"""CLI subcommand ``raremap serve`` (registered by :mod:`raremap.cli`)::

    raremap serve [--releases DIR | --snapshot PATH] [--host 127.0.0.1] [--port 8080] [--workers N]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from ..errors import UsageError
from .common import open_map


def add_commands(sub: Any, source_args: Callable[..., None]) -> None:
    """Register ``serve`` on the ``raremap`` subparsers."""
    from . import HelpFormatter, positive_int

    s = sub.add_parser("serve", help="run the FHIR R4 terminology service and the lookup page",
                       description="Serve the loaded releases over HTTP: FHIR R4 terminology operations "
                                   "(CodeSystem/$lookup, $validate-code, $subsumes, $umi, ValueSet/$expand, "
                                   "ConceptMap/$translate, /metadata), a JSON API under /api/, a health "
                                   "endpoint (/health) and the lookup page (/). Read-only; binds 127.0.0.1 unless "
                                   "--host says otherwise; stops gracefully on Ctrl-C or SIGTERM. Needs the "
                                   "server extra: pip install 'raremap[server]'.",
                       epilog="examples:\n  raremap serve\n  raremap serve --releases ~/releases --port 8080 --workers 2\n"
                              "  curl 'http://127.0.0.1:8080/CodeSystem/$lookup?system=http://www.orpha.net&code=558'",
                       formatter_class=HelpFormatter)
    s.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, this machine only)")
    s.add_argument("--port", type=_port, default=8080, help="TCP port (default: 8080)")
    s.add_argument("--workers", type=positive_int, default=1, metavar="N",
                   help="worker processes sharing one memory-mapped snapshot (default: 1)")
    s.add_argument("--cors-origin", action="append", default=[], metavar="ORIGIN",
                   help="allow browser pages from ORIGIN to call the server (repeatable; default: CORS off)")
    s.add_argument("--timeout", type=float, default=10.0, metavar="SECONDS",
                   help="answer 503 to a request not done after SECONDS (default: 10)")
    s.add_argument("--log-level", default="info", choices=("critical", "error", "warning", "info", "debug"),
                   help="uvicorn log level (default: info)")
    source_args(s, json=False)
    s.set_defaults(run=_serve, json=False)


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port number (0-65535)")
    return value


def _serve(args: argparse.Namespace) -> int:
    if args.timeout <= 0:
        raise UsageError(f"--timeout must be above 0, not {args.timeout:g}")
    try:
        from ..server.run import serve
    except ImportError as err:
        raise UsageError(f"raremap serve needs the server extra ({err.name} is missing): "
                         "pip install 'raremap[server]'") from None
    serve(loaded=open_map(args), host=args.host, port=args.port, workers=args.workers,
          cors_origins=args.cors_origin, timeout=args.timeout, log_level=args.log_level)
    return 0
