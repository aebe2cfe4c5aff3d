#!/usr/bin/env python3
"""Opens an `icp report` page in headless Chromium and reports what a reader would meet.

    report_browser.py CHROMIUM PAGE.html OUT_DIR

Drives Chromium over the DevTools protocol on a pipe (--remote-debugging-pipe: commands on
file descriptor 3, replies and events on 4, each a JSON message ended by a NUL byte), with the
standard library only. For the light and then the dark colour scheme it loads the page from
disk, records console messages, uncaught exceptions, log entries of level error and every
network request other than the page itself, reads the embedded JSON and every chart's figure
from the DOM (the SVG's accessible name and description, its bars and points, the table's
rows with each number cell's data-value), checks that Tab first reaches the skip link, and
writes a full-page screenshot to OUT_DIR/report-light.png and OUT_DIR/report-dark.png (and
its first screen to report-light-top.png and report-dark-top.png, the first ICP's section to
report-light-icp.png and report-dark-icp.png, its outcomes to report-light-outcomes.png and
report-dark-outcomes.png).
Prints one JSON object on stdout; exits 2 when Chromium cannot be driven.
"""

import base64
import json
import os
import subprocess
import sys
import tempfile
import time

TIMEOUT = 60.0

READ_DOM = r"""
(() => {
  const data = JSON.parse(document.getElementById('icp-report-data').textContent);
  const figures = [...document.querySelectorAll('figure[data-chart]')].map(f => {
    const svg = f.querySelector('svg');
    const bar = svg ? [...svg.querySelectorAll('rect')].filter(r =>
      ['#030303', '#040404'].includes((r.getAttribute('fill') || '').toLowerCase())) : [];
    const fills = bar.slice(0, 1).map(r => getComputedStyle(r).fill);
    const named = id => { const e = id && document.getElementById(id); return e ? e.textContent : null; };
    return {
      id: f.id,
      chart: f.dataset.chart,
      section: f.closest('section') ? f.closest('section').id : null,
      focusable: f.tabIndex >= 0,
      svg: svg ? {
        role: svg.getAttribute('role'),
        title: named(svg.getAttribute('aria-labelledby')),
        desc: named(svg.getAttribute('aria-describedby')),
        bars: bar.length,
        points: svg.querySelectorAll('circle').length,
        texts: [...svg.querySelectorAll('text')].map(t => t.textContent.trim()),
        bar_fill: fills[0] || null,
      } : null,
      rows: [...f.querySelectorAll('tbody tr')].map(tr => {
        const cells = {};
        tr.querySelectorAll('td[data-field]').forEach(td => {
          cells[td.dataset.field] = JSON.parse(td.dataset.value);
        });
        return { key: tr.dataset.key, cells };
      }),
    };
  });
  const tables = {};
  document.querySelectorAll('table[id]').forEach(t => {
    tables[t.id] = [...t.querySelectorAll('tbody tr')].map(tr => ({
      key: tr.dataset.key,
      cells: Object.fromEntries([...tr.querySelectorAll('td[data-field]')]
        .map(td => [td.dataset.field, JSON.parse(td.dataset.value)])),
    }));
  });
  const leads = [...document.querySelectorAll('table.leads')].map(t => ({
    section: t.closest('section').id,
    tier: t.dataset.tier,
    rows: [...t.querySelectorAll('tbody tr')].map(tr => ({
      id: tr.dataset.key,
      score: JSON.parse(tr.querySelector('td[data-field=score]').dataset.value),
      contacts: tr.querySelectorAll('li').length,
    })),
  }));
  const sections = [...document.querySelectorAll('section')].map(s => ({
    id: s.id, focusable: s.tabIndex >= 0, label: s.getAttribute('aria-labelledby'),
  }));
  return {
    data, figures, tables, leads, sections,
    background: getComputedStyle(document.body).backgroundColor,
    text: getComputedStyle(document.body).color,
    height: Math.ceil(document.documentElement.scrollHeight),
  };
})()
"""


