"""hookauth verify on raw requests captured on the wire by tests/peers/capture.py."""

import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import b64  # noqa: E402

PASSWORD = "v3rify-me-pw"
KEY = "q-key-7781"


class VerifyCaptured(harness.HookauthTest):
    def setUp(self):
        super().setUp()
        self.fixture(self.add_profiles)
        self.receiver = self.capture()

    def add_profiles(self):
        self.add_basic("basic", "carol", PASSWORD)
        self.add_basic("basic-wrong", "carol", "not-" + PASSWORD)
        self.add_key("hkey", "X-Hook-Key", KEY, "header")
        self.add_key("qkey", "sig", KEY, "query")
        self.add_none("open")

    def captured_by_hookauth(self, *send_args):
        before = len(self.receiver.requests())
        r = self.hookauth("webhook", "send", *[a.replace("URL", self.receiver.url) for a in send_args])
        self.assertEqual(r.rc, 0, r)
        reqs = self.receiver.requests()
        self.assertEqual(len(reqs), before + 1)
        return self.save(reqs[-1]["raw"])

    def captured_by_curl(self, *curl_args):
        before = len(self.receiver.requests())
        subprocess.run(["curl", "-sS", "-o", "/dev/null", "--max-time", "10"]
                       + [a.replace("URL", self.receiver.url) for a in curl_args], check=True, timeout=30)
        reqs = self.receiver.requests()
        self.assertEqual(len(reqs), before + 1)
        return self.save(reqs[-1]["raw"])

    def save(self, raw):
        path = os.path.join(self.tmp, "req-%d.http" % len(os.listdir(self.tmp)))
        with open(path, "wb") as f:
            f.write(raw)
        return path

    def verify(self, auth, path, *extra, stdin=False):
        if stdin:
            with open(path, "rb") as f:
                return self.hookauth("verify", "--auth", auth, *extra, input=f.read())
        return self.hookauth("verify", "--auth", auth, "--request", path, *extra)

    def assert_valid(self, auth, path):
        for stdin in (False, True):
            r = self.verify(auth, path, stdin=stdin)
            self.assertEqual((r.rc, r.out), (0, "valid\n"), r)
            r = self.verify(auth, path, "--json", stdin=stdin)
            self.assertEqual(r.rc, 0, r)
            doc = r.json()
            self.assertEqual(list(doc), ["valid", "auth", "type", "reason"])
            self.assertIs(doc["valid"], True)
            self.assertEqual(doc["auth"], auth)
            self.assertIsNone(doc["reason"])

    def assert_invalid(self, auth, path, reason, type_):
        for stdin in (False, True):
            r = self.verify(auth, path, stdin=stdin)
            self.assertEqual((r.rc, r.out), (1, "invalid: " + reason + "\n"), r)
            r = self.verify(auth, path, "--json", stdin=stdin)
            self.assertEqual(r.rc, 1, r)
            self.assertEqual(r.json(), {"valid": False, "auth": auth, "type": type_, "reason": reason})

    def test_dry_run_capture_with_secrets_redacted(self):
        """Issue 19 item 7: a --dry-run capture without --reveal names the redaction, not a symptom of it."""
        reason = ("the request holds '[redacted]' where a secret was: it was printed with its secrets redacted "
                  "(webhook send --dry-run --reveal prints one that verifies)")
        for auth, url in (("basic", "http://127.0.0.1:9/h"), ("hkey", "http://127.0.0.1:9/h"),
                          ("qkey", "http://127.0.0.1:9/h?a=1")):
            with self.subTest(auth):
                r = self.ok("webhook", "send", "--auth", auth, "--dry-run", url, "-d", '{"x": 1}')
                self.assertIn(b"[redacted]", r.out_b)
                path = self.save(r.out_b)
                self.assert_invalid(auth, path, reason, "basic" if auth == "basic" else "api-key")
                r = self.ok("webhook", "send", "--auth", auth, "--dry-run", "--reveal", url, "-d", '{"x": 1}')
                self.assert_valid(auth, self.save(r.out_b))

    def test_basic_sent_by_hookauth(self):
        path = self.captured_by_hookauth("--auth", "basic", "URL/h", "-d", '{"x": 1}')
        self.assert_valid("basic", path)
        self.assertEqual(self.verify("basic", path, "--json").json()["type"], "basic")
        self.assert_invalid("basic-wrong", path, "wrong username or password", "basic")

    def test_basic_sent_by_curl(self):
        path = self.captured_by_curl("-u", "carol:" + PASSWORD, "URL/c", "--data-binary", "hello")
        self.assert_valid("basic", path)
        path = self.captured_by_curl("-u", "carol:wrong", "URL/c")
        self.assert_invalid("basic", path, "wrong username or password", "basic")

    def test_basic_missing_header(self):
        path = self.captured_by_hookauth("URL/none")
        self.assert_invalid("basic", path, "no Authorization header", "basic")

    def test_api_key_header(self):
        path = self.captured_by_curl("-H", "X-Hook-Key: " + KEY, "URL/k")
        self.assert_valid("hkey", path)
        path = self.captured_by_hookauth("--auth", "hkey", "URL/k")
        self.assert_valid("hkey", path)
        self.assert_invalid("hkey", self.captured_by_curl("URL/k"), "no X-Hook-Key header", "api-key")
        self.assert_invalid("hkey", self.captured_by_curl("-H", "X-Hook-Key: nope", "URL/k"),
                            "wrong API key in header X-Hook-Key", "api-key")

    def test_api_key_query(self):
        path = self.captured_by_hookauth("--auth", "qkey", "URL/q?a=b")
        self.assert_valid("qkey", path)
        self.assert_invalid("qkey", self.captured_by_curl("URL/q?sig=other"),
                            "wrong API key in query parameter sig", "api-key")
        self.assert_invalid("qkey", self.captured_by_curl("URL/q"), "no sig query parameter", "api-key")

    def test_none_accepts_anything(self):
        self.assert_valid("open", self.captured_by_curl("URL/"))

    def test_hand_written_requests(self):
        token = b64("carol:" + PASSWORD)
        cases = {
            "lf-only": "GET /x HTTP/1.1\nHost: a\nAuthorization: Basic %s\n\n" % token,
            "lowercase scheme": "GET /x HTTP/1.1\r\nauthorization: basic %s\r\n\r\n" % token,
            "chunked": "POST /x HTTP/1.1\r\nAuthorization: Basic %s\r\nTransfer-Encoding: chunked\r\n\r\n"
                       "5\r\nhello\r\n0\r\n\r\n" % token,
        }
        for name, raw in cases.items():
            with self.subTest(name):
                self.assert_valid("basic", self.save(raw.encode()))

    def test_malformed_request_is_a_usage_error(self):
        for raw in (b"", b"not a request\r\n\r\n", b"GET /x HTTP/1.1\r\nAuthorization Basic x\r\n\r\n",
                    b"POST /x HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc"):
            with self.subTest(raw=raw):
                r = self.verify("basic", self.save(raw))
                self.assert_one_error_line(r, 2)
                self.assertEqual(r.out, "")

    def test_missing_request_file(self):
        r = self.verify("basic", os.path.join(self.tmp, "absent.http"))
        self.assert_one_error_line(r, 2)
        self.assertIn("absent.http", r.err)

    def test_auth_is_required(self):
        r = self.hookauth("verify", "--request", self.save(b"GET / HTTP/1.1\r\n\r\n"))
        self.assert_one_error_line(r, 2)
        self.assertIn("--auth", r.err)


if __name__ == "__main__":
    harness.main()
