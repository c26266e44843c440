"""The credential-leak matrix (issue #9): no Authorization, API key, bearer token, Digest answer, SigV4
signature or payload signature reaches a place it was not meant for.

For every authorization type, `webhook send -L` is redirected (301, 302, 303, 307, 308) to the same
origin (where the credentials must be: the control that proves the checks can see them), another port,
another loopback address, another host name for the same server, https -> http and http -> https (on
another port, and on the same host and port: tests/peers/capture.py serves TLS and plain HTTP on one
port). Every receiver stores the raw bytes of what it got; the foreign ones are searched for header
and parameter names and for every secret value (literally, base64- and percent-encoded), and for the
values the origin actually received (the Authorization value, the signature, the token). Also: a 401
from a foreign origin is not answered (Digest, OAuth refresh), a token endpoint's redirect is not
followed, a kept-alive connection and sequential sends each carry only their own credentials, and
batches (`--data-lines`) that are redirected or that run side by side with another authorization.

The TLS certificate is made at test time with `openssl req` and passed with --cacert. Only 127.0.0.0/8.
"""

import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import test_oauth2  # noqa: E402  (its OAuthPeer drives tests/peers/oauth_server.py)
from harness import b64, Capture  # noqa: E402

BASIC_USER, BASIC_PW = "leak-basic-user-4417", "leak-basic-pw-Qx7:8812"
DIGEST_USER, DIGEST_PW = "leak-digest-user-3391", "leak-digest-pw-6604"
HKEY_NAME, HKEY = "X-Leak-Key", "leak-hkey-value/2209+="
QKEY_NAME, QKEY = "leak_qkey", "leak-qkey-value/7730&="
AKID, AWS_SECRET, AWS_TOKEN = "AKIDLEAKTEST77810000", "leak/aws+secret-key-5590", "leak-session-token-1166/+="
SIG_SECRET = "whsec_" + base64.b64encode(b"leak-matrix-signing-key-32-bytes").decode()
DIGEST_CHALLENGE = ('Digest realm="leak-realm", nonce="bGVhay1ub25jZS0xMjM0NTY3ODkw", qop="auth", '
                    'algorithm=SHA-256, opaque="leak-opaque-55"')
BODY = b'{"event": "leak.check", "n": 1}'
STATUSES = (301, 302, 303, 307, 308)


def encodings(value):
    """value as it could appear on the wire: literally, percent-encoded (two ways) and base64."""
    return {value, urllib.parse.quote(value, safe=""), urllib.parse.quote_plus(value, safe=""),
            base64.b64encode(value.encode()).decode()}


class Kind:
    """One authorization type: how to add its profile, what it must put on the origin's request, and
    every name and value that must never reach another origin."""

    def __init__(self, name, add, headers=(), query=(), values=(), send=(), header_prefixes=(), query_prefixes=()):
        self.name, self.add, self.send = name, add, tuple(send)
        self.headers = tuple(h.lower() for h in headers)  # header names it adds (all must be on the origin)
        self.query = tuple(query)  # query parameter names it adds
        self.values = tuple(values)  # secret values known in advance
        self.header_prefixes = tuple(p.lower() for p in header_prefixes)
        self.query_prefixes = tuple(p.lower() for p in query_prefixes)

    def __repr__(self):
        return self.name


def header_values(req, name):
    return Capture.header(req, name)


def query_pairs(req):
    return urllib.parse.parse_qsl(urllib.parse.urlsplit(req["target"]).query, keep_blank_values=True)


def digest_params(value):
    """The k=v parameters of a Digest (or SigV4) Authorization value, quotes removed."""
    out = {}
    for part in value.split(" ", 1)[-1].split(","):
        k, _, v = part.strip().partition("=")
        if k:
            out[k.strip().lower()] = v.strip().strip('"')
    return out


