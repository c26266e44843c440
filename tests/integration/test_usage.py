"""Bad command lines: exit 2 and exactly one stderr line 'hookauth: error: ...' that holds no secret."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

SECRET = "Usage-S3cret-77qz"


class BadInput(harness.HookauthTest):
    def setUp(self):
        super().setUp()
        self.fixture(lambda: self.add_basic("known", "u", SECRET))
        with open(self.store, "rb") as f:
            self.store_before = f.read()

    def check(self, *args, expect=None, input=None):
        r = self.hookauth(*args, input=input)
        line = self.assert_one_error_line(r, 2)
        self.assertNotIn(SECRET, r.err + r.out, r)
        self.assertNotIn(SECRET[:8], r.err, r)
        self.assertEqual(r.out, "", r)
        if expect:
            self.assertIn(expect, line)
        with open(self.store, "rb") as f:
            self.assertEqual(f.read(), self.store_before, "a failed command changed the store")
        return line

    def test_auth_add(self):
        base = ["auth", "add", "new"]
        cases = [
            (["--type", "basic", "--username", "u", "--password", SECRET, "--bogus"], "--bogus"),
            (["--username", "u", "--password", SECRET], "--type"),
            (["--type", "weird", "--password", SECRET], "weird"),
            (["--type", "basic", "--username", "u", "--password", SECRET, "--key", "k"], "--key"),
            (["--type", "basic", "--username", "u", "--password", SECRET, "--in", "query"], "--in"),
            (["--type", "api-key", "--key", "k", "--value", SECRET, "--password", SECRET], "--password"),
            (["--type", "api-key", "--key", "k", "--value", SECRET, "--in", "body"], "body"),
            (["--type", "api-key", "--value", SECRET], "--key"),
            (["--type", "api-key", "--key", "k"], "--value"),
            (["--type", "basic", "--username", "u"], "--password"),
            (["--type", "basic", "--password", SECRET], "--username"),
            (["--type", "none", "--password", SECRET], "--password"),
            (["--type", "basic", "--username", "u", "--password", SECRET, "--password", SECRET + "2"], "--password"),
            (["--type", "basic", "--username", "u", "--password", SECRET, "extra"], "extra"),
            (["--type", "basic", "--username", "u", "--password", "env:"], "env:"),
            (["--type", "basic", "--username", "u", "--password", "file:"], "file:"),
            (["--type"], "--type"),
        ]
        for extra, expect in cases:
            with self.subTest(args=extra):
                self.check(*(base + extra), expect=expect)

    def test_auth_add_bad_name_and_duplicate(self):
        self.check("auth", "add", "a b", "--type", "basic", "--username", "u", "--password", SECRET, expect="a b")
        self.check("auth", "add", "known", "--type", "basic", "--username", "u", "--password", SECRET,
                   expect="--force")
        self.check("auth", "add", "--type", "basic", "--username", "u", "--password", SECRET, expect="name")

    def test_missing_or_unknown_authorization_name(self):
        self.check("webhook", "send", "http://127.0.0.1:9/", "--auth", expect="--auth")
        self.check("webhook", "send", "--auth", "http://127.0.0.1:9/", expect="url")
        self.check("webhook", "send", "--auth", "absent", "http://127.0.0.1:9/", expect="absent")
        self.check("verify", "--auth", expect="--auth")
        self.check("verify", "--request", "-", expect="--auth", input=b"GET / HTTP/1.1\r\n\r\n")
        self.check("verify", "--auth", "absent", expect="absent", input=b"GET / HTTP/1.1\r\n\r\n")
        self.check("verify", "serve", "--auth", expect="--auth")
        self.check("verify", "serve", "--listen", "127.0.0.1:0", expect="--auth")
        self.check("verify", "serve", "--auth", "absent", "--listen", "127.0.0.1:0", expect="absent")
        self.check("auth", "show", "absent", expect="absent")
        self.check("auth", "remove", "absent", expect="absent")
        self.check("auth", "show", expect="name")

    def test_webhook_send_flags(self):
        url = "http://127.0.0.1:9/"
        cases = [
            (["--auth", "known", url, "--bogus"], "--bogus"),
            (["--auth", "known", url, "-H", "NoColon"], "-H"),
            (["--auth", "known", url, "-H", ": empty name"], "-H"),
            (["--auth", "known", url, "-H", "Bad Name: v"], "-H"),
            (["--auth", "known", url, "-H", "X(bad): v"], "not a header name"),  # as webhook add -H
            (["--auth", "known", url, "--retries", "many"], "--retries"),
            (["--auth", "known", url, "--retries", "-1"], "--retries"),
            (["--auth", "known", url, "--timeout", "-1"], "--timeout"),
            (["--auth", "known", url, "-d", "@" + os.path.join("/nonexistent", "body.json")], "body.json"),
            (["--auth", "known", url, "-d", "@" + self.tmp], "is a directory"),
            (["--auth", "known", url, "-X", "POST /admin HTTP/1.1\r\nX-Injected: 1\r\nX-Foo:"], "-X"),
            (["--auth", "known", url, "-X", ""], "-X ''"),
            (["--auth", "known", url, "-X", "GET /x"], "not an HTTP method"),
            (["--auth", "known", url, "--cacert", os.path.join(self.tmp, "missing.pem")], "--cacert"),
            (["--auth", "known", url, "--dry-run", "--curl"], "--dry-run excludes --curl"),
            (["--auth", "known", url, "--json", "--dry-run"], "--json excludes --dry-run"),
            (["--auth", "known", url, "--curl", "--json"], "--curl"),
            (["http://u:" + SECRET + "@127.0.0.1:9/x", "--curl"], "carries credentials"),
            (["http://u:" + SECRET + "@127.0.0.1:9/x", "--dry-run"], "carries credentials"),
            (["http://u:" + SECRET + "@127.0.0.1:9/x", "--data-lines", "-"], "carries credentials"),
            (["--auth", "known", "ftp://127.0.0.1/"], "ftp"),
            (["--auth", "known", "/relative/only"], None),
            (["--auth", "known"], "url"),
        ]
        for extra, expect in cases:
            with self.subTest(args=extra):
                self.check("webhook", "send", *extra, expect=expect)

    def test_saved_webhook_url_with_credentials(self):
        self.check("webhook", "add", "w", "--url", "https://u:" + SECRET + "@127.0.0.1:9/x", expect="carries credentials")

    def test_verify_serve_count_is_not_negative(self):
        self.check("verify", "serve", "--auth", "known", "--count", "-1", expect="--count")

    def test_repeatable_options_take_one_value_each(self):
        # -H, --sign-header and the other repeatable options take one value per use, as curl's -H does:
        # the URL or NAME may follow them.
        url = "http://127.0.0.1:9/x"
        r = self.ok("webhook", "send", "-H", "X-One: 1", "-H", "X-Two: 2", url, "--dry-run")
        self.assertIn("X-One: 1\r\n", r.out)
        self.assertIn("X-Two: 2\r\n", r.out)
        self.assertTrue(r.out.startswith("GET /x HTTP/1.1"), r.out)
        self.ok("webhook", "add", "-H", "X-A: 1", "saved", "--url", url)
        self.assertEqual(self.ok("webhook", "show", "saved", "--json").json()["headers"], ["X-A: 1"])
        self.ok("auth", "add", "--sign-header", "x-a", "aws", "--sign-header", "x-b", "--type", "aws-sigv4",
                "--access-key", "AKIDEXAMPLE", "--secret-key", "env:NOT_READ_HERE", "--region", "r", "--service", "s")
        self.assertEqual(self.ok("auth", "show", "aws", "--json").json()["sign-header"], ["x-a", "x-b"])

    def test_commands_and_subcommands(self):
        self.check(expect=None)
        self.check("bogus")
        self.check("auth")
        self.check("webhook")
        self.check("auth", "list", "--bogus", expect="--bogus")
        self.check("--store")

    def test_typos_get_did_you_mean(self):
        """Issue 19 item 8: an unknown flag, command or choice names the nearest known one."""
        add = ["auth", "add", "new", "--type", "basic", "--password", SECRET]
        line = self.check(*add, "--usernme", "u")
        self.assertIn("unknown flag '--usernme' for 'hookauth auth add'", line)
        self.assertTrue(line.endswith("; did you mean '--username'?"), line)
        line = self.check(*add, "--usernme=u")
        self.assertTrue(line.endswith("; did you mean '--username'?"), line)
        self.assertTrue(self.check("auth", "list", "--jsn").endswith("; did you mean '--json'?"))
        # a global flag after the command falls through, so it is a candidate there too
        self.assertTrue(self.check("auth", "list", "--quite").endswith("; did you mean '--quiet'?"))
        line = self.check("auth", "ad", "new")
        self.assertIn("unknown command 'hookauth auth ad'", line)
        self.assertTrue(line.endswith("; did you mean 'add'?"), line)
        self.assertTrue(self.check("webhok", "send").endswith("; did you mean 'webhook'?"))
        self.assertTrue(self.check("verify", "serv").endswith("; did you mean 'serve'?"))
        line = self.check("auth", "add", "new", "--type", "oauth2", "--grant", "client-credential", "--client-id",
                          "c", "--token-url", "https://127.0.0.1/t")
        self.assertIn("--grant: client-credential not in {client-credentials,authorization-code}", line)
        self.assertTrue(line.endswith("; did you mean 'client-credentials'?"), line)
        line = self.check("auth", "add", "new", "--type", "basc", "--username", "u", "--password", SECRET)
        self.assertTrue(line.endswith("; did you mean 'basic'?"), line)
        # nothing near: no suggestion
        for args in (["auth", "list", "--bogus"], ["auth", "zzzz"], add + ["--username", "u", "--in", "q"]):
            with self.subTest(args=args):
                self.assertNotIn("did you mean", self.check(*args))

    def test_choices_are_stored_in_their_canonical_spelling(self):
        """--algorithm sha-256 is stored and listed as SHA-256; RFC 6749's client_credentials is taken as
        client-credentials."""
        self.ok("auth", "add", "dg", "--type", "digest", "--username", "u", "--password", "p",
                "--algorithm", "sha-256, md5-SESS,sha-512-256")
        self.assertEqual(self.ok("auth", "show", "dg", "--json").json()["algorithm"], "SHA-256, MD5-sess,SHA-512-256")
        self.assertIn("SHA-256, MD5-sess,SHA-512-256", self.ok("auth", "list").out)
        for typed, stored in (("client_credentials", "client-credentials"), ("authorization_code", "authorization-code")):
            with self.subTest(typed):
                extra = (["--auth-url", "http://127.0.0.1:9/a", "--redirect-uri", "http://127.0.0.1:8/cb"]
                         if stored == "authorization-code" else [])
                self.ok("auth", "add", "o-" + typed, "--type", "oauth2", "--grant", typed, "--client-id", "c",
                        "--token-url", "http://127.0.0.1:9/t", *extra)
                self.assertEqual(self.ok("auth", "show", "o-" + typed, "--json").json()["grant"], stored)

    def test_help_and_version(self):
        r = self.hookauth("--help")
        self.assertEqual(r.rc, 0, r)
        for word in ("auth", "webhook", "verify"):
            self.assertIn(word, r.out)
        r = self.hookauth("--version")
        self.assertEqual(r.rc, 0, r)
        self.assertTrue(r.out.startswith("hookauth "), r)
        r = self.hookauth("webhook", "send", "--help")
        self.assertEqual(r.rc, 0, r)
        for flag in ("--auth", "--dry-run", "--reveal", "--retries", "--allow-insecure-http", "-L"):
            self.assertIn(flag, r.out)


if __name__ == "__main__":
    harness.main()
