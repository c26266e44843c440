"""`hookauth webhook probe` against receivers hookauth did not write: nginx `auth_basic` (Debian's nginx-light)
with an htpasswd file made by Apache's `htpasswd` (one apr1 MD5 user, one bcrypt user), and a Node receiver on
the npm `standardwebhooks` package (tests/peers/standardwebhooks_receiver.js, the version pinned in
tests/peers/package.json, installed by scripts/install-deps). Each verdict asserted here is what that peer was
seen to do; a comment says where a verdict is a finding about the peer rather than about hookauth.

Run from the repository root: HOOKAUTH_BIN=build/src/hookauth /usr/bin/python3 -m unittest -v
tests/integration/test_probe_real.py
"""

import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

sys.path.insert(0, os.path.join(harness.REPO, "tests", "peers"))
import nginx  # noqa: E402

PEERS = os.path.join(harness.REPO, "tests", "peers")
NODE = "/usr/bin/node"
WHSEC = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
BODY = '{"event":"order.paid","id":42}'

BASIC_CHECKS = ["baseline", "no-credentials", "basic-wrong-password", "basic-wrong-user", "basic-password-prefix",
                "basic-password-longer", "basic-scheme-case", "basic-challenge"]
SIG_CHECKS = ["baseline", "no-credentials", "sig-missing", "sig-tampered-body", "sig-wrong-secret",
              "sig-unknown-version", "sig-stale-timestamp", "sig-future-timestamp", "sig-timestamp-swapped",
              "sig-replay", "sig-rotation"]

# auth_basic runs in nginx's access phase. `return` runs earlier (rewrite phase) and would answer 200 before
# any password is looked at, and the static module answers 405 to a POST: try_files runs after the access
# phase and hands the request to a location that answers 200.
AUTH_BASIC = """location / {{ auth_basic "partner"; auth_basic_user_file {htpasswd}; try_files /none @accepted; }}
    location @accepted {{ return 200 "accepted\\n"; }}"""


class ProbeReal(harness.HookauthTest):

    def probe(self, auth, url, *extra):
        return self.hookauth("webhook", "probe", "--auth", auth, "--delay", "0", "-d", BODY, "--json", url, *extra)

    def verdicts(self, r):
        return {c["id"]: c["verdict"] for c in r.json()["checks"]}


class ProbeNginxAuthBasic(ProbeReal):
    """nginx auth_basic with an htpasswd file: one user per hash htpasswd writes (-m apr1 MD5, -B bcrypt)."""

    USERS = {"apr1": ("-m", "partner-md5", "apr1 pass: horse"),
             "bcrypt": ("-B", "partner-bcrypt", "bcrypt pass: staple")}

    def setUp(self):
        super().setUp()
        self.htpasswd = os.path.join(self.tmp, "htpasswd")
        for flag, user, password in self.USERS.values():
            create = [] if os.path.exists(self.htpasswd) else ["-c"]
            subprocess.run(["htpasswd", "-b", *create, flag, self.htpasswd, user, password], check=True,
                           capture_output=True)
        # nginx started as root runs its worker as nobody, which must be able to read the file.
        os.chmod(self.tmp, 0o711)
        os.chmod(self.htpasswd, 0o644)
        with open(self.htpasswd) as f:
            self.hashes = dict(line.strip().split(":", 1) for line in f)

    def nginx(self, locations):
        n = nginx.Nginx(self.tmp, locations=locations)
        self.addCleanup(n.stop)
        return n

    def test_digest_profile_sent_to_basic_names_what_was_offered(self):
        """Issue 19 item 7: a Digest profile sent to nginx auth_basic names the Basic challenge it got."""
        n = self.nginx(AUTH_BASIC.format(htpasswd=self.htpasswd))
        self.ok("auth", "add", "dg", "--type", "digest", "--username", "partner-md5", "--password", "apr1 pass: horse")
        r = self.hookauth("webhook", "send", "--auth", "dg", n.url + "/hooks/order", "-d", BODY)
        self.assertEqual(r.rc, 4, r)
        self.assertIn("offered no Digest challenge: it offered Basic (WWW-Authenticate)", r.err)

    def test_every_basic_check_passes_for_the_apr1_and_the_bcrypt_user(self):
        self.assertTrue(self.hashes["partner-md5"].startswith("$apr1$"), self.hashes)
        self.assertTrue(self.hashes["partner-bcrypt"].startswith("$2y$"), self.hashes)
        n = self.nginx(AUTH_BASIC.format(htpasswd=self.htpasswd))
        for kind, (_, user, password) in self.USERS.items():
            with self.subTest(hash=kind):
                self.add_basic(kind, user, password)
                r = self.probe(kind, n.url + "/hooks/order", "--strict")
                self.assertEqual(r.rc, 0, r)
                checks = {c["id"]: c for c in r.json()["checks"]}
                self.assertEqual(list(checks), BASIC_CHECKS)
                self.assertEqual({i: c["verdict"] for i, c in checks.items()}, dict.fromkeys(BASIC_CHECKS, "pass"))
                self.assertEqual(checks["baseline"]["status"], 200)
                for refused in BASIC_CHECKS[1:6]:
                    self.assertEqual(checks[refused]["status"], 401, refused)
                # Finding about nginx: it takes the scheme name case-insensitively (RFC 9110 section 11.1), and
                # its challenge is `Basic realm="partner"` from the auth_basic directive.
                self.assertEqual(checks["basic-scheme-case"]["status"], 200)
                self.assertEqual(checks["basic-challenge"]["status"], 401)
                self.assertNotIn(password, r.out + r.err)
        # nginx logged every wrong password as a mismatch of a known user, and the unknown user as not found.
        with open(os.path.join(n.prefix, "error.log")) as f:
            log = f.read()
        for _, user, _ in self.USERS.values():
            self.assertIn('user "%s": password mismatch' % user, log)
        self.assertIn("was not found in", log)

    def test_return_200_in_the_same_location_answers_before_auth_basic_and_the_probe_says_so(self):
        # Finding about nginx: `return` runs in the rewrite phase, before the access phase where auth_basic
        # checks the password, so this location accepts anyone. Every MUST fails; the challenge is missing.
        n = self.nginx('location / {{ auth_basic "partner"; auth_basic_user_file {htpasswd}; return 200; }}'
                       .format(htpasswd=self.htpasswd))
        self.add_basic("apr1", "partner-md5", "apr1 pass: horse")
        r = self.probe("apr1", n.url + "/hooks/order")
        self.assertEqual(r.rc, 1, r)
        verdicts = self.verdicts(r)
        self.assertEqual(verdicts, {"baseline": "pass", "no-credentials": "fail", "basic-wrong-password": "fail",
                                    "basic-wrong-user": "fail", "basic-password-prefix": "fail",
                                    "basic-password-longer": "fail", "basic-scheme-case": "pass",
                                    "basic-challenge": "warn"})


