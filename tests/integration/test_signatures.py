"""Webhook payload signatures (issue #6): Standard Webhooks (v1 HMAC and v1a Ed25519), GitHub, Stripe and
the generic hmac form, sent by `webhook send` and checked by `verify` and `verify serve`.

Every expected signature is either a published vector (named where it is used) or computed in this file
with Python's hmac / hashlib / base64 or python3-cryptography, never with hookauth. Only 127.0.0.0/8 is
contacted.
"""

import base64
import hashlib
import hmac
import os
import re
import socket
import sys
import time
from datetime import datetime, timezone

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

# The Standard Webhooks specification's example (standard-webhooks/standard-webhooks, spec/standard-webhooks.md,
# "Signature scheme", and the reference libraries' test vector): secret, message id, timestamp, body and the
# resulting webhook-signature header.
SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
SPEC_TS = 1614265330
SPEC_AT = "2021-02-25T15:02:10Z"  # == SPEC_TS
SPEC_BODY = b'{"test": 2432232314}'
SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

# GitHub's documented example (docs.github.com, "Validating webhook deliveries", "Testing the webhook payload
# validation"): this secret and payload give this X-Hub-Signature-256.
GITHUB_SECRET = "It's a Secret to Everybody"
GITHUB_BODY = "Hello, World!"
GITHUB_SIGNATURE = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"

MISMATCH = "the body or the secret differs from what the sender signed"
# A body with bytes that must be signed as sent: UTF-8, CRLF, a trailing newline, and text that looks like
# the hmac template's placeholders (which must not be expanded inside the body).
ODD_BODY = '{"note":"caf\u00e9 {id} {timestamp} {body}","crlf":"a\r\nb"}\n'.encode()
MSG_ID = re.compile(r"^msg_[A-Za-z0-9_-]{8,}$")


def iso(ts):
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def b64e(data):
    return base64.b64encode(data).decode()


def whsec(raw):
    return "whsec_" + b64e(raw)


def std_v1(key_bytes, msg_id, ts, body):
    """Standard Webhooks v1: base64(HMAC-SHA256(key, id.ts.body))."""
    return "v1," + b64e(hmac.new(key_bytes, ("%s.%s." % (msg_id, ts)).encode() + body, hashlib.sha256).digest())


def raw_request(headers, body=b"", target="/hook"):
    """A hand-written HTTP/1.1 request: headers is a list of (name, value)."""
    lines = ["POST %s HTTP/1.1" % target, "Host: 127.0.0.1"] + ["%s: %s" % h for h in headers]
    lines.append("Content-Length: %d" % len(body))
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def spec_headers(**change):
    """The specification example's headers; a value of None leaves the header out."""
    h = {"webhook-id": SPEC_ID, "webhook-timestamp": str(SPEC_TS), "webhook-signature": SPEC_SIGNATURE}
    h.update(change)
    return [(k, v) for k, v in h.items() if v is not None]


