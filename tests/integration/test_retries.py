"""webhook send --retries: what is retried, how often, Retry-After; connection failures and timeouts."""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import b64, Capture  # noqa: E402

PASSWORD = "retry-pw-3141"


class Retries(harness.HookauthTest):
    def setUp(self):
        super().setUp()
        self.fixture(self.add_profiles)

    def add_profiles(self):
        self.add_basic("basic", "fay", PASSWORD)
        self.add_key("qkey", "k", "retry-query-key", "query")

    def send(self, capture, *extra, auth="basic"):
        return self.hookauth("webhook", "send", "--auth", auth, capture.url + "/hook", *extra)

    def test_503_twice_then_200(self):
        c = self.capture("--status", "503,503,200")
        r = self.send(c, "--retries", "3", "-d", '{"n": 1}')
        self.assertEqual(r.rc, 0, r)
        reqs = c.requests()
        self.assertEqual(len(reqs), 3)
        for req in reqs:  # every attempt is complete and signed
            self.assertEqual(req["method"], "POST")
            self.assertEqual(req["body"], b'{"n": 1}')
            self.assertEqual(Capture.header(req, "Authorization"), ["Basic " + b64("fay:" + PASSWORD)])
        notes = [l for l in r.err.splitlines() if "retry" in l]
        self.assertEqual(len(notes), 2, r.err)
        self.assertIn("retry 1 of 3", notes[0])
        self.assertIn("retry 2 of 3", notes[1])
        self.assertIn("HTTP 503", notes[0])

    def test_query_key_is_not_added_twice_on_retry(self):
        c = self.capture("--status", "500,200")
        r = self.send(c, "--retries", "1", auth="qkey")
        self.assertEqual(r.rc, 0, r)
        self.assertEqual([q["target"] for q in c.requests()], ["/hook?k=retry-query-key"] * 2)

    def test_retry_after_seconds_is_honoured(self):
        c = self.capture("--status", "503,200", "--retry-after", "1")
        r = self.send(c, "--retries", "3")
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(len(c.requests()), 2)
        self.assertIn("retry 1 of 3 in 1000 ms after HTTP 503", r.err)

    def test_retry_after_http_date_in_the_past_means_now(self):
        c = self.capture("--reply", json.dumps({"status": 429, "headers": {"Retry-After":
                                                                           "Wed, 21 Oct 2015 07:28:00 GMT"}}),
                         "--status", "200")
        r = self.send(c, "--retries", "2")
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(len(c.requests()), 2)
        self.assertIn("retry 1 of 2 in 0 ms after HTTP 429", r.err)

    def test_retryable_statuses(self):
        for status in (408, 429, 500, 502, 503, 504):
            with self.subTest(status=status):
                c = self.capture("--status", "%d,200" % status, "--retry-after", "0")
                r = self.send(c, "--retries", "1")
                self.assertEqual(r.rc, 0, r)
                self.assertEqual(len(c.requests()), 2)

    def test_client_errors_are_not_retried(self):
        for status in (400, 401, 403, 404, 422):
            with self.subTest(status=status):
                c = self.capture("--status", "%d,200" % status)
                r = self.send(c, "--retries", "3")
                self.assertEqual(r.rc, 1, r)
                self.assertEqual(len(c.requests()), 1)
                self.assertNotIn("retry", r.err)

    def test_no_retries_by_default(self):
        c = self.capture("--status", "503,200")
        r = self.send(c)
        self.assertEqual(r.rc, 1, r)
        self.assertEqual(len(c.requests()), 1)

    def test_retries_exhausted(self):
        c = self.capture("--status", "503", "--retry-after", "0")
        r = self.send(c, "--retries", "2", "--json")
        self.assertEqual(r.rc, 1, r)
        self.assertEqual(len(c.requests()), 3)
        self.assertEqual(r.json()["status"], 503)

    def test_connection_refused_is_exit_3(self):
        port = self.closed_port()
        r = self.hookauth("webhook", "send", "--auth", "basic", "http://127.0.0.1:%d/" % port)
        self.assert_one_error_line(r, 3)
        r = self.hookauth("webhook", "send", "--auth", "basic", "http://127.0.0.1:%d/" % port, "--retries", "1")
        self.assertEqual(r.rc, 3, r)
        self.assertIn("retry 1 of 1", r.err)
        self.assertTrue(r.err.splitlines()[-1].startswith("hookauth: error: "), r)

    def test_timeout_is_exit_3(self):
        c = self.capture("--reply", json.dumps({"status": 200, "delay": 5}))
        r = self.send(c, "--timeout", "0.3")
        self.assert_one_error_line(r, 3)
        self.assertEqual(len(c.requests()), 1)

    def test_bad_retries_value(self):
        for value in ("-1", "101", "many"):
            with self.subTest(value=value):
                r = self.hookauth("webhook", "send", "http://127.0.0.1:9/", "--retries", value)
                self.assert_one_error_line(r, 2)


if __name__ == "__main__":
    harness.main()
