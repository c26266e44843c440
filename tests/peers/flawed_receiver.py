#!/usr/bin/python3
"""A webhook receiver with switchable flaws, the peer for `hookauth webhook probe`'s tests (standard library only).

It verifies ONE authorization (at most one of --basic, --api-key, --bearer), and/or ONE payload signature
(--standard-webhooks or --github), and answers 200 `valid` or 401 `invalid: REASON`. Without --flaw it is
correct; each --flaw NAME (repeatable) makes it wrong in exactly one way, so one probe check fails per switch.

    /usr/bin/python3 tests/peers/flawed_receiver.py --port 0 [--host 127.0.0.1] [--log FILE]
        [--basic USER:PASSWORD | --api-key NAME:VALUE [--in header|query] | --bearer TOKEN]
        [--standard-webhooks whsec_BASE64 | --github SECRET] [--flaw NAME]...

--port 0 picks a free port; the FIRST stderr line is `listening on http://HOST:PORT`; SIGTERM/SIGINT exit 0.
--log FILE: one JSON line per request, appended as it is answered: {"method", "target", "headers": [[name,
value], ...] (as received, duplicates kept), "status", "verdict"}; the file is created empty at start-up.

Correct behaviour (checked in this order: authorization, then signature):
  --basic     RFC 7617: `Authorization: Basic base64(user:password)`, scheme name case-insensitive (RFC 9110
              11.1), user and password compared in constant time. Every 401 carries
              `WWW-Authenticate: Basic realm="x"` (RFC 9110 11.6.1).
  --api-key   the key in header NAME (name case-insensitive) or, with --in query, in query parameter NAME
              (exact name); the value compared exactly; more than one value is refused.
  --bearer    RFC 6750 2.1: `Authorization: Bearer TOKEN`, scheme case-insensitive; the query's access_token
              is not looked at. Every 401 carries `WWW-Authenticate: Bearer` (`Bearer error="invalid_token"`
              when a token was sent and is wrong).
  --standard-webhooks  Standard Webhooks v1: `webhook-id`, `webhook-timestamp` (integer seconds, at most 300 s
              from now either way), `webhook-signature` holding space-separated `vN,<base64>` entries; any one
              `v1` entry equal to base64(HMAC-SHA256(key, "id.timestamp.body")) passes, where key is the
              base64-decoded part after `whsec_`; other versions are ignored. Then a replay book: a webhook-id
              that was already ACCEPTED is refused (ids of refused requests are not recorded).
  --github    `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, body)>` (no timestamp, no replay book).

Flaws (a flaw that does not fit the configured authorization is a usage error):
  any-password          Basic: any password passes for the right user.
  any-user              Basic: any user passes with the right password.
  password-prefix       Basic: compares only min(len) characters of the password, so a prefix of the real
                        one (even the empty password) or the real one followed by more passes.
  scheme-case-strict    Basic/Bearer: the scheme name must be spelled `Basic`/`Bearer`; `basic` is refused.
  no-challenge          Basic/Bearer: 401 answers carry no WWW-Authenticate.
  key-prefix            API key: compared on the shorter of the two lengths.
  key-case-insensitive  API key: value compared case-insensitively.
  key-anywhere          API key: also accepted in the other place (the query for --in header, a header for
                        --in query).
  missing-key-ok        API key: a request with the key neither in a header nor in the query passes (a
                        wrong key, or the key only in the other place, is still refused).
  token-anywhere        Bearer: also accepts `access_token=TOKEN` in the query.
  token-prefix          Bearer: compared on the shorter of the two lengths.
  signature-optional    Signatures: a request without the signature header (`webhook-signature` or
                        `X-Hub-Signature-256`) passes; one with a wrong signature is still refused.
  no-tolerance          Standard Webhooks: the timestamp is never checked against the clock (nor parsed).
  no-replay-book        Standard Webhooks: a webhook-id already accepted is accepted again.
  first-signature-only  Standard Webhooks: only the first entry of webhook-signature is checked.
  timestamp-unsigned    Standard Webhooks: the timestamp header is not bound by the signature: it passes when
                        it matches "id.T.body" for ANY integer T within 300 s of now (the header's own
                        timestamp is still checked against the clock), so a changed timestamp passes.
  any-version           Standard Webhooks: `v2,` (any `vN,`) entries are checked as if they were `v1,`.
  body-unchecked        Signatures: the body is not bound by the signature: it passes when it matches the
                        signed content built with ANY body this receiver has received before (or this one),
                        so a request whose body was changed after signing passes once the original body was
                        seen (the probe's baseline). The id, timestamp and secret are still checked.
"""