def send_raw(port, raw, timeout=10):
    """Sends raw bytes to 127.0.0.1:port as one request: (status, headers {lower: [values]}, body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(raw)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(65536)
            if not chunk:
                raise AssertionError("connection closed before a response: %r" % data)
            data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers.setdefault(k.strip().lower(), []).append(v.strip())
        length = int(headers.get("content-length", ["0"])[0])
        while len(rest) < length:
            chunk = s.recv(65536)
            if not chunk:
                break
            rest += chunk
        return int(lines[0].split()[1]), headers, rest[:length]


def replace_header(raw, name, value):
    """raw with the value of header name (any case) replaced; the header must be there."""
    head, sep, body = raw.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    hits = 0
    for i, line in enumerate(lines[1:], 1):
        if line.split(b":", 1)[0].strip().lower() == name.lower().encode():
            lines[i] = name.encode() + b": " + value.encode()
            hits += 1
    assert hits == 1, (name, raw)
    return b"\r\n".join(lines) + sep + body


def replace_body(raw, body):
    head, sep, _ = raw.partition(b"\r\n\r\n")
    raw = head + sep + body
    return replace_header(raw, "Content-Length", str(len(body)))


def one(request, name):
    values = harness.Capture.header(request, name)
    assert len(values) == 1, (name, request["headers"])
    return values[0]


class SignatureTest(harness.HookauthTest):
    def save(self, raw):
        path = os.path.join(self.tmp, "req-%d.http" % len(os.listdir(self.tmp)))
        with open(path, "wb") as f:
            f.write(raw)
        return path

    def add_sig(self, name, scheme, secret, *extra):
        return self.ok("auth", "add", name, "--type", "signature", "--scheme", scheme, "--secret", secret, *extra)

    def verify(self, auth, raw, *extra, at=None):
        path = self.save(raw) if isinstance(raw, bytes) else raw
        glob = ("--at", at) if at else ()
        return self.hookauth(*glob, "verify", "--auth", auth, "--request", path, *extra)

    def assert_valid(self, auth, raw, *extra, at=None):
        r = self.verify(auth, raw, *extra, at=at)
        self.assertEqual((r.rc, r.out), (0, "valid\n"), r)

    def assert_invalid(self, auth, raw, reason, *extra, at=None):
        r = self.verify(auth, raw, *extra, at=at)
        self.assertEqual((r.rc, r.out), (1, "invalid: payload signature: " + reason + "\n"), r)
        r = self.verify(auth, raw, "--json", *extra, at=at)
        self.assertEqual(r.rc, 1, r)
        self.assertEqual(r.json()["reason"], "payload signature: " + reason)
        self.assertIs(r.json()["valid"], False)

    def send_captured(self, receiver, auth, body, *extra, at=None):
        """webhook send to the capturing receiver; the one request it got."""
        before = len(receiver.requests())
        body_file = os.path.join(self.tmp, "body-%d.bin" % before)
        with open(body_file, "wb") as f:
            f.write(body)
        glob = ("--at", at) if at else ()
        r = self.hookauth(*glob, "webhook", "send", "--auth", auth, receiver.url + "/hook", "-d", "@" + body_file,
                          *extra)
        self.assertEqual(r.rc, 0, r)
        reqs = receiver.requests()
        self.assertEqual(len(reqs), before + 1)
        self.assertEqual(reqs[-1]["body"], body)
        return reqs[-1]


class StandardWebhooksVector(SignatureTest):
    """The specification's example, and its negative cases on a hand-written request."""

    def setUp(self):
        super().setUp()
        self.fixture(lambda: self.add_sig("spec", "standard-webhooks", SPEC_SECRET))
        self.spec_raw = raw_request(spec_headers(), SPEC_BODY)

    def test_dry_run_produces_the_spec_signature(self):
        r = self.ok("--at", SPEC_AT, "webhook", "send", "--auth", "spec", "--dry-run", "--id", SPEC_ID,
                    "-d", SPEC_BODY.decode(), "http://127.0.0.1:9/hook")
        lines = r.out.split("\r\n") if "\r\n" in r.out else r.out.split("\n")
        self.assertIn("webhook-id: " + SPEC_ID, lines, r)
        self.assertIn("webhook-timestamp: %d" % SPEC_TS, lines, r)
        self.assertIn("webhook-signature: " + SPEC_SIGNATURE, lines, r)
        self.assertTrue(r.out.rstrip("\n").endswith(SPEC_BODY.decode()), r)

    def test_sent_and_captured_spec_message_verifies(self):
        receiver = self.capture()
        req = self.send_captured(receiver, "spec", SPEC_BODY, "--id", SPEC_ID, at=SPEC_AT)
        self.assertEqual(one(req, "webhook-id"), SPEC_ID)
        self.assertEqual(one(req, "webhook-timestamp"), str(SPEC_TS))
        self.assertEqual(one(req, "webhook-signature"), SPEC_SIGNATURE)
        self.assert_valid("spec", req["raw"], at=SPEC_AT)
        self.assert_valid("spec", req["raw"], "--tolerance", "none")  # today's clock, years later
        # without --tolerance none the same capture is years old
        r = self.verify("spec", req["raw"])
        self.assertEqual(r.rc, 1, r)
        self.assertRegex(r.out, r"^invalid: payload signature: webhook-timestamp is \d+ s behind this clock, "
                                r"outside the tolerance of 300 s\n$")

    def test_hand_written_spec_request_verifies(self):
        self.assert_valid("spec", self.spec_raw, at=SPEC_AT)
        self.assert_valid("spec", self.spec_raw, "--tolerance", "none")
        # the secret without its whsec_ prefix is the same key
        self.add_sig("spec-bare", "standard-webhooks", SPEC_SECRET[len("whsec_"):])
        self.assert_valid("spec-bare", self.spec_raw, at=SPEC_AT)

    def test_tolerance_bounds_are_inclusive(self):
        for tolerance in (None, 10):
            t = 300 if tolerance is None else tolerance
            extra = () if tolerance is None else ("--tolerance", str(tolerance))
            with self.subTest(tolerance=t):
                self.assert_valid("spec", self.spec_raw, *extra, at=iso(SPEC_TS + t))
                self.assert_valid("spec", self.spec_raw, *extra, at=iso(SPEC_TS - t))
                self.assert_invalid("spec", self.spec_raw, "webhook-timestamp is %d s behind this clock, outside the "
                                    "tolerance of %d s" % (t + 1, t), *extra, at=iso(SPEC_TS + t + 1))
                self.assert_invalid("spec", self.spec_raw, "webhook-timestamp is %d s ahead of this clock, outside "
                                    "the tolerance of %d s" % (t + 1, t), *extra, at=iso(SPEC_TS - t - 1))
        self.assert_valid("spec", self.spec_raw, "--tolerance", "0", at=SPEC_AT)
        self.assert_invalid("spec", self.spec_raw, "webhook-timestamp is 1 s behind this clock, outside the "
                            "tolerance of 0 s", "--tolerance", "0", at=iso(SPEC_TS + 1))

    def test_each_missing_header(self):
        for name in ("webhook-id", "webhook-timestamp", "webhook-signature"):
            with self.subTest(name):
                raw = raw_request(spec_headers(**{name: None}), SPEC_BODY)
                self.assert_invalid("spec", raw, "no %s header" % name, at=SPEC_AT)

    def test_header_names_are_case_insensitive(self):
        raw = raw_request([("Webhook-Id", SPEC_ID), ("WEBHOOK-TIMESTAMP", str(SPEC_TS)),
                           ("Webhook-Signature", SPEC_SIGNATURE)], SPEC_BODY)
        self.assert_valid("spec", raw, at=SPEC_AT)

    def test_bad_base64(self):
        raw = raw_request(spec_headers(**{"webhook-signature": "v1,g0hM9SsE*OTPJTGt!!"}), SPEC_BODY)
        self.assert_invalid("spec", raw, "webhook-signature entry for v1 is not valid base64", at=SPEC_AT)

    def test_non_integer_timestamp(self):
        for ts in ("abc", "1614265330.5", "", "-1614265330", "0x603..."):
            with self.subTest(ts=ts):
                raw = raw_request(spec_headers(**{"webhook-timestamp": ts}), SPEC_BODY)
                self.assert_invalid("spec", raw, "webhook-timestamp '%s' is not a Unix timestamp" % ts, at=SPEC_AT)
        # not even --tolerance none lets a malformed timestamp through
        raw = raw_request(spec_headers(**{"webhook-timestamp": "soon"}), SPEC_BODY)
        self.assert_invalid("spec", raw, "webhook-timestamp 'soon' is not a Unix timestamp", "--tolerance", "none")

    def test_entry_without_a_comma(self):
        raw = raw_request(spec_headers(**{"webhook-signature": "v1abc"}), SPEC_BODY)
        self.assert_invalid("spec", raw, "webhook-signature entry 'v1abc' has no ',' (expected v1,BASE64)",
                            at=SPEC_AT)

    def test_changed_body(self):
        raw = raw_request(spec_headers(), b'{"test": 2432232315}')
        self.assert_invalid("spec", raw, "no webhook-signature matches: " + MISMATCH, at=SPEC_AT)
        raw = raw_request(spec_headers(), SPEC_BODY + b"\n")
        self.assert_invalid("spec", raw, "no webhook-signature matches: " + MISMATCH, at=SPEC_AT)

    def test_changed_id_or_timestamp(self):
        raw = raw_request(spec_headers(**{"webhook-id": SPEC_ID + "x"}), SPEC_BODY)
        self.assert_invalid("spec", raw, "no webhook-signature matches: " + MISMATCH, at=SPEC_AT)
        raw = raw_request(spec_headers(**{"webhook-timestamp": str(SPEC_TS + 1)}), SPEC_BODY)
        self.assert_invalid("spec", raw, "no webhook-signature matches: " + MISMATCH, at=SPEC_AT)

    def test_wrong_secret(self):
        self.add_sig("other", "standard-webhooks", whsec(os.urandom(32)))
        self.assert_invalid("other", self.spec_raw, "no webhook-signature matches: " + MISMATCH, at=SPEC_AT)

    def test_rotation_several_signatures_only_the_second_matches(self):
        other = std_v1(os.urandom(32), SPEC_ID, SPEC_TS, SPEC_BODY)
        raw = raw_request(spec_headers(**{"webhook-signature": other + " " + SPEC_SIGNATURE}), SPEC_BODY)
        self.assert_valid("spec", raw, at=SPEC_AT)
        # and a verifier holding the new and the old secret accepts a message signed with the old one
        self.add_sig("rotating", "standard-webhooks", whsec(os.urandom(32)) + " " + SPEC_SECRET)
        self.assert_valid("rotating", self.spec_raw, at=SPEC_AT)
        # none of several matching is still a mismatch
        raw = raw_request(spec_headers(**{"webhook-signature": other + " " + other}), SPEC_BODY)
        self.assert_invalid("spec", raw, "no webhook-signature matches: " + MISMATCH, at=SPEC_AT)

    def test_two_secrets_send_two_entries(self):
        k1, k2 = os.urandom(32), os.urandom(24)
        self.add_sig("two", "standard-webhooks", whsec(k1) + " " + whsec(k2))
        receiver = self.capture()
        req = self.send_captured(receiver, "two", ODD_BODY)
        msg_id, ts = one(req, "webhook-id"), one(req, "webhook-timestamp")
        entries = one(req, "webhook-signature").split(" ")
        self.assertEqual(entries, [std_v1(k1, msg_id, ts, ODD_BODY), std_v1(k2, msg_id, ts, ODD_BODY)])
        # a receiver that knows only the second secret accepts it
        self.add_sig("second-only", "standard-webhooks", whsec(k2))
        self.assert_valid("second-only", req["raw"])


