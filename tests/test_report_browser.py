"""report.html in a real headless browser (Chromium from the system packages, driven over the
Chrome DevTools protocol with websocket-client): no console errors, nothing fetched from the
network, every plot drawn, a VM's legend entry hides all of its traces, and a zoom in one
time-course panel zooms them all."""
from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bioxen.cli import app
from conftest import write_policy, write_synthetic_genbank

INSTALL = "apt-get install -y chromium"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=1400,1000", "--remote-debugging-port=0")
TIMEOUT_S = 30


def chromium() -> str:
    """The system Chromium; its absence is a failure that says how to install it."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.fail(f"Chromium is not installed: the report's browser test needs it (Debian/Ubuntu: `{INSTALL}`)")
    return found


class DevTools:
    """One page of a headless Chromium over the DevTools protocol; events are kept in ``events``."""

    def __init__(self, browser: subprocess.Popen, profile: Path):
        import websocket

        self.browser, self.events, self._id = browser, [], 0
        self.socket = websocket.create_connection(self._endpoint(profile), timeout=TIMEOUT_S, suppress_origin=True)
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]

    def _endpoint(self, profile: Path) -> str:
        """Chromium writes its port and browser path to DevToolsActivePort once it listens."""
        port_file, deadline = profile / "DevToolsActivePort", time.monotonic() + TIMEOUT_S
        while not (port_file.is_file() and len(port_file.read_text().split()) == 2):
            if self.browser.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"Chromium did not start (exit code {self.browser.poll()}); see {profile / 'stderr.txt'}")
            time.sleep(0.05)
        port, path = port_file.read_text().split()
        return f"ws://127.0.0.1:{port}{path}"

    def send(self, method: str, session: str | None = None, **params) -> dict:
        self._id += 1
        message = {"id": self._id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        self.socket.send(json.dumps(message))
        while True:
            reply = json.loads(self.socket.recv())
            if reply.get("id") == self._id:
                assert "error" not in reply, f"{method}: {reply['error']}"
                return reply["result"]
            self.events.append(reply)

    def page(self, method: str, **params) -> dict:
        return self.send(method, self.session, **params)

    def wait_for(self, event: str) -> None:
        deadline = time.monotonic() + TIMEOUT_S
        while not any(e.get("method") == event for e in self.events):
            assert time.monotonic() < deadline, f"no {event} within {TIMEOUT_S} s"
            self.socket.settimeout(max(deadline - time.monotonic(), 0.1))
            self.events.append(json.loads(self.socket.recv()))

    def evaluate(self, expression: str):
        result = self.page("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        assert "exceptionDetails" not in result, result["exceptionDetails"]
        return result["result"].get("value")

    def click(self, x: float, y: float) -> None:
        for kind in ("mousePressed", "mouseReleased"):
            self.page("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)

    def drag(self, start: tuple[float, float], end: tuple[float, float]) -> None:
        self.page("Input.dispatchMouseEvent", type="mouseMoved", x=start[0], y=start[1])
        self.page("Input.dispatchMouseEvent", type="mousePressed", x=start[0], y=start[1], button="left", clickCount=1)
        for step in range(1, 11):
            x, y = (s + (e - s) * step / 10 for s, e in zip(start, end))
            self.page("Input.dispatchMouseEvent", type="mouseMoved", x=x, y=y, button="left", buttons=1)
        self.page("Input.dispatchMouseEvent", type="mouseReleased", x=end[0], y=end[1], button="left", clickCount=1)

    def problems(self) -> list[str]:
        """Console errors, uncaught exceptions and failed loads, as text."""
        found = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                details = params["exceptionDetails"]
                found.append(f"exception: {details.get('exception', {}).get('description') or details['text']}")
            elif method == "Runtime.consoleAPICalled" and params["type"] in ("error", "assert"):
                values = [a.get("value", a.get("description")) for a in params["args"]]
                found.append(f"console.{params['type']}: {values}")
            elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
                found.append(f"log: {params['entry']['text']} ({params['entry'].get('url', '')})")
            elif method == "Network.loadingFailed":
                found.append(f"load failed: {params.get('errorText')}")
        return found

    def requested(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self.events if e.get("method") == "Network.requestWillBeSent"]


@pytest.fixture
def browser(tmp_path):
    profile = tmp_path / "chromium-profile"
    profile.mkdir()
    with open(profile / "stderr.txt", "w") as stderr:
        process = subprocess.Popen([chromium(), *FLAGS, f"--user-data-dir={profile}", "about:blank"],
                                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr)
    try:
        devtools = DevTools(process, profile)
        for domain in ("Runtime", "Log", "Page", "Network"):
            devtools.page(f"{domain}.enable")
        yield devtools
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    """report.html of two synthetic VMs, vm2 paused for an hour, with a scalability sweep of 1..2
    VMs (so every kind of plot is on the page)."""
    directory = tmp_path_factory.mktemp("browser")
    genome = write_synthetic_genbank(directory / "SYN00001.1.gb")
    policy = write_policy(directory / "two.yaml", f"""
