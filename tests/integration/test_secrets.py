"""No secret in any output unless --reveal: every authorization type, every secret source, every command.

One distinctive secret is planted everywhere (a basic password, an API key in a header and in a query,
each as a literal, an env: and a file: reference). The receiver echoes each request back in its body and
in X-Echo-* headers, as httpbin does, so the secret also comes back in responses. Every stdout, stderr
and log file is searched for the secret in every form it could take on the wire.
"""

import base64
import json
import os
import signal
import subprocess
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

SECRET = "Zq8xV-hunter2/Lp+9"
USER = "leakuser"
TOKEN = base64.b64encode((USER + ":" + SECRET).encode()).decode()
ENV = {"LEAK_SECRET": SECRET}

FORMS = {
    "secret": SECRET,
    "secret, start": SECRET[:8],
    "secret, end": SECRET[-8:],
    "secret percent-encoded": urllib.parse.quote(SECRET, safe=""),
    "secret percent-encoded, lowercase hex": urllib.parse.quote(SECRET, safe="").replace("%2F", "%2f").replace(
        "%2B", "%2b"),
    "secret form-encoded": urllib.parse.quote_plus(SECRET),
    "base64(user:secret)": TOKEN,
    "base64(user:secret), start": TOKEN[:16],
    "base64(secret)": base64.b64encode(SECRET.encode()).decode(),
}


def leaks(data):
    """The names of the forms of the secret found in data (bytes or str)."""
    if isinstance(data, bytes):
        data = data.decode("utf-8", "replace")
    return [name for name, form in FORMS.items() if form in data]


class SecretLeakTest(harness.HookauthTest):
    def setUp(self):
        super().setUp()
        self.env.update(ENV)
        self.outputs = []  # (what, bytes)
        secret_file = os.path.join(self.tmp, "secret.txt")
        with open(secret_file, "w") as f:
            f.write(SECRET + "\n")
        self.profiles = {}
        for source, ref in (("lit", SECRET), ("env", "env:LEAK_SECRET"), ("file", "file:" + secret_file)):
            self.record("auth add", self.add_basic("b-" + source, USER, ref))
            self.record("auth add", self.add_key("h-" + source, "X-Leak-Key", ref, "header"))
            self.record("auth add", self.add_key("q-" + source, "leak_key", ref, "query"))
            self.profiles.update({"b-" + source: "basic", "h-" + source: "header", "q-" + source: "query"})

    def record(self, what, r):
        self.outputs.append((what + " [stdout]", r.out_b))
        self.outputs.append((what + " [stderr]", r.err_b))
        return r

    def run_recorded(self, *args, input=None):
        return self.record("hookauth " + " ".join(args), self.hookauth(*args, input=input))

    def assert_no_leaks(self):
        found = [(what, names) for what, data in self.outputs for names in [leaks(data)] if names]
        self.assertEqual(found, [], "the secret appears in:\n" + "\n".join(
            "  %s: %s" % (what, ", ".join(names)) for what, names in found))
        self.assertGreater(len(self.outputs), 10)