class CrossChecks(SignatureTest):
    """What webhook send puts on the wire, recomputed in Python from the captured raw request."""

    def setUp(self):
        super().setUp()
        self.receiver = self.capture()

    def assert_recent(self, ts):
        self.assertRegex(ts, r"^\d+$")
        self.assertLessEqual(abs(int(ts) - time.time()), 10)

    def test_standard_webhooks_v1(self):
        key = os.urandom(32)
        self.add_sig("sw", "standard-webhooks", whsec(key))
        ids = []
        for _ in range(2):
            req = self.send_captured(self.receiver, "sw", ODD_BODY)
            msg_id, ts = one(req, "webhook-id"), one(req, "webhook-timestamp")
            self.assertRegex(msg_id, MSG_ID)
            self.assert_recent(ts)
            self.assertEqual(one(req, "webhook-signature"), std_v1(key, msg_id, ts, ODD_BODY))
            self.assert_valid("sw", req["raw"])
            ids.append(msg_id)
        self.assertNotEqual(ids[0], ids[1], "a fresh id per message without --id")
        req = self.send_captured(self.receiver, "sw", ODD_BODY, "--id", "evt_42-abc", at="2024-03-01T10:00:00Z")
        self.assertEqual(one(req, "webhook-id"), "evt_42-abc")
        self.assertEqual(one(req, "webhook-timestamp"), "1709287200")
        self.assertEqual(one(req, "webhook-signature"), std_v1(key, "evt_42-abc", 1709287200, ODD_BODY))

    def test_standard_webhooks_same_id_on_retries(self):
        key = os.urandom(32)
        self.add_sig("sw", "standard-webhooks", whsec(key))
        receiver = self.capture("--status", "503,200", "--retry-after", "0")
        body_file = os.path.join(self.tmp, "retry-body.json")
        with open(body_file, "wb") as f:
            f.write(ODD_BODY)
        self.ok("webhook", "send", "--auth", "sw", "--retries", "2", "-d", "@" + body_file, receiver.url + "/r")
        reqs = receiver.requests()
        self.assertEqual(len(reqs), 2)
        self.assertEqual(one(reqs[0], "webhook-id"), one(reqs[1], "webhook-id"))
        for req in reqs:
            self.assertEqual(one(req, "webhook-signature"),
                             std_v1(key, one(req, "webhook-id"), one(req, "webhook-timestamp"), ODD_BODY))

    def test_github(self):
        secret = "gh-" + b64e(os.urandom(18))
        self.add_sig("gh", "github", secret)
        req = self.send_captured(self.receiver, "gh", ODD_BODY)
        expected = "sha256=" + hmac.new(secret.encode(), ODD_BODY, hashlib.sha256).hexdigest()
        self.assertEqual(one(req, "X-Hub-Signature-256"), expected)
        self.assertEqual(harness.Capture.header(req, "webhook-signature"), [])
        self.assert_valid("gh", req["raw"])

    def test_stripe_two_secrets(self):
        s1, s2 = "whsec_" + b64e(os.urandom(24)), "whsec_" + b64e(os.urandom(24))
        # Several secrets of a scheme whose secrets may hold spaces: one per line, here in a file.
        secrets_file = os.path.join(self.tmp, "stripe-secrets")
        with open(secrets_file, "w") as f:
            f.write(s1 + "\n" + s2 + "\n")
        self.add_sig("st", "stripe", "file:" + secrets_file)
        req = self.send_captured(self.receiver, "st", ODD_BODY)
        value = one(req, "Stripe-Signature")
        m = re.fullmatch(r"t=(\d+),v1=([0-9a-f]{64}),v1=([0-9a-f]{64})", value)
        self.assertIsNotNone(m, value)
        ts = m.group(1)
        self.assert_recent(ts)
        signed = ts.encode() + b"." + ODD_BODY
        self.assertEqual([m.group(2), m.group(3)],
                         [hmac.new(s.encode(), signed, hashlib.sha256).hexdigest() for s in (s1, s2)])
        self.assert_valid("st", req["raw"])
        self.add_sig("st-old", "stripe", s2)
        self.assert_valid("st-old", req["raw"])
        req = self.send_captured(self.receiver, "st", ODD_BODY, at="2024-03-01T10:00:00Z")
        self.assertTrue(one(req, "Stripe-Signature").startswith("t=1709287200,v1="), req["headers"])

    def test_hmac_sha512_base64_prefix_template(self):
        secret = "partner-" + b64e(os.urandom(15))
        self.add_sig("custom", "hmac", secret, "--signature-header", "X-Partner-Signature",
                     "--signature-algorithm", "sha512", "--signature-encoding", "base64",
                     "--signature-prefix", "v0=", "--signed-content", "{timestamp}.{id}.{body}",
                     "--timestamp-header", "X-Partner-Time", "--id-header", "X-Partner-Delivery")
        ids = []
        for extra in ((), (), ("--id", "delivery-77")):
            req = self.send_captured(self.receiver, "custom", ODD_BODY, *extra)
            ts, msg_id = one(req, "X-Partner-Time"), one(req, "X-Partner-Delivery")
            self.assert_recent(ts)
            if extra:
                self.assertEqual(msg_id, "delivery-77")
            ids.append(msg_id)
            content = ("%s.%s." % (ts, msg_id)).encode() + ODD_BODY
            expected = "v0=" + b64e(hmac.new(secret.encode(), content, hashlib.sha512).digest())
            self.assertEqual(one(req, "X-Partner-Signature"), expected)
            self.assertEqual(harness.Capture.header(req, "X-Signature"), [])
            self.assert_valid("custom", req["raw"])
        self.assertEqual(len(set(ids)), 3, ids)

    def test_hmac_defaults_sha256_hex_over_the_body(self):
        secret = "plain-" + b64e(os.urandom(15))
        self.add_sig("plain", "hmac", secret)
        req = self.send_captured(self.receiver, "plain", ODD_BODY)
        self.assertEqual(one(req, "X-Signature"), hmac.new(secret.encode(), ODD_BODY, hashlib.sha256).hexdigest())
        # the body alone is signed: no timestamp or id header is sent
        self.assertEqual(harness.Capture.header(req, "X-Webhook-Timestamp"), [])
        self.assertEqual(harness.Capture.header(req, "X-Webhook-Id"), [])
        self.assert_valid("plain", req["raw"])
        self.assert_invalid("plain", replace_body(req["raw"], ODD_BODY + b" "), "X-Signature does not match: " +
                            MISMATCH)