class LeakTest(harness.HookauthTest):
    """Profiles for every kind, the receivers, and the two halves of every check: the origin got the
    credentials (so the check can fail), and a foreign receiver got none of them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.classdir = tempfile.mkdtemp(prefix="hookauth-leak-")
        cls.addClassCleanup(shutil.rmtree, cls.classdir, True)
        cls.cert = os.path.join(cls.classdir, "cert.pem")
        cls.key = os.path.join(cls.classdir, "key.pem")
        p = subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                            "-nodes", "-keyout", cls.key, "-out", cls.cert, "-days", "2", "-subj", "/CN=hookauth-test",
                            "-addext", "subjectAltName=IP:127.0.0.1,IP:127.0.0.2,DNS:localhost"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        if p.returncode != 0:
            raise AssertionError("openssl req failed: %s" % p.stderr.decode())
        cls.oauth = test_oauth2.OAuthPeer()
        cls.addClassCleanup(cls.oauth.stop)
        cls.clients = 0

    @classmethod
    def shared_capture(cls, *args, host="127.0.0.1", tls=False, also_plain=True):
        """A receiver for every test of the class (each test then uses paths of its own); stopped at the end."""
        cls.shared_count = getattr(cls, "shared_count", 0) + 1
        out = os.path.join(cls.classdir, "shared-%d.json" % cls.shared_count)
        env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
        extra = list(args) + (["--host", host] if host != "127.0.0.1" else [])
        if tls:
            extra += ["--tls-cert", cls.cert, "--tls-key", cls.key] + (["--also-plain"] if also_plain else [])
        c = (TlsCapture if tls else Capture)(extra, env, out)
        cls.addClassCleanup(c.stop)
        c.url = "http://%s:%d" % (host, c.port)
        c.https = "https://%s:%d" % (host, c.port)
        return c

    def setUp(self):
        super().setUp()
        self.oauth.config(**test_oauth2.DEFAULT_CONFIG)
        self.kinds = {k.name: k for k in self.make_kinds()}

    # ---- profiles ---------------------------------------------------------------------------------

    def oauth_client(self):
        type(self).clients += 1
        client_id = "leak-client-%d" % self.clients
        secret = "leak-client-secret-%d-Zq9" % self.clients
        self.oauth.register(client_id, secret, "client_secret_post")
        return client_id, secret

    def make_kinds(self):
        t = self

        def basic(name):
            t.add_basic(name, BASIC_USER, BASIC_PW)

        def digest(name, *extra):
            t.ok("auth", "add", name, "--type", "digest", "--username", DIGEST_USER, "--password", DIGEST_PW, *extra)

        def hkey(name):
            t.add_key(name, HKEY_NAME, HKEY, "header")

        def qkey(name):
            t.add_key(name, QKEY_NAME, QKEY, "query")

        def aws(name):
            t.ok("auth", "add", name, "--type", "aws-sigv4", "--access-key", AKID, "--secret-key", AWS_SECRET,
                 "--session-token", AWS_TOKEN, "--region", "eu-west-3", "--service", "execute-api", "--content-sha256")

        client_id, client_secret = self.oauth_client()

        def oauth2(name):
            t.ok("auth", "add", name, "--type", "oauth2", "--grant", "client-credentials", "--client-id", client_id,
                 "--client-secret", client_secret, "--token-url", t.oauth.token_url)

        def signature(name):
            t.ok("auth", "add", name, "--type", "signature", "--scheme", "standard-webhooks", "--secret", SIG_SECRET)

        def stacked(name):
            t.add_key(name, HKEY_NAME, HKEY, "header", "--signature", "standard-webhooks", "--signature-secret",
                      SIG_SECRET)

        sig_headers = ("webhook-id", "webhook-timestamp", "webhook-signature")
        return [
            Kind("none", lambda name: t.add_none(name)),
            Kind("basic", basic, headers=("Authorization",),
                 values=(BASIC_USER, BASIC_PW, b64(BASIC_USER + ":" + BASIC_PW))),
            Kind("digest", digest, headers=("Authorization",), values=(DIGEST_USER, DIGEST_PW)),
            Kind("api-key-header", hkey, headers=(HKEY_NAME,), values=(HKEY_NAME, HKEY)),
            Kind("api-key-query", qkey, query=(QKEY_NAME,), values=(QKEY_NAME, QKEY)),
            Kind("aws-sigv4", aws, headers=("Authorization", "X-Amz-Date", "X-Amz-Security-Token",
                                             "X-Amz-Content-SHA256"),
                 values=(AKID, AWS_SECRET, AWS_TOKEN, "AWS4-HMAC-SHA256"), header_prefixes=("x-amz-",),
                 query_prefixes=("x-amz-",)),
            Kind("aws-sigv4-presign", aws, send=("--presign",),
                 query=("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Signature",
                        "X-Amz-Security-Token"),
                 values=(AKID, AWS_SECRET, AWS_TOKEN, "AWS4-HMAC-SHA256"), header_prefixes=("x-amz-",),
                 query_prefixes=("x-amz-",)),
            Kind("oauth2", oauth2, headers=("Authorization",), values=(client_id, client_secret)),
            Kind("signature", signature, headers=sig_headers, values=(SIG_SECRET, SIG_SECRET[len("whsec_"):])),
            Kind("stacked-signature", stacked, headers=sig_headers + (HKEY_NAME,),
                 values=(SIG_SECRET, SIG_SECRET[len("whsec_"):], HKEY_NAME, HKEY)),
        ]

    def profile(self, kind, *extra):
        """The profile for kind (added once per test, with extra flags the first time), named after it."""
        if not getattr(self, "_added", None):
            self._added = set()
        if kind.name not in self._added:
            kind.add(kind.name, *extra)
            self._added.add(kind.name)
        return kind.name

    # ---- receivers --------------------------------------------------------------------------------

    def tls_capture(self, *args, also_plain=True):
        """capture.py serving https (and, with also_plain, plain http on the same port)."""
        self._captures += 1
        out = os.path.join(self.tmp, "captured-tls-%d.json" % self._captures)
        extra = ["--tls-cert", self.cert, "--tls-key", self.key] + (["--also-plain"] if also_plain else [])
        c = TlsCapture(extra + list(args), self.env, out)
        self.addCleanup(c.stop)
        c.https = "https://127.0.0.1:%d" % c.port
        c.url = "http://127.0.0.1:%d" % c.port
        return c

    # ---- the checks -------------------------------------------------------------------------------

    def observed(self, kind, req):
        """The credential material kind put on req (the origin's request): header and parameter values,
        and the parts of an Authorization value (a Digest response, a SigV4 signature, a bearer token).
        Asserts that every part the kind adds is there."""
        found = []
        for name in kind.headers:
            values = header_values(req, name)
            self.assertEqual(len(values), 1, "%s: expected one %s header at the origin: %s" % (kind, name,
                                                                                               req["headers"]))
            found.append(values[0])
            if name == "authorization":
                scheme, _, rest = values[0].partition(" ")
                found.append(rest)
                if scheme in ("Digest", "AWS4-HMAC-SHA256"):
                    params = digest_params(values[0])
                    found += [params[k] for k in ("response", "cnonce", "signature", "credential") if k in params]
        pairs = query_pairs(req)
        for name in kind.query:
            values = [v for k, v in pairs if k == name]
            self.assertEqual(len(values), 1, "%s: expected one %s parameter at the origin: %s" % (kind, name,
                                                                                                  req["target"]))
            found.append(values[0])
        if kind.name == "basic":
            self.assertEqual(header_values(req, "Authorization"), ["Basic " + b64(BASIC_USER + ":" + BASIC_PW)])
        elif kind.name == "digest":
            params = digest_params(header_values(req, "Authorization")[0])
            self.assertEqual((params.get("username"), params.get("realm")), (DIGEST_USER, "leak-realm"), params)
            self.assertRegex(params.get("response", ""), "^[0-9a-f]{64}$")
        elif kind.name == "oauth2":
            self.assertRegex(header_values(req, "Authorization")[0], r"^Bearer \S{16,}$")
        elif kind.name == "api-key-header":
            self.assertEqual(header_values(req, HKEY_NAME), [HKEY])
        elif kind.name == "api-key-query":
            self.assertEqual([v for k, v in pairs if k == QKEY_NAME], [QKEY])
        elif kind.name == "aws-sigv4":
            self.assertEqual(header_values(req, "X-Amz-Security-Token"), [AWS_TOKEN])
            self.assertIn("Credential=" + AKID + "/", header_values(req, "Authorization")[0])
        elif kind.name == "aws-sigv4-presign":
            self.assertEqual([v for k, v in pairs if k == "X-Amz-Security-Token"], [AWS_TOKEN])
        elif kind.name == "none":
            self.assertEqual(header_values(req, "Authorization"), [])
        return [v for v in found if len(v) >= 6]

    def leaks(self, kind, req, observed, own=None):
        """Every trace of kind's credentials in a captured request (empty: nothing leaked). own: the kind
        that req was sent with, whose header names (say, its own Authorization) are not a trace of kind."""
        out = []
        names = set(kind.headers) | {"authorization", "proxy-authorization", "cookie"}
        if own is not None:
            names -= set(own.headers)
        for k, v in req["headers"]:
            if own is not None and any(k.lower().startswith(p) for p in own.header_prefixes):
                continue
            if k.lower() in names or any(k.lower().startswith(p) for p in kind.header_prefixes):
                out.append("header %s: %s" % (k, v))
        for k, v in query_pairs(req):
            if k in kind.query or any(k.lower().startswith(p) for p in kind.query_prefixes):
                out.append("query %s=%s" % (k, v))
        raw = req["raw"].decode("latin-1")
        decoded = urllib.parse.unquote(raw)
        for value in set(kind.values) | set(observed):
            for form in encodings(value):
                if form and (form in raw or form in decoded):
                    out.append("value %r (as %r) in the raw request" % (value, form))
        return sorted(set(out))

    def assert_clean(self, kind, req, observed, own=None):
        self.assertEqual(self.leaks(kind, req, observed, own), [],
                         "%s leaked to %s: %s" % (kind, req["peer"], req["raw"]))

    def assert_carries(self, kind, req, observed):
        """The control: the same search does find kind's credentials on req (none has nothing to find)."""
        if kind.name != "none":
            self.assertNotEqual(self.leaks(kind, req, observed), [], "%s: nothing found on %s" % (kind, req))

    def assert_redirected_method(self, status, req):
        if status in (307, 308):
            self.assertEqual((req["method"], req["body"]), ("POST", BODY), req)
        else:
            self.assertEqual((req["method"], req["body"]), ("GET", b""), req)

    def send(self, kind, url, *extra):
        return self.hookauth("webhook", "send", "--auth", self.profile(kind), *kind.send, *extra, url)


class TlsCapture(Capture):
    """capture.py with --tls-cert announces `listening on https://`; harness.Server reads the port from the
    http form, so the first line is handed to it in that form (the scheme is the test's to choose)."""

    def _pump(self, stream, lines, first):
        if first is None:
            return super()._pump(stream, lines, first)
        for raw in iter(stream.readline, b""):
            text = raw.decode("utf-8", "replace").rstrip("\n")
            lines.append(text)
            if len(lines) == 1:
                first.put(text.replace("listening on https://", "listening on http://", 1))
        stream.close()


def redirect_url(base, path, to, status):
    return "%s%s?%s" % (base, path, urllib.parse.urlencode({"redirect_to": to, "redirect_status": status}))


class RedirectMatrix(LeakTest):
    """Every kind x every redirect target x 301/302/303/307/308."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Shared by every kind; each cell has paths of its own. Digest starts at receivers that challenge.
        cls.origin = cls.shared_capture("--redirect-from-query")  # plain http
        cls.tls = cls.shared_capture("--redirect-from-query", tls=True)  # https and http on one port
        cls.other_port = cls.shared_capture()
        cls.other_host = cls.shared_capture(host="127.0.0.2")
        cls.tls_other = cls.shared_capture(tls=True, also_plain=False)

    def matrix(self, kind_name):
        kind = self.kinds[kind_name]
        origin, tls, other_port, other_host, tls_other = (self.origin, self.tls, self.other_port, self.other_host,
                                                           self.tls_other)
        if kind.name == "digest":
            origin = self.capture("--redirect-from-query", "--challenge", DIGEST_CHALLENGE)
            tls = self.tls_capture("--redirect-from-query", "--challenge", DIGEST_CHALLENGE)
        cacert = ("--cacert", self.cert)
        # (name, receiver that starts, its URL, Location, receiver that lands, landing is foreign, statuses).
        # Every status where the origin changes least (same server, another scheme or name or port); one
        # that turns POST into GET and one that keeps it elsewhere (the file runs under ctest's 300 s).
        few = (302, 307)
        # Under ASan+UBSan every status once, at the same origin: the others run the same code.
        every = harness.repeat(STATUSES, few)
        targets = [
            ("same origin", origin, origin.url, "/landing", origin, False, STATUSES),
            ("same origin, absolute", origin, origin.url, "http://127.0.0.1:{port}/landing", origin, False, few),
            ("same origin over https", tls, tls.https, "/landing", tls, False, few),
            ("another port", origin, origin.url, other_port.url + "/landing", other_port, True, every),
            ("another address 127.0.0.2", origin, origin.url, other_host.url + "/landing", other_host, True, few),
            ("another host name, same server", origin, origin.url, "http://localhost:{port}/landing", origin, True,
             every),
            ("https to http, same host and port", tls, tls.https, "http://127.0.0.1:{port}/landing", tls, True,
             every),
            ("https to http, another port", tls, tls.https, other_port.url + "/landing", other_port, True, few),
            ("http to https, same host and port", tls, tls.url, "https://127.0.0.1:{port}/landing", tls, True,
             every),
            ("http to https, another port", origin, origin.url, tls_other.https + "/landing", tls_other, True, few),
        ]
        for i, (name, start, base, location, land, foreign, statuses) in enumerate(targets):
            for status in statuses:
                with self.subTest(kind=kind.name, target=name, status=status):
                    start_path = "/start/%s/%d/%d" % (kind.name, i, status)
                    land_path = "/landing/%s/%d/%d" % (kind.name, i, status)
                    url = redirect_url(base, start_path, location.replace("/landing", land_path), status)
                    r = self.send(kind, url, "-L", "-d", BODY.decode(), *cacert)
                    if kind.name == "digest" and foreign and land is start:
                        # The same server challenges the bare request: hookauth must not answer it there.
                        self.assertEqual(r.rc, 1, r)
                    else:
                        self.assertEqual(r.rc, 0, r)
                    started = [q for q in start.requests() if q["target"].startswith(start_path + "?")]
                    answered = [q for q in started if header_values(q, "Authorization") or kind.name != "digest"]
                    self.assertEqual(len(answered), 1, started)
                    observed = self.observed(kind, answered[0])
                    self.assert_carries(kind, answered[0], observed)
                    landed = [q for q in land.requests() if q["target"].split("?")[0] == land_path]
                    if kind.name == "digest" and not foreign:
                        landed = [q for q in landed if header_values(q, "Authorization")]
                    self.assertEqual(len(landed), 1, [q["target"] for q in land.requests()])
                    self.assert_redirected_method(status, landed[0])
                    if name.startswith("http to https"):
                        self.assertTrue(landed[0]["tls"], landed[0])
                    elif land is tls and name.startswith("https to http"):
                        self.assertFalse(landed[0]["tls"], landed[0])
                    if foreign:
                        self.assert_clean(kind, landed[0], observed)
                    else:
                        self.observed(kind, landed[0])
                        self.assert_carries(kind, landed[0], observed)

    def test_none(self):
        self.matrix("none")

    def test_basic(self):
        self.matrix("basic")

    def test_digest(self):
        self.matrix("digest")

    def test_api_key_header(self):
        self.matrix("api-key-header")

    def test_api_key_query(self):
        self.matrix("api-key-query")

    def test_aws_sigv4(self):
        self.matrix("aws-sigv4")

    def test_aws_sigv4_presigned(self):
        self.matrix("aws-sigv4-presign")

    def test_oauth2_bearer(self):
        self.matrix("oauth2")

    def test_payload_signature(self):
        self.matrix("signature")

    def test_payload_signature_stacked_on_api_key(self):
        self.matrix("stacked-signature")


class QueryCopiedByTheRedirect(LeakTest):
    """A canonicalising redirect copies the query it got, and with it whatever hookauth put there."""

    def test_cross_origin_location_that_copies_the_query(self):
        for kind_name in ("api-key-query", "aws-sigv4-presign"):
            with self.subTest(kind=kind_name):
                kind = self.kinds[kind_name]
                origin = self.capture("--redirect-from-query")
                foreign = self.capture()
                # First learn the query the origin gets, then have it send exactly that on, as such servers do.
                r = self.send(kind, origin.url + "/hook?a=1")
                self.assertEqual(r.rc, 0, r)
                query = urllib.parse.urlsplit(origin.requests()[-1]["target"]).query
                location = foreign.url + "/hook?" + query
                r = self.send(kind, redirect_url(origin.url, "/hook", location, 301), "-L")
                self.assertEqual(r.rc, 0, r)
                start = origin.requests()[-1]
                observed = self.observed(kind, start)
                landed = foreign.requests()
                self.assertEqual(len(landed), 1, landed)
                self.assert_clean(kind, landed[0], observed)


    def test_same_origin_location_that_copies_the_query_sends_each_parameter_once(self):
        # Not a leak, but the same fix: hookauth's own parameters are taken out of a Location before it
        # signs again, or the request carries two keys or two signatures.
        for kind_name in ("api-key-query", "aws-sigv4-presign"):
            with self.subTest(kind=kind_name):
                kind = self.kinds[kind_name]
                origin = self.capture("--redirect-from-query")
                r = self.send(kind, origin.url + "/hook?a=1")
                self.assertEqual(r.rc, 0, r)
                query = urllib.parse.urlsplit(origin.requests()[-1]["target"]).query
                r = self.send(kind, redirect_url(origin.url, "/hook", "/again?" + query, 301), "-L")
                self.assertEqual(r.rc, 0, r)
                landed = origin.requests()[-1]
                self.assertTrue(landed["target"].startswith("/again?a=1&"), landed["target"])
                self.observed(kind, landed)  # exactly one of each of the kind's parameters


class ForeignChallenges(LeakTest):
    """A 401 from another origin after a redirect is not answered with credentials."""

    def test_digest_challenge_from_another_origin_is_not_answered(self):
        kind = self.kinds["digest"]
        origin = self.capture("--redirect-from-query", "--challenge", DIGEST_CHALLENGE)
        foreign = self.capture("--challenge", DIGEST_CHALLENGE.replace("leak-realm", "foreign-realm"))
        for status in (302, 307):
            with self.subTest(status=status):
                before = len(foreign.requests())
                r = self.send(kind, redirect_url(origin.url, "/start", foreign.url + "/landing", status), "-L",
                              "-d", BODY.decode())
                self.assertEqual(r.rc, 1, r)
                self.assertIn("401", r.err)
                answered = [q for q in origin.requests() if header_values(q, "Authorization")]
                observed = self.observed(kind, answered[-1])
                landed = foreign.requests()[before:]
                self.assertEqual(len(landed), 1, landed)  # no second request with an answer
                self.assert_clean(kind, landed[0], observed)

    def test_digest_control_same_origin_challenge_is_answered(self):
        # The control: the same challenge from the same origin is answered, so the test above can fail.
        kind = self.kinds["digest"]
        origin = self.capture("--redirect-from-query", "--challenge", DIGEST_CHALLENGE)
        other = self.capture("--challenge", DIGEST_CHALLENGE)
        r = self.send(kind, origin.url + "/a")
        self.assertEqual(r.rc, 0, r)
        r = self.send(kind, other.url + "/b")  # a fresh origin: challenged, then answered
        self.assertEqual(r.rc, 0, r)
        reqs = other.requests()
        self.assertEqual([bool(header_values(q, "Authorization")) for q in reqs], [False, True])
        self.observed(kind, reqs[1])

    def test_bearer_401_from_another_origin_makes_no_refresh(self):
        kind = self.kinds["oauth2"]
        origin = self.capture("--redirect-from-query")
        foreign = self.capture("--reply", json.dumps({"status": 401, "headers": {
            "WWW-Authenticate": 'Bearer realm="foreign", error="invalid_token"'}}))
        r = self.send(kind, origin.url + "/warm")  # gets and caches a token
        self.assertEqual(r.rc, 0, r)
        tokens = self.oauth.tokens()
        r = self.send(kind, redirect_url(origin.url, "/start", foreign.url + "/landing", 307), "-L", "-d",
                      BODY.decode())
        self.assertEqual(r.rc, 1, r)
        self.assertEqual(self.oauth.tokens(), tokens)  # no refresh for someone else's 401
        observed = self.observed(kind, origin.requests()[-1])
        landed = foreign.requests()
        self.assertEqual(len(landed), 1, landed)
        self.assert_clean(kind, landed[0], observed)

    def test_bearer_401_control_same_origin_refreshes(self):
        kind = self.kinds["oauth2"]
        origin = self.capture("--status", "200,401,200")
        r = self.send(kind, origin.url + "/warm")
        self.assertEqual(r.rc, 0, r)
        tokens = self.oauth.tokens()
        r = self.send(kind, origin.url + "/again")
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(self.oauth.tokens(), tokens + 1)
        reqs = origin.requests()
        self.assertEqual([q["target"] for q in reqs], ["/warm", "/again", "/again"])
        self.assertNotEqual(header_values(reqs[1], "Authorization"), header_values(reqs[2], "Authorization"))

    def test_token_endpoint_redirect_is_not_followed(self):
        # The client secret goes to the token URL only, even when that answers with a redirect.
        foreign = self.capture()
        token_host = self.capture("--reply", json.dumps({"status": 307, "headers": {"Location": foreign.url +
                                                                                     "/token"}}))
        client_id, secret = self.oauth_client()
        self.ok("auth", "add", "redir-token", "--type", "oauth2", "--grant", "client-credentials", "--client-id",
                client_id, "--client-secret", secret, "--token-url", token_host.url + "/token")
        receiver = self.capture()
        r = self.hookauth("webhook", "send", "--auth", "redir-token", "-L", receiver.url + "/hook")
        self.assertEqual(r.rc, 4, r)
        self.assertEqual(len(token_host.requests()), 1)
        self.assertIn(secret.encode(), token_host.requests()[0]["raw"])  # the control
        self.assertEqual(foreign.requests(), [])
        self.assertEqual(receiver.requests(), [])


class ConnectionsAndSequences(LeakTest):
    def test_digest_challenge_then_redirect_on_a_kept_alive_connection(self):
        kind = self.kinds["digest"]
        origin = self.capture("--redirect-from-query", "--challenge", DIGEST_CHALLENGE)
        # The same server under another name: hookauth must send it nothing, and not answer its challenge.
        r = self.send(kind, redirect_url(origin.url, "/start", "http://localhost:{port}/landing", 302), "-L")
        self.assertEqual(r.rc, 1, r)
        reqs = origin.requests()
        self.assertEqual([q["target"].split("?")[0] for q in reqs], ["/start", "/start", "/landing"])
        # The challenge and its answer went over one kept-alive connection: a reused connection.
        self.assertEqual(reqs[0]["connection"], reqs[1]["connection"])
        observed = self.observed(kind, reqs[1])
        self.assertEqual(header_values(reqs[0], "Authorization"), [])
        self.assertEqual(header_values(reqs[2], "Host"), ["localhost:%d" % origin.port])
        self.assert_clean(kind, reqs[2], observed)
        # Control: the same redirect within the origin reuses the connection and the credentials.
        r = self.send(kind, redirect_url(origin.url, "/start2", "/landing2", 302), "-L")
        self.assertEqual(r.rc, 0, r)
        more = origin.requests()[3:]
        landing = [q for q in more if q["target"] == "/landing2"]
        self.assertEqual(len(landing), 1, more)
        self.assertEqual(landing[0]["connection"], more[0]["connection"])
        self.observed(kind, landing[0])

    def test_sequential_sends_with_different_authorizations_to_one_receiver(self):
        receiver = self.capture()
        # Digest with a nonce shared in advance: its first request is signed, with no challenge.
        params = digest_params(DIGEST_CHALLENGE)
        self.profile(self.kinds["digest"], "--realm", params["realm"], "--nonce", params["nonce"], "--qop", "auth",
                     "--algorithm", "SHA-256", "--opaque", params["opaque"])
        names = list(self.kinds)
        seen = {}
        for rounds in range(2):
            for name in names:
                before = len(receiver.requests())
                r = self.send(self.kinds[name], receiver.url + "/seq/%s/%d" % (name, rounds), "-d", BODY.decode())
                self.assertEqual(r.rc, 0, r)
                got = receiver.requests()[before:]
                self.assertEqual(len(got), 1, got)
                seen.setdefault(name, []).append(got[0])
        observed = {name: [v for q in reqs for v in self.observed(self.kinds[name], q)] for name, reqs in seen.items()}
        for name, reqs in seen.items():
            for req in reqs:
                self.assert_carries(self.kinds[name], req, observed[name])
                for other in names:
                    if other == name or other in OVERLAPS.get(name, ()):
                        continue
                    with self.subTest(request=req["target"], other=other):
                        self.assert_clean(self.kinds[other], req, observed[other], own=self.kinds[name])


class Batches(LeakTest):
    """`webhook send --data-lines`: many requests over kept-alive connections of libcurl's multi interface."""

    def lines_file(self, tag, n):
        path = os.path.join(self.tmp, "lines-%s.txt" % tag)
        with open(path, "w") as f:
            for i in range(n):
                f.write(json.dumps({"batch": tag, "n": i}) + "\n")
        return path

    def batch_args(self, kind, url, lines, *extra):
        return ["webhook", "send", "--auth", self.profile(kind), *kind.send, "--data-lines", lines, *extra, url]

    def redirected_batch(self, names, origin):
        n = 12
        foreign = self.capture()
        for name in names:
            with self.subTest(kind=name):
                kind = self.kinds[name]
                url = redirect_url(origin.url, "/batch/" + name, foreign.url + "/landing/" + name, 307)
                r = self.hookauth(*self.batch_args(kind, url, self.lines_file(name, n), "-L",
                                                   "--concurrency", "4"))
                self.assertEqual(r.rc, 0, r)
                self.assertTrue(r.out.startswith("sent %d " % n), r)
                answered = [q for q in origin.requests() if q["target"].startswith("/batch/%s?" % name) and
                            (name != "digest" or header_values(q, "Authorization"))]
                self.assertEqual(len(answered), n, origin.requests())
                observed = [v for q in answered for v in self.observed(kind, q)]
                for q in answered:
                    self.assert_carries(kind, q, observed)
                landed = [q for q in foreign.requests() if q["target"] == "/landing/" + name]
                self.assertEqual(sorted(json.loads(q["body"])["n"] for q in landed), list(range(n)))
                for q in landed:
                    self.assertEqual(q["method"], "POST")
                    self.assert_clean(kind, q, observed)

    def test_redirected_batch_leaks_nothing_at_the_other_origin(self):
        self.redirected_batch([k for k in self.kinds if k not in ("none", "digest")],
                              self.capture("--redirect-from-query"))

    def test_redirected_digest_batch_leaks_nothing_at_the_other_origin(self):
        # Every line's first request is challenged (nothing is remembered yet, and the receiver's nonce
        # does not change), and each is answered before it is redirected.
        self.redirected_batch(["digest"], self.capture("--redirect-from-query", "--challenge", DIGEST_CHALLENGE))

    def test_batches_with_different_authorizations_side_by_side(self):
        n = 80
        receiver = self.capture()
        names = ("basic", "api-key-query", "oauth2", "aws-sigv4")
        procs = []
        for name in names:
            kind = self.kinds[name]
            if name == "oauth2":
                self.ok("auth", "token", self.profile(kind))  # one token request, before the race
            args = self.batch_args(kind, receiver.url + "/side/" + name, self.lines_file(name, n),
                                   "--concurrency", "8")
            procs.append((name, subprocess.Popen([harness.binary()] + args, env=self.env, cwd=self.tmp,
                                                 stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                                 stderr=subprocess.PIPE)))
        for name, p in procs:
            out, err = p.communicate(timeout=120)
            self.assertEqual(p.returncode, 0, (name, out, err))
        reqs = receiver.requests()
        self.assertEqual(len(reqs), n * len(names))
        by_kind = {}
        for q in reqs:
            body = json.loads(q["body"])
            self.assertTrue(q["target"].startswith("/side/" + body["batch"]), q["target"])
            by_kind.setdefault(body["batch"], []).append(q)
        observed = {}
        for name in names:
            self.assertEqual(sorted(json.loads(q["body"])["n"] for q in by_kind[name]), list(range(n)))
            observed[name] = [v for q in by_kind[name] for v in self.observed(self.kinds[name], q)]
        # Kept-alive connections were reused: fewer connections than requests.
        self.assertLess(len({q["connection"] for q in reqs}), len(reqs))
        for name in names:
            for q in by_kind[name]:
                self.assert_carries(self.kinds[name], q, observed[name])
                for other in names:
                    if other != name:
                        self.assert_clean(self.kinds[other], q, observed[other], own=self.kinds[name])

    def test_token_switched_within_a_batch(self):
        # A 401 in the middle of a bearer batch: one refresh, and every request still carries exactly one
        # Authorization, with the old token or the new one (never both, never another authorization's).
        n = 30
        kind = self.kinds["oauth2"]
        self.ok("auth", "token", self.profile(kind))
        tokens = self.oauth.tokens()
        receiver = self.capture("--status", ",".join(["200"] * 10 + ["401", "200"]))
        r = self.hookauth(*self.batch_args(kind, receiver.url + "/switch", self.lines_file("switch", n),
                                           "--concurrency", "4"))
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(self.oauth.tokens(), tokens + 1)
        reqs = receiver.requests()
        self.assertEqual(len(reqs), n + 1)
        seen = set()
        for q in reqs:
            values = header_values(q, "Authorization")
            self.assertEqual(len(values), 1, q["headers"])
            self.assertRegex(values[0], r"^Bearer \S{16,}$")
            seen.add(values[0])
        self.assertEqual(len(seen), 2, seen)
        self.assertIn("Bearer " + json.load(open(os.path.join(os.path.dirname(self.store), "state.json")))[
            "oauth2"][kind.name]["access_token"], seen)


# Kinds that share a credential by construction (the same API key): not a leak between them.
OVERLAPS = {
    "api-key-header": ("stacked-signature",),
    "stacked-signature": ("api-key-header", "signature"),
    "signature": ("stacked-signature",),
    "aws-sigv4": ("aws-sigv4-presign",),
    "aws-sigv4-presign": ("aws-sigv4",),
}


if __name__ == "__main__":
    harness.main()