class NoLeakWithoutReveal(SecretLeakTest):
    def test_auth_commands(self):
        self.run_recorded("auth", "list")
        self.run_recorded("auth", "list", "--json")
        for name in self.profiles:
            self.assertEqual(self.run_recorded("auth", "show", name).rc, 0)
            self.assertEqual(self.run_recorded("auth", "show", name, "--json").rc, 0)
        self.assert_no_leaks()

    def test_webhook_send(self):
        echo = self.capture("--echo")
        moved = self.capture("--reply", json.dumps({"status": 302, "headers": {
            "Location": "/next?leak_key=" + urllib.parse.quote(SECRET, safe="")}}))
        denied = self.capture("--echo", "--status", "401")
        failing = self.capture("--echo", "--status", "503", "--retry-after", "0")
        closed = "http://127.0.0.1:%d/x?a=1" % self.closed_port()
        for name in self.profiles:
            full = name.endswith("-lit")
            url = echo.url + "/hook?a=1"
            cases = [["-v", "-d", '{"n": 1}'], ["--dry-run", "-d", "x=1"], ["--json"]]
            if full:
                cases += [[], ["-i"], ["-i", "-v", "-X", "PUT", "-d", "@-"], ["--dry-run", "-v"]]
            for extra in cases:
                r = self.run_recorded("webhook", "send", "--auth", name, url, *extra, input=b'{"stdin": true}')
                self.assertEqual(r.rc, 0, r)
            if full:  # followed to a Location that names the key; the next hop answers 302 again
                r = self.run_recorded("webhook", "send", "--auth", name, moved.url + "/start", "-L", "-v", "-i")
                self.assertEqual(r.rc, 3, r)
            # failing ones
            r = self.run_recorded("webhook", "send", "--auth", name, denied.url + "/denied", "-v", "-i")
            self.assertEqual(r.rc, 1, r)
            r = self.run_recorded("webhook", "send", "--auth", name, denied.url + "/denied", "--json")
            self.assertEqual(r.rc, 1, r)
            r = self.run_recorded("webhook", "send", "--auth", name, failing.url + "/retry", "--retries", "1", "-v")
            self.assertEqual(r.rc, 1, r)
            r = self.run_recorded("webhook", "send", "--auth", name, closed, "--retries", "1", "-v")
            self.assertEqual(r.rc, 3, r)
            if full:
                r = self.run_recorded("webhook", "send", "--auth", name, moved.url + "/start", "-i", "-v")
                self.assertEqual(r.rc, 1, r)
                for bad_url in ("ftp://127.0.0.1/x", "not a url", "http://example.invalid/x?a=1",
                                "http://127.0.0.1:99999/"):
                    r = self.run_recorded("webhook", "send", "--auth", name, bad_url, "-v")
                    self.assertIn(r.rc, (2, 3), r)
        # The secret did go out on the wire (the test would prove nothing otherwise).
        self.assertTrue(any(TOKEN in v for req in echo.requests() for k, v in req["headers"]))
        self.assertTrue(any(SECRET in v for req in echo.requests() for k, v in req["headers"]))
        self.assertTrue(any(FORMS["secret percent-encoded"] in req["target"] for req in echo.requests()))
        self.assert_no_leaks()

    def test_verify(self):
        receiver = self.capture()
        for name in self.profiles:
            r = self.hookauth("webhook", "send", "--auth", name, receiver.url + "/v?a=1", "-d", '{"v": 1}')
            self.assertEqual(r.rc, 0, r)
            raw = receiver.requests()[-1]["raw"]
            self.assertTrue(leaks(raw), "the captured request should carry the secret")
            path = os.path.join(self.tmp, name + ".http")
            with open(path, "wb") as f:
                f.write(raw)
            other = {"basic": "h-lit", "header": "q-lit", "query": "b-lit"}[self.profiles[name]]
            self.assertEqual(self.run_recorded("verify", "--auth", name, "--request", path).rc, 0)
            self.assertEqual(self.run_recorded("verify", "--auth", name, "--request", path, "--json").rc, 0)
            self.assertEqual(self.run_recorded("verify", "--auth", name, input=raw).rc, 0)
            self.assertEqual(self.run_recorded("verify", "--auth", other, "--request", path).rc, 1)
            self.assertEqual(self.run_recorded("verify", "--auth", other, "--request", path, "--json").rc, 1)
        self.assert_no_leaks()

    def test_verify_serve_logs(self):
        for name in ("b-lit", "h-env", "q-lit", "q-file"):
            log = os.path.join(self.tmp, name + ".log")
            server = self.serve(name, "--log", log)
            url = server.url + "/in?a=1"
            r = self.hookauth("webhook", "send", "--auth", name, url, "-d", '{"ok": true}')
            self.assertEqual(r.rc, 0, r)
            # wrong credentials that still carry the secret somewhere, sent by curl
            for curl_args in (["-u", USER + ":" + SECRET + "x"], ["-u", "x" + USER + ":" + SECRET],
                              ["-H", "X-Leak-Key: " + SECRET + "x"],
                              [server.url + "/in?leak_key=" + urllib.parse.quote(SECRET, safe="") + "x"],
                              [server.url + "/in?leak_key=" + urllib.parse.quote(SECRET, safe="") + "&leak_key=1"],
                              [server.url + "/in?leak_key=" + urllib.parse.quote(SECRET, safe="")],
                              [server.url + "/in?other=" + urllib.parse.quote(SECRET, safe="")]):
                target = [a for a in curl_args if a.startswith("http")] or [url]
                subprocess.run(["curl", "-sS", "-o", "/dev/null", "--max-time", "10"]
                               + [a for a in curl_args if not a.startswith("http")] + target, check=True, timeout=30)
            server.signal(signal.SIGTERM)
            self.assertEqual(server.wait(timeout=10), 0)
            with open(log, "rb") as f:
                content = f.read()
            self.assertEqual(len(content.splitlines()), 8, content)
            self.outputs.append(("verify serve --auth %s log" % name, content))
            self.outputs.append(("verify serve --auth %s stdout" % name, "\n".join(server.stdout_lines).encode()))
            self.outputs.append(("verify serve --auth %s stderr" % name, "\n".join(server.stderr_lines).encode()))
        self.assert_no_leaks()

    def test_verify_serve_stdout_log_with_query_key(self):
        server = self.serve("q-lit")
        r = self.hookauth("webhook", "send", "--auth", "q-lit", server.url + "/hook?a=1")
        self.assertEqual(r.rc, 0, r)
        line = self.wait_for(lambda: server.stdout_json(), what="a log line")[0]
        self.assertEqual(line["target"], "/hook?a=1&leak_key=[redacted]")
        # -v's request line keeps its version after the redacted query value.
        r = self.hookauth("webhook", "send", "--auth", "q-lit", server.url + "/hook?a=1", "-v")
        self.assertEqual(r.rc, 0, r)
        self.assertIn("> GET /hook?a=1&leak_key=[redacted] HTTP/1.1\n", r.err)
        self.outputs.append(("webhook send -v stderr", r.err_b))
        self.outputs.append(("verify serve stdout", "\n".join(server.stdout_lines).encode()))
        self.assert_no_leaks()