class StripeAndHmacChecks(SignatureTest):
    """Hand-written Stripe and generic hmac requests, signed in Python, checked by verify."""

    def stripe_header(self, secret, ts, body, extra=""):
        return "t=%d,v1=%s%s" % (ts, hmac.new(secret.encode(), b"%d." % ts + body, hashlib.sha256).hexdigest(), extra)

    def test_stripe(self):
        secret = "whsec_" + b64e(os.urandom(24))
        self.add_sig("st", "stripe", secret)
        ts, body = 1709287200, ODD_BODY
        at = iso(ts)
        good = self.stripe_header(secret, ts, body)
        self.assert_valid("st", raw_request([("Stripe-Signature", good)], body), at=at)
        # Stripe's own form with a v0 entry and a second, unknown v1: any matching v1 is enough
        other = "%064x" % 7
        self.assert_valid("st", raw_request([("Stripe-Signature", "t=%d,v1=%s,v1=%s,v0=%s" %
                                              (ts, other, good.split("v1=")[1], other))], body), at=at)
        self.assert_valid("st", raw_request([("Stripe-Signature", good)], body), at=iso(ts + 300))
        self.assert_invalid("st", raw_request([("Stripe-Signature", good)], body),
                            "Stripe-Signature t is 301 s behind this clock, outside the tolerance of 300 s",
                            at=iso(ts + 301))
        self.assert_invalid("st", raw_request([("Stripe-Signature", good)], body + b"x"),
                            "no Stripe-Signature v1 matches: " + MISMATCH, at=at)
        self.assert_invalid("st", raw_request([("Stripe-Signature", good.split(",", 1)[1])], body),
                            "Stripe-Signature has no t= timestamp", at=at)
        self.assert_invalid("st", raw_request([], body), "no Stripe-Signature header", at=at)
        # the timestamp is signed: moving t breaks the signature
        moved = good.replace("t=%d" % ts, "t=%d" % (ts + 1))
        self.assert_invalid("st", raw_request([("Stripe-Signature", moved)], body),
                            "no Stripe-Signature v1 matches: " + MISMATCH, at=at)

    def test_hmac_with_timestamp(self):
        secret = "tmpl-" + b64e(os.urandom(12))
        self.add_sig("ht", "hmac", secret, "--signed-content", "{timestamp}:{body}")
        ts, body = 1709287200, ODD_BODY
        sig = hmac.new(secret.encode(), b"%d:" % ts + body, hashlib.sha256).hexdigest()
        headers = [("X-Webhook-Timestamp", str(ts)), ("X-Signature", sig)]
        self.assert_valid("ht", raw_request(headers, body), at=iso(ts))
        self.assert_invalid("ht", raw_request(headers, body), "X-Webhook-Timestamp is 400 s ahead of this clock, "
                            "outside the tolerance of 300 s", at=iso(ts - 400))
        self.assert_valid("ht", raw_request(headers, body), "--tolerance", "none", at=iso(ts - 400))
        self.assert_invalid("ht", raw_request(headers[1:], body), "no X-Webhook-Timestamp header", at=iso(ts))
        self.assert_invalid("ht", raw_request([("X-Webhook-Timestamp", "12:00"), headers[1]], body),
                            "X-Webhook-Timestamp '12:00' is not a Unix timestamp", at=iso(ts))

    def test_hmac_id_is_inserted_literally(self):
        # The template is expanded once: an id that contains "{body}" is signed as those six characters,
        # as a partner computing f"{ts}.{id}.{body}" would sign it.
        secret = "lit-" + b64e(os.urandom(12))
        self.add_sig("lit", "hmac", secret, "--signed-content", "{timestamp}.{id}.{body}")
        receiver = self.capture()
        req = self.send_captured(receiver, "lit", b'{"a":1}', "--id", "evt-{body}", at="2024-03-01T10:00:00Z")
        self.assertEqual(one(req, "X-Webhook-Id"), "evt-{body}")
        expected = hmac.new(secret.encode(), b'1709287200.evt-{body}.{"a":1}', hashlib.sha256).hexdigest()
        self.assertEqual(one(req, "X-Signature"), expected)

    def test_chunked_body_is_signed_as_decoded(self):
        self.add_sig("spec", "standard-webhooks", SPEC_SECRET)
        head = "POST /hook HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n" + \
            "".join("%s: %s\r\n" % h for h in spec_headers()) + "\r\n"
        chunks = b"b\r\n" + SPEC_BODY[:11] + b"\r\n9\r\n" + SPEC_BODY[11:] + b"\r\n0\r\n\r\n"
        self.assert_valid("spec", head.encode() + chunks, at=SPEC_AT)


