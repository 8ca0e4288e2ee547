"""`internkontroll report ks --year Y --out F.pdf`: KS's consolidated review as a PDF."""

from __future__ import annotations

import argparse
import asyncio
import sys


def _fail(message: str, code: int = 2) -> int:
    print(f"internkontroll: {message}", file=sys.stderr)
    return code


def cmd_report_ks(args: argparse.Namespace) -> int:
    """Write KS's consolidated review of a year as a PDF; a draft prints marked UTKAST."""
    from internkontroll.errors import DomainError, ValidationFailed
    from internkontroll.reports.review_pdf import system_render_review_pdf

    try:
        result = asyncio.run(system_render_review_pdf(args.year))
    except ValidationFailed as exc:
        return _fail("; ".join(f"--{e.field}: {e.message}" for e in exc.errors))
    except DomainError as exc:
        return _fail(exc.message)
    if result is None:
        return _fail(f"det finns ingen samlad bedömning för {args.year}")
    content, document = result
    try:
        args.out.write_bytes(content)
    except OSError as exc:
        return _fail(f"kan inte skriva {args.out}: {exc.strerror or exc}", 1)
    state = "beslutad av KS" if document.is_decided else "utkast, märkt UTKAST"
    print(f"{document.title} ({state}), skriven till {args.out}.")
    return 0