import argparse
import base64
import binascii
import hashlib
import hmac
import http.server
import json
import signal
import sys
import threading
import time
import urllib.parse

TOLERANCE = 300

# The flaws and the options each one needs (any of them).
FLAWS = {
    "any-password": ("basic",),
    "any-user": ("basic",),
    "password-prefix": ("basic",),
    "scheme-case-strict": ("basic", "bearer"),
    "no-challenge": ("basic", "bearer"),
    "key-prefix": ("api_key",),
    "key-case-insensitive": ("api_key",),
    "key-anywhere": ("api_key",),
    "missing-key-ok": ("api_key",),
    "token-anywhere": ("bearer",),
    "token-prefix": ("bearer",),
    "signature-optional": ("standard_webhooks", "github"),
    "no-tolerance": ("standard_webhooks",),
    "no-replay-book": ("standard_webhooks",),
    "first-signature-only": ("standard_webhooks",),
    "timestamp-unsigned": ("standard_webhooks",),
    "any-version": ("standard_webhooks",),
    "body-unchecked": ("standard_webhooks", "github"),
}


class Refused(Exception):
    """A verdict of 401 with this reason; sent_token marks a Bearer token that was sent but is wrong."""

    def __init__(self, reason, sent_token=False):
        super().__init__(reason)
        self.reason = reason
        self.sent_token = sent_token


def same(given, real, prefix_only=False):
    """Constant-time equality of two byte strings; prefix_only compares only the first min(len) bytes (a flaw)."""
    if prefix_only:
        n = min(len(given), len(real))
        given, real = given[:n], real[:n]
    return hmac.compare_digest(given, real)