class Ed25519(SignatureTest):
    """Standard Webhooks v1a: whsk_ signs, whpk_ only verifies; keys made here with python3-cryptography."""

    def setUp(self):
        super().setUp()
        self.private = Ed25519PrivateKey.generate()
        self.seed = self.private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                               serialization.NoEncryption())
        self.public = self.private.public_key().public_bytes(serialization.Encoding.Raw,
                                                             serialization.PublicFormat.Raw)

    def content(self, msg_id, ts, body):
        return ("%s.%s." % (msg_id, ts)).encode() + body

    def test_hookauth_signs_python_verifies(self):
        self.add_sig("ed-send", "standard-webhooks", "whsk_" + b64e(self.seed))
        receiver = self.capture()
        req = self.send_captured(receiver, "ed-send", ODD_BODY)
        msg_id, ts, sig = one(req, "webhook-id"), one(req, "webhook-timestamp"), one(req, "webhook-signature")
        self.assertTrue(sig.startswith("v1a,"), sig)
        raw_sig = base64.b64decode(sig[4:], validate=True)
        self.assertEqual(len(raw_sig), 64)
        Ed25519PublicKey.from_public_bytes(self.public).verify(raw_sig, self.content(msg_id, ts, ODD_BODY))
        # Ed25519 is deterministic: Python's own signature over the same content is the same bytes
        self.assertEqual(raw_sig, self.private.sign(self.content(msg_id, ts, ODD_BODY)))
        # the 64-byte seed||public form of the key signs the same
        self.add_sig("ed-send64", "standard-webhooks", "whsk_" + b64e(self.seed + self.public))
        r = self.ok("webhook", "send", "--auth", "ed-send64", "--dry-run", "--id", msg_id, "--at", iso(int(ts)),
                    "-d", "@" + self.save(ODD_BODY), "http://127.0.0.1:9/")
        self.assertIn("webhook-signature: " + sig, r.out)
        # and the captured request verifies with the public key, and with the private key
        self.add_sig("ed-pub", "standard-webhooks", "whpk_" + b64e(self.public))
        self.assert_valid("ed-pub", req["raw"])
        self.assert_valid("ed-send", req["raw"])

    def test_python_signs_hookauth_verifies(self):
        self.add_sig("ed-pub", "standard-webhooks", "whpk_" + b64e(self.public))
        msg_id, ts = "msg_ed25519python", int(time.time())
        sig = "v1a," + b64e(self.private.sign(self.content(msg_id, ts, ODD_BODY)))
        headers = [("webhook-id", msg_id), ("webhook-timestamp", str(ts)), ("webhook-signature", sig)]
        self.assert_valid("ed-pub", raw_request(headers, ODD_BODY))
        self.assert_invalid("ed-pub", raw_request(headers, ODD_BODY + b"x"), "no webhook-signature matches: " +
                            MISMATCH)
        other = Ed25519PrivateKey.generate().sign(self.content(msg_id, ts, ODD_BODY))
        headers[2] = ("webhook-signature", "v1a," + b64e(other))
        self.assert_invalid("ed-pub", raw_request(headers, ODD_BODY), "no webhook-signature matches: " + MISMATCH)
        # a v1 HMAC entry is never checked against an Ed25519 key, a v1a one never against an HMAC key
        headers[2] = ("webhook-signature", "v1a," + b64e(other) + " " + sig)
        self.assert_valid("ed-pub", raw_request(headers, ODD_BODY))

    def test_public_key_cannot_send(self):
        self.add_sig("ed-pub", "standard-webhooks", "whpk_" + b64e(self.public))
        receiver = self.capture()
        r = self.hookauth("webhook", "send", "--auth", "ed-pub", "-d", "{}", receiver.url + "/")
        self.assert_one_error_line(r, 2)
        self.assertIn("whpk_", r.err)
        self.assertNotIn(b64e(self.public), r.err)
        self.assertEqual(receiver.requests(), [])


