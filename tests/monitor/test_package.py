"""The Lambda zip: reproducible, and its handler imports from the zip alone, without the CLI's dependencies."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from byok.monitor import package

CLI_ONLY = ["PyKCS11", "click", "rich", "jinja2", "hcl2", "lark"]
# Runs with -I (no PYTHONPATH, no user site); the repo's editable install is dropped from sys.path and the
# CLI-only packages are made unimportable, so the handler can only come from the zip and boto3.
PROBE = """
import importlib.abc, json, sys
zip_path, blocked = sys.argv[1], set(sys.argv[2:])

class Blocked(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in blocked:
            raise ImportError(f"{name} is not in the Lambda runtime")

sys.meta_path.insert(0, Blocked())
sys.path[:] = [zip_path] + [p for p in sys.path if not p.endswith("scripts")]
import byok.monitor.handler as handler
print(json.dumps({"file": handler.__file__, "loaded": sorted(sys.modules)}))
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("zip") / "drift-monitor.zip"
    return out, package.build(out)


def test_same_code_gives_the_same_zip(built, tmp_path):
    first, digest = built
    again = tmp_path / "again.zip"
    assert package.build(again) == digest
    assert first.read_bytes() == again.read_bytes()
    with zipfile.ZipFile(first) as archive:
        names = archive.namelist()
        assert names == sorted(names)
        assert {info.date_time for info in archive.infolist()} == {package.EPOCH}
    assert "byok/monitor/handler.py" in names and "byok/drift/collectors/s3.py" in names
    assert not [name for name in names if name.startswith(("byok/hsm/", "byok/cli/", "byok/render/"))]
    assert digest == __import__("base64").b64encode(hashlib.sha256(first.read_bytes()).digest()).decode()


def test_handler_imports_from_the_zip_alone(built):
    zip_path, _ = built
    done = subprocess.run(
        [sys.executable, "-I", "-c", PROBE, str(zip_path), *CLI_ONLY], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout)
    assert loaded["file"].startswith(str(zip_path))
    assert not [name for name in loaded["loaded"] if name.partition(".")[0] in CLI_ONLY]


def test_command_line_writes_the_zip(tmp_path, capsys):
    out = tmp_path / "dist" / "drift-monitor.zip"
    assert package.main(["--out", str(out)]) == 0
    assert out.is_file() and "source_code_hash=" in capsys.readouterr().out


def test_a_module_level_import_outside_the_runtime_is_refused():
    modules = {"byok": "/x/byok/__init__.py", "byok.monitor.handler": "/x/byok/monitor/handler.py", "rich": None}
    with pytest.raises(package.ConfigError, match="rich"):
        package.members(modules)