class Receiver:
    def __init__(self, args):
        self.args = args
        self.flaws = set(args.flaw or [])
        self.lock = threading.Lock()
        self.replay_book = set()
        self.bodies = []  # every body received, for the body-unchecked flaw
        if args.standard_webhooks:
            self.swh_key = base64.b64decode(args.standard_webhooks[len("whsec_"):], validate=True)

    def challenge(self, sent_token=False):
        """The WWW-Authenticate value for a 401, or None."""
        if "no-challenge" in self.flaws:
            return None
        if self.args.basic:
            return 'Basic realm="x"'
        if self.args.bearer:
            return 'Bearer error="invalid_token"' if sent_token else "Bearer"
        return None

    def verify(self, target, headers, body):
        """Returns None when the request passes; raises Refused otherwise."""
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(target).query, keep_blank_values=True)
        if self.args.basic:
            self.check_basic(headers)
        elif self.args.api_key:
            self.check_api_key(headers, query)
        elif self.args.bearer:
            self.check_bearer(headers, query)
        if self.args.standard_webhooks:
            self.check_standard_webhooks(headers, body)
        elif self.args.github:
            self.check_github(headers, body)

    def authorization(self, headers, scheme):
        """The credentials after `scheme ` in the one Authorization header, or None when there is none."""
        values = headers.get_all("Authorization") or []
        if not values:
            return None
        if len(values) > 1:
            raise Refused("several Authorization headers")
        name, _, rest = values[0].strip().partition(" ")
        matches = name == scheme if "scheme-case-strict" in self.flaws else name.lower() == scheme.lower()
        if not matches:
            raise Refused("not the %s scheme" % scheme)
        return rest.strip()

    def check_basic(self, headers):
        """RFC 7617 section 2: base64 of user-id ':' password, UTF-8."""
        credentials = self.authorization(headers, "Basic")
        if credentials is None:
            raise Refused("no credentials")
        try:
            user, colon, password = base64.b64decode(credentials, validate=True).partition(b":")
        except binascii.Error:
            raise Refused("malformed Basic credentials")
        if not colon:
            raise Refused("no colon in Basic credentials")
        real_user, _, real_password = self.args.basic.encode().partition(b":")
        if "any-user" not in self.flaws and not same(user, real_user):
            raise Refused("wrong user")
        if "any-password" not in self.flaws and not same(password, real_password,
                                                         "password-prefix" in self.flaws):
            raise Refused("wrong password")

    def check_api_key(self, headers, query):
        name, _, real = self.args.api_key.partition(":")
        from_header = headers.get_all(name) or []
        from_query = query.get(name, [])
        places = [from_query if self.args.key_in == "query" else from_header]
        if "key-anywhere" in self.flaws:
            places.append(from_header if self.args.key_in == "query" else from_query)
        found = [values for values in places if values]
        if not found:
            if "missing-key-ok" in self.flaws and not from_header and not from_query:
                return
            raise Refused("no key")
        if len(found[0]) > 1:
            raise Refused("several keys")
        given = found[0][0]
        if "key-case-insensitive" in self.flaws:
            given, real = given.lower(), real.lower()
        if not same(given.encode(), real.encode(), "key-prefix" in self.flaws):
            raise Refused("wrong key")

    def check_bearer(self, headers, query):
        """RFC 6750 section 2.1 (section 2.3, the query, only with the token-anywhere flaw)."""
        token = self.authorization(headers, "Bearer")
        if token is None and "token-anywhere" in self.flaws and query.get("access_token"):
            token = query["access_token"][0]
        if token is None:
            raise Refused("no token")
        if not same(token.encode(), self.args.bearer.encode(), "token-prefix" in self.flaws):
            raise Refused("wrong token", sent_token=True)

    def bodies_to_try(self, body):
        """The body the signature must cover: this one, or with body-unchecked any body seen so far."""
        if "body-unchecked" not in self.flaws:
            return [body]
        with self.lock:
            return [body] + [b for b in self.bodies if b != body]

    def check_standard_webhooks(self, headers, body):
        msg_id, stamp, signatures = (headers.get(h) for h in ("webhook-id", "webhook-timestamp",
                                                               "webhook-signature"))
        if signatures is None and "signature-optional" in self.flaws:
            return
        if msg_id is None or stamp is None or signatures is None:
            raise Refused("missing webhook-id, webhook-timestamp or webhook-signature")
        now = int(time.time())
        if "no-tolerance" not in self.flaws:
            if not stamp.isascii() or not stamp.isdigit():
                raise Refused("malformed webhook-timestamp")
            if abs(now - int(stamp)) > TOLERANCE:
                raise Refused("timestamp outside tolerance")
        entries = signatures.split()
        if "first-signature-only" in self.flaws:
            entries = entries[:1]
        given = []
        for entry in entries:
            version, comma, value = entry.partition(",")
            if not comma or (version != "v1" and not ("any-version" in self.flaws and version[:1] == "v")):
                continue
            try:
                given.append(base64.b64decode(value, validate=True))
            except binascii.Error:
                continue
        stamps = [stamp]
        if "timestamp-unsigned" in self.flaws:
            stamps += [str(t) for t in range(now - TOLERANCE, now + TOLERANCE + 1)]
        if not self.any_matches(given, [(msg_id + "." + t + ".").encode() for t in stamps], body):
            raise Refused("no matching v1 signature")
        with self.lock:
            if msg_id in self.replay_book and "no-replay-book" not in self.flaws:
                raise Refused("replayed webhook-id")
            self.replay_book.add(msg_id)

    def any_matches(self, given, prefixes, body):
        for b in self.bodies_to_try(body):
            for prefix in prefixes:
                expected = hmac.new(self.swh_key, prefix + b, hashlib.sha256).digest()
                if any(hmac.compare_digest(g, expected) for g in given):
                    return True
        return False

    def check_github(self, headers, body):
        given = headers.get("X-Hub-Signature-256")
        if given is None:
            if "signature-optional" in self.flaws:
                return
            raise Refused("no X-Hub-Signature-256")
        for b in self.bodies_to_try(body):
            expected = "sha256=" + hmac.new(self.args.github.encode(), b, hashlib.sha256).hexdigest()
            if hmac.compare_digest(given.encode(), expected.encode()):
                return
        raise Refused("wrong X-Hub-Signature-256")

    def remember(self, body):
        with self.lock:
            if body not in self.bodies and len(self.bodies) < 1000:
                self.bodies.append(body)

    def log(self, entry):
        if self.args.log:
            with self.lock, open(self.args.log, "a", encoding="utf-8") as f:
                f.write(json.dumps(entry) + "\n")