class GitHubExample(SignatureTest):
    def setUp(self):
        super().setUp()
        self.fixture(lambda: self.add_sig("gh", "github", GITHUB_SECRET))

    def test_documented_example_is_sent(self):
        r = self.ok("webhook", "send", "--auth", "gh", "--dry-run", "-d", GITHUB_BODY, "http://127.0.0.1:9/gh")
        self.assertIn("X-Hub-Signature-256: " + GITHUB_SIGNATURE, r.out.splitlines())
        receiver = self.capture()
        req = self.send_captured(receiver, "gh", GITHUB_BODY.encode())
        self.assertEqual(one(req, "X-Hub-Signature-256"), GITHUB_SIGNATURE)

    def test_documented_example_verifies(self):
        body = GITHUB_BODY.encode()
        self.assert_valid("gh", raw_request([("X-Hub-Signature-256", GITHUB_SIGNATURE)], body))
        # GitHub has no timestamp: any clock accepts it
        self.assert_valid("gh", raw_request([("X-Hub-Signature-256", GITHUB_SIGNATURE)], body),
                          at="2001-01-01T00:00:00Z")
        self.assert_invalid("gh", raw_request([("X-Hub-Signature-256", GITHUB_SIGNATURE)], b"Hello, World?"),
                            "X-Hub-Signature-256 does not match: " + MISMATCH)

    def test_words_of_the_secret_are_not_secrets(self):
        # The documented secret has spaces; a signature made with one word of it ("a") must not pass.
        body = GITHUB_BODY.encode()
        for word in ("It's", "a", "Everybody"):
            with self.subTest(word=word):
                forged = "sha256=" + hmac.new(word.encode(), body, hashlib.sha256).hexdigest()
                self.assert_invalid("gh", raw_request([("X-Hub-Signature-256", forged)], body),
                                    "X-Hub-Signature-256 does not match: " + MISMATCH)

    def test_missing_and_malformed_header(self):
        secret = "gh-" + b64e(os.urandom(18))
        self.add_sig("gh2", "github", secret)
        body = GITHUB_BODY.encode()
        good = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        self.assert_valid("gh2", raw_request([("X-Hub-Signature-256", good)], body))
        self.assert_valid("gh2", raw_request([("X-Hub-Signature-256", good.upper().replace("SHA256=", "sha256="))],
                                             body))
        self.assert_invalid("gh2", raw_request([], body), "no X-Hub-Signature-256 header")
        for bad in ("sha256=757107ea", "sha1=" + good[7:], good[7:], good + "00"):
            with self.subTest(bad=bad):
                self.assert_invalid("gh2", raw_request([("X-Hub-Signature-256", bad)], body),
                                    "X-Hub-Signature-256 is not sha256= and 64 hex digits")
        self.add_sig("gh-wrong", "github", secret + "x")
        self.assert_invalid("gh-wrong", raw_request([("X-Hub-Signature-256", good)], body),
                            "X-Hub-Signature-256 does not match: " + MISMATCH)


