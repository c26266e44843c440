"""webhook send --data-lines: one webhook per input line, each signed on its own, many in flight.

Receivers: the capturing receiver (every request kept, so each line's signature is checked with
Python's hmac), nginx (Debian's nginx-light, over plain HTTP/1.1 and over TLS with HTTP/2, whose
access log tells the protocol and the connection of every request), and hookauth verify serve for the
schemes whose check needs state (SigV4 per-line body hashes, Digest nonce counts).
"""

import base64
import hashlib
import hmac
import json
import os
import pty
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

sys.path.insert(0, os.path.join(harness.REPO, "tests", "peers"))
import nginx  # noqa: E402

WHSEC_KEY = b"batch-signing-key-0123456789abcdef"
WHSEC = "whsec_" + base64.b64encode(WHSEC_KEY).decode()


class BatchTest(harness.HookauthTest):
    def write_lines(self, lines, name="lines.jsonl", newline="\n"):
        path = os.path.join(self.tmp, name)
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write("".join(line + newline for line in lines))
        return path

    def nginx(self, tls=False):
        n = nginx.Nginx(self.tmp, tls=tls)
        self.addCleanup(n.stop)
        return n

    def test_each_line_is_one_webhook_signed_on_its_own(self):
        self.add_basic("partner", "batch-user", "batch-pass-91", "--signature", "standard-webhooks",
                       "--signature-secret", "env:WHSEC")
        cap = self.capture()
        lines = [json.dumps({"event": "order.created", "n": i}) for i in range(120)]
        path = self.write_lines(lines[:60] + [""] + lines[60:], newline="\r\n")  # CRLF, one empty line
        r = self.ok("webhook", "send", "--auth", "partner", cap.url + "/hook", "--data-lines", path,
                    "--concurrency", "8", "--json", env={"WHSEC": WHSEC})
        summary = r.json()
        self.assertEqual((summary["sent"], summary["succeeded"], summary["failed"]), (120, 120, 0), r)
        self.assertEqual(summary["statuses"], {"200": 120})
        for q in ("p50", "p90", "p99", "max"):
            self.assertGreater(summary["latency_ms"][q], 0)
        self.assertLessEqual(summary["latency_ms"]["p50"], summary["latency_ms"]["p99"])
        self.assertGreater(summary["requests_per_second"], 0)
        self.assertNotIn("batch-pass-91", r.out + r.err)

        requests = cap.requests()
        self.assertEqual(len(requests), 120)
        self.assertEqual(sorted(q["body"].decode() for q in requests), sorted(lines))
        ids = set()
        for q in requests:
            self.assertEqual(q["method"], "POST")
            h = lambda name: harness.Capture.header(q, name)  # noqa: E731
            self.assertEqual(h("Authorization"), ["Basic " + harness.b64("batch-user:batch-pass-91")])
            self.assertEqual(h("Content-Type"), ["application/json"])
            msg_id, ts, sig = h("webhook-id")[0], h("webhook-timestamp")[0], h("webhook-signature")[0]
            ids.add(msg_id)
            expected = base64.b64encode(hmac.new(WHSEC_KEY, ("%s.%s." % (msg_id, ts)).encode() + q["body"],
                                                 hashlib.sha256).digest()).decode()
            self.assertEqual(sig, "v1," + expected, "line %r" % q["body"])
        self.assertEqual(len(ids), 120, "every line is its own message with its own id")

    def test_stdin_text_summary_and_failed_lines_to_send_again(self):
        self.add_key("k", "X-Api-Key", "batch-key-5521", "header")
        cap = self.capture("--status", "500,500,204")
        failed = os.path.join(self.tmp, "failed.txt")
        lines = ["a=%d" % i for i in range(6)]
        r = self.hookauth("webhook", "send", "--auth", "k", cap.url, "--data-lines", "-", "--concurrency", "1",
                          "--failed", failed, input="\n".join(lines) + "\n")
        self.assertEqual(r.rc, 1, r)
        self.assertRegex(r.out, r"^sent 6 in [0-9.]+ s \([0-9]+ requests/s\): 4 2xx, 2 failed\n")
        self.assertRegex(r.out, r"latency p50 [0-9.]+ ms, p90 [0-9.]+ ms, p99 [0-9.]+ ms, max [0-9.]+ ms")
        self.assertIn("line 1: the receiver answered HTTP/1.1 500", r.err)
        self.assertIn("line 2: the receiver answered HTTP/1.1 500", r.err)
        with open(failed) as f:
            self.assertEqual(f.read(), "a=0\na=1\n")
        self.assertEqual(os.stat(failed).st_mode & 0o777, 0o600)
        self.assertEqual([q["body"] for q in cap.requests()], [l.encode() for l in lines])
        self.assertTrue(all(harness.Capture.header(q, "Content-Type") == ["application/x-www-form-urlencoded"]
                            for q in cap.requests()))
        self.assertNotIn("batch-key-5521", r.out + r.err)

        # The failed lines go again, and now succeed.
        again = self.ok("webhook", "send", "--auth", "k", cap.url, "--data-lines", failed, "--json")
        self.assertEqual(again.json()["succeeded"], 2)

    def test_retries_follow_the_single_send_policy(self):
        cap = self.capture("--status", "503,503,204", "--retry-after", "0")
        path = self.write_lines(['{"n": 1}'])
        r = self.ok("webhook", "send", cap.url, "--data-lines", path, "--retries", "2", "--json")
        self.assertEqual((r.json()["succeeded"], r.json()["retries"]), (1, 2), r)
        self.assertEqual(len(cap.requests()), 3)
        r = self.hookauth("webhook", "send", cap.url, "--data-lines", path, "--json")  # no retries: 204 now
        self.assertEqual(r.rc, 0, r)

    def test_no_answer_at_all_is_exit_3_and_every_line_is_kept(self):
        self.add_basic("b", "u", "p4ss-never-shown")
        failed = os.path.join(self.tmp, "failed.txt")
        path = self.write_lines(["x%d" % i for i in range(15)])
        r = self.hookauth("webhook", "send", "--auth", "b", "http://127.0.0.1:%d/" % self.closed_port(),
                          "--data-lines", path, "--failed", failed)
        self.assertEqual(r.rc, 3, r)
        self.assertIn("15 failed (15 without an answer)", r.out)
        self.assertIn("5 more failures not shown (every failed line is in %s)" % failed, r.err)
        self.assertEqual(len(r.err.splitlines()), 11, r)
        with open(failed) as f:
            self.assertEqual(sorted(f.read().splitlines()), sorted("x%d" % i for i in range(15)))

    def test_repeated_headers_go_with_every_line(self):
        cap = self.capture()
        path = self.write_lines(["a=1", "a=2", "a=3"])
        r = self.ok("webhook", "send", cap.url, "--data-lines", path, "-H", "X-Dup: one", "-H", "X-Dup: two",
                    "--json")
        self.assertEqual(r.json()["succeeded"], 3, r)
        self.assertEqual([harness.Capture.header(q, "X-Dup") for q in cap.requests()], [["one", "two"]] * 3)

    def test_flags_that_do_not_fit_a_batch_are_refused(self):
        path = self.write_lines(["x"])
        for extra, flag in ((["-d", "y"], "-d/--data"), (["--dry-run"], "--dry-run"), (["--curl"], "--curl"),
                            (["-i"], "-i/--include"), (["--id", "m1"], "--id")):
            r = self.hookauth("webhook", "send", "http://127.0.0.1:9/", "--data-lines", path, *extra)
            line = self.assert_one_error_line(r, 2)
            self.assertIn(flag, line)
        r = self.hookauth("webhook", "send", "http://127.0.0.1:9/", "--failed", "f.txt")
        self.assertIn("--failed: only with --data-lines", self.assert_one_error_line(r, 2))
        r = self.hookauth("webhook", "send", "http://127.0.0.1:9/", "--data-lines", "/nonexistent/lines")
        self.assertIn("--data-lines /nonexistent/lines: cannot read the file", self.assert_one_error_line(r, 2))
        r = self.hookauth("webhook", "send", "http://127.0.0.1:9/", "--data-lines", path, "--concurrency", "0")
        self.assertEqual(r.rc, 2, r)

    def test_kept_alive_connections_over_http1(self):
        n = self.nginx()
        path = self.write_lines(['{"n": %d}' % i for i in range(200)])
        r = self.ok("webhook", "send", n.url + "/hook", "--data-lines", path, "--concurrency", "4", "--json")
        self.assertEqual(r.json()["statuses"], {"204": 200})
        log = n.log()
        self.assertEqual(len(log), 200)
        self.assertEqual({entry[0] for entry in log}, {"HTTP/1.1"})
        self.assertLessEqual(len({entry[1] for entry in log}), 4, "at most --concurrency connections")

    def test_http2_multiplexes_over_tls(self):
        n = self.nginx(tls=True)
        self.add_basic("b", "h2-user", "h2-pass")
        path = self.write_lines(['{"n": %d}' % i for i in range(200)])
        r = self.ok("webhook", "send", "--auth", "b", n.url + "/hook", "--data-lines", path, "--concurrency", "16",
                    "--cacert", n.cert, "--json")
        self.assertEqual(r.json()["statuses"], {"204": 200})
        log = n.log()
        self.assertEqual(len(log), 200)
        self.assertEqual({entry[0] for entry in log}, {"HTTP/2.0"})
        self.assertLessEqual(len({entry[1] for entry in log}), 2, "requests share a multiplexed connection")

    def test_sigv4_and_digest_batches_pass_verify_serve(self):
        self.ok("auth", "add", "aws", "--type", "aws-sigv4", "--access-key", "AKIDBATCH", "--secret-key",
                "env:AWS_SECRET", "--region", "eu-west-1", "--service", "execute-api", env={"AWS_SECRET": "s3cr3t-aws"})
        self.ok("auth", "add", "dig", "--type", "digest", "--username", "dig-user", "--password", "dig-pass-7",
                "--algorithm", "SHA-256")
        for name in ("aws", "dig"):
            with self.subTest(name):
                server = self.serve(name, env={"AWS_SECRET": "s3cr3t-aws"})
                lines = [json.dumps({"scheme": name, "n": i, "pad": "x" * (i % 50)}) for i in range(60)]
                path = self.write_lines(lines, name=name + ".jsonl")
                r = self.hookauth("webhook", "send", "--auth", name, server.url + "/in", "--data-lines", path,
                                  "--concurrency", "8", "--json", env={"AWS_SECRET": "s3cr3t-aws"})
                self.assertEqual(r.rc, 0, r)
                self.assertEqual(r.json()["succeeded"], 60, r)
                valid = lambda: [e for e in server.stdout_json() if e.get("verdict") == "valid"]  # noqa: E731
                self.wait_for(lambda: len(valid()) >= 60, what="60 valid requests in verify serve's log")
                self.assertEqual(len(valid()), 60)

    def test_progress_on_a_terminal(self):
        cap = self.capture()
        path = self.write_lines(["p%d" % i for i in range(30)])
        master, slave = pty.openpty()
        try:
            p = subprocess.run([harness.binary(), "webhook", "send", cap.url, "--data-lines", path],
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave, env=self.env,
                               cwd=self.tmp, timeout=60)
            os.close(slave)
            slave = None
            seen = b""
            while True:
                try:
                    chunk = os.read(master, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                seen += chunk
        finally:
            if slave is not None:
                os.close(slave)
            os.close(master)
        self.assertEqual(p.returncode, 0)
        self.assertRegex(seen.decode(), r"30 done, 0 failed, [0-9]+/s, ETA 0:00")
        self.assertTrue(seen.endswith(b"\r\x1b[K"), seen[-40:])  # the progress line is cleared at the end
        self.assertIn(b"sent 30 in", p.stdout)


if __name__ == "__main__":
    unittest.main()
