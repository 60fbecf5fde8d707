"""What a browser downloads: first load and repeat visit of /map beside a trivial page, in headless Chromium.

The app (testing config, demo data: 89 Helsinki areas, 36 Seoul lots, the APDS car parks) is served on
a loopback port; Debian's Chromium (as in tests/browser) opens each page in a fresh profile, then
opens it again as a returning visitor would (a new navigation, not a reload). Bytes are what went over
the wire — compressed bodies plus headers, DevTools' "transferred" (CDP ``encodedDataLength``); a
response answered from the browser's cache costs nothing and is counted apart.
Goal: /map under 150 KB on a first load and under 10 KB on a repeat visit.

    .venv/bin/python bench/assets.py [-v]    (-v: every request of every visit)
"""

from __future__ import annotations

import os
import shutil
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._harness import temporary_app

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--no-first-run", "--disable-sync", "--disable-quic"]
PAGES = [("trivial page (/password/forgot)", "/password/forgot"), ("/map", "/map"),
         ("/map?focus=seoul", "/map?focus=seoul")]
GOAL_FIRST_KB, GOAL_REPEAT_KB = 150, 10


class Visit:
    """The network log of one navigation, read from the DevTools protocol."""

    def __init__(self, cdp) -> None:
        self.reset()
        cdp.on("Network.requestWillBeSent", lambda e: self.urls.__setitem__(e["requestId"], e["request"]["url"]))
        cdp.on("Network.responseReceived", self._response)
        cdp.on("Network.requestServedFromCache", lambda e: self.cached.add(e["requestId"]))
        cdp.on("Network.loadingFinished",
               lambda e: self.transferred.__setitem__(e["requestId"], int(e["encodedDataLength"])))

    def reset(self) -> None:
        self.urls: dict[str, str] = {}
        self.encoding: dict[str, str] = {}
        self.transferred: dict[str, int] = {}
        self.cached: set[str] = set()

    def _response(self, event) -> None:
        response = event["response"]
        headers = {k.lower(): v for k, v in response.get("headers", {}).items()}
        self.encoding[event["requestId"]] = headers.get("content-encoding", "-")
        if response.get("fromDiskCache") or response.get("fromPrefetchCache"):
            self.cached.add(event["requestId"])

    def lines(self) -> list[str]:
        """One line per request: bytes transferred (or "cache"), encoding and path."""
        def size(rid: str) -> str:
            cached = rid in self.cached or self.transferred.get(rid) == 0
            return "cache" if cached else str(self.transferred.get(rid, 0))

        return [f"    {size(rid):>7} {self.encoding.get(rid, '-'):>4}  {url.split('//', 1)[-1].split('/', 1)[-1][:90]}"
                for rid, url in self.urls.items()]

    def totals(self) -> tuple[int, int, int, set[str]]:
        """Bytes over the wire, requests that went to the server, requests the cache answered, encodings."""
        sent = [rid for rid in self.transferred if rid not in self.cached and self.transferred[rid] > 0]
        from_cache = [rid for rid in self.urls if rid in self.cached or self.transferred.get(rid) == 0]
        return (sum(self.transferred[rid] for rid in sent), len(sent), len(from_cache),
                {self.encoding.get(rid, "-") for rid in sent})


def _visit(page, log: Visit, url: str, label: str) -> tuple[int, int, int, set[str]]:
    log.reset()
    page.goto(url, wait_until="networkidle")
    if "-v" in sys.argv:
        print(f"{label} {url}", *log.lines(), sep="\n")
    return log.totals()


def _serve(app):
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _load_demo(app) -> None:
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    if result.exit_code != 0:
        raise SystemExit(f"demo load failed: {result.output}{result.exception!r}")


def main() -> int:
    if not os.path.exists(CHROMIUM):
        print(f"no Chromium at {CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)")
        return 1
    from playwright.sync_api import sync_playwright

    app = temporary_app()
    _load_demo(app)
    server = _serve(app)
    base = f"http://127.0.0.1:{server.server_port}"
    results = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
            for label, path in PAGES:
                context = browser.new_context(viewport={"width": 1280, "height": 800})  # a fresh cache
                page = context.new_page()
                cdp = context.new_cdp_session(page)
                log = Visit(cdp)
                cdp.send("Network.enable")
                first = _visit(page, log, base + path, "first load")
                page.goto("about:blank")
                repeat = _visit(page, log, base + path, "repeat visit")
                results[label] = (first, repeat)
                context.close()
            browser.close()
    finally:
        server.shutdown()

    print(f"{'page':<34} {'first load':>12} {'requests':>9}  {'repeat visit':>12} {'to server':>9} {'cached':>7}"
          "  encodings")
    for label, (first, repeat) in results.items():
        print(f"{label:<34} {first[0] / 1024:9.1f} KB {first[1]:9d}  {repeat[0] / 1024:9.1f} KB {repeat[1]:9d}"
              f" {repeat[2]:7d}  {','.join(sorted(first[3]))}")
    first_kb, repeat_kb = results["/map"][0][0] / 1024, results["/map"][1][0] / 1024
    trivial = results[PAGES[0][0]]
    print(f"/map vs the trivial page: first load {first_kb / (trivial[0][0] / 1024):.1f}x, "
          f"repeat visit {repeat_kb / max(trivial[1][0] / 1024, 0.001):.1f}x")
    print(f"goal: /map first load < {GOAL_FIRST_KB} KB: {'met' if first_kb < GOAL_FIRST_KB else 'NOT met'}; "
          f"repeat visit < {GOAL_REPEAT_KB} KB: {'met' if repeat_kb < GOAL_REPEAT_KB else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
