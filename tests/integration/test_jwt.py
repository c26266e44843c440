"""JWT bearer tokens (issue #6): `verify` and `verify serve` with an oauth2 profile and --jwks / --jwks-url.

Every token is minted here with Authlib's jose module (python3-authlib) or, for the forged ones, by hand
with base64 and hmac. The key set is written to a file for --jwks, and served by a small HTTP server in
this process for --jwks-url (it counts its requests, and the test changes what it serves). The oauth2
profile's token URL is never contacted. Only 127.0.0.0/8 is contacted.
"""

import base64
import hashlib
import hmac
import http.server
import json
import os
import sys
import threading
import time
import urllib.error
import urllib.request

from authlib.jose import JsonWebKey, jwt

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

AT = "2024-05-01T12:00:00Z"
NOW = 1714564800  # == AT
ISSUER = "https://login.partner.example/"
AUDIENCE = "hookauth-receiver"
KINDS = {"RS256": ("RSA", 2048), "ES256": ("EC", "P-256"), "EdDSA": ("OKP", "Ed25519")}
KIDS = {"RS256": "rsa-2024", "ES256": "ec-2024", "EdDSA": "ed-2024"}
BAD_SIGNATURE = "the JWT's signature does not verify: its header or claims were changed, or another key signed it"
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))

_keys = {}


def key(name, kty, size):
    """A private JWK, made once per run and reused by every test."""
    if name not in _keys:
        _keys[name] = JsonWebKey.generate_key(kty, size, is_private=True)
    return _keys[name]


def public_jwk(private, kid, **extra):
    d = dict(private.as_dict(is_private=False))
    for member in ("d", "p", "q", "dp", "dq", "qi"):
        assert member not in d, d
    d["kid"] = kid
    d.update(extra)
    return d