class Serve(SignatureTest):
    """verify serve: each scheme end to end, replays, stacking on basic; the reasons in the JSON log."""

    def logged(self, server, n):
        return self.wait_for(lambda: len(server.stdout_json()) >= n and server.stdout_json(), what="%d log lines" % n)

    def send_to(self, server, auth, *extra):
        return self.hookauth("webhook", "send", "--auth", auth, "-d", "@" + self.save(ODD_BODY), server.url + "/in",
                             *extra)

    def profiles(self):
        ed = Ed25519PrivateKey.generate().private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                                        serialization.NoEncryption())
        self.add_sig("p-std", "standard-webhooks", whsec(os.urandom(32)))
        self.add_sig("p-ed", "standard-webhooks", "whsk_" + b64e(ed))
        self.add_sig("p-gh", "github", "gh-secret-" + b64e(os.urandom(9)))
        self.add_sig("p-stripe", "stripe", "whsec_" + b64e(os.urandom(24)))
        self.add_sig("p-hmac", "hmac", "hm-" + b64e(os.urandom(12)), "--signed-content", "{id}:{timestamp}:{body}",
                     "--signature-algorithm", "sha512")
        return ["p-std", "p-ed", "p-gh", "p-stripe", "p-hmac"]

    def test_each_scheme_end_to_end(self):
        for auth in self.profiles():
            with self.subTest(auth):
                s = self.serve(auth)
                self.assertEqual(self.send_to(s, auth).rc, 0)
                # a message whose body was changed on the way
                receiver = self.capture()
                req = self.send_captured(receiver, auth, ODD_BODY)
                status, headers, _ = send_raw(s.port, replace_body(req["raw"], ODD_BODY.replace(b"caf", b"CAF")))
                self.assertEqual(status, 401)
                lines = self.logged(s, 2)
                self.assertEqual([(l["verdict"], l["status"]) for l in lines], [("valid", 200), ("invalid", 401)])
                self.assertIsNone(lines[0]["reason"])
                self.assertTrue(lines[1]["reason"].startswith("payload signature: "), lines[1])
                self.assertTrue(lines[1]["reason"].endswith(MISMATCH), lines[1])

    def test_replays_are_refused(self):
        self.profiles()
        for auth, id_header in (("p-std", "webhook-id"), ("p-ed", "webhook-id"), ("p-hmac", "X-Webhook-Id")):
            with self.subTest(auth):
                s = self.serve(auth)
                receiver = self.capture()
                req = self.send_captured(receiver, auth, ODD_BODY)
                msg_id = one(req, id_header)
                # a forged copy first: refused, and it must not use up the id
                if auth == "p-hmac":
                    forged = replace_header(req["raw"], "X-Signature", "00" * 64)
                elif auth == "p-ed":
                    forged = replace_header(req["raw"], "webhook-signature", "v1a," + b64e(os.urandom(64)))
                else:
                    forged = replace_header(req["raw"], "webhook-signature", std_v1(os.urandom(32), msg_id, 1, b""))
                self.assertEqual(send_raw(s.port, forged)[0], 401)
                self.assertEqual(send_raw(s.port, req["raw"])[0], 200)
                self.assertEqual(send_raw(s.port, req["raw"])[0], 401)
                lines = self.logged(s, 3)
                self.assertEqual([l["status"] for l in lines], [401, 200, 401])
                self.assertIn("matches" if auth != "p-hmac" else "does not match", lines[0]["reason"])
                self.assertEqual(lines[2]["reason"], "payload signature: message id '%s' was seen before: a replay"
                                 % msg_id)
                # hookauth sending the same --id twice: the second is a replay too
                self.assertEqual(self.send_to(s, auth, "--id", "again-1").rc, 0)
                r = self.send_to(s, auth, "--id", "again-1")
                self.assertEqual(r.rc, 1, r)
                lines = self.logged(s, 5)
                self.assertEqual(lines[4]["reason"],
                                 "payload signature: message id 'again-1' was seen before: a replay")

    def test_id_with_a_dot_cannot_replay_a_message(self):
        """Issue 19 item 11: signed for id m and body "<ts>.x", the same signature reads as id "m.<ts>" and body
        "x": a new id for the replay book. verify serve refuses an id with a '.', as the sender does."""
        key = os.urandom(32)
        self.add_sig("p-std", "standard-webhooks", whsec(key))
        s = self.serve("p-std")
        ts = str(int(time.time()))
        body = (ts + ".x").encode()
        headers = [("webhook-id", "m"), ("webhook-timestamp", ts), ("webhook-signature", std_v1(key, "m", ts, body)),
                   ("Content-Type", "text/plain")]
        self.assertEqual(send_raw(s.port, raw_request(headers, body))[0], 200)
        moved = [("webhook-id", "m." + ts)] + headers[1:]
        self.assertEqual(std_v1(key, "m." + ts, ts, b"x"), headers[2][1])  # the same signature
        self.assertEqual(send_raw(s.port, raw_request(moved, b"x"))[0], 401)
        lines = self.logged(s, 2)
        self.assertEqual([l["status"] for l in lines], [200, 401])
        self.assertEqual(lines[1]["reason"], "payload signature: webhook-id 'm.%s' is empty or holds a '.', which "
                                             "makes the signed id.timestamp.body ambiguous" % ts)
        # hookauth's sender refuses such an id too
        r = self.send_to(s, "p-std", "--id", "m.1")
        self.assert_one_error_line(r, 2)

    def test_stale_timestamp_refused_by_serve(self):
        self.add_sig("p-std", "standard-webhooks", whsec(os.urandom(32)))
        s = self.serve("p-std", "--tolerance", "60")
        r = self.send_to(s, "p-std", "--at", iso(int(time.time()) - 600))
        self.assertEqual(r.rc, 1, r)
        reason = self.logged(s, 1)[0]["reason"]
        self.assertRegex(reason, r"^payload signature: webhook-timestamp is (599|600|601) s behind this clock, "
                                 r"outside the tolerance of 60 s$")

    def test_future_dated_message_stays_a_replay_until_its_timestamp_expires(self):
        """Audit signing #1: the id of a message dated ahead of the receiver's clock is kept until the
        message's timestamp plus the tolerance, not a tolerance after it was received."""
        self.add_sig("p-std", "standard-webhooks", whsec(os.urandom(32)))
        s = self.serve("p-std", "--tolerance", "2")
        receiver = self.capture()
        ts = int(time.time()) + 2  # 2 s ahead: inside the tolerance
        req = self.send_captured(receiver, "p-std", ODD_BODY, at=iso(ts))
        received = time.time()
        self.assertEqual(send_raw(s.port, req["raw"])[0], 200)
        # more than a tolerance after receipt, while the timestamp is still inside the tolerance
        time.sleep(max(0.0, received + 2.6 - time.time()))
        self.assertLess(time.time(), ts + 3, "too slow to replay inside the timestamp's tolerance")
        self.assertEqual(send_raw(s.port, req["raw"])[0], 401)
        lines = self.logged(s, 2)
        self.assertEqual(lines[1]["reason"], "payload signature: message id '%s' was seen before: a replay"
                         % one(req, "webhook-id"))

    def test_stacked_on_basic(self):
        key = os.urandom(32)
        self.add_basic("stacked", "hooks", "pa55-word", "--signature", "standard-webhooks",
                       "--signature-secret", whsec(key))
        self.add_basic("stacked-wrong-pw", "hooks", "not-the-password", "--signature", "standard-webhooks",
                       "--signature-secret", whsec(key))
        receiver = self.capture()
        req = self.send_captured(receiver, "stacked", ODD_BODY)
        self.assertEqual(one(req, "Authorization"), "Basic " + b64e(b"hooks:pa55-word"))
        msg_id, ts = one(req, "webhook-id"), one(req, "webhook-timestamp")
        self.assertEqual(one(req, "webhook-signature"), std_v1(key, msg_id, ts, ODD_BODY))
        self.assert_valid("stacked", req["raw"])

        s = self.serve("stacked")
        self.assertEqual(self.send_to(s, "stacked").rc, 0)
        r = self.send_to(s, "stacked-wrong-pw")
        self.assertEqual(r.rc, 1, r)
        tampered = replace_header(req["raw"], "webhook-signature", std_v1(os.urandom(32), msg_id, ts, ODD_BODY))
        status, headers, _ = send_raw(s.port, tampered)
        self.assertEqual(status, 401)
        # a signature but no Authorization: the type's own check fails first
        no_auth = replace_header(req["raw"], "Authorization", "Bearer nothing")
        self.assertEqual(send_raw(s.port, no_auth)[0], 401)
        lines = self.logged(s, 4)
        self.assertEqual([l["status"] for l in lines], [200, 401, 401, 401])
        self.assertEqual(lines[1]["reason"], "wrong username or password")
        self.assertEqual(lines[2]["reason"], "payload signature: no webhook-signature matches: " + MISMATCH)
        self.assertNotEqual(lines[3]["reason"], None)
        self.assertFalse(lines[3]["reason"].startswith("payload signature"), lines[3])
        # the right password and no signature at all
        receiver2 = self.capture()
        self.add_basic("basic-only", "hooks", "pa55-word")
        plain = self.send_captured(receiver2, "basic-only", ODD_BODY)
        self.assertEqual(send_raw(s.port, plain["raw"])[0], 401)
        self.assertEqual(self.logged(s, 5)[4]["reason"], "payload signature: no webhook-id header")


