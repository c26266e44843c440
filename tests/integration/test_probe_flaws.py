"""`hookauth webhook probe` against tests/peers/flawed_receiver.py, one flaw at a time: each flaw must make
exactly the checks it breaks fail (MUST) or warn (SHOULD), every other check pass, and the exit code follow
(1 for a failed MUST; a warning only with --strict).

Run from the repository root: HOOKAUTH_BIN=build/src/hookauth /usr/bin/python3 -m unittest -v
tests/integration/test_probe_flaws.py
"""

import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

RECEIVER = os.path.join(harness.REPO, "tests", "peers", "flawed_receiver.py")
WHSEC = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
PASSWORD = "correct horse battery staple"
KEY = "k-7f3A9c2e51d84b60"
GITHUB = "It's a Secret to Everybody"
BEARER = "tok-9a41c0e7d25b8f36"
with open(os.path.join(harness.REPO, "tests", "data", "jwt", "tokens.json")) as _f:
    JWT = json.load(_f)["tokens"]["rs256"]["token"]  # the receiver compares it as a string
# an oauth2 profile needs a token URL; with --token (see probe()) it is never asked
OAUTH2 = ["--type", "oauth2", "--grant", "client-credentials", "--client-id", "rp", "--client-secret", "rp-secret",
          "--token-url", "http://127.0.0.1:9/token"]
# profile name -> the token `webhook probe --token` sends
TOKENS = {"oauth": BEARER, "jwt": JWT}

# profile name -> (hookauth auth add flags, flawed_receiver flags)
SETUPS = {
    "basic": (["--type", "basic", "--username", "acme", "--password", PASSWORD], ["--basic", "acme:" + PASSWORD]),
    "key": (["--type", "api-key", "--key", "X-API-Key", "--value", KEY], ["--api-key", "X-API-Key:" + KEY]),
    "swh": (["--type", "signature", "--scheme", "standard-webhooks", "--secret", WHSEC],
            ["--standard-webhooks", WHSEC]),
    "gh": (["--type", "signature", "--scheme", "github", "--secret", GITHUB], ["--github", GITHUB]),
    "basic.swh": (["--type", "basic", "--username", "acme", "--password", PASSWORD, "--signature",
                   "standard-webhooks", "--signature-secret", WHSEC],
                  ["--basic", "acme:" + PASSWORD, "--standard-webhooks", WHSEC]),
    "oauth": (OAUTH2, ["--bearer", BEARER]),
    "jwt": (OAUTH2, ["--bearer", JWT]),
}

# (profile, flaw) -> {check id: "fail" or "warn"}: what the flaw breaks, and nothing else.
FLAWS = {
    ("basic", "any-password"): {"basic-wrong-password": "fail", "basic-password-prefix": "fail",
                                "basic-password-longer": "fail"},
    ("basic", "any-user"): {"basic-wrong-user": "fail"},
    ("basic", "password-prefix"): {"basic-password-prefix": "fail", "basic-password-longer": "fail"},
    ("basic", "scheme-case-strict"): {"basic-scheme-case": "warn"},
    ("basic", "no-challenge"): {"basic-challenge": "warn"},
    ("key", "key-prefix"): {"apikey-prefix": "fail", "apikey-longer": "fail"},
    ("key", "key-case-insensitive"): {"apikey-case": "fail"},
    ("key", "key-anywhere"): {"apikey-other-place": "warn"},
    ("key", "missing-key-ok"): {"apikey-missing": "fail", "no-credentials": "fail"},
    ("swh", "signature-optional"): {"sig-missing": "fail", "no-credentials": "fail"},
    ("swh", "no-tolerance"): {"sig-stale-timestamp": "fail", "sig-future-timestamp": "fail"},
    ("swh", "no-replay-book"): {"sig-replay": "warn"},
    ("swh", "first-signature-only"): {"sig-rotation": "warn"},
    ("swh", "timestamp-unsigned"): {"sig-timestamp-swapped": "fail"},
    ("swh", "any-version"): {"sig-unknown-version": "fail"},
    ("swh", "body-unchecked"): {"sig-tampered-body": "fail"},
    ("gh", "signature-optional"): {"sig-missing": "fail", "no-credentials": "fail"},
    ("gh", "body-unchecked"): {"sig-tampered-body": "fail"},
    # Stacked: a flaw in the signature is found behind correct Basic credentials, and the reverse.
    ("basic.swh", "body-unchecked"): {"sig-tampered-body": "fail"},
    ("basic.swh", "any-user"): {"basic-wrong-user": "fail"},
    ("oauth", "token-anywhere"): {"bearer-in-query": "warn"},
    ("oauth", "scheme-case-strict"): {"bearer-scheme-case": "warn"},
    ("oauth", "no-challenge"): {"bearer-challenge": "warn"},
    # Compared on the shorter length: only a JWT's stripped signature (header.payload., a prefix of the
    # token) gets through; no check sends a shortened opaque token.
    ("jwt", "token-prefix"): {"jwt-signature-stripped": "fail"},
}


class ProbeFindsEachFlaw(harness.HookauthTest):

    def setUp(self):
        super().setUp()
        self.fixture(self.add_profiles)

    def add_profiles(self):
        for name, (flags, _) in SETUPS.items():
            self.ok("auth", "add", name, *flags)

    def receiver(self, profile, *flaws):
        args = ["/usr/bin/python3", RECEIVER, "--port", "0"] + SETUPS[profile][1]
        for f in flaws:
            args += ["--flaw", f]
        server = harness.Server(args, self.env)
        self.addCleanup(server.stop)
        server.url = "http://127.0.0.1:%d" % server.port
        return server

    def probe(self, profile, server, *extra):
        token = ["--token", "env:PROBE_TOKEN"] if profile in TOKENS else []
        return self.hookauth("webhook", "probe", "--auth", profile, "--delay", "0", "-d", '{"event":"x"}',
                             server.url + "/hooks", "--json", *token, *extra,
                             env={"PROBE_TOKEN": TOKENS.get(profile, "")})

    def not_passed(self, r):
        return {c["id"]: c["verdict"] for c in r.json()["checks"] if c["verdict"] not in ("pass", "skip")}

    def test_a_correct_receiver_passes_every_check(self):
        for profile in SETUPS:
            with self.subTest(profile=profile):
                r = self.probe(profile, self.receiver(profile), "--strict")
                self.assertEqual(r.rc, 0, r)
                self.assertEqual(self.not_passed(r), {})

    def test_each_flaw_fails_exactly_its_checks(self):
        for (profile, flaw), expected in FLAWS.items():
            with self.subTest(profile=profile, flaw=flaw):
                r = self.probe(profile, self.receiver(profile, flaw))
                self.assertEqual(self.not_passed(r), expected, r)
                must_failed = "fail" in expected.values()
                self.assertEqual(r.rc, 1 if must_failed else 0, r)
                if expected and not must_failed:  # only warnings: --strict makes them count
                    strict = self.probe(profile, self.receiver(profile, flaw), "--strict")
                    self.assertEqual(strict.rc, 1, strict)


if __name__ == "__main__":
    harness.main()
