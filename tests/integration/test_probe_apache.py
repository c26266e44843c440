"""`hookauth webhook probe` with the digest checks against a Digest receiver nobody here wrote: Apache
httpd's mod_auth_digest (tests/peers/apache.py), MD5 only with qop auth, with AuthDigestNcCheck on and
off. Each check's verdict there is asserted, and for the refusals the reason httpd logged.

Run from the repository root: HOOKAUTH_BIN=build/src/hookauth /usr/bin/python3 -m unittest -v
tests/integration/test_probe_apache.py
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

sys.path.insert(0, os.path.join(harness.REPO, "tests", "peers"))
import apache  # noqa: E402

USER, REALM, PASSWORD = "acme", "partner", "apache-pw-5"

# What each check gives against mod_auth_digest whatever AuthDigestNcCheck says.
COMMON = {
    "baseline": "pass",
    "no-credentials": "pass",
    "digest-challenge": "pass",
    "digest-sha256-offered": "warn",  # httpd offers MD5 only
    "digest-qop-offered": "pass",
    "digest-wrong-password": "pass",
    "digest-wrong-uri": "pass",
    "digest-forged-nonce": "pass",
    "digest-md5-downgrade": "skip",  # MD5 is what it offers: nothing to downgrade from
}


class ProbeAgainstApacheDigest(harness.HookauthTest):

    def setUp(self):
        super().setUp()
        self.ok("auth", "add", "ap", "--type", "digest", "--username", USER, "--password", PASSWORD,
                "--algorithm", "MD5", "--qop", "auth")

    def apache(self, nc_check):
        a = apache.Apache(REALM, USER, PASSWORD, nc_check)
        self.addCleanup(a.stop)
        return a

    def probe(self, url, *extra):
        r = self.hookauth("webhook", "probe", "--auth", "ap", "--delay", "0", "-d", '{"event":"ping"}',
                          url + "/hooks/order", "--json", *extra)
        return r, {c["id"]: c for c in r.json()["checks"]}

    def assert_common(self, checks, log):
        self.assertEqual({i: c["verdict"] for i, c in checks.items() if i in COMMON}, COMMON)
        self.assertIn("algorithm=SHA-256", checks["digest-sha256-offered"]["reason"])
        self.assertIn("offers MD5", checks["digest-md5-downgrade"]["reason"])
        # A uri that is not the request's is a 400 there; the other refusals are 401s.
        self.assertEqual(checks["digest-wrong-uri"]["status"], 400)
        for check_id in ("digest-wrong-password", "digest-forged-nonce"):
            self.assertEqual(checks[check_id]["status"], 401, check_id)
        self.assertIn("password mismatch", log)
        # The forged nonce (its own with one character changed) fails httpd's hash over the nonce's time.
        self.assertRegex(log, r"AH01776: invalid nonce \S+ received - hash is not")
        self.assertIn("uri mismatch - </hooks/order-other> does not match request-uri </hooks/order>", log)

    def test_send_names_the_algorithms_offered_and_allowed(self):
        """Issue 19 item 7: httpd offers MD5 only; a SHA-256 profile's error names both."""
        a = self.apache(nc_check=True)
        self.ok("auth", "add", "sha", "--type", "digest", "--username", USER, "--password", PASSWORD,
                "--algorithm", "sha-256,sha-512-256")
        r = self.hookauth("webhook", "send", "--auth", "sha", a.url + "/hooks/order", "-d", "{}")
        self.assertEqual(r.rc, 4, r)
        self.assertIn("the receiver offers no Digest algorithm the profile allows: it offers MD5, the profile's "
                      "--algorithm allows SHA-256, SHA-512-256", r.err)

    def test_nc_check_on_refuses_the_replayed_nonce_count(self):
        a = self.apache(nc_check=True)
        r, checks = self.probe(a.url, "--strict")
        log = a.error_log()
        self.assert_common(checks, log)
        self.assertEqual(checks["digest-nc-replay"]["verdict"], "pass")
        self.assertEqual(checks["digest-nc-replay"]["status"], 401)
        self.assertIn("possible replay attack: nonce-count check failed: 1 is not above 1", log)
        # Only the SHA-256 warning stands: exit 1 with --strict, 0 without.
        self.assertEqual(r.rc, 1, r)
        self.assertEqual(self.probe(a.url)[0].rc, 0)

    def test_nc_check_off_accepts_the_same_authorization_twice(self):
        a = self.apache(nc_check=False)
        r, checks = self.probe(a.url)
        self.assertEqual(r.rc, 0, r)
        self.assert_common(checks, a.error_log())
        self.assertEqual(checks["digest-nc-replay"]["verdict"], "warn")
        self.assertEqual(checks["digest-nc-replay"]["status"], 204)
        self.assertNotIn("replay attack", a.error_log())


if __name__ == "__main__":
    harness.main()
