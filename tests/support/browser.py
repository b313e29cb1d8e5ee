"""Headless Chromium driven over the DevTools protocol on a pipe: no WebDriver, no websocket, no extra package.

``--remote-debugging-pipe`` makes Chromium read commands from fd 3 and write replies and events to fd 4, each a
JSON message ended by a NUL byte. That is enough to load a page, collect every console message, exception and
log entry (what "no console errors" means), list the requests it made, and take a screenshot.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM = "chromium"  # Debian's package, installed by `make test` (Makefile TEST_APT_PACKAGES)
TIMEOUT = 60.0


@dataclass
class PageVisit:
    """What happened while a page loaded: problems the console saw, the URLs fetched, and a PNG of the page."""

    problems: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    screenshot: bytes = b""
    evaluated: dict[str, Any] = field(default_factory=dict)


class Chromium:
    def __init__(self) -> None:
        binary = shutil.which(CHROMIUM)
        assert binary, "chromium is not installed: `make test` installs the Debian package"
        self._profile = tempfile.mkdtemp(prefix="byok-chromium-")
        commands_read, self._commands = _above_four(os.pipe())
        self._replies, replies_write = _above_four(os.pipe())

        arguments = [
            "--headless",
            "--remote-debugging-pipe",
            "--no-sandbox",  # root in a container has no user namespace for the sandbox
            "--disable-gpu",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={self._profile}",
            "about:blank",
        ]
        # The protocol's fixed descriptors 3 and 4, set by the shell that then becomes chromium.
        plumbing = f'exec "$0" "$@" 3<&{commands_read} 4>&{replies_write} {commands_read}<&- {replies_write}>&-'
        self._process = subprocess.Popen(
            ["bash", "-c", plumbing, binary, *arguments],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(commands_read, replies_write),
        )
        os.close(commands_read)
        os.close(replies_write)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []

    def close(self) -> None:
        try:
            self.call("Browser.close")
        except (OSError, AssertionError):
            pass
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        os.close(self._commands)
        os.close(self._replies)
        shutil.rmtree(self._profile, ignore_errors=True)

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def call(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._receive()
            if reply.get("id") == self._next_id:
                assert "error" not in reply, (method, reply["error"])
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str) -> dict[str, Any]:
        for event in self.events:
            if event.get("method") == method:
                return event
        while True:
            event = self._receive()
            self.events.append(event)
            if event.get("method") == method:
                return event

    def _receive(self) -> dict[str, Any]:
        deadline = time.monotonic() + TIMEOUT
        while b"\0" not in self._buffer:
            assert time.monotonic() < deadline, "chromium did not answer"
            assert self._process.poll() is None, f"chromium exited {self._process.returncode}"
            chunk = os.read(self._replies, 1 << 16)
            assert chunk, "chromium closed the protocol pipe"
            self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        return json.loads(message)

    def visit(self, url: str, expressions: dict[str, str], width: int = 1200, height: int = 900) -> PageVisit:
        """Load ``url`` in a fresh tab, evaluate ``expressions`` once loaded, screenshot the whole page."""
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable", session)
        screen = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}
        self.call("Emulation.setDeviceMetricsOverride", session, **screen)
        self.events.clear()
        self.call("Page.navigate", session, url=url)
        self.wait_for("Page.loadEventFired")
        visit = PageVisit()
        for name, expression in expressions.items():
            result = self.call("Runtime.evaluate", session, expression=expression, returnByValue=True)
            assert "exceptionDetails" not in result, (name, result["exceptionDetails"])
            visit.evaluated[name] = result["result"].get("value")
        shot = self.call("Page.captureScreenshot", session, format="png", captureBeyondViewport=True)
        visit.screenshot = base64.b64decode(shot["data"])
        self.call("Target.closeTarget", targetId=target)
        for event in self.events:
            visit.problems += _problem(event)
            if event.get("method") == "Network.requestWillBeSent":
                visit.requests.append(event["params"]["request"]["url"])
        return visit


def _above_four(fds: tuple[int, int]) -> tuple[int, int]:
    """The pipe's ends moved clear of 3 and 4, which the child's plumbing is about to take."""
    moved = tuple(fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in fds)
    for fd in fds:
        os.close(fd)
    return moved  # type: ignore[return-value]


def _problem(event: dict[str, Any]) -> list[str]:
    method, params = event.get("method"), event.get("params", {})
    if method == "Runtime.exceptionThrown":
        return [f"exception: {params['exceptionDetails'].get('text')}"]
    if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "warning", "assert"):
        return [f"console.{params['type']}: {[a.get('value') for a in params.get('args', [])]}"]
    if method == "Log.entryAdded" and params["entry"].get("level") in ("error", "warning"):
        return [f"log {params['entry']['level']}: {params['entry'].get('text')}"]
    if method == "Network.loadingFailed":
        return [f"failed to load: {params.get('errorText')}"]
    return []


def artifact_dir() -> Path:
    """Where tests keep what a person may want to look at afterwards (screenshots): .work/test-artifacts."""
    root = Path(os.environ.get("BYOK_TEST_ARTIFACTS", Path(__file__).resolve().parents[2] / ".work" / "test-artifacts"))
    root.mkdir(parents=True, exist_ok=True)
    return root
