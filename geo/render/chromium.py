"""One headless Chromium, driven over the DevTools protocol (CDP), reused for every exported page.

`corridor export` starts Debian's ``chromium`` once with a throw-away profile and a
remote-debugging port, opens one tab, and for every page navigates, lays the page out
(:mod:`geo.render.printing`), then prints it (``Page.printToPDF``) or photographs it
(``Page.captureScreenshot``).  One process for all pages is what keeps the whole atlas
within its time budget; a process per page costs about a second each just to start.

With ``offline=True`` (the default, used with the offline base map) the browser's network
is blocked, so nothing is fetched and the result does not depend on the network.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from geo import settings
from geo.errors import ExportError

#: Flags that keep every request off the network (host names resolve to nothing, a dead proxy).
OFFLINE_FLAGS = (
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--proxy-server=http://127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",
)
INSTALL_HINT = "run `make browser` or `apt-get install chromium`"


class ChromiumMissingError(ExportError):
    """No Chromium binary where :data:`geo.settings.CHROMIUM` says."""


def find_chromium(binary: str | None = None) -> str:
    """Path of the Chromium binary to use.

    Raises
    ------
    ChromiumMissingError
        One line saying how to install it.
    """
    explicit = binary is not None
    binary = binary or settings.CHROMIUM
    if Path(binary).is_file():
        return str(binary)
    # the configured default may live elsewhere on PATH; a path the caller gave is taken at its word
    for name in (binary,) if explicit else (binary, "chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    raise ChromiumMissingError(
        f"Chromium not found at {binary}: {INSTALL_HINT} (or set CORRIDOR_CHROMIUM to its path)")


class Tab:
    """One browser tab over its own DevTools web socket."""

    def __init__(self, ws_url: str, *, timeout_s: float):
        import websocket

        self.timeout_s = timeout_s
        self.ws = websocket.create_connection(ws_url, timeout=timeout_s, suppress_origin=True)
        self._id = 0
        self.events: list[dict] = []
        for domain in ("Page", "Runtime"):
            self.send(f"{domain}.enable")

    def _recv(self) -> dict:
        import websocket

        try:
            return json.loads(self.ws.recv())
        except (websocket.WebSocketException, OSError) as exc:
            raise ExportError(f"lost the connection to Chromium ({type(exc).__name__}: {exc})") from None

    def send(self, method: str, **params) -> dict:
        """Call a CDP method and return its result; CDP errors raise :class:`ExportError`."""
        import websocket

        self._id += 1
        msg_id = self._id
        try:
            self.ws.send(json.dumps({"id": msg_id, "method": method, "params": params}))
        except (websocket.WebSocketException, OSError) as exc:
            raise ExportError(f"lost the connection to Chromium ({type(exc).__name__}: {exc})") from None
        while True:
            msg = self._recv()
            if msg.get("id") == msg_id:
                if "error" in msg:
                    raise ExportError(f"Chromium {method}: {msg['error'].get('message', msg['error'])}")
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def _wait_event(self, method: str, *, timeout_s: float) -> dict:
        deadline = time.monotonic() + timeout_s
        for event in self.events:
            if event["method"] == method:
                return event
        while time.monotonic() < deadline:
            msg = self._recv()
            if msg.get("method") == method:
                return msg
            if "method" in msg:
                self.events.append(msg)
        raise ExportError(f"Chromium: no {method} within {timeout_s:.0f} s")

    def navigate(self, path: Path) -> None:
        """Open a local file and wait for its load event."""
        self.events.clear()
        result = self.send("Page.navigate", url=Path(path).resolve().as_uri())
        if result.get("errorText"):
            raise ExportError(f"{Path(path).name}: Chromium could not open it ({result['errorText']})")
        self._wait_event("Page.loadEventFired", timeout_s=self.timeout_s)

    def evaluate(self, expression: str):
        """Evaluate JavaScript (awaiting a returned promise) and return its JSON value."""
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise ExportError(f"page script failed: {str(text).splitlines()[0]}")
        return result["result"].get("value")

    def set_viewport(self, width: int, height: int, *, scale: float = 1.0) -> None:
        """CSS viewport size and device pixels per CSS pixel."""
        self.send("Emulation.setDeviceMetricsOverride", width=int(width), height=int(height),
                  deviceScaleFactor=float(scale), mobile=False)

    def print_pdf(self, *, width_in: float, height_in: float) -> bytes:
        """The page printed to a one-page PDF of the given paper size, without margins."""
        data = self.send("Page.printToPDF", paperWidth=width_in, paperHeight=height_in, marginTop=0,
                         marginBottom=0, marginLeft=0, marginRight=0, printBackground=True,
                         preferCSSPageSize=False, pageRanges="1", displayHeaderFooter=False)["data"]
        return base64.b64decode(data)

    def screenshot(self) -> bytes:
        """A PNG of the viewport at the device scale factor."""
        return base64.b64decode(self.send("Page.captureScreenshot", format="png", fromSurface=True)["data"])

    def close(self) -> None:
        try:
            self.ws.close()
        except Exception:  # noqa: BLE001 - closing a dead socket
            pass


class Chromium:
    """A headless Chromium process with its own throw-away profile, driven over CDP.

    Use as a context manager; the process and its profile are removed on exit.

    Parameters
    ----------
    binary : str, optional
        Default :data:`geo.settings.CHROMIUM`.
    offline : bool
        Block the network (the default: exports draw the offline base map).
    timeout_s : float, optional
        Per-step time-out (default :data:`geo.settings.CHROMIUM_TIMEOUT_S`).
    """

    def __init__(self, binary: str | None = None, *, offline: bool = True, timeout_s: float | None = None):
        import websocket

        self.binary = find_chromium(binary)
        self.timeout_s = timeout_s or settings.CHROMIUM_TIMEOUT_S
        self.profile = Path(tempfile.mkdtemp(prefix="corridor-chromium-"))
        flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-extensions", "--hide-scrollbars", "--font-render-hinting=none",
                 f"--user-data-dir={self.profile}", "--remote-debugging-port=0"]
        if offline:
            flags += list(OFFLINE_FLAGS)
        self._log = tempfile.TemporaryFile()  # a file, not a pipe: a chatty browser never blocks on it
        self.proc = subprocess.Popen([self.binary, *flags, "about:blank"], stdout=subprocess.DEVNULL,
                                     stderr=self._log)
        self.tabs: list[Tab] = []
        port_file = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + self.timeout_s
        while not (port_file.exists() and len(port_file.read_text().splitlines()) >= 2):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self._log.seek(0)
                tail = self._log.read().decode(errors="replace").strip().splitlines()[-2:] \
                    if self.proc.poll() is not None else ["time-out"]
                self.close()
                raise ExportError(f"Chromium ({self.binary}) did not start: {' | '.join(tail)}")
            time.sleep(0.05)
        port, path = port_file.read_text().splitlines()[:2]
        self.port = int(port)
        self._browser = websocket.create_connection(f"ws://127.0.0.1:{self.port}{path}", timeout=self.timeout_s,
                                                    suppress_origin=True)
        self._id = 0

    def _browser_send(self, method: str, **params) -> dict:
        self._id += 1
        self._browser.send(json.dumps({"id": self._id, "method": method, "params": params}))
        while True:
            msg = json.loads(self._browser.recv())
            if msg.get("id") == self._id:
                if "error" in msg:
                    raise ExportError(f"Chromium {method}: {msg['error'].get('message', msg['error'])}")
                return msg.get("result", {})

    def new_tab(self) -> Tab:
        """A fresh tab."""
        # a window of its own: a background tab gets no animation frames, and Leaflet draws on them
        target = self._browser_send("Target.createTarget", url="about:blank", newWindow=True)["targetId"]
        tab = Tab(f"ws://127.0.0.1:{self.port}/devtools/page/{target}", timeout_s=self.timeout_s)
        tab.target_id = target
        self.tabs.append(tab)
        return tab

    def close_tab(self, tab: Tab) -> None:
        tab.close()
        try:
            self._browser_send("Target.closeTarget", targetId=tab.target_id)
        except Exception:  # noqa: BLE001 - the browser may be gone already
            pass

    def close(self) -> None:
        """Stop the browser and remove its profile."""
        for tab in self.tabs:
            tab.close()
        try:
            if getattr(self, "_browser", None):
                self._browser.close()
        except Exception:  # noqa: BLE001
            pass
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._log.close()
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
