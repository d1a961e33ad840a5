#!/usr/bin/env python3
"""Loads the page of `minidraw explore` in headless Chromium and drives it through the DevTools
protocol over --remote-debugging-pipe (standard library only, nothing from the network).

Fails, with one line saying what went wrong, unless
  - the element #self-check reads "ok ...",
  - the JavaScript console shows no error and no exception is thrown,
  - moving the step slider changes the drawn canvas (#canvas-view, read back as a data URL).
With --screenshot PATH it also saves the page's top, --height pixels of it, as a PNG: the drawing at
step --step, and the sandbox showing that step's write window.

usage: explore-browser.py CHROMIUM PAGE.html [--screenshot PATH] [--step T] [--height PIXELS]
"""
import argparse
import base64
import json
import os
import select
import subprocess
import sys
import time

TIMEOUT_SECONDS = 60


def fail(message):
    print(f"explore-check: {message}", file=sys.stderr)
    sys.exit(1)


class DevTools:
    """A DevTools-protocol client over the two pipes Chromium opens as fds 3 (commands in) and 4
    (replies and events out), one NUL-terminated JSON message each."""

    def __init__(self, chromium):
        command_read, self.command_write = os.pipe()
        self.reply_read, reply_write = os.pipe()
        # The shell puts the pipes on fds 3 and 4, where --remote-debugging-pipe looks for them.
        script = f'exec "$0" "$@" 3<&{command_read} 4>&{reply_write}'
        flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
                 "--remote-debugging-pipe", "about:blank"]
        self.process = subprocess.Popen(["sh", "-c", script, chromium] + flags, pass_fds=(command_read, reply_write),
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(command_read)
        os.close(reply_write)
        self.buffer = b""
        self.next_id = 0
        self.events = []
        self.session = None
        self.deadline = time.monotonic() + TIMEOUT_SECONDS

    def close(self):
        self.process.kill()
        self.process.wait()

    def message(self):
        """The next message from Chromium, waiting until the deadline."""
        while b"\0" not in self.buffer:
            left = self.deadline - time.monotonic()
            if left <= 0 or not select.select([self.reply_read], [], [], left)[0]:
                fail(f"Chromium did not answer within {TIMEOUT_SECONDS} s")
            chunk = os.read(self.reply_read, 1 << 20)
            if not chunk:
                fail("Chromium closed the DevTools pipe (did it start? try running it by hand with --headless)")
            self.buffer += chunk
        text, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(text)

    def send(self, method, session=True, **params):
        """Sends one command (to the page's session unless session=False) and returns its result;
        events that arrive meanwhile are kept in self.events."""
        self.next_id += 1
        command = {"id": self.next_id, "method": method, "params": params}
        if session and self.session:
            command["sessionId"] = self.session
        os.write(self.command_write, json.dumps(command).encode() + b"\0")
        while True:
            reply = self.message()
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    fail(f"{method} failed: {reply['error'].get('message')}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method):
        """Waits for the event `method` (or finds it among those already received)."""
        while True:
            for event in self.events:
                if event.get("method") == method:
                    return event
            self.events.append(self.message())

    def evaluate(self, expression):
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            fail(f"evaluating {expression!r} threw: {result['exceptionDetails'].get('text')}")
        return result["result"].get("value")

    def console_errors(self):
        """Every error the page reported: exceptions, console.error/assert, and browser log errors."""
        errors = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                details = params.get("exceptionDetails", {})
                errors.append(details.get("exception", {}).get("description") or details.get("text"))
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                errors.append(" ".join(str(argument.get("value", argument.get("description"))) for argument in params.get("args", [])))
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                errors.append(params["entry"].get("text"))
        return [str(error).splitlines()[0] if error else "(no text)" for error in errors]


def move_slider(browser, step):
    """Moves the step slider to `step` as a user's drag does (value, then an input event) and returns
    the drawn canvas as a data URL and the step label."""
    return browser.evaluate(f"""(() => {{
        const slider = document.getElementById("step");
        slider.value = {step};
        slider.dispatchEvent(new Event("input"));
        return [document.getElementById("canvas-view").toDataURL(), document.getElementById("step-value").textContent];
    }})()""")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chromium")
    parser.add_argument("page")
    parser.add_argument("--screenshot", help="save the top of the page as this PNG")
    parser.add_argument("--step", type=int, default=20, help="the step shown in the screenshot")
    parser.add_argument("--height", type=int, default=1960, help="the window's height, and the screenshot's")
    arguments = parser.parse_args()

    browser = DevTools(arguments.chromium)
    try:
        target = browser.send("Target.createTarget", session=False, url="about:blank")["targetId"]
        browser.session = browser.send("Target.attachToTarget", session=False, targetId=target, flatten=True)["sessionId"]
        for domain in ("Runtime", "Log", "Page"):
            browser.send(f"{domain}.enable")
        browser.send("Emulation.setDeviceMetricsOverride", width=1200, height=arguments.height, deviceScaleFactor=1, mobile=False)
        browser.send("Page.navigate", url="file://" + os.path.abspath(arguments.page))
        browser.wait_for("Page.loadEventFired")

        self_check = browser.evaluate('document.getElementById("self-check").textContent')
        if not str(self_check).startswith("ok"):
            errors = browser.console_errors()
            fail(f"#self-check reads {self_check!r}, not ok ..." + (f"; the console says: {errors[0]}" if errors else ""))
        print(f"explore-check: self-check: {self_check}")

        timesteps = browser.evaluate("drawData.config.timesteps")
        last, last_label = move_slider(browser, timesteps)
        first, first_label = move_slider(browser, 0)
        middle, middle_label = move_slider(browser, max(1, timesteps // 2))
        if len({last, first, middle}) != 3:
            fail(f"moving the step slider did not change #canvas-view (t = {timesteps}, 0, {max(1, timesteps // 2)} "
                 f"drew {len({last, first, middle})} different pictures)")
        print(f"explore-check: step slider: '{last_label}', '{first_label}', '{middle_label}' drew 3 different canvases")

        if arguments.screenshot:
            move_slider(browser, arguments.step)
            browser.evaluate('document.getElementById("use-write").click()')
            shot = browser.send("Page.captureScreenshot", format="png")
            with open(arguments.screenshot, "wb") as file:
                file.write(base64.b64decode(shot["data"]))
            print(f"explore-check: screenshot at t = {arguments.step}: {arguments.screenshot}")

        browser.evaluate("new Promise(resolve => setTimeout(resolve, 200))")     # let late errors arrive
        errors = browser.console_errors()
        if errors:
            fail(f"{len(errors)} console error(s), the first: {errors[0]}")
        print("explore-check: console: no errors")
    finally:
        browser.close()


if __name__ == "__main__":
    main()