class BadInput(SignatureTest):
    def test_signature_profile_needs_scheme_and_secret(self):
        r = self.hookauth("auth", "add", "s1", "--type", "signature", "--secret", "whsec_" + b64e(os.urandom(32)))
        self.assert_one_error_line(r, 2)
        r = self.hookauth("auth", "add", "s2", "--type", "signature", "--scheme", "github")
        self.assert_one_error_line(r, 2)
        r = self.hookauth("auth", "add", "s3", "--type", "signature", "--scheme", "nope", "--secret", "x")
        self.assertEqual(r.rc, 2, r)
        for name in ("s1", "s2", "s3"):
            self.assertNotEqual(self.hookauth("auth", "show", name).rc, 0, "%s was added" % name)

    def test_stacked_signature_needs_both_flags(self):
        r = self.hookauth("auth", "add", "b1", "--type", "basic", "--username", "u", "--password", "p",
                          "--signature", "standard-webhooks")
        self.assert_one_error_line(r, 2)
        r = self.hookauth("auth", "add", "b2", "--type", "basic", "--username", "u", "--password", "p",
                          "--signature-secret", "whsec_" + b64e(os.urandom(32)))
        self.assert_one_error_line(r, 2)

    def test_short_whsec_secret(self):
        short = "whsec_" + b64e(os.urandom(16))
        good = "whsec_" + b64e(os.urandom(32))
        receiver = self.capture()
        for name, secret, position in (("short1", short, "1"), ("short2", good + " " + short, "2")):
            with self.subTest(name):
                r = self.hookauth("auth", "add", name, "--type", "signature", "--scheme", "standard-webhooks",
                                  "--secret", secret)
                if r.rc == 0:  # adding may accept it; sending must not
                    r = self.hookauth("webhook", "send", "--auth", name, "-d", "{}", receiver.url + "/")
                line = self.assert_one_error_line(r, 2)
                self.assertIn("secret " + position, line)
                for part in secret.split(" "):
                    self.assertNotIn(part, r.err)
                    self.assertNotIn(part[len("whsec_"):], r.err)
                    self.assertNotIn(part, r.out)
        self.assertEqual(receiver.requests(), [])

    def test_tolerance_must_be_seconds_or_none(self):
        self.add_sig("sw", "standard-webhooks", SPEC_SECRET)
        path = self.save(raw_request(spec_headers(), SPEC_BODY))
        for bad in ("abc", "-5", "1.5", "5s"):
            with self.subTest(bad=bad):
                r = self.hookauth("verify", "--auth", "sw", "--request", path, "--tolerance", bad)
                self.assert_one_error_line(r, 2)
                self.assertEqual(r.out, "")
        r = self.hookauth("verify", "serve", "--auth", "sw", "--listen", "127.0.0.1:0", "--tolerance", "abc",
                          timeout=10)
        self.assert_one_error_line(r, 2)

    def test_empty_tolerance_is_refused(self):
        # `--tolerance ""` (an unset shell variable) is neither seconds nor none: not the default 300
        self.add_sig("sw", "standard-webhooks", SPEC_SECRET)
        r = self.hookauth("verify", "--auth", "sw", "--request", self.save(raw_request(spec_headers(), SPEC_BODY)),
                          "--tolerance", "")
        self.assert_one_error_line(r, 2)

    def test_id_needs_a_signature_and_no_dot_for_standard_webhooks(self):
        self.add_basic("plain", "u", "p")
        r = self.hookauth("webhook", "send", "--auth", "plain", "--id", "x1", "--dry-run", "-d", "{}",
                          "http://127.0.0.1:9/")
        self.assert_one_error_line(r, 2)
        self.add_sig("sw", "standard-webhooks", SPEC_SECRET)
        r = self.hookauth("webhook", "send", "--auth", "sw", "--id", "a.b", "--dry-run", "-d", "{}",
                          "http://127.0.0.1:9/")
        self.assert_one_error_line(r, 2)

    def test_secret_never_printed(self):
        secret = "gh-" + b64e(os.urandom(21))
        self.add_sig("gh", "github", secret)
        shown = self.ok("auth", "show", "gh")
        self.assertNotIn(secret, shown.out)
        r = self.ok("webhook", "send", "--auth", "gh", "--dry-run", "-v", "-d", "{}", "http://127.0.0.1:9/")
        self.assertNotIn(secret, r.out + r.err)
        self.assertIn("* signature: github", r.err)


if __name__ == "__main__":
    harness.main()
