"""Turn Terraform's error output into one line a user can act on.

Terraform reports errors as ``-json`` diagnostics for plan/apply/validate and as boxed text for the
other commands; the first error is the cause, the rest usually follow from it.
"""

from __future__ import annotations

import json
import re

_BOX = re.compile(r"^[\u2502\u2577\u2575] ?", re.MULTILINE)  # the │ ╷ ╵ frame around text diagnostics


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _from_json(stdout: str) -> str | None:
    for line in stdout.splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        diagnostics = event.get("diagnostics") or [event.get("diagnostic") or {}]
        for diagnostic in diagnostics:
            if diagnostic.get("severity") == "error":
                where = diagnostic.get("range") or {}
                detail = diagnostic.get("detail", "")
                if where.get("filename"):
                    detail += f" ({where['filename']} line {where.get('start', {}).get('line', '?')})"
                return _format(diagnostic.get("summary", ""), detail)
    return None


def _from_text(stderr: str) -> str | None:
    blocks = re.split(r"^Error: ", _BOX.sub("", stderr), flags=re.MULTILINE)[1:]
    if not blocks:
        return None
    # init prefixes config errors with a generic "Error: Terraform encountered problems" block; the
    # real cause is the first block that points into the configuration ("  on main.tf line 3").
    block = next((b for b in blocks if "\n  on " in b), blocks[0])
    summary, _, rest = block.partition("\n")
    paragraphs = [p for p in rest.split("\n\n") if p.strip() and not p.lstrip("\n").startswith("  on ")]
    return _format(summary, " ".join(paragraphs))


def _format(summary: str, detail: str) -> str:
    summary, detail = _one_line(summary), _one_line(detail)
    return f"{summary}: {detail}" if detail else summary


def first_error(stdout: str, stderr: str) -> str:
    """The first error diagnostic as ``summary: detail``, or the last line Terraform wrote."""
    found = _from_json(stdout) or _from_text(stderr) or _from_text(stdout)
    if found:
        return found
    lines = [line for line in (stderr + "\n" + stdout).splitlines() if line.strip()]
    return _one_line(lines[-1]) if lines else "no output"