class NoLeakOnOddInput(SecretLeakTest):
    """Inputs that carry the secret in a shape the verifier does not expect still must not echo it."""

    def verify_raw(self, auth, raw):
        path = os.path.join(self.tmp, "odd.http")
        with open(path, "wb") as f:
            f.write(raw)
        return self.run_recorded("verify", "--auth", auth, "--request", path), \
            self.run_recorded("verify", "--auth", auth, "--request", path, "--json")

    def test_authorization_without_scheme(self):
        # A client that forgot the "Basic " prefix sends the bare token: the reason must not quote it.
        for r in self.verify_raw("b-lit", ("GET / HTTP/1.1\r\nAuthorization: %s\r\n\r\n" % TOKEN).encode()):
            self.assertEqual(r.rc, 1, r)
        for r in self.verify_raw("b-lit", ("GET / HTTP/1.1\r\nAuthorization: %s\r\n\r\n" % SECRET).encode()):
            self.assertEqual(r.rc, 1, r)
        self.assert_no_leaks()

    def test_authorization_without_scheme_in_serve_log(self):
        server = self.serve("b-lit")
        subprocess.run(["curl", "-sS", "-o", "/dev/null", "--max-time", "10", "-H", "Authorization: " + TOKEN,
                        server.url + "/"], check=True, timeout=30)
        self.wait_for(lambda: server.stdout_json(), what="a log line")
        self.outputs.append(("verify serve stdout", "\n".join(server.stdout_lines).encode()))
        self.assert_no_leaks()

    def test_malformed_request_with_secret(self):
        cases = [
            b"GET /x?leak_key=" + SECRET.encode() + b" HTTP/1.1 extra\r\n\r\n",
            b"GET /x HTTP/1.1\r\nX-Leak-Key " + SECRET.encode() + b"\r\n\r\n",
            b"GET /x HTTP/1.1\r\nAuthorization : Basic " + TOKEN.encode() + b"\r\n\r\n",
        ]
        for raw, auth in zip(cases, ("q-lit", "h-lit", "b-lit")):
            for r in self.verify_raw(auth, raw):
                self.assert_one_error_line(r, 2)
        self.assert_no_leaks()


class RevealShowsIt(SecretLeakTest):
    """--reveal is the one way to see a secret, and it does show it."""

    def test_auth_show_reveal(self):
        for fmt in ([], ["--json"]):
            for name in ("b-lit", "h-lit", "q-lit"):
                r = self.ok("auth", "show", name, "--reveal", *fmt)
                self.assertIn(SECRET, r.out)
            r = self.ok("auth", "show", "b-env", "--reveal", *fmt)
            self.assertIn("env:LEAK_SECRET", r.out)
            r = self.ok("auth", "show", "h-file", "--reveal", *fmt)
            self.assertIn("file:", r.out)
        r = self.ok("auth", "show", "b-lit", "--reveal", "--json")
        self.assertEqual(r.json()["password"], SECRET)

    def test_dry_run_reveal(self):
        for source in ("lit", "env", "file"):
            r = self.ok("webhook", "send", "--auth", "b-" + source, "--dry-run", "--reveal", "http://127.0.0.1:9/")
            self.assertIn("Authorization: Basic %s\r\n" % TOKEN, r.out)
            r = self.ok("webhook", "send", "--auth", "h-" + source, "--dry-run", "--reveal", "http://127.0.0.1:9/")
            self.assertIn("X-Leak-Key: %s\r\n" % SECRET, r.out)
            r = self.ok("webhook", "send", "--auth", "q-" + source, "--dry-run", "--reveal", "http://127.0.0.1:9/p")
            self.assertIn("GET /p?leak_key=%s HTTP/1.1\r\n" % urllib.parse.quote(SECRET, safe="-._~"), r.out)

    def test_verbose_reveal(self):
        echo = self.capture("--echo")
        r = self.ok("webhook", "send", "--auth", "h-lit", "-v", "--reveal", echo.url + "/")
        self.assertIn("X-Leak-Key: " + SECRET, r.err)
        self.assertIn(SECRET, r.out)  # the echoed body


if __name__ == "__main__":
    harness.main()