def b64url(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url_json(obj):
    return b64url(json.dumps(obj, separators=(",", ":")))


def claims(now=NOW, **change):
    c = {"iss": ISSUER, "aud": AUDIENCE, "sub": "partner-7", "iat": now, "exp": now + 600}
    c.update(change)
    return {k: v for k, v in c.items() if v is not None}


def mint(alg, private, kid, payload):
    return jwt.encode({"alg": alg, "kid": kid}, dict(payload), private).decode()


class JwksServer:
    """A JWKS endpoint on 127.0.0.1, port 0: serves self.doc at any path and counts the requests."""

    def __init__(self, doc):
        self.doc = doc
        self.count = 0
        self.lock = threading.Lock()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                with outer.lock:
                    outer.count += 1
                    body = json.dumps(outer.doc).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = "http://127.0.0.1:%d/.well-known/jwks.json" % self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self.thread.start()

    def set(self, doc):
        with self.lock:
            self.doc = doc

    def requests(self):
        with self.lock:
            return self.count

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class JwtTest(harness.HookauthTest):
    def setUp(self):
        super().setUp()
        self.private = {alg: key(alg, *KINDS[alg]) for alg in KINDS}
        self.jwks_doc = {"keys": [public_jwk(self.private[alg], KIDS[alg], use="sig") for alg in KINDS]}
        self.jwks = os.path.join(self.tmp, "jwks.json")
        with open(self.jwks, "w") as f:
            json.dump(self.jwks_doc, f)
        # an oauth2 profile; its token URL is never asked for anything here
        self.fixture(lambda: self.ok("auth", "add", "rp", "--type", "oauth2", "--grant", "client-credentials",
                                     "--client-id", "rp", "--client-secret", "rp-secret-1",
                                     "--token-url", "http://127.0.0.1:9/token"))
        self.receiver = self.capture()

    def token(self, alg="RS256", kid=None, **change):
        return mint(alg, self.private[alg], kid or KIDS[alg], claims(**change))

    def captured(self, token, scheme="Bearer"):
        """A request carrying the token, sent to the capturing receiver; the path of its raw bytes."""
        before = len(self.receiver.requests())
        req = urllib.request.Request(self.receiver.url + "/hook", data=b'{"event":"order.paid"}', method="POST",
                                     headers={"Authorization": scheme + " " + token,
                                              "Content-Type": "application/json"})
        with OPENER.open(req, timeout=10) as resp:
            resp.read()
        reqs = self.receiver.requests()
        self.assertEqual(len(reqs), before + 1)
        path = os.path.join(self.tmp, "req-%d.http" % before)
        with open(path, "wb") as f:
            f.write(reqs[-1]["raw"])
        return path

    def verify(self, token, *extra, audience=AUDIENCE, issuer=ISSUER, jwks=None, at=AT, auth="rp"):
        args = (["--at", at] if at else []) + ["verify", "--auth", auth, "--jwks", jwks or self.jwks,
                                               "--request", self.captured(token)]
        if audience is not None:
            args += ["--audience", audience]
        if issuer is not None:
            args += ["--issuer", issuer]
        return self.hookauth(*args, *extra)

    def assert_valid(self, token, *extra, **kw):
        r = self.verify(token, *extra, **kw)
        self.assertEqual((r.rc, r.out), (0, "valid\n"), r)

    def assert_invalid(self, token, reason, *extra, **kw):
        r = self.verify(token, "--json", *extra, **kw)
        self.assertEqual(r.rc, 1, r)
        self.assertEqual(r.json(), {"valid": False, "auth": kw.get("auth", "rp"), "type": "oauth2",
                                    "reason": reason})


class JwksFile(JwtTest):
    def test_es256_key_whose_coordinate_lost_its_leading_zero(self):
        """RFC 7518 wants 32-byte coordinates, but Authlib 1.2 drops a leading zero byte (one key in 128)."""
        for _ in range(5000):
            private = JsonWebKey.generate_key("EC", "P-256", is_private=True)
            pub = public_jwk(private, "ec-short")
            full = [b64url_decode(pub[c]).rjust(32, b"\0") for c in ("x", "y")]
            if full[0][0] == 0 or full[1][0] == 0:
                break
        else:
            self.fail("no P-256 key with a leading zero byte in 5000")
        pub["x"], pub["y"] = (b64url(c.lstrip(b"\0")) for c in full)  # as short as the value allows
        self.assertTrue(len(pub["x"]) < 43 or len(pub["y"]) < 43, pub)
        with open(self.jwks, "w") as f:
            json.dump({"keys": [pub]}, f)
        self.assert_valid(mint("ES256", private, "ec-short", claims()))

    def test_each_algorithm_is_accepted(self):
        for alg in KINDS:
            with self.subTest(alg):
                token = self.token(alg)
                # Authlib itself accepts what it minted (the test's own sanity check)
                self.assertEqual(jwt.decode(token, JsonWebKey.import_key_set(self.jwks_doc))["sub"], "partner-7")
                self.assert_valid(token)
                r = self.verify(token, "--json")
                self.assertEqual(r.json(), {"valid": True, "auth": "rp", "type": "oauth2", "reason": None})

    def test_expired(self):
        for alg in KINDS:
            with self.subTest(alg):
                self.assert_invalid(self.token(alg, iat=NOW - 900, exp=NOW - 120),
                                    "the JWT expired 120 s ago (leeway 60 s)")

    def test_not_yet_valid(self):
        self.assert_invalid(self.token(nbf=NOW + 120), "the JWT is not valid for another 120 s (nbf, leeway 60 s)")
        self.assert_invalid(self.token("EdDSA", nbf=NOW + 61),
                            "the JWT is not valid for another 61 s (nbf, leeway 60 s)")

    def test_within_the_leeway(self):
        self.assert_valid(self.token(exp=NOW - 30))
        self.assert_valid(self.token(exp=NOW - 59))
        self.assert_valid(self.token(nbf=NOW + 30))
        self.assert_valid(self.token(nbf=NOW + 60))
        # a smaller leeway refuses the same tokens; a larger one accepts older ones
        self.assert_invalid(self.token(exp=NOW - 30), "the JWT expired 30 s ago (leeway 10 s)", "--leeway", "10")
        self.assert_invalid(self.token(nbf=NOW + 30), "the JWT is not valid for another 30 s (nbf, leeway 0 s)",
                            "--leeway", "0")
        self.assert_valid(self.token(exp=NOW - 200), "--leeway", "300")
        # the clock itself: the same token is good at AT and expired an hour later
        token = self.token()
        self.assert_valid(token)
        self.assert_invalid(token, "the JWT expired 3000 s ago (leeway 60 s)", at="2024-05-01T13:00:00Z")

    def test_exp_is_required(self):
        self.assert_invalid(self.token(exp=None), "the JWT has no exp")

    def test_wrong_audience(self):
        self.assert_invalid(self.token(aud="someone-else"), "the JWT's aud does not include '%s'" % AUDIENCE)
        self.assert_invalid(self.token(aud=None), "the JWT's aud does not include '%s'" % AUDIENCE)
        self.assert_invalid(self.token(aud=["a", "b"]), "the JWT's aud does not include '%s'" % AUDIENCE)
        self.assert_invalid(self.token(), "the JWT's aud does not include 'other-receiver'", audience="other-receiver")

    def test_audience_array_containing_it(self):
        self.assert_valid(self.token(aud=["billing", AUDIENCE]))
        self.assert_valid(self.token("ES256", aud=[AUDIENCE]))

    def test_wrong_issuer(self):
        self.assert_invalid(self.token(iss="https://evil.example/"),
                            "the JWT's iss 'https://evil.example/' is not '%s'" % ISSUER)
        self.assert_invalid(self.token(iss=None), "the JWT's iss '' is not '%s'" % ISSUER)

    def test_issuer_from_the_profile(self):
        self.ok("auth", "add", "rp-iss", "--type", "oauth2", "--grant", "client-credentials", "--client-id", "rp",
                "--client-secret", "rp-secret-1", "--token-url", "http://127.0.0.1:9/token", "--issuer", ISSUER)
        self.assert_valid(self.token(), auth="rp-iss", issuer=None)
        self.assert_invalid(self.token(iss="https://other.example/"),
                            "the JWT's iss 'https://other.example/' is not '%s'" % ISSUER, auth="rp-iss", issuer=None)

    def test_unknown_kid(self):
        self.assert_invalid(self.token(kid="rsa-2023"), "the JWKS has no RS256 key with kid 'rsa-2023'")
        # a kid that exists, but for another key type, is not used with this alg
        self.assert_invalid(mint("EdDSA", self.private["EdDSA"], KIDS["RS256"], claims()),
                            "the JWKS has no EdDSA key with kid '%s'" % KIDS["RS256"])

    def test_tampered_payload(self):
        for alg in KINDS:
            with self.subTest(alg):
                header, payload, sig = self.token(alg).split(".")
                c = json.loads(b64url_decode(payload))
                self.assertEqual(c["sub"], "partner-7")
                c["sub"] = "admin"
                self.assert_invalid(".".join([header, b64url_json(c), sig]), BAD_SIGNATURE)
                # re-encoding the same claims differently also breaks the signature (it covers the bytes sent)
                c["sub"] = "partner-7"
                respaced = b64url(json.dumps(c, indent=1))
                self.assert_invalid(".".join([header, respaced, sig]), BAD_SIGNATURE)

    def test_alg_none_refused(self):
        h = b64url_json({"alg": "none", "typ": "JWT", "kid": KIDS["RS256"]})
        p = b64url_json(claims())
        self.assert_invalid(h + "." + p + ".", "the JWT's alg 'none' is not RS256, ES256 or EdDSA")
        # with the real signature of a valid token attached
        sig = self.token().split(".")[2]
        self.assert_invalid(h + "." + p + "." + sig, "the JWT's alg 'none' is not RS256, ES256 or EdDSA")

    def test_hs256_refused(self):
        # The classic confusion: HMAC keyed with what the verifier knows (the public key's n, or its JSON).
        rsa_pub = public_jwk(self.private["RS256"], KIDS["RS256"])
        for secret in (b64url_decode(rsa_pub["n"]), json.dumps(rsa_pub).encode(), b"secret"):
            h = b64url_json({"alg": "HS256", "typ": "JWT", "kid": KIDS["RS256"]})
            p = b64url_json(claims())
            sig = b64url(hmac.new(secret, (h + "." + p).encode(), hashlib.sha256).digest())
            self.assert_invalid(h + "." + p + "." + sig, "the JWT's alg 'HS256' is not RS256, ES256 or EdDSA")
        # and a key set with an oct key does not help
        oct_doc = {"keys": self.jwks_doc["keys"] + [{"kty": "oct", "kid": "shared", "k": b64url(b"secret")}]}
        oct_file = os.path.join(self.tmp, "jwks-oct.json")
        with open(oct_file, "w") as f:
            json.dump(oct_doc, f)
        h = b64url_json({"alg": "HS256", "typ": "JWT", "kid": "shared"})
        p = b64url_json(claims())
        sig = b64url(hmac.new(b"secret", (h + "." + p).encode(), hashlib.sha256).digest())
        self.assert_invalid(h + "." + p + "." + sig, "the JWT's alg 'HS256' is not RS256, ES256 or EdDSA",
                            jwks=oct_file)

    def test_other_key_with_the_same_kid(self):
        for alg in KINDS:
            with self.subTest(alg):
                impostor = key("impostor-" + alg, *KINDS[alg])
                self.assert_invalid(mint(alg, impostor, KIDS[alg], claims()), BAD_SIGNATURE)

    def test_signature_encoding_is_strict(self):
        # ES256 is r||s (64 bytes), not DER; an RS256 signature is exactly the modulus length
        from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
        h, p, sig = self.token("ES256").split(".")
        raw = b64url_decode(sig)
        self.assertEqual(len(raw), 64)
        der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
        self.assert_invalid(".".join([h, p, b64url(der)]), BAD_SIGNATURE)
        h, p, sig = self.token("RS256").split(".")
        raw = b64url_decode(sig)
        self.assert_invalid(".".join([h, p, b64url(b"\0" + raw)]), BAD_SIGNATURE)
        self.assert_invalid(".".join([h, p, ""]), BAD_SIGNATURE)

    def test_small_rsa_key_refused(self):
        small = key("rsa-1024", "RSA", 1024)
        doc = {"keys": [public_jwk(small, "rsa-small")]}
        path = os.path.join(self.tmp, "jwks-small.json")
        with open(path, "w") as f:
            json.dump(doc, f)
        r = self.verify(mint("RS256", small, "rsa-small", claims()), jwks=path)
        self.assertEqual(r.rc, 1, r)
        self.assertIn("2048", r.out)

    def test_rsa_key_with_exponent_1_cannot_verify_a_forgery(self):
        """Issue 19 item 10: with e = 1 in the key set, the PKCS#1 v1.5 encoding of the signing input is its own
        signature; python-cryptography refuses such a key (e < 3 or even), and so does hookauth."""
        from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicNumbers
        pub = public_jwk(self.private["RS256"], "rsa-e1")
        n = int.from_bytes(b64url_decode(pub["n"]), "big")
        with self.assertRaises(ValueError):  # the peer's own verdict on such a key
            RSAPublicNumbers(1, n).public_key()
        pub["e"] = b64url(b"\x01")
        path = os.path.join(self.tmp, "jwks-e1.json")
        with open(path, "w") as f:
            json.dump({"keys": [pub]}, f)
        signing_input = b64url_json({"alg": "RS256", "kid": "rsa-e1"}) + "." + b64url_json(claims())
        digest_info = bytes.fromhex("3031300d060960864801650304020105000420") + \
            hashlib.sha256(signing_input.encode()).digest()
        size = len(b64url_decode(pub["n"]))
        encoded = b"\x00\x01" + b"\xff" * (size - 3 - len(digest_info)) + b"\x00" + digest_info
        self.assertLess(int.from_bytes(encoded, "big"), n)  # so encoded ** 1 mod n is encoded
        self.assert_invalid(signing_input + "." + b64url(encoded),
                            "the JWKS key 'rsa-e1' cannot be used: an RSA key whose exponent e is below 3, even, or "
                            "not below its modulus", jwks=path)
        for e in (b"\x02", b"\x01\x00\x00"):  # even
            pub["e"] = b64url(e)
            with open(path, "w") as f:
                json.dump({"keys": [pub]}, f)
            r = self.verify(signing_input + "." + b64url(encoded), jwks=path)
            self.assertEqual((r.rc, r.out.startswith("invalid: ")), (1, True), r)
            self.assertIn("exponent e", r.out)

    def test_crit_header_refused(self):
        """RFC 7515 section 4.1.11: a crit naming an extension the verifier does not understand is refused, as
        Authlib's own verifier refuses it when the extension is not one of its private headers."""
        from authlib.jose import JsonWebSignature
        from authlib.jose.errors import InvalidCritHeaderParameterNameError
        ext = "http://example.com/extension"
        for alg in KINDS:
            with self.subTest(alg):
                header = {"alg": alg, "kid": KIDS[alg], "crit": [ext], ext: True}
                signer = JsonWebSignature(private_headers={ext})
                token = signer.serialize_compact(header, json.dumps(claims()).encode(), self.private[alg]).decode()
                self.assertEqual(signer.deserialize_compact(token, self.private[alg])["header"]["crit"], [ext])
                with self.assertRaises(InvalidCritHeaderParameterNameError):
                    JsonWebSignature().deserialize_compact(token, self.private[alg])
                self.assert_invalid(token, "the JWT's header marks http://example.com/extension critical (crit), an "
                                           "extension hookauth does not understand (RFC 7515 section 4.1.11)")

    def test_not_a_jwt_and_not_bearer(self):
        self.assert_invalid("opaque-token-123", "the bearer token is not a JWT (three base64url parts)")
        r = self.hookauth("--at", AT, "verify", "--auth", "rp", "--jwks", self.jwks, "--audience", AUDIENCE,
                          "--issuer", ISSUER, "--request", self.captured(self.token(), scheme="Basic"))
        self.assertEqual(r.rc, 1, r)

    def test_missing_audience_is_a_usage_error(self):
        r = self.verify(self.token(), audience=None)
        self.assert_one_error_line(r, 2)
        self.assertIn("--audience", r.err)
        self.assertEqual(r.out, "")

    def test_bad_key_set_is_an_error_at_start(self):
        bad = os.path.join(self.tmp, "bad.json")
        for text in ("not json", '{"no_keys": []}', '{"keys": [{"kty": "RSA", "kid": "x"}]}'):
            with self.subTest(text=text):
                with open(bad, "w") as f:
                    f.write(text)
                r = self.verify(self.token(), jwks=bad)
                self.assert_one_error_line(r, 2)
        r = self.verify(self.token(), jwks=os.path.join(self.tmp, "absent.json"))
        self.assert_one_error_line(r, 2)
        # --jwks-url to a port nobody listens on: an error before any request is judged
        r = self.hookauth("--at", AT, "verify", "--auth", "rp", "--jwks-url",
                          "http://127.0.0.1:%d/jwks.json" % self.closed_port(), "--audience", AUDIENCE,
                          "--issuer", ISSUER, "--request", self.captured(self.token()))
        self.assertNotIn(r.rc, (0, 1), r)
        self.assertEqual(r.out, "")
        self.assertTrue(r.err.startswith("hookauth: error: --jwks-url: "), r)  # the line names the flag

    def test_one_way_of_checking_bearer_tokens(self):
        r = self.hookauth("verify", "--auth", "rp", "--jwks", self.jwks, "--expect-token", "env:TOKEN",
                          "--audience", AUDIENCE, "--request", self.captured(self.token()), env={"TOKEN": "x"})
        self.assert_one_error_line(r, 2)
        r = self.hookauth("verify", "--auth", "rp", "--jwks", self.jwks, "--jwks-url", "http://127.0.0.1:9/",
                          "--audience", AUDIENCE, "--request", self.captured(self.token()))
        self.assert_one_error_line(r, 2)


class JwksUrlServe(JwtTest):
    """verify serve --jwks-url: the key set is fetched at start, and again for an unknown kid at most
    once per 10 s."""

    def setUp(self):
        super().setUp()
        self.jwks_server = JwksServer({"keys": [public_jwk(self.private["RS256"], "rsa-a")]})
        self.addCleanup(self.jwks_server.stop)

    def post(self, server, token, path="/hook"):
        req = urllib.request.Request(server.url + path, data=b'{"event":"x"}', method="POST",
                                     headers={"Authorization": "Bearer " + token})
        try:
            with OPENER.open(req, timeout=10) as resp:
                return resp.status, resp.headers, resp.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()

    def logged(self, server, n):
        return self.wait_for(lambda: len(server.stdout_json()) >= n and server.stdout_json(), what="%d log lines" % n)

    def now_token(self, alg, kid, private=None):
        return mint(alg, private or self.private[alg], kid, claims(now=int(time.time())))

    def test_rotation_refetches_once_and_unknown_kids_are_rate_limited(self):
        started = time.monotonic()
        s = self.serve("rp", "--jwks-url", self.jwks_server.url, "--audience", AUDIENCE, "--issuer", ISSUER)
        self.assertEqual(self.jwks_server.requests(), 1, "the key set is fetched once at start")

        status, headers, body = self.post(s, self.now_token("RS256", "rsa-a"))
        self.assertEqual(status, 200, body)
        self.assertEqual(self.jwks_server.requests(), 1, "a known kid fetches nothing")

        # made-up kids while the start's fetch is fresh: at most one more fetch in all
        for i in range(4):
            status, headers, body = self.post(s, self.now_token("RS256", "ghost-%d" % i))
            self.assertEqual(status, 401)
            self.assertEqual(headers.get_all("WWW-Authenticate"), ['Bearer realm="hookauth", error="invalid_token"'])
        last_ghost = time.monotonic()
        self.assertLessEqual(self.jwks_server.requests(), 2)

        # the issuer rotates: the new key only. Once 10 s have passed since the last fetch, a token with
        # the new kid is accepted after exactly one fetch.
        self.jwks_server.set({"keys": [public_jwk(self.private["EdDSA"], "ed-b")]})
        fetched = self.jwks_server.requests()
        time.sleep(max(0.0, max(started, last_ghost) + 10.5 - time.monotonic()))
        status, _, body = self.post(s, self.now_token("EdDSA", "ed-b"))
        self.assertEqual(status, 200, body)
        self.assertEqual(self.jwks_server.requests(), fetched + 1)
        refetched_at = time.monotonic()

        # the old kid is gone from the fresh set; unknown kids now fetch nothing for 10 s
        self.assertEqual(self.post(s, self.now_token("RS256", "rsa-a"))[0], 401)
        for i in range(5):
            self.assertEqual(self.post(s, self.now_token("ES256", "ghost-b%d" % i))[0], 401)
        self.assertEqual(self.jwks_server.requests(), fetched + 1)

        # 10 s later an unknown kid may fetch once more, and a key added meanwhile is found
        self.jwks_server.set({"keys": [public_jwk(self.private["EdDSA"], "ed-b"),
                                       public_jwk(self.private["ES256"], "ec-c")]})
        time.sleep(max(0.0, refetched_at + 10.5 - time.monotonic()))
        self.assertEqual(self.post(s, self.now_token("ES256", "ec-c"))[0], 200)
        self.assertEqual(self.post(s, self.now_token("ES256", "ghost-c"))[0], 401)
        self.assertEqual(self.jwks_server.requests(), fetched + 2)

        lines = self.logged(s, 14)
        self.assertEqual([l["status"] for l in lines],
                         [200, 401, 401, 401, 401, 200, 401, 401, 401, 401, 401, 401, 200, 401])
        self.assertEqual(lines[1]["reason"], "the JWKS has no RS256 key with kid 'ghost-0'")
        self.assertEqual(lines[6]["reason"], "the JWKS has no RS256 key with kid 'rsa-a'")
        self.assertEqual(lines[7]["reason"], "the JWKS has no ES256 key with kid 'ghost-b0'")

    def test_serve_reasons_in_the_log(self):
        self.jwks_server.set({"keys": [public_jwk(self.private[alg], KIDS[alg]) for alg in KINDS]})
        s = self.serve("rp", "--jwks-url", self.jwks_server.url, "--audience", AUDIENCE, "--issuer", ISSUER,
                       "--leeway", "5")
        now = int(time.time())
        cases = [
            (mint("ES256", self.private["ES256"], KIDS["ES256"], claims(now=now)), 200, None),
            (mint("EdDSA", self.private["EdDSA"], KIDS["EdDSA"], claims(now=now)), 200, None),
            (mint("RS256", self.private["RS256"], KIDS["RS256"], claims(now=now, aud="x")), 401,
             "the JWT's aud does not include '%s'" % AUDIENCE),
            (mint("RS256", self.private["RS256"], KIDS["RS256"], claims(now=now, exp=now - 3600)), 401, None),
            (mint("ES256", key("impostor-ES256", "EC", "P-256"), KIDS["ES256"], claims(now=now)), 401,
             BAD_SIGNATURE),
        ]
        for token, status, _ in cases:
            got, headers, _ = self.post(s, token)
            self.assertEqual(got, status)
            if status == 401:
                self.assertEqual(headers.get_all("WWW-Authenticate"),
                                 ['Bearer realm="hookauth", error="invalid_token"'])
        lines = self.logged(s, len(cases))
        for (token, status, reason), line in zip(cases, lines):
            self.assertEqual(line["status"], status, line)
            if reason:
                self.assertEqual(line["reason"], reason)
        self.assertRegex(lines[3]["reason"], r"^the JWT expired 360[0-3] s ago \(leeway 5 s\)$")
        # a verify serve with a frozen clock judges exp by it
        s2 = self.serve("rp", "--jwks", self.jwks, "--audience", AUDIENCE, "--issuer", ISSUER, global_args=("--at", AT))
        self.assertEqual(self.post(s2, self.token("RS256"))[0], 200)
        self.assertEqual(self.post(s2, self.token("RS256", exp=NOW - 61))[0], 401)
        self.assertEqual(self.logged(s2, 2)[1]["reason"], "the JWT expired 61 s ago (leeway 60 s)")


if __name__ == "__main__":
    harness.main()