schema_version: 1
vms:
  - {{id: vm1, genome: {genome}, genetic_code: recode, ribosomes: {{share: 0.15}}}}
  - {{id: vm2, genome: {genome}, genetic_code: recode, ribosomes: {{share: 0.15}}}}
control:
  - {{at: 300 min, command: PAUSE_VM, vm: vm2}}
  - {{at: 360 min, command: RESUME_VM, vm: vm2}}
simulate: {{until: 600 min, points: 601}}
""")
    out = directory / "out"
    for command in (["compile", str(policy), "-o", str(out), "--formats", "sbml"],
                    ["report", str(out), "--sweep", "2"]):
        result = CliRunner().invoke(app, command)
        assert result.exit_code == 0, result.output
    return out / "report.html"


PLOTS = """Array.from(document.querySelectorAll('.plotly-graph-div')).map(gd => ({
  id: gd.id, data: (gd.data || []).length, laidOut: !!gd._fullLayout,
  drawn: gd.querySelectorAll('svg.main-svg g.trace, svg.main-svg g.hm').length,
  hidden: (gd.data || []).filter(t => t.visible === 'legendonly').map(t => t.name),
  ranges: gd._fullLayout ? Object.keys(gd._fullLayout).filter(k => /^xaxis\\d*$/.test(k))
                                  .map(k => gd._fullLayout[k].range) : []}))"""


def _plots(devtools: DevTools) -> list[dict]:
    deadline = time.monotonic() + TIMEOUT_S
    while True:
        plots = devtools.evaluate(PLOTS)
        if plots and all(p["laidOut"] and p["drawn"] for p in plots) or time.monotonic() > deadline:
            return plots
        time.sleep(0.1)


def _first_plot_once(devtools: DevTools, settled) -> dict:
    """The first plot's state once ``settled(state)`` holds, or as it is after TIMEOUT_S (a click
    or drag is handled by the page a moment later, longer on a busy machine)."""
    deadline = time.monotonic() + TIMEOUT_S
    while True:
        state = _plots(devtools)[0]
        if settled(state) or time.monotonic() > deadline:
            return state
        time.sleep(0.1)


def _centre(devtools: DevTools, selector: str, text: str | None = None) -> tuple[float, float]:
    """The viewport centre of the element (with that text), scrolled into view."""
    found = devtools.evaluate(f"""(() => {{
      const all = Array.from(document.querySelectorAll({json.dumps(selector)}));
      const el = all.find(e => {json.dumps(text)} === null || e.textContent.trim() === {json.dumps(text)});
      if (!el) return null;
      el.scrollIntoView({{block: 'center'}});
      const r = el.getBoundingClientRect();
      return [r.left + r.width / 2, r.top + r.height / 2, r.width, r.height];
    }})()""")
    assert found, f"no {selector} {text or ''} on the page"
    return found[0], found[1]


@pytest.mark.slow
def test_the_report_renders_offline_without_errors_and_its_plots_respond(browser, report):
    start = time.perf_counter()
    browser.page("Page.navigate", url=report.as_uri())
    browser.wait_for("Page.loadEventFired")
    plots = _plots(browser)
    assert [p["id"] for p in plots] == ["plot-timecourses", "plot-isolation", "plot-crosstalk", "plot-scaling"], plots
    for plot in plots:
        assert plot["laidOut"] and plot["data"] > 0 and plot["drawn"] > 0, plot
    assert browser.evaluate("document.querySelectorAll('#plot-crosstalk g.hm image').length") == 1
    assert all(url.startswith(("file:", "data:", "about:")) for url in browser.requested()), browser.requested()

    # a VM's legend entry hides every trace of that VM
    browser.click(*_centre(browser, "#plot-timecourses g.legend g.traces", "vm2"))
    hidden = _first_plot_once(browser, lambda plot: {"vm2 pool free", "vm2 share"} <= set(plot["hidden"]))["hidden"]
    assert hidden and all(name.startswith("vm2") for name in hidden) and "vm2" in hidden, hidden
    assert {"vm2 pool free", "vm2 share"} <= set(hidden), hidden

    # dragging across the top panel zooms the time axis of every panel (around the pause)
    before = _plots(browser)[0]["ranges"]
    x, y = _centre(browser, "#plot-timecourses .draglayer g.xy rect.nsewdrag")
    browser.drag((x - 150, y), (x + 150, y))
    after = _first_plot_once(browser, lambda plot: plot["ranges"] != before and all(r == plot["ranges"][0] for r in plot["ranges"]))["ranges"]
    assert len(after) == 5 and all(r == after[0] for r in after), after
    assert after[0][1] - after[0][0] < 0.8 * (before[0][1] - before[0][0]), (before, after)
    assert not browser.problems(), browser.problems()
    print(f"browser test {time.perf_counter() - start:.1f} s")