class Browser:
    """A Chromium process and the two ends of its DevTools pipe."""

    def __init__(self, chromium, profile):
        to_child_r, self.to_child = os.pipe()
        self.from_child, from_child_w = os.pipe()

        def child_fds():
            # Moved out of the way first: either end may be 3 or 4 already.
            read_end, write_end = os.dup(to_child_r), os.dup(from_child_w)
            os.dup2(read_end, 3)
            os.dup2(write_end, 4)

        args = [
            chromium, "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--no-default-browser-check",
            "--disable-extensions", "--hide-scrollbars", "--mute-audio",
            f"--user-data-dir={profile}", "--remote-debugging-pipe", "about:blank",
        ]
        self.proc = subprocess.Popen(
            args, preexec_fn=child_fds, close_fds=False,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        os.close(to_child_r)
        os.close(from_child_w)
        self.buffer = b""
        self.next_id = 0
        self.events = []

    def send(self, method, params=None, session=None):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.to_child, json.dumps(message).encode() + b"\0")
        wanted = self.next_id
        while True:
            reply = self.read()
            if reply.get("id") == wanted:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def read(self):
        deadline = time.monotonic() + TIMEOUT
        while b"\0" not in self.buffer:
            if time.monotonic() > deadline:
                raise RuntimeError("Chromium did not answer in time")
            chunk = os.read(self.from_child, 1 << 16)
            if not chunk:
                err = self.proc.stderr.read().decode(errors="replace") if self.proc.stderr else ""
                raise RuntimeError(f"Chromium closed its pipe: {err[-2000:]}")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def wait_for(self, method, session):
        for i, event in enumerate(self.events):
            if event.get("method") == method and event.get("sessionId") == session:
                return self.events.pop(i)
        while True:
            event = self.read()
            if event.get("method") == method and event.get("sessionId") == session:
                return event
            self.events.append(event)

    def close(self):
        try:
            self.send("Browser.close")
        except RuntimeError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def visit(browser, url, scheme, shot):
    """Loads `url` in a new tab with `scheme` and returns what the page gave."""
    target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    for domain in ("Page", "Runtime", "Log", "Network"):
        browser.send(f"{domain}.enable", session=session)
    browser.send("Emulation.setEmulatedMedia",
                 {"features": [{"name": "prefers-color-scheme", "value": scheme}]}, session)
    browser.send("Emulation.setDeviceMetricsOverride",
                 {"width": 1100, "height": 900, "deviceScaleFactor": 1, "mobile": False}, session)
    browser.events.clear()
    browser.send("Page.navigate", {"url": url}, session)
    browser.wait_for("Page.loadEventFired", session)
    page = browser.send("Runtime.evaluate",
                        {"expression": READ_DOM, "returnByValue": True}, session)
    if "exceptionDetails" in page:
        raise RuntimeError(f"reading the page failed: {page['exceptionDetails']}")
    page = page["result"]["value"]
    # The first Tab from the top of the page.
    for kind in ("keyDown", "keyUp"):
        browser.send("Input.dispatchKeyEvent", {"type": kind, "key": "Tab", "code": "Tab",
                                                "windowsVirtualKeyCode": 9}, session)
    first_tab = browser.send("Runtime.evaluate", {
        "expression": "document.activeElement.className + ' ' + document.activeElement.getAttribute('href')",
        "returnByValue": True}, session)["result"]["value"]
    browser.send("Runtime.evaluate", {"expression": "document.activeElement.blur()"}, session)
    # The whole page (up to 16,000 pixels), its first screen, and the first ICP's charts.
    def top_of(element_id):
        return browser.send("Runtime.evaluate", {
            "expression": f"(document.getElementById('{element_id}') || document.body)"
                          ".getBoundingClientRect().top + window.scrollY",
            "returnByValue": True}, session)["result"]["value"]

    icp_top, outcomes_top = top_of("icp-0"), top_of("icp-0-outcomes")
    clips = ((shot, 0, min(page["height"], 16000)),
             (shot.replace(".png", "-top.png"), 0, min(page["height"], 1400)),
             (shot.replace(".png", "-icp.png"), icp_top, min(page["height"] - icp_top, 2600)),
             (shot.replace(".png", "-outcomes.png"), outcomes_top,
              min(page["height"] - outcomes_top, 1800)))
    for path, top, height in clips:
        image = browser.send("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": top, "width": 1100, "height": height, "scale": 1},
        }, session)
        with open(path, "wb") as f:
            f.write(base64.b64decode(image["data"]))
    errors, requests = [], []
    for event in browser.events:
        if event.get("sessionId") != session:
            continue
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert", "warning"):
            errors.append(f"console.{params['type']}: {params.get('args')}")
        elif method == "Runtime.exceptionThrown":
            errors.append(f"exception: {params.get('exceptionDetails')}")
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") in ("error", "warning"):
            errors.append(f"log: {params['entry'].get('text')} {params['entry'].get('url', '')}")
        elif method == "Network.requestWillBeSent":
            requested = params.get("request", {}).get("url", "")
            if requested != url:
                requests.append(requested)
    browser.send("Target.closeTarget", {"targetId": target})
    page.update({"errors": errors, "requests": requests, "first_tab": first_tab, "screenshot": shot})
    return page


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    chromium, html, out_dir = sys.argv[1:]
    os.makedirs(out_dir, exist_ok=True)
    url = "file://" + os.path.abspath(html)
    with tempfile.TemporaryDirectory(prefix="icp-chromium-") as profile:
        browser = Browser(chromium, profile)
        try:
            result = {scheme: visit(browser, url, scheme, os.path.join(out_dir, f"report-{scheme}.png"))
                      for scheme in ("light", "dark")}
        except RuntimeError as e:
            print(f"report_browser.py: {e}", file=sys.stderr)
            return 2
        finally:
            browser.close()
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
