"""hookauth verify serve with curl as an independent client; --count, --log, SIGTERM and SIGINT."""

import json
import os
import re
import select
import signal
import socket
import subprocess
import time
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

PASSWORD = "c0rrect-h0rse"
KEY = "Kx-9f8e7d6c5b4a"
PERCENT_KEY = "k%41-50%25 off"


def curl(*args):
    """curl's status code, response headers (lowercase name -> values) and body."""
    p = subprocess.run(["curl", "-sS", "--max-time", "10", "-D", "-", "-o", "/dev/null", "-w", "\n%{http_code}"]
                       + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
    if p.returncode != 0:
        raise AssertionError("curl %s failed: %s" % (args, p.stderr.decode()))
    text = p.stdout.decode()
    head, _, code = text.rpartition("\n")
    headers = {}
    for line in head.split("\r\n")[1:]:
        if ":" in line:
            k, _, v = line.partition(":")
            headers.setdefault(k.strip().lower(), []).append(v.strip())
    return int(code), headers


def raw_exchange(port, data, close_write=False):
    """Sends raw bytes to 127.0.0.1:port and reads until the server closes (10 s at most): the answers'
    status codes, in order."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(data)
        if close_write:
            s.shutdown(socket.SHUT_WR)
        got = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
    return [int(code) for code in re.findall(rb"(?:^|\n)HTTP/1\.1 (\d{3}) ", got)]


class CurlAgainstServe(harness.HookauthTest):
    def setUp(self):
        super().setUp()
        self.fixture(self.add_profiles)

    def add_profiles(self):
        self.add_basic("basic", "bob", PASSWORD)
        self.add_key("header-key", "X-API-Key", KEY, "header")
        self.add_key("query-key", "key", KEY, "query")
        self.add_key("percent-key", "X-API-Key", PERCENT_KEY, "header")

    def logged(self, server, n):
        return self.wait_for(lambda: len(server.stdout_json()) >= n and server.stdout_json(),
                             what="%d log lines" % n)

    def test_curl_basic(self):
        s = self.serve("basic")
        code, headers = curl("-u", "bob:" + PASSWORD, s.url + "/ok")
        self.assertEqual(code, 200)
        self.assertNotIn("www-authenticate", headers)
        code, headers = curl("-u", "bob:wrong", s.url + "/wrong")
        self.assertEqual(code, 401)
        self.assertEqual(len(headers["www-authenticate"]), 1, headers)
        self.assertTrue(headers["www-authenticate"][0].startswith("Basic "), headers)
        self.assertIn('realm="', headers["www-authenticate"][0])
        code, headers = curl(s.url + "/none")
        self.assertEqual(code, 401)
        self.assertTrue(headers["www-authenticate"][0].startswith("Basic "), headers)
        code, _ = curl("-H", "Authorization: Bearer " + PASSWORD, s.url + "/bearer")
        self.assertEqual(code, 401)
        lines = self.logged(s, 4)
        self.assertEqual([(l["target"], l["verdict"], l["status"]) for l in lines],
                         [("/ok", "valid", 200), ("/wrong", "invalid", 401), ("/none", "invalid", 401),
                          ("/bearer", "invalid", 401)])
        self.assertEqual(lines[1]["reason"], "wrong username or password")
        self.assertEqual(lines[2]["reason"], "no Authorization header")
        for l in lines:
            self.assertEqual(list(l), ["time", "peer", "method", "target", "verdict", "status", "reason"])
            self.assertTrue(l["peer"].startswith("127.0.0.1:"), l)
            self.assertEqual(l["method"], "GET")

    def test_curl_basic_post_with_octet_stream_body(self):
        s = self.serve("basic")
        code, _ = curl("-u", "bob:" + PASSWORD, "-H", "Content-Type: application/octet-stream",
                       "--data-binary", "x" * 100000, s.url + "/big")
        self.assertEqual(code, 200)
        self.assertEqual(self.logged(s, 1)[0]["method"], "POST")

    def test_curl_basic_post_with_large_form_body(self):
        # curl --data-binary (and hookauth webhook send -d with non-JSON data) label the body
        # application/x-www-form-urlencoded; a webhook of 100 kB must still be verified, not refused.
        s = self.serve("basic")
        code, _ = curl("-u", "bob:" + PASSWORD, "--data-binary", "x" * 100000, s.url + "/big-form")
        self.assertEqual(code, 200)
        self.assertEqual(len(self.logged(s, 1)), 1)

    def test_hookauth_send_large_form_body_to_serve(self):
        s = self.serve("basic")
        body = os.path.join(self.tmp, "form.txt")
        with open(body, "w") as f:
            f.write("a=" + "x" * 20000)
        r = self.hookauth("webhook", "send", "--auth", "basic", s.url + "/f", "-d", "@" + body)
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(self.logged(s, 1)[0]["verdict"], "valid")

    def test_curl_api_key_header(self):
        s = self.serve("header-key")
        self.assertEqual(curl("-H", "X-API-Key: " + KEY, s.url + "/")[0], 200)
        self.assertEqual(curl("-H", "x-api-key: " + KEY, s.url + "/")[0], 200)  # names are case-insensitive
        self.assertEqual(curl("-H", "X-API-Key: " + KEY + "0", s.url + "/")[0], 401)
        self.assertEqual(curl("-H", "X-API-Key: " + KEY[:-1], s.url + "/")[0], 401)
        self.assertEqual(curl(s.url + "/")[0], 401)
        lines = self.logged(s, 5)
        self.assertEqual([l["verdict"] for l in lines], ["valid", "valid", "invalid", "invalid", "invalid"])
        self.assertEqual(lines[2]["reason"], "wrong API key in header X-API-Key")
        self.assertEqual(lines[4]["reason"], "no X-API-Key header")

    def test_header_values_are_read_as_sent(self):
        # cpp-httplib 0.11 percent-decodes every header value it parses; verify serve must see the bytes
        # that were sent, as `verify --request` does: a key with %XX in it passes only as written.
        s = self.serve("percent-key")
        self.assertEqual(curl("-H", "X-API-Key: " + PERCENT_KEY, s.url + "/")[0], 200)
        self.assertEqual(curl("-H", "X-API-Key: kA-50% off", s.url + "/")[0], 401)  # the decoded form
        self.assertEqual([l["verdict"] for l in self.logged(s, 2)], ["valid", "invalid"])

    def test_pipelined_requests_are_all_answered(self):
        s = self.serve("basic")
        auth = b"Authorization: Basic " + harness.b64("bob:" + PASSWORD).encode() + b"\r\n"
        one = b"GET /%d HTTP/1.1\r\nHost: h\r\n" + auth + b"\r\n"
        # More than cpp-httplib's default of 5 requests on one connection.
        data = b"".join(one % i for i in range(1, 12)) + b"GET /12 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n" + \
            auth + b"\r\n"
        self.assertEqual(raw_exchange(s.port, data), [200] * 12)
        self.assertEqual([l["target"] for l in self.logged(s, 12)], ["/%d" % i for i in range(1, 13)])
        self.assertEqual(len({l["peer"] for l in self.logged(s, 12)}), 1)

    def test_requests_that_cannot_be_read_whole_are_refused_and_logged(self):
        # Each is answered with its status and reason, logged like any request, and ends its connection.
        s = self.serve("basic")
        auth = b"Authorization: Basic " + harness.b64("bob:" + PASSWORD).encode() + b"\r\n"
        cases = [
            (b"POST /short HTTP/1.1\r\nHost: h\r\n" + auth + b"Content-Length: 100\r\n\r\nhello", 400,
             "the request did not arrive whole: the client stopped sending"),
            (b"POST /chunk HTTP/1.1\r\nHost: h\r\n" + auth + b"Transfer-Encoding: chunked\r\n\r\nzz\r\nhi\r\n0\r\n\r\n",
             400, "bad chunk size 'zz'"),
            (b"POST /nan HTTP/1.1\r\nHost: h\r\n" + auth + b"Content-Length: abc\r\n\r\nhello", 400,
             "Content-Length 'abc' is not a number"),
            (b"POST /two HTTP/1.1\r\nHost: h\r\n" + auth + b"Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
             400, "the request has two different Content-Length fields"),
            (b"TRACE /t HTTP/1.1\r\nHost: h\r\n" + auth + b"\r\n", 405, "method TRACE is not accepted"),
            (b"GARBAGE\r\n\r\n", 400, "malformed request line"),
            (b"GET /" + b"a" * 10000 + b" HTTP/1.1\r\nHost: h\r\n\r\n", 414,
             "the request line is longer than 8192 bytes"),
            (b"GET /big HTTP/1.1\r\nHost: h\r\nX-Big: " + b"a" * 70000 + b"\r\n\r\n", 431,
             "the request line and header fields are larger than 64 KiB"),
        ]
        for data, status, _ in cases:
            # A second request after the bad one gets no answer: the connection ends with the first.
            self.assertEqual(raw_exchange(s.port, data + b"GET /next HTTP/1.1\r\nHost: h\r\n\r\n", close_write=True),
                             [status], data[:40])
        with socket.create_connection(("127.0.0.1", s.port), timeout=10) as c:
            c.sendall(b"TRACE / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
            answer = c.makefile("rb").read()
        self.assertIn(b"\r\nAllow: GET, HEAD, OPTIONS, POST, PUT, PATCH, DELETE\r\n", answer)
        lines = self.logged(s, len(cases) + 1)[:len(cases)]
        self.assertEqual([(l["status"], l["verdict"], l["reason"]) for l in lines],
                         [(status, "invalid", reason) for _, status, reason in cases])
        self.assertTrue(all(l["peer"].startswith("127.0.0.1:") for l in lines), lines)

    def test_slow_clients_neither_stall_others_nor_hold_on(self):
        # 40 clients that send their header fields a line every 2 s: another client is still answered at
        # once, and each slow one gets 408 when its head has not arrived whole within the read timeout.
        s = self.serve("basic", "--read-timeout", "5")
        slow = [socket.create_connection(("127.0.0.1", s.port), timeout=30) for _ in range(40)]
        for c in slow:
            self.addCleanup(c.close)
            c.sendall(b"GET /slow HTTP/1.1\r\nHost: h\r\n")
        self.assertEqual(curl("-u", "bob:" + PASSWORD, s.url + "/quick")[0], 200)
        answers = [b""] * len(slow)
        answered = set()
        for _ in range(4):  # 8 s: past the 5 s the heads had
            time.sleep(2)
            for i, c in enumerate(slow):
                if i not in answered and select.select([c], [], [], 0)[0]:
                    answered.add(i)  # its 408 is here: send it nothing more
                if i not in answered:
                    c.sendall(b"X-Slow: 1\r\n")
        for i, c in enumerate(slow):
            chunk = c.recv(65536)
            while chunk:
                answers[i] += chunk
                chunk = c.recv(65536)
        self.assertTrue(all(a.startswith(b"HTTP/1.1 408 ") for a in answers), answers[:2])
        reasons = {l["reason"] for l in self.logged(s, 41) if l["target"] == "/slow"}
        self.assertEqual(reasons, {"the request did not arrive whole within 5 s"})

    def test_curl_api_key_query(self):
        s = self.serve("query-key")
        self.assertEqual(curl(s.url + "/p?a=1&key=" + KEY)[0], 200)
        self.assertEqual(curl(s.url + "/p?key=nope")[0], 401)
        self.assertEqual(curl(s.url + "/p?key=%s&key=%s" % (KEY, KEY))[0], 401)
        lines = self.logged(s, 3)
        self.assertEqual(lines[1]["reason"], "wrong API key in query parameter key")
        self.assertEqual(lines[2]["reason"], "query parameter key given more than once")

    def test_count_exits_after_n_requests(self):
        s = self.serve("basic", "--count", "3")
        for i in range(3):
            code, _ = curl("-u", "bob:" + PASSWORD, s.url + "/%d" % i)
            self.assertEqual(code, 200)
        self.assertEqual(s.wait(timeout=10), 0)
        self.assertEqual(len(s.stdout_json()), 3)
        self.assertEqual(s.stderr_lines[-1], "stopped")

    def test_count_one_answers_the_request_before_exiting(self):
        s = self.serve("basic", "--count", "1")
        code, _ = curl("-u", "bob:wrong", s.url + "/")
        self.assertEqual(code, 401)
        self.assertEqual(s.wait(timeout=10), 0)
        self.assertEqual([l["status"] for l in s.stdout_json()], [401])

    def test_sigterm_stops_cleanly(self):
        s = self.serve("basic")
        self.assertEqual(curl("-u", "bob:" + PASSWORD, s.url + "/")[0], 200)
        s.signal(signal.SIGTERM)
        self.assertEqual(s.wait(timeout=10), 0)
        self.assertEqual(s.stderr_lines[-1], "stopped")

    def test_sigint_stops_cleanly(self):
        s = self.serve("basic")
        self.assertEqual(curl("-u", "bob:" + PASSWORD, s.url + "/")[0], 200)
        s.signal(signal.SIGINT)
        self.assertEqual(s.wait(timeout=10), 0)
        self.assertEqual(s.stderr_lines[-1], "stopped")

    def test_signal_right_after_listening_line_stops_cleanly(self):
        # A supervisor may stop the server as soon as it has announced itself: the signal is sent the
        # moment the 'listening on' line is read, with no thread in between, many times over.
        outcomes = []
        for sig in (signal.SIGTERM, signal.SIGINT) * 6:
            p = subprocess.Popen([harness.binary(), "verify", "serve", "--auth", "basic", "--listen", "127.0.0.1:0"],
                                 env=self.env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE)
            self.addCleanup(lambda p=p: p.poll() is None and p.kill())
            first = p.stderr.readline()
            p.send_signal(sig)
            try:
                _, rest = p.communicate(timeout=3)
                outcome = (sig.name, p.returncode, rest.decode().strip())
            except subprocess.TimeoutExpired:
                p.kill()
                p.communicate()
                outcome = (sig.name, "still running 3 s after the signal", "")
            self.assertTrue(first.startswith(b"listening on http://127.0.0.1:"), first)
            outcomes.append(outcome)
        self.assertEqual([o for o in outcomes if o[1:] != (0, "stopped")], [], outcomes)

    def test_log_file(self):
        log = os.path.join(self.tmp, "serve.log")
        s = self.serve("basic", "--log", log)
        self.assertEqual(curl("-u", "bob:" + PASSWORD, s.url + "/a")[0], 200)
        self.assertEqual(curl("-u", "bob:nope", s.url + "/b")[0], 401)
        s.signal(signal.SIGTERM)
        self.assertEqual(s.wait(timeout=10), 0)
        self.assertEqual(s.stdout_lines, [])
        with open(log) as f:
            lines = [json.loads(l) for l in f.read().splitlines()]
        self.assertEqual([(l["target"], l["verdict"]) for l in lines], [("/a", "valid"), ("/b", "invalid")])
        # --log appends: a second server adds to the same file
        s2 = self.serve("basic", "--log", log, "--count", "1")
        self.assertEqual(curl(s2.url + "/c")[0], 401)
        self.assertEqual(s2.wait(timeout=10), 0)
        with open(log) as f:
            self.assertEqual(len(f.read().splitlines()), 3)

    def run_bounded(self, *args):
        try:
            return self.hookauth(*args, timeout=5)
        except subprocess.TimeoutExpired:
            self.fail("hookauth %s: still running after 5 s, expected it to refuse the port" % " ".join(args))

    def test_port_held_by_another_socket_is_a_usage_error(self):
        import socket
        holder = socket.socket()
        self.addCleanup(holder.close)
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        port = holder.getsockname()[1]
        r = self.run_bounded("verify", "serve", "--auth", "basic", "--listen", "127.0.0.1:%d" % port)
        self.assert_one_error_line(r, 2)

    def test_port_held_by_another_verify_serve_is_a_usage_error(self):
        s = self.serve("basic")
        r = self.run_bounded("verify", "serve", "--auth", "basic", "--listen", "127.0.0.1:%d" % s.port)
        self.assert_one_error_line(r, 2)

    def test_bad_listen(self):
        for listen in ("127.0.0.1", "127.0.0.1:99999", "127.0.0.1:x", ":80"):
            r = self.hookauth("verify", "serve", "--auth", "basic", "--listen", listen, timeout=10)
            self.assert_one_error_line(r, 2)
            self.assertIn("--listen", r.err)

    def test_two_servers_get_distinct_ports(self):
        a = self.serve("basic")
        b = self.serve("basic")
        self.assertNotEqual(a.port, b.port)
        self.assertNotEqual(a.port, 0)


if __name__ == "__main__":
    harness.main()
