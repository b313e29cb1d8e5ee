"""Build the monitor's Lambda zip: the byok modules the handler imports and nothing else, reproducibly.

What goes in is what a fresh interpreter loads for ``import byok.monitor.handler`` (which loads the collector
registry): exact where a static import scan is not, and still right when ``byok.drift`` changes. Anything
else it loads must come with the Lambda runtime (boto3 and its dependencies); otherwise the build fails and
names it, rather than shipping a zip that fails on its first invocation. Entries are sorted, with fixed
timestamps and permissions, so the same code gives the same zip and Terraform's ``source_code_hash``
changes only when the code does.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from byok.errors import ConfigError

HANDLER = "byok.monitor.handler"
RUNTIME = frozenset({"boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six", "certifi"})
EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can carry
PROBE = (
    "import json, sys\n"
    f"import {HANDLER}\n"
    "print(json.dumps({n: getattr(m, '__file__', None) for n, m in sys.modules.items()}))\n"
)


def loaded_modules() -> dict[str, str | None]:
    """Module name -> file, as a fresh interpreter (not this one, with whatever it imported) loads them."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=False, env=dict(os.environ)
    )
    if done.returncode != 0:
        raise ConfigError(f"cannot import {HANDLER}: {done.stderr.strip().splitlines()[-1:]}")
    return json.loads(done.stdout)


def members(modules: dict[str, str | None]) -> tuple[Path, list[Path]]:
    """(the directory holding ``byok``, the package files relative to it); refuses non-runtime imports."""
    foreign = sorted(
        {name.partition(".")[0] for name in modules} - set(sys.stdlib_module_names) - RUNTIME - {"byok", "__main__"}
    )
    foreign = [name for name in foreign if not name.startswith("_")]  # interpreter and .pth internals
    if foreign:
        raise ConfigError(
            f"{HANDLER} imports {', '.join(foreign)}, which the Lambda runtime does not have",
            "import them inside the function that needs them, not at module level",
        )
    root = Path(str(modules["byok"])).parent.parent
    files = {
        Path(str(path)).relative_to(root)
        for name, path in modules.items()
        if path and (name == "byok" or name.startswith("byok."))
    }
    return root, sorted(files)


def build(out: Path) -> str:
    """Write the zip; returns its base64 SHA-256, the value Terraform's ``filebase64sha256`` gives."""
    root, files = members(loaded_modules())
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w") as archive:
        for relative in files:
            entry = zipfile.ZipInfo(relative.as_posix(), EPOCH)
            entry.external_attr = 0o644 << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, (root / relative).read_bytes(), compresslevel=9)
    return base64.b64encode(hashlib.sha256(out.read_bytes()).digest()).decode()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m byok.monitor.package", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("dist/drift-monitor.zip"), help="where to write the zip")
    args = parser.parse_args(argv)
    try:
        digest = build(args.out)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    print(f"{args.out} source_code_hash={digest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
