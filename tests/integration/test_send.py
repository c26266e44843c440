"""webhook send with each authorization type, against hookauth verify serve and the capturing receiver."""

import json
import os
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import b64  # noqa: E402

USER = "alice"
PASSWORD = "s3cr:et w\u00f6rd"  # a colon and a non-ASCII letter: only the first colon splits user-id
KEY_VALUE = "k3y/v+al=ue&x"  # characters that need percent-encoding in a query


class SendToVerifyServe(harness.HookauthTest):
    """The right credential is accepted (exit 0, a valid log line); a wrong one is refused (exit 1)."""

    def setUp(self):
        super().setUp()
        self.fixture(self.add_profiles)

    def add_profiles(self):
        self.add_none("open")
        self.add_basic("good-basic", USER, PASSWORD)
        self.add_basic("bad-basic", USER, PASSWORD + "x")
        self.add_basic("bad-user", "mallory", PASSWORD)
        self.add_key("good-header", "X-API-Key", KEY_VALUE, "header")
        self.add_key("bad-header", "X-API-Key", "other-value", "header")
        self.add_key("good-query", "api_key", KEY_VALUE, "query")
        self.add_key("bad-query", "api_key", KEY_VALUE[:-1], "query")

    def exchange(self, serve_auth, send_auth, path="/hook", data=None):
        server = self.serve(serve_auth)
        args = ["webhook", "send", server.url + path]
        if send_auth:
            args[2:2] = ["--auth", send_auth]
        if data is not None:
            args += ["-d", data]
        r = self.hookauth(*args)
        lines = self.wait_for(lambda: server.stdout_json(), what="a log line from verify serve")
        self.assertEqual(len(lines), 1, server.stdout_lines)
        return r, lines[0]

    def assert_valid(self, serve_auth, send_auth, **kw):
        r, line = self.exchange(serve_auth, send_auth, **kw)
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(r.out, "valid\n", r)
        self.assertEqual(line["verdict"], "valid", line)
        self.assertEqual(line["status"], 200, line)
        self.assertIsNone(line["reason"], line)
        return line

    def assert_invalid(self, serve_auth, send_auth, reason):
        r, line = self.exchange(serve_auth, send_auth)
        self.assertEqual(r.rc, 1, r)
        self.assertIn("401", r.err, r)
        self.assertEqual(line["verdict"], "invalid", line)
        self.assertEqual(line["status"], 401, line)
        self.assertEqual(line["reason"], reason, line)

    def test_none(self):
        line = self.assert_valid("open", "open")
        self.assertEqual(line["method"], "GET")
        self.assertEqual(line["target"], "/hook")

    def test_no_auth_flag_sends_nothing_and_basic_server_says_so(self):
        self.assert_invalid("good-basic", None, "no Authorization header")

    def test_basic_right(self):
        line = self.assert_valid("good-basic", "good-basic", data='{"event": "ping"}')
        self.assertEqual(line["method"], "POST")

    def test_basic_wrong_password(self):
        self.assert_invalid("good-basic", "bad-basic", "wrong username or password")

    def test_basic_wrong_user(self):
        self.assert_invalid("good-basic", "bad-user", "wrong username or password")

    def test_api_key_header_right(self):
        self.assert_valid("good-header", "good-header")

    def test_api_key_header_wrong(self):
        self.assert_invalid("good-header", "bad-header", "wrong API key in header X-API-Key")

    def test_api_key_header_missing(self):
        self.assert_invalid("good-header", "good-basic", "no X-API-Key header")

    def test_api_key_query_right(self):
        line = self.assert_valid("good-query", "good-query", path="/hook?x=1")
        self.assertTrue(line["target"].startswith("/hook?x=1&api_key="), line)

    def test_api_key_query_wrong(self):
        self.assert_invalid("good-query", "bad-query", "wrong API key in query parameter api_key")

    def test_api_key_query_missing(self):
        self.assert_invalid("good-query", "open", "no api_key query parameter")