def make_handler(receiver):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "flawed-receiver/1"

        def log_message(self, *args):
            pass

        def read_body(self):
            if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                body = bytearray()
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                    if size == 0:
                        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                            pass
                        return bytes(body)
                    body += self.rfile.read(size)
                    self.rfile.readline()
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def handle_any(self):
            body = self.read_body()
            headers = {}
            try:
                receiver.verify(self.path, self.headers, body)
                status, verdict = 200, "valid"
            except Refused as refused:
                status, verdict = 401, "invalid: " + refused.reason
                challenge = receiver.challenge(refused.sent_token)
                if challenge:
                    headers["WWW-Authenticate"] = challenge
            receiver.remember(body)
            receiver.log({"method": self.command, "target": self.path,
                          "headers": [[k, v] for k, v in self.headers.items()],
                          "status": status, "verdict": verdict})
            payload = (verdict + "\n").encode()
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = handle_any

    return Handler


def parse_args():
    parser = argparse.ArgumentParser(description="a webhook receiver with switchable flaws")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log", help="append one JSON line per request to this file")
    parser.add_argument("--basic", metavar="USER:PASSWORD")
    parser.add_argument("--api-key", metavar="NAME:VALUE")
    parser.add_argument("--in", dest="key_in", choices=("header", "query"), help="where the API key goes")
    parser.add_argument("--bearer", metavar="TOKEN")
    parser.add_argument("--standard-webhooks", metavar="whsec_BASE64")
    parser.add_argument("--github", metavar="SECRET")
    parser.add_argument("--flaw", action="append", choices=sorted(FLAWS), help="one flaw; repeatable")
    args = parser.parse_args()
    auths = [a for a in ("basic", "api_key", "bearer") if getattr(args, a)]
    signatures = [s for s in ("standard_webhooks", "github") if getattr(args, s)]
    if len(auths) > 1 or len(signatures) > 1 or not auths + signatures:
        parser.error("give at most one of --basic, --api-key, --bearer and at most one of "
                     "--standard-webhooks, --github (at least one in all)")
    if args.basic and ":" not in args.basic or args.api_key and ":" not in args.api_key:
        parser.error("--basic takes USER:PASSWORD and --api-key NAME:VALUE")
    if args.key_in and not args.api_key:
        parser.error("--in goes with --api-key")
    args.key_in = args.key_in or "header"
    if args.standard_webhooks:
        try:
            if not args.standard_webhooks.startswith("whsec_"):
                raise binascii.Error
            base64.b64decode(args.standard_webhooks[len("whsec_"):], validate=True)
        except binascii.Error:
            parser.error("--standard-webhooks takes whsec_ followed by base64")
    for flaw in args.flaw or []:
        if not any(getattr(args, option) for option in FLAWS[flaw]):
            parser.error("--flaw %s needs --%s" % (flaw, " or --".join(o.replace("_", "-") for o in FLAWS[flaw])))
    return args


def main():
    args = parse_args()
    if args.log:
        open(args.log, "w").close()
    server = http.server.ThreadingHTTPServer((args.host, args.port), make_handler(Receiver(args)))
    server.daemon_threads = True

    def stop(signum, frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    host, port = server.server_address[:2]
    print("listening on http://%s:%d" % (host, port), file=sys.stderr, flush=True)
    server.serve_forever(poll_interval=0.1)
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
