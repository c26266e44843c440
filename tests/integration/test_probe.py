"""`hookauth webhook probe` against receivers nobody wrote for it: `hookauth verify serve` for every
type it checks (every check must pass, --strict), capture.py (accepts everything: every MUST fails), and
the usual bad input; an oauth2 authorization against `verify serve --expect-token`, `--jwks` (with a JWT of
tests/data/jwt, so the jwt- checks run) and `--introspect-url` (tests/peers/oauth_server.py issues the token).
tests/peers/flawed_receiver.py, with one flaw at a time, is in test_probe_flaws.py.

Run from the repository root: HOOKAUTH_BIN=build/src/hookauth /usr/bin/python3 -m unittest -v
tests/integration/test_probe.py
"""

import base64
import json
import os
import sys
import unittest
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import test_oauth2  # noqa: E402  (its OAuthPeer drives tests/peers/oauth_server.py)

WHSEC = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
BODY = '{"event":"order.paid","id":42}'
DIGEST_CHECKS = {"digest-challenge", "digest-sha256-offered", "digest-qop-offered", "digest-wrong-password",
                 "digest-wrong-uri", "digest-forged-nonce", "digest-md5-downgrade", "digest-nc-replay"}


class ProbeAgainstVerifyServe(harness.HookauthTest):

    def setUp(self):
        super().setUp()
        self.fixture(self.add_profiles)

    def add_profiles(self):
        self.add_basic("b", "acme", "correct horse battery staple")
        self.add_key("kh", "X-API-Key", "k-7f3a9c2e51d84b60", "header")
        self.add_key("kq", "api_key", "k-7f3a9c2e51d84b60", "query")
        self.ok("auth", "add", "s4", "--type", "aws-sigv4", "--access-key", "AKIDEXAMPLE", "--secret-key",
                "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "--region", "us-east-1", "--service", "execute-api")
        self.ok("auth", "add", "sw", "--type", "signature", "--scheme", "standard-webhooks", "--secret", WHSEC)
        self.ok("auth", "add", "gh", "--type", "signature", "--scheme", "github", "--secret", "It's a Secret")
        self.ok("auth", "add", "st", "--type", "signature", "--scheme", "stripe", "--secret", "whsec_stripe_test")
        self.ok("auth", "add", "hm", "--type", "signature", "--scheme", "hmac", "--secret", "hmac-secret",
                "--signed-content", "{timestamp}.{id}.{body}")
        self.ok("auth", "add", "b.sw", "--type", "basic", "--username", "acme", "--password", "pw-1",
                "--signature", "standard-webhooks", "--signature-secret", WHSEC)
        self.ok("auth", "add", "s4.gh", "--type", "aws-sigv4", "--access-key", "AKIDEXAMPLE", "--secret-key",
                "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "--region", "eu-west-1", "--service", "lambda",
                "--signature", "github", "--signature-secret", "It's a Secret")
        self.ok("auth", "add", "d", "--type", "digest", "--username", "acme", "--password", "digest-pw-3",
                "--algorithm", "SHA-256,MD5", "--qop", "auth")
        self.ok("auth", "add", "d256", "--type", "digest", "--username", "acme", "--password", "digest-pw-3",
                "--algorithm", "SHA-256", "--qop", "auth")
        self.add_none("open")

    def probe(self, auth, url, *extra):
        return self.hookauth("webhook", "probe", "--auth", auth, "--delay", "0", "-d", BODY, url, "--json", *extra)

    def test_every_check_passes_against_verify_serve(self):
        expected_prefixes = {"b": "basic-", "kh": "apikey-", "kq": "apikey-", "s4": "sigv4-", "sw": "sig-",
                             "gh": "sig-", "st": "sig-", "hm": "sig-", "b.sw": "sig-", "s4.gh": "sig-",
                             "d": "digest-", "d256": "digest-"}
        for auth, prefix in expected_prefixes.items():
            with self.subTest(auth=auth):
                server = self.serve(auth)
                r = self.probe(auth, server.url + "/hooks/order", "--strict")
                self.assertEqual(r.rc, 0, r)
                out = r.json()
                verdicts = {c["id"]: c["verdict"] for c in out["checks"]}
                self.assertEqual(out["checks"][0]["id"], "baseline")
                self.assertTrue(all(v in ("pass", "skip") for v in verdicts.values()), verdicts)
                self.assertIn("no-credentials", verdicts)
                self.assertTrue(any(k.startswith(prefix) for k in verdicts), verdicts)
                self.assertEqual(out["summary"]["failed"], 0)
                self.assertEqual(out["summary"]["passed"] + out["summary"]["skipped"], len(out["checks"]))
                # Stacked: both the type's checks and the signature's run.
                if auth == "b.sw":
                    self.assertIn("basic-wrong-password", verdicts)
                if auth == "s4.gh":
                    self.assertIn("sigv4-wrong-scope", verdicts)
                    # GitHub signs no timestamp and no id: those checks are skipped, with the reason.
                    skipped = {c["id"]: c["reason"] for c in out["checks"] if c["verdict"] == "skip"}
                    self.assertIn("sig-stale-timestamp", skipped)
                    self.assertIn("signs no timestamp", skipped["sig-stale-timestamp"])
                if auth.startswith("d"):
                    self.assertEqual(set(k for k in verdicts if k.startswith("digest-")), DIGEST_CHECKS)
                    skipped = {c["id"]: c["reason"] for c in out["checks"] if c["verdict"] == "skip"}
                    # verify serve offers MD5 alongside SHA-256 for d: the downgrade cannot be tried.
                    if auth == "d":
                        self.assertEqual(list(skipped), ["digest-md5-downgrade"])
                        self.assertIn("offers MD5", skipped["digest-md5-downgrade"])
                    else:
                        self.assertEqual(skipped, {})
                # The server's log shows each probe request by its X-Hookauth-Probe id: one request per
                # check that was not skipped.
                sent = sum(1 for v in verdicts.values() if v != "skip")
                self.wait_for(lambda: len(server.stdout_json()) >= sent, what="the server's log")
                if auth == "d256":
                    # Each refused for what it altered, not for something else.
                    reasons = " | ".join(str(e.get("reason")) for e in server.stdout_json())
                    for why in ("is not the request target", "nonce was not issued by this receiver",
                                "algorithm MD5 was not offered", "already used with this nonce (replay)"):
                        self.assertIn(why, reasons)

    def test_a_receiver_that_checks_nothing_fails_every_must(self):
        c = self.capture()
        r = self.probe("b", c.url + "/hook")
        self.assertEqual(r.rc, 1, r)
        checks = {x["id"]: x for x in r.json()["checks"]}
        self.assertEqual(checks["baseline"]["verdict"], "pass")
        for check_id in ("no-credentials", "basic-wrong-password", "basic-wrong-user", "basic-password-prefix",
                         "basic-password-longer"):
            self.assertEqual(checks[check_id]["verdict"], "fail", check_id)
            self.assertEqual(checks[check_id]["level"], "MUST")
            self.assertEqual(checks[check_id]["status"], 200)
        # A SHOULD check that fails is a warning, and counts in the exit code only with --strict.
        self.assertEqual(checks["basic-challenge"]["verdict"], "warn")
        self.assertEqual(checks["basic-scheme-case"]["verdict"], "pass")
        requests = c.requests()
        self.assertEqual(len(requests), len(checks))
        self.assertEqual([harness.Capture.header(q, "X-Hookauth-Probe") for q in requests], [[i] for i in checks])
        for q in requests:
            self.assertTrue(harness.Capture.header(q, "User-Agent")[0].startswith("hookauth-probe/"))
        # Nothing secret in what is printed.
        self.assertNotIn("correct horse", r.out + r.err)

    def test_refused_baseline_stops_the_run_and_says_what_came_back(self):
        c = self.capture("--status", "401", "--challenge", 'Basic realm="partner"')
        r = self.hookauth("webhook", "probe", "--auth", "kh", "--delay", "0", c.url + "/hook")
        self.assertEqual(r.rc, 1, r)
        self.assertIn("the baseline (a correct request) was not accepted: HTTP 401", r.err)
        self.assertIn('WWW-Authenticate: Basic realm="partner"', r.err)
        self.assertEqual(len(c.requests()), 1)

    def test_server_errors_are_errors_never_passes(self):
        c = self.capture("--status", "200,500")
        r = self.probe("kh", c.url + "/hook", "apikey-wrong")
        self.assertEqual(r.rc, 1, r)
        checks = {x["id"]: x for x in r.json()["checks"]}
        self.assertEqual(list(checks), ["baseline", "apikey-wrong"])
        self.assertEqual(checks["apikey-wrong"]["verdict"], "error")
        self.assertIn("neither accepted", checks["apikey-wrong"]["reason"])

    def test_selection_skip_and_list(self):
        server = self.serve("b.sw")
        r = self.probe("b.sw", server.url + "/hook", "sig-", "--skip", "sig-replay")
        self.assertEqual(r.rc, 0, r)
        ids = [x["id"] for x in r.json()["checks"]]
        self.assertEqual(ids[0], "baseline")
        self.assertTrue(all(i.startswith("sig-") for i in ids[1:]), ids)
        self.assertNotIn("sig-replay", ids)
        listing = self.ok("webhook", "probe", "--list").out
        for check_id in ("baseline", "no-credentials", "basic-challenge", "apikey-other-place", "sigv4-wrong-scope",
                         "sig-rotation"):
            self.assertIn(check_id, listing)
        self.assertIn("RFC 7617", listing)

    def test_dry_run_sends_nothing_and_redacts(self):
        c = self.capture()
        r = self.hookauth("webhook", "probe", "--auth", "b.sw", "--dry-run", "-d", BODY, c.url + "/hook")
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(c.requests(), [])
        self.assertIn("# baseline", r.out)
        self.assertIn("# sig-wrong-secret", r.out)
        self.assertIn("X-Hookauth-Probe: basic-wrong-password", r.out)
        self.assertIn("Authorization: Basic [redacted]", r.out)
        self.assertNotIn("pw-1", r.out)

    def test_junit_report_parses(self):
        c = self.capture()
        junit = os.path.join(self.tmp, "probe.xml")
        r = self.hookauth("webhook", "probe", "--auth", "kq", "--delay", "0", "--junit", junit, c.url + "/hook")
        self.assertEqual(r.rc, 1, r)
        suite = ET.parse(junit).getroot()
        self.assertEqual(suite.tag, "testsuite")
        cases = {t.get("name"): t for t in suite.findall("testcase")}
        self.assertIn("apikey-wrong", cases)
        self.assertIsNotNone(cases["apikey-wrong"].find("failure"))
        self.assertIsNone(cases["baseline"].find("failure"))
        # apikey-other-place is a SHOULD: a failure in the report only with --strict.
        self.assertIsNone(cases["apikey-other-place"].find("failure"))
        self.assertEqual(int(suite.get("failures")), sum(1 for t in cases.values() if t.find("failure") is not None))
        self.hookauth("webhook", "probe", "--auth", "kq", "--delay", "0", "--junit", junit, "--strict", c.url + "/h")
        cases = {t.get("name"): t for t in ET.parse(junit).getroot().findall("testcase")}
        self.assertIsNotNone(cases["apikey-other-place"].find("failure"))

    def test_bad_input(self):
        line = self.assert_one_error_line(self.hookauth("webhook", "probe", "--auth", "b", "http://127.0.0.1:9/",
                                                        "no-such-check"))
        self.assertIn("'no-such-check' names no check of basic", line)
        line = self.assert_one_error_line(self.hookauth("webhook", "probe", "--auth", "open", "http://127.0.0.1:9/"))
        self.assertIn("nothing to probe", line)
        line = self.assert_one_error_line(self.hookauth("webhook", "probe", "http://127.0.0.1:9/"))
        self.assertIn("--auth is required", line)
        r = self.hookauth("webhook", "probe", "--auth", "b", "--delay", "0", "http://127.0.0.1:%d/" % self.closed_port())
        self.assert_one_error_line(r, code=3)


BEARER_IDS = ["bearer-garbage", "bearer-altered", "bearer-challenge", "bearer-in-query", "bearer-scheme-case",
              "jwt-alg-none", "jwt-signature-stripped"]
JWT_DATA = os.path.join(harness.REPO, "tests", "data", "jwt")


class ProbeBearer(harness.HookauthTest):
    """oauth2: with --token, no token is ever asked of the profile's token endpoint (a capture server here,
    which must see no request); without it, the profile's token is probed."""

    TOKEN = "tok-4c1d9e7a2b8f6053e1a7"

    def setUp(self):
        super().setUp()
        self.token_endpoint = self.capture()
        self.ok("auth", "add", "o", "--type", "oauth2", "--grant", "client-credentials", "--client-id", "rp",
                "--client-secret", "rp-secret-1", "--token-url", self.token_endpoint.url + "/token")
        self.add_basic("b", "acme", "pw-1")
        self.env["TOK"] = self.TOKEN

    def probe(self, url, *extra):
        return self.hookauth("webhook", "probe", "--auth", "o", "--delay", "0", "-d", BODY, url, "--json", *extra)

    def verdicts(self, r):
        return {c["id"]: c for c in r.json()["checks"]}

    def assert_all_passed(self, r, skipped=()):
        self.assertEqual(r.rc, 0, r)
        checks = self.verdicts(r)
        self.assertEqual(list(checks), ["baseline", "no-credentials"] + BEARER_IDS)
        self.assertEqual({i for i, c in checks.items() if c["verdict"] == "skip"}, set(skipped), checks)
        self.assertTrue(all(c["verdict"] in ("pass", "skip") for c in checks.values()), checks)
        self.assertEqual(checks["jwt-alg-none"]["level"], "MUST")
        self.assertEqual(checks["bearer-in-query"]["level"], "SHOULD")
        return checks

    def test_expect_token_every_check_passes_and_jwt_checks_say_why_they_skip(self):
        server = self.serve("o", "--expect-token", "env:TOK")
        r = self.probe(server.url + "/hooks", "--token", "env:TOK", "--strict")
        checks = self.assert_all_passed(r, skipped=("jwt-alg-none", "jwt-signature-stripped"))
        for i in ("jwt-alg-none", "jwt-signature-stripped"):
            self.assertIn("the token is not a JWT", checks[i]["reason"])
        self.assertIn("RFC 6750", checks["bearer-garbage"]["reference"])
        self.assertNotIn(self.TOKEN, r.out + r.err)
        self.assertEqual(self.token_endpoint.requests(), [])
        # one request per check that ran, each as its id says
        self.wait_for(lambda: len(server.stdout_json()) >= 7, what="the server's log")

    def test_jwks_jwt_checks_run_and_pass(self):
        with open(os.path.join(JWT_DATA, "tokens.json")) as f:
            data = json.load(f)
        self.env["TOK"] = data["tokens"]["rs256"]["token"]
        server = self.serve("o", "--jwks", os.path.join(JWT_DATA, "jwks.json"), "--audience", data["audience"],
                            "--issuer", data["issuer"], global_args=("--at", "2024-05-01T12:00:00Z"))
        r = self.probe(server.url + "/hooks", "--token", "env:TOK", "--strict")
        checks = self.assert_all_passed(r)
        self.assertEqual(checks["jwt-alg-none"]["status"], 401)
        self.assertEqual(checks["jwt-signature-stripped"]["status"], 401)
        self.assertEqual(self.token_endpoint.requests(), [])

    def test_jwt_checks_send_what_they_say(self):
        with open(os.path.join(JWT_DATA, "tokens.json")) as f:
            token = json.load(f)["tokens"]["rs256"]["token"]
        header, payload, _ = token.split(".")
        c = self.capture()
        r = self.hookauth("webhook", "probe", "--auth", "o", "--delay", "0", "--token", "literal:" + token,
                          c.url + "/hook?x=1", "--json")
        self.assertEqual(r.rc, 1, r)  # capture accepts everything
        sent = {harness.Capture.header(q, "X-Hookauth-Probe")[0]: q for q in c.requests()}
        auth = {i: (harness.Capture.header(q, "Authorization") or [None])[0] for i, q in sent.items()}
        self.assertEqual(auth["baseline"], "Bearer " + token)
        self.assertEqual(auth["jwt-signature-stripped"], "Bearer %s.%s." % (header, payload))
        none_header, none_payload, none_signature = auth["jwt-alg-none"][len("Bearer "):].split(".")
        decoded = json.loads(base64.urlsafe_b64decode(none_header + "=" * (-len(none_header) % 4)))
        self.assertEqual(decoded, {"alg": "none", "kid": "rsa-2024", "typ": "JWT"})
        self.assertEqual((none_payload, none_signature), (payload, ""))
        altered = auth["bearer-altered"][len("Bearer "):]
        self.assertEqual(len(altered), len(token))
        self.assertEqual(sum(a != b for a, b in zip(altered, token)), 1)
        self.assertEqual(auth["bearer-scheme-case"], "bearer " + token)
        self.assertIsNone(auth["bearer-in-query"])
        self.assertIn("?x=1&access_token=" + token, sent["bearer-in-query"]["target"])
        garbage = auth["bearer-garbage"][len("Bearer "):]
        self.assertNotEqual(garbage, token)
        self.assertGreaterEqual(len(garbage), 32)
        self.assertIsNone(auth["bearer-challenge"])
        self.assertEqual(self.token_endpoint.requests(), [])

    def test_the_profiles_token_is_probed_without_token(self):
        peer = test_oauth2.OAuthPeer()
        self.addCleanup(peer.stop)
        peer.register("rp2", "rp2-secret", method="client_secret_post")
        self.ok("auth", "add", "o2", "--type", "oauth2", "--grant", "client-credentials", "--client-id", "rp2",
                "--client-secret", "rp2-secret", "--token-url", peer.token_url)
        server = self.serve("o2", "--introspect-url", peer.introspect_url)
        r = self.hookauth("webhook", "probe", "--auth", "o2", "--delay", "0", "-d", BODY, server.url + "/hooks",
                          "--json", "--strict")
        checks = self.assert_all_passed(r, skipped=("jwt-alg-none", "jwt-signature-stripped"))
        self.assertEqual(peer.tokens(), 1, "one token, cached for every check")

    def test_dry_run_redacts_the_token(self):
        c = self.capture()
        r = self.hookauth("webhook", "probe", "--auth", "o", "--token", "env:TOK", "--dry-run", c.url + "/hook")
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(c.requests(), [])
        self.assertIn("# bearer-in-query", r.out)
        self.assertIn("Authorization: Bearer [redacted]", r.out)
        self.assertIn("access_token=[redacted]", r.out)
        self.assertNotIn(self.TOKEN, r.out + r.err)

    def test_token_bad_input(self):
        line = self.assert_one_error_line(self.hookauth("webhook", "probe", "--auth", "b", "--token", "env:TOK",
                                                        "http://127.0.0.1:9/"))
        self.assertIn("--token applies to an oauth2 authorization", line)
        line = self.assert_one_error_line(self.hookauth("webhook", "probe", "--auth", "o", "--token",
                                                        "env:HOOKAUTH_NO_SUCH_VAR", "http://127.0.0.1:9/"))
        self.assertIn("HOOKAUTH_NO_SUCH_VAR", line)
        line = self.assert_one_error_line(self.hookauth("webhook", "probe", "--auth", "o", "--token", "-",
                                                        "http://127.0.0.1:9/"))
        self.assertIn("--token", line)
        self.assertEqual(self.token_endpoint.requests(), [])


if __name__ == "__main__":
    harness.main()