class SendToCapture(harness.HookauthTest):
    """What arrives on the wire, checked by a receiver that shares no code with hookauth."""

    def send(self, *args, capture_args=(), **kw):
        c = self.capture(*capture_args)
        r = self.hookauth("webhook", "send", *[a.replace("URL", c.url) for a in args], **kw)
        reqs = c.requests()
        return r, reqs

    def one(self, *args, **kw):
        r, reqs = self.send(*args, **kw)
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(len(reqs), 1, reqs)
        return r, reqs[0]

    def test_none_sends_no_credentials(self):
        self.add_none("open")
        _, req = self.one("--auth", "open", "URL/a")
        self.assertEqual(harness.Capture.header(req, "Authorization"), [])
        self.assertEqual(req["method"], "GET")
        self.assertEqual(req["target"], "/a")
        self.assertEqual(req["body"], b"")

    def test_url_read_differently_is_refused_before_sending(self):
        # libcurl would send each of these to the capture (it decodes "%6c" in a host, keeps
        # "127.0.0.1." as a name); hookauth's checks read them otherwise, so nothing is sent.
        c = self.capture()
        for url in ("http://%%6cocalhost:%d/a" % c.port, "http://127.0.0.1.:%d/a" % c.port,
                    "http://127.0.0.1:%d\\@evil.invalid/a" % c.port):
            with self.subTest(url=url):
                r = self.hookauth("webhook", "send", url, "-d", "x")
                self.assertEqual(r.rc, 2, r)
                self.assertEqual(len(r.err.strip().splitlines()), 1, r)
        self.assertEqual(c.requests(), [])
        # Control: other IPv4 forms are read as libcurl reads them, and do arrive.
        for url in ("http://127.1:%d/b" % c.port, "http://0x7f000001:%d/c" % c.port):
            self.assertEqual(self.hookauth("webhook", "send", url).rc, 0, url)
        self.assertEqual([q["target"] for q in c.requests()], ["/b", "/c"])

    def test_basic_header_exact(self):
        self.add_basic("b", USER, PASSWORD)
        _, req = self.one("--auth", "b", "URL/hook")
        self.assertEqual(harness.Capture.header(req, "Authorization"), ["Basic " + b64(USER + ":" + PASSWORD)])

    def test_basic_password_from_env_and_file(self):
        secret_file = os.path.join(self.tmp, "pw.txt")
        with open(secret_file, "w") as f:
            f.write("from-file-pw\n")  # one trailing newline is not part of the secret
        self.add_basic("e", "u1", "env:HOOKAUTH_TEST_PW")
        self.add_basic("f", "u2", "file:" + secret_file)
        self.add_basic("l", "u3", "literal:env:not-a-reference")
        _, req = self.one("--auth", "e", "URL/", env={"HOOKAUTH_TEST_PW": "from-env-pw"})
        self.assertEqual(harness.Capture.header(req, "Authorization"), ["Basic " + b64("u1:from-env-pw")])
        _, req = self.one("--auth", "f", "URL/")
        self.assertEqual(harness.Capture.header(req, "Authorization"), ["Basic " + b64("u2:from-file-pw")])
        _, req = self.one("--auth", "l", "URL/")
        self.assertEqual(harness.Capture.header(req, "Authorization"), ["Basic " + b64("u3:env:not-a-reference")])

    def test_basic_password_from_stdin(self):
        self.ok("auth", "add", "s", "--type", "basic", "--username", "u", "--password", "-", input="piped-pw\n")
        _, req = self.one("--auth", "s", "URL/")
        self.assertEqual(harness.Capture.header(req, "Authorization"), ["Basic " + b64("u:piped-pw")])

    def test_env_reference_unset_is_a_usage_error(self):
        self.add_basic("e", "u1", "env:HOOKAUTH_TEST_UNSET_VAR")
        r, reqs = self.send("--auth", "e", "URL/")
        self.assertEqual(r.rc, 2, r)
        self.assertIn("HOOKAUTH_TEST_UNSET_VAR", r.err)
        self.assertEqual(reqs, [])

    def test_api_key_header_exact(self):
        self.add_key("k", "X-API-Key", KEY_VALUE, "header")
        _, req = self.one("--auth", "k", "URL/hook")
        self.assertEqual(harness.Capture.header(req, "X-API-Key"), [KEY_VALUE])
        self.assertIn(["X-API-Key", KEY_VALUE], req["headers"])  # the name as configured
        self.assertEqual(harness.Capture.header(req, "Authorization"), [])

    def test_api_key_header_replaces_a_user_header_of_the_same_name(self):
        self.add_key("k", "X-API-Key", KEY_VALUE, "header")
        _, req = self.one("--auth", "k", "URL/hook", "-H", "x-api-key: user-supplied")
        self.assertEqual(harness.Capture.header(req, "X-API-Key"), [KEY_VALUE])

    def test_api_key_query_exact(self):
        self.add_key("q", "api_key", KEY_VALUE, "query")
        _, req = self.one("--auth", "q", "URL/hook?x=1&y=a%20b#fragment")
        encoded = urllib.parse.quote(KEY_VALUE, safe="-._~")
        self.assertEqual(req["target"], "/hook?x=1&y=a%20b&api_key=" + encoded)
        query = urllib.parse.parse_qsl(urllib.parse.urlsplit(req["target"]).query)
        self.assertEqual([v for k, v in query if k == "api_key"], [KEY_VALUE])
        self.assertEqual(harness.Capture.header(req, "Authorization"), [])

    def test_api_key_query_without_existing_query(self):
        self.add_key("q", "token", "abc123", "query")
        _, req = self.one("--auth", "q", "URL/p")
        self.assertEqual(req["target"], "/p?token=abc123")

    def test_json_body_bytes_and_content_type(self):
        self.add_basic("b", USER, PASSWORD)
        body = '{"event":"order.paid","amount":12.5,"note":"caf\u00e9 \u2603"}'
        _, req = self.one("--auth", "b", "URL/hook", "-d", body)
        self.assertEqual(req["method"], "POST")
        self.assertEqual(req["body"], body.encode())
        self.assertEqual(harness.Capture.header(req, "Content-Type"), ["application/json"])
        self.assertEqual(harness.Capture.header(req, "Content-Length"), [str(len(body.encode()))])

    def test_non_json_body_is_form(self):
        _, req = self.one("URL/hook", "-d", "a=1&b=2")
        self.assertEqual(req["body"], b"a=1&b=2")
        self.assertEqual(harness.Capture.header(req, "Content-Type"), ["application/x-www-form-urlencoded"])

    def test_explicit_content_type_wins(self):
        _, req = self.one("URL/hook", "-d", '{"a":1}', "-H", "Content-Type: text/plain")
        self.assertEqual(harness.Capture.header(req, "Content-Type"), ["text/plain"])

    def test_binary_body_from_file_exact(self):
        payload = bytes(range(256)) + b"\r\n\r\n\x00tail\n"
        path = os.path.join(self.tmp, "body.bin")
        with open(path, "wb") as f:
            f.write(payload)
        self.add_key("k", "X-API-Key", KEY_VALUE, "header")
        _, req = self.one("--auth", "k", "URL/bin", "-d", "@" + path, "-X", "PUT")
        self.assertEqual(req["method"], "PUT")
        self.assertEqual(req["body"], payload)
        self.assertEqual(harness.Capture.header(req, "Content-Length"), [str(len(payload))])

    def test_body_from_stdin_exact(self):
        payload = b'{"from": "stdin"}\n\n'
        _, req = self.one("URL/in", "-d", "@-", input=payload)
        self.assertEqual(req["body"], payload)

    def test_extra_headers_arrive(self):
        _, req = self.one("URL/h", "-H", "X-One: 1", "-H", "X-Two:  two words ")
        self.assertEqual(harness.Capture.header(req, "X-One"), ["1"])
        self.assertEqual(harness.Capture.header(req, "X-Two"), ["two words"])

    def test_repeated_headers_are_all_sent_in_order(self):
        # As curl sends them: every -H, in the order given; the first of a name replaces a default.
        _, req = self.one("URL/h", "-H", "X-Dup: one", "-H", "Accept: text/plain", "-H", "x-dup: two",
                          "-H", "Accept: application/json")
        names = [k.lower() for k, _ in req["headers"]]
        self.assertEqual(harness.Capture.header(req, "X-Dup"), ["one", "two"])
        self.assertEqual(harness.Capture.header(req, "Accept"), ["text/plain", "application/json"])
        self.assertEqual([n for n in names if n in ("x-dup", "accept")], ["accept", "x-dup", "x-dup", "accept"])

    def test_json_on_exit_3_names_the_error(self):
        r = self.hookauth("webhook", "send", "http://127.0.0.1:%d/x" % self.closed_port(), "--json")
        self.assertEqual(r.rc, 3, r)
        doc = r.json()
        self.assertEqual(list(doc), ["error", "exit_code"])
        self.assertEqual(doc["exit_code"], 3)
        self.assertIn("hookauth: error: " + doc["error"], r.err)

    def test_json_on_exit_4_has_the_receivers_answer(self):
        # A Digest challenge the profile cannot answer (it allows MD5 only): exit 4, and the 401 is printed.
        self.ok("auth", "add", "md5", "--type", "digest", "--username", USER, "--password", PASSWORD,
                "--algorithm", "MD5")
        challenge = 'Digest realm="r", nonce="abc", algorithm=SHA-256, qop="auth"'
        r, reqs = self.send("--auth", "md5", "URL/d", "--json", capture_args=["--challenge", challenge])
        self.assertEqual(r.rc, 4, r)
        self.assertEqual(len(reqs), 1)
        doc = r.json()
        self.assertEqual(list(doc), ["status", "status_line", "headers", "body", "timings", "error", "exit_code"])
        self.assertEqual(doc["status"], 401)
        self.assertEqual(doc["headers"]["www-authenticate"], challenge)
        self.assertEqual(doc["exit_code"], 4)
        self.assertIn("hookauth: error: " + doc["error"], r.err)
        self.assertNotIn(PASSWORD, r.out + r.err)

    def test_include_and_json_output(self):
        r, req = self.one("URL/i", "-i", capture_args=["--reply", json.dumps(
            {"status": 201, "headers": {"X-Reply": "yes"}, "body": "created\n"})])
        self.assertTrue(r.out.startswith("HTTP/1.1 201"), r)
        self.assertIn("X-Reply: yes\r\n", r.out)
        self.assertTrue(r.out.endswith("\r\n\r\ncreated\n"), r)
        r, req = self.one("URL/j", "--json", capture_args=["--reply", json.dumps(
            {"status": 202, "headers": {"X-Reply": "yes"}, "body": "queued"})])
        doc = r.json()
        self.assertEqual(list(doc), ["status", "status_line", "headers", "body", "timings"])
        self.assertEqual(doc["status"], 202)
        self.assertTrue(doc["status_line"].startswith("HTTP/1.1 202"))
        self.assertEqual(doc["headers"]["x-reply"], "yes")
        self.assertEqual(doc["body"], "queued")
        self.assertEqual(set(doc["timings"]), {"dns", "connect", "tls", "first_byte", "total"})

    def test_non_2xx_is_exit_1(self):
        r, reqs = self.send("URL/x", capture_args=["--status", "404"])
        self.assertEqual(r.rc, 1, r)
        self.assertEqual(len(reqs), 1)
        self.assertIn("404", r.err)

    def test_dry_run_sends_nothing(self):
        self.add_basic("b", USER, PASSWORD)
        r, reqs = self.send("--auth", "b", "URL/d", "-d", '{"a":1}', "--dry-run")
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(reqs, [])
        self.assertTrue(r.out.startswith("POST /d HTTP/1.1\r\n"), r)
        self.assertIn("Authorization: Basic [redacted]\r\n", r.out)
        self.assertTrue(r.out.endswith('\r\n\r\n{"a":1}'), r)


if __name__ == "__main__":
    harness.main()
