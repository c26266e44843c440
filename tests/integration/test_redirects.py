"""Redirects keep credentials with their origin; plain http to a host that is not loopback is refused.

Only 127.0.0.0/8 is ever contacted. The refusal tests use names under .invalid (RFC 6761: they never
resolve) and prove with strace and with a loopback proxy trap that hookauth opened no socket at all.
"""

import json
import os
import re
import subprocess
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import b64, Capture  # noqa: E402

PASSWORD = "redir-pw-5521"
KEY = "redir-key-9913"


def redirect(status, location):
    return ["--reply", json.dumps({"status": status, "headers": {"Location": location}, "body": "moved\n"})]


class Redirects(harness.HookauthTest):
    def setUp(self):
        super().setUp()
        self.fixture(self.add_profiles)

    def add_profiles(self):
        self.add_basic("basic", "dave", PASSWORD)
        self.add_key("hkey", "X-API-Key", KEY, "header")
        self.add_key("qkey", "api_key", KEY, "query")

    def credentials_in(self, req):
        """Every trace of a credential in a captured request."""
        found = []
        for k, v in req["headers"]:
            if k.lower() in ("authorization", "x-api-key") or PASSWORD in v or KEY in v:
                found.append("%s: %s" % (k, v))
        query = urllib.parse.parse_qsl(urllib.parse.urlsplit(req["target"]).query, keep_blank_values=True)
        found += ["query %s=%s" % (k, v) for k, v in query if k == "api_key" or v == KEY]
        if KEY.encode() in req["raw"] or PASSWORD.encode() in req["raw"] or b64("dave:" + PASSWORD).encode() in req["raw"]:
            found.append("raw bytes")
        return found

    def assert_signed(self, auth, req):
        if auth == "basic":
            self.assertEqual(Capture.header(req, "Authorization"), ["Basic " + b64("dave:" + PASSWORD)], req)
        elif auth == "hkey":
            self.assertEqual(Capture.header(req, "X-API-Key"), [KEY], req)
        else:
            query = urllib.parse.parse_qsl(urllib.parse.urlsplit(req["target"]).query)
            self.assertEqual([v for k, v in query if k == "api_key"], [KEY], req)

    def test_without_location_flag_the_3xx_is_returned(self):
        a = self.capture(*redirect(302, "/elsewhere"))
        r = self.hookauth("webhook", "send", "--auth", "basic", a.url + "/start", "-i")
        self.assertEqual(r.rc, 1, r)
        self.assertTrue(r.out.startswith("HTTP/1.1 302"), r)
        self.assertIn("Location: /elsewhere", r.out)
        self.assertEqual([q["target"] for q in a.requests()], ["/start"])

    def test_same_origin_resends_credentials(self):
        for auth in ("basic", "hkey", "qkey"):
            for status in (301, 302, 303, 307, 308):
                with self.subTest(auth=auth, status=status):
                    a = self.capture(*redirect(status, "/final?page=2"), "--status", "200")
                    r = self.hookauth("webhook", "send", "--auth", auth, "-L", a.url + "/start")
                    self.assertEqual(r.rc, 0, r)
                    reqs = a.requests()
                    self.assertEqual(len(reqs), 2)
                    self.assertTrue(reqs[1]["target"].startswith("/final?page=2"), reqs[1]["target"])
                    for req in reqs:
                        self.assert_signed(auth, req)

    def test_same_origin_absolute_location(self):
        # The Location spells the origin differently (case, explicit port): still the same origin.
        for auth in ("basic", "hkey", "qkey"):
            with self.subTest(auth=auth):
                a = self.capture(*redirect(307, "http://127.0.0.1:{port}/final"), "--status", "200")
                r = self.hookauth("webhook", "send", "--auth", auth, "-L", "HTTP://127.0.0.1:%d/start" % a.port)
                self.assertEqual(r.rc, 0, r)
                reqs = a.requests()
                self.assertEqual([q["target"].split("?")[0] for q in reqs], ["/start", "/final"])
                for req in reqs:
                    self.assert_signed(auth, req)

    def test_other_port_gets_no_credentials(self):
        for auth in ("basic", "hkey", "qkey"):
            for status in (302, 307):
                with self.subTest(auth=auth, status=status):
                    b = self.capture()
                    a = self.capture(*redirect(status, b.url + "/landing?from=a"))
                    r = self.hookauth("webhook", "send", "--auth", auth, "-L", a.url + "/start", "-d", '{"k": 1}')
                    self.assertEqual(r.rc, 0, r)
                    self.assert_signed(auth, a.requests()[0])
                    landed = b.requests()
                    self.assertEqual(len(landed), 1)
                    self.assertEqual(landed[0]["target"], "/landing?from=a")
                    self.assertEqual(self.credentials_in(landed[0]), [])
                    if status == 307:
                        self.assertEqual((landed[0]["method"], landed[0]["body"]), ("POST", b'{"k": 1}'))
                    else:
                        self.assertEqual((landed[0]["method"], landed[0]["body"]), ("GET", b""))

    def test_other_loopback_address_gets_no_credentials(self):
        for auth in ("basic", "hkey", "qkey"):
            with self.subTest(auth=auth):
                b = self.capture(host="127.0.0.2")
                a = self.capture(*redirect(302, b.url + "/other-host"))
                r = self.hookauth("webhook", "send", "--auth", auth, "-L", a.url + "/start")
                self.assertEqual(r.rc, 0, r)
                self.assert_signed(auth, a.requests()[0])
                landed = b.requests()
                self.assertEqual(len(landed), 1)
                self.assertTrue(landed[0]["peer"].startswith("127.0.0."), landed[0])
                self.assertEqual(self.credentials_in(landed[0]), [])

    def test_localhost_is_another_origin_than_127_0_0_1(self):
        # The same server, named differently: the second request must arrive bare.
        for auth in ("basic", "hkey", "qkey"):
            with self.subTest(auth=auth):
                a = self.capture(*redirect(302, "http://localhost:{port}/named"), "--status", "200")
                r = self.hookauth("webhook", "send", "--auth", auth, "-L", a.url + "/start")
                self.assertEqual(r.rc, 0, r)
                reqs = a.requests()
                self.assertEqual(len(reqs), 2)
                self.assert_signed(auth, reqs[0])
                self.assertEqual(reqs[1]["target"], "/named")
                self.assertEqual(Capture.header(reqs[1], "Host"), ["localhost:%d" % a.port])
                self.assertEqual(self.credentials_in(reqs[1]), [])

    # Canonicalising redirects (a trailing slash, another host name) usually copy the query string,
    # and with it the key hookauth put there.
    def test_same_origin_redirect_that_copies_the_query_sends_the_key_once(self):
        enc = urllib.parse.quote(KEY, safe="-._~")
        a = self.capture(*redirect(301, "/hook/?a=1&api_key=" + enc), "--status", "200")
        r = self.hookauth("webhook", "send", "--auth", "qkey", "-L", a.url + "/hook?a=1")
        self.assertEqual(r.rc, 0, r)
        second = a.requests()[1]
        query = urllib.parse.parse_qsl(urllib.parse.urlsplit(second["target"]).query)
        self.assertEqual([v for k, v in query if k == "api_key"], [KEY], second["target"])

    def test_cross_origin_redirect_that_copies_the_query_does_not_carry_the_key(self):
        enc = urllib.parse.quote(KEY, safe="-._~")
        b = self.capture()
        a = self.capture(*redirect(301, b.url + "/hook?a=1&api_key=" + enc))
        r = self.hookauth("webhook", "send", "--auth", "qkey", "-L", a.url + "/hook?a=1")
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(len(b.requests()), 1)
        self.assertEqual(self.credentials_in(b.requests()[0]), [])

    def test_user_authorization_header_is_dropped_across_origins(self):
        b = self.capture()
        a = self.capture(*redirect(302, b.url + "/x"))
        r = self.hookauth("webhook", "send", "-L", a.url + "/", "-H", "Authorization: Bearer user-token-77")
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(Capture.header(a.requests()[0], "Authorization"), ["Bearer user-token-77"])
        self.assertEqual(Capture.header(b.requests()[0], "Authorization"), [])

    def test_redirect_loop_ends(self):
        a = self.capture(*redirect(302, "/again"))
        r = self.hookauth("webhook", "send", "--auth", "basic", "-L", a.url + "/", timeout=60)
        self.assertEqual(r.rc, 3, r)
        self.assertIn("redirects", r.err)
        self.assertLess(len(a.requests()), 100)


