"""A minimal headless-Chromium driver over the DevTools protocol, for the map tests.

The browser runs with the network blocked (every host name resolves to nothing and every
request goes to a proxy on a closed port), so a map that needs a CDN fails its test.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import websocket

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser")
BLOCKED_NETWORK_FLAGS = (
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--proxy-server=http://127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",
)


def find_chromium() -> str | None:
    """Path of a Chromium binary, or None."""
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name) or (name if Path(name).is_file() else None)
        if found:
            return found
    return None


class Page:
    """One browser tab: navigate, evaluate JavaScript, collect errors, take screenshots."""

    def __init__(self, ws_url: str, timeout_s: float = 30.0):
        self.ws = websocket.create_connection(ws_url, timeout=timeout_s, suppress_origin=True)
        self._next_id = 0
        self.events: list[dict] = []
        self.dialogs: list[str] = []
        for domain in ("Page", "Runtime", "Log"):
            self.send(f"{domain}.enable")

    def send(self, method: str, **params):
        self._next_id += 1
        msg_id = self._next_id
        self.ws.send(json.dumps({"id": msg_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == msg_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self._event(msg)

    def _event(self, msg: dict) -> None:
        if "method" not in msg:
            return
        self.events.append(msg)
        if msg["method"] == "Page.javascriptDialogOpening":
            self.dialogs.append(msg["params"].get("message", ""))
            self.ws.send(json.dumps({"id": 10**9 + len(self.dialogs), "method": "Page.handleJavaScriptDialog",
                                     "params": {"accept": True}}))

    def wait_for(self, method: str, timeout_s: float = 30.0) -> dict:
        deadline = time.monotonic() + timeout_s
        for event in self.events:
            if event["method"] == method:
                return event
        while time.monotonic() < deadline:
            msg = json.loads(self.ws.recv())
            self._event(msg)
            if msg.get("method") == method:
                return msg
        raise TimeoutError(f"no {method} within {timeout_s} s")

    def open(self, path: Path, *, settle_s: float = 0.3) -> None:
        """Load a local file and wait for its load event."""
        self.events.clear()
        self.send("Page.navigate", url=Path(path).resolve().as_uri())
        self.wait_for("Page.loadEventFired")
        time.sleep(settle_s)
        self.evaluate("1")  # drain events that arrived while settling

    def evaluate(self, expression: str):
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"JS error evaluating {expression[:80]!r}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def errors(self) -> list[str]:
        """JavaScript exceptions, console errors and non-network log errors seen so far."""
        out = []
        for event in self.events:
            method, params = event["method"], event.get("params", {})
            if method == "Runtime.exceptionThrown":
                details = params.get("exceptionDetails", {})
                out.append(f"exception: {details.get('exception', {}).get('description') or details.get('text')}")
            elif method == "Runtime.consoleAPICalled" and params.get("type") == "error":
                out.append("console.error: " + " ".join(str(a.get("value", a.get("description"))) for a in params.get("args", [])))
            elif method == "Log.entryAdded":
                entry = params.get("entry", {})
                if entry.get("level") == "error" and entry.get("source") != "network":
                    out.append(f"log: {entry.get('text')}")
        return out

    def screenshot(self, target: Path) -> Path:
        data = self.send("Page.captureScreenshot", format="png")["data"]
        Path(target).write_bytes(base64.b64decode(data))
        return Path(target)

    def close(self) -> None:
        self.ws.close()


class Browser:
    """A headless Chromium with its own profile, network blocked, driven over DevTools."""

    def __init__(self, chromium: str, *, width: int = 1280, height: int = 900):
        self.profile = Path(tempfile.mkdtemp(prefix="corridor-chromium-"))
        self.proc = subprocess.Popen(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--disable-extensions", "--hide-scrollbars", f"--user-data-dir={self.profile}",
             "--remote-debugging-port=0", f"--window-size={width},{height}", *BLOCKED_NETWORK_FLAGS,
             "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        port_file = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and len(port_file.read_text().splitlines()) >= 2):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise RuntimeError("chromium did not start (no DevToolsActivePort)")
            time.sleep(0.05)
        port, path = port_file.read_text().splitlines()[:2]
        self.port = int(port)
        self.browser_ws = websocket.create_connection(f"ws://127.0.0.1:{self.port}{path}", timeout=30,
                                                      suppress_origin=True)
        self._id = 0
        self.width, self.height = width, height

    def _browser_send(self, method: str, **params) -> dict:
        self._id += 1
        self.browser_ws.send(json.dumps({"id": self._id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.browser_ws.recv())
            if msg.get("id") == self._id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})

    def new_page(self) -> Page:
        target = self._browser_send("Target.createTarget", url="about:blank")["targetId"]
        page = Page(f"ws://127.0.0.1:{self.port}/devtools/page/{target}")
        page.target_id = target
        page.send("Emulation.setDeviceMetricsOverride", width=self.width, height=self.height,
                  deviceScaleFactor=1, mobile=False)
        return page

    def close_page(self, page: Page) -> None:
        page.close()
        try:
            self._browser_send("Target.closeTarget", targetId=page.target_id)
        except Exception:  # noqa: BLE001 - the browser may already be gone
            pass

    def close(self) -> None:
        try:
            if getattr(self, "browser_ws", None):
                self.browser_ws.close()
        finally:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            shutil.rmtree(self.profile, ignore_errors=True)