class ProbeStandardWebhooksLibrary(ProbeReal):
    """The npm standardwebhooks package's Webhook.verify, behind node's http server."""

    def receiver(self, secret=WHSEC):
        if not os.path.isdir(os.path.join(PEERS, "node_modules", "standardwebhooks")):
            self.fail("tests/peers/node_modules/standardwebhooks is missing: run scripts/install-deps")
        env = dict(self.env, WEBHOOK_SECRET=secret)
        s = harness.Server([NODE, os.path.join(PEERS, "standardwebhooks_receiver.js")], env)
        self.addCleanup(s.stop)
        return s

    def library_version(self):
        with open(os.path.join(PEERS, "node_modules", "standardwebhooks", "package.json")) as f:
            return json.load(f)["version"]

    def test_each_signature_check_as_the_library_behaves(self):
        with open(os.path.join(PEERS, "package.json")) as f:
            self.assertEqual(self.library_version(), json.load(f)["dependencies"]["standardwebhooks"])
        self.ok("auth", "add", "sw", "--type", "signature", "--scheme", "standard-webhooks", "--secret", WHSEC)
        s = self.receiver()
        r = self.probe("sw", s.url + "/hooks/order")
        # sig-replay is a SHOULD: its warning alone leaves the exit code 0, and makes it 1 under --strict.
        self.assertEqual(r.rc, 0, r)
        checks = {c["id"]: c for c in r.json()["checks"]}
        self.assertEqual(list(checks), SIG_CHECKS)
        expected = dict.fromkeys(SIG_CHECKS, "pass")
        # Finding about the library: it keeps no book of message ids (none in its API), so the baseline sent
        # again inside its 5-minute tolerance verifies. Standard Webhooks asks receivers to refuse replays; a
        # receiver built on this library has to add that itself.
        expected["sig-replay"] = "warn"
        self.assertEqual({i: c["verdict"] for i, c in checks.items()}, expected)
        self.assertEqual(checks["sig-replay"]["status"], 200)
        # The receiver's log: one line per check, and for each refusal the library's own reason, which shows
        # each request was refused for what the check changed and not for something else.
        log = self.wait_for(lambda: len(s.stdout_json()) >= len(SIG_CHECKS) and s.stdout_json(),
                            what="the receiver's log")
        # sig-replay sends the baseline again byte for byte: its X-Hookauth-Probe header says baseline too.
        reasons = [(line["probe"], line["status"], line["error"]) for line in log]
        self.assertEqual(reasons, [
            ("baseline", 200, None),
            ("no-credentials", 401, "Missing required headers"),
            ("sig-missing", 401, "Missing required headers"),
            ("sig-tampered-body", 401, "No matching signature found"),
            ("sig-wrong-secret", 401, "No matching signature found"),
            # The library compares whole "v1,<base64>" strings: a v2 entry matches nothing.
            ("sig-unknown-version", 401, "No matching signature found"),
            ("sig-stale-timestamp", 401, "Message timestamp too old"),
            ("sig-future-timestamp", 401, "Message timestamp too new"),
            ("sig-timestamp-swapped", 401, "No matching signature found"),
            ("baseline", 200, None),  # sig-replay, accepted: the library keeps no book of ids
            # Several space-separated signatures: any one that matches is enough (key rotation).
            ("sig-rotation", 200, None),
        ])
        r = self.probe("sw", s.url + "/hooks/order", "--strict")
        self.assertEqual(r.rc, 1, r)
        self.assertEqual(self.verdicts(r)["sig-replay"], "warn")

    def test_a_profile_with_another_secret_is_refused_at_the_baseline(self):
        self.ok("auth", "add", "sw", "--type", "signature", "--scheme", "standard-webhooks", "--secret", WHSEC)
        s = self.receiver(secret="whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=")
        r = self.hookauth("webhook", "probe", "--auth", "sw", "--delay", "0", "-d", BODY, s.url + "/hook")
        self.assertEqual(r.rc, 1, r)
        self.assertIn("the baseline (a correct request) was not accepted: HTTP 401", r.err)


if __name__ == "__main__":
    harness.main()