class PlainHttpRefusal(harness.HookauthTest):
    """Credentials never go over plain http to a host that is not loopback, and nothing is attempted."""

    FOREIGN = ("http://example.invalid/hook", "HTTP://EXAMPLE.INVALID:8080/x", "http://127.0.0.1.example.invalid/",
               "http://localhost.example.invalid/", "http://127.0.0.1@example.invalid/", "http://192.0.2.1/",
               "http://[2001:db8::1]/", "http://10.0.0.1:9/")

    def setUp(self):
        super().setUp()
        self.fixture(self.add_profiles)

    def add_profiles(self):
        self.add_basic("basic", "erin", PASSWORD)
        self.add_key("hkey", "X-API-Key", KEY, "header")
        self.add_key("qkey", "api_key", KEY, "query")
        self.add_none("open")

    def traced(self, *args, env=None):
        """hookauth under strace: its result and the network system calls it made."""
        trace = os.path.join(self.tmp, "strace.txt")
        run_env = dict(self.env)
        if env:
            run_env.update(env)
        run_env = harness.without_leak_check(run_env)
        p = subprocess.run(["strace", "-f", "-qq", "-e", "trace=%network", "-o", trace, harness.binary()] + list(args),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=run_env, stdin=subprocess.DEVNULL,
                           timeout=60)
        with open(trace) as f:
            calls = [l for l in f.read().splitlines() if re.search(r"\b(socket|connect|sendto|sendmsg)\(", l)]
        return harness.Result(list(args), p.returncode, p.stdout, p.stderr), calls

    def test_strace_sees_sockets_when_there_are_some(self):
        # The control: the same tracing does see a connection attempt to a closed loopback port.
        port = self.closed_port()
        r, calls = self.traced("webhook", "send", "--auth", "basic", "http://127.0.0.1:%d/" % port)
        self.assertEqual(r.rc, 3, r)
        self.assertTrue(any("connect(" in c for c in calls), calls)

    def test_refused_before_any_network_use(self):
        for auth in ("basic", "hkey", "qkey"):
            for url in self.FOREIGN:
                for extra in ((), ("--dry-run",)):
                    with self.subTest(auth=auth, url=url, extra=extra):
                        r, calls = self.traced("webhook", "send", "--auth", auth, url, *extra)
                        line = self.assert_one_error_line(r, 2)
                        if "@" in url:  # userinfo that looks like loopback: refused even sooner, for itself
                            self.assertIn("the URL carries credentials", line)
                        else:
                            self.assertIn("refusing to send credentials over plain http", line)
                            self.assertIn("--allow-insecure-http", line)
                        self.assertEqual(calls, [])
                        self.assertEqual(r.out, "")

    def test_proxy_trap_receives_nothing(self):
        # Were hookauth to send anyway, libcurl would hand the request to this loopback proxy.
        trap = self.capture()
        proxy = {"http_proxy": trap.url, "HTTP_PROXY": trap.url}
        for auth in ("basic", "hkey", "qkey"):
            r = self.hookauth("webhook", "send", "--auth", auth, "http://example.invalid/hook", "-d", "x", env=proxy)
            self.assert_one_error_line(r, 2)
        self.assertEqual(trap.requests(), [])
        # Control: without credentials nothing is refused, and the trap does catch the request.
        r = self.hookauth("webhook", "send", "--auth", "open", "http://example.invalid/control", env=proxy)
        self.assertEqual(r.rc, 0, r)
        self.assertEqual([q["target"] for q in trap.requests()], ["http://example.invalid/control"])

    def test_allow_insecure_http_lifts_it(self):
        for auth, expect in (("basic", "Authorization: Basic [redacted]\r\n"), ("hkey", "X-API-Key: [redacted]\r\n"),
                             ("qkey", "GET /hook?api_key=[redacted] HTTP/1.1\r\n")):
            with self.subTest(auth=auth):
                r, calls = self.traced("webhook", "send", "--auth", auth, "--dry-run", "--allow-insecure-http",
                                       "http://example.invalid/hook")
                self.assertEqual(r.rc, 0, r)
                self.assertIn("Host: example.invalid\r\n", r.out)
                self.assertIn(expect, r.out)
                self.assertEqual(calls, [])

    def test_https_and_loopback_and_no_credentials_are_allowed(self):
        for auth, url in (("basic", "https://example.invalid/"), ("basic", "http://127.0.0.2:9/"),
                          ("hkey", "http://localhost:9/"), ("qkey", "http://[::1]:9/"),
                          ("basic", "http://api.localhost/"), ("open", "http://example.invalid/")):
            with self.subTest(auth=auth, url=url):
                r, calls = self.traced("webhook", "send", "--auth", auth, "--dry-run", url)
                self.assertEqual(r.rc, 0, r)
                self.assertEqual(calls, [])


if __name__ == "__main__":
    harness.main()
