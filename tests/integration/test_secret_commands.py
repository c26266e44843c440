"""cmd: secret references: a command's stdout (one trailing newline removed) is the secret.

Checked here: the secret a command prints is the one sent (at a capturing receiver, and against
`verify serve`), compared with the same profile holding the secret literally for every type's secret
fields and --signature-secret; --expect-token and --token; a failing, silent, missing and hanging
command (one error line, exit 2, its exit status or the timeout named, its stderr excerpted with the
secret kept out); a batch of 1,000 lines running the command once; quoting, the JSON array in the store
and `auth show`; the secret never written to the store or state file. Also the warning for a literal
secret on the command line, the add-time checks of env: and file:, and `auth token/login/presign`
refusing the wrong type before any command runs.
"""

import base64
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

SECRET = "Cmd-s3cret-Vq81xZ"
AT = "20240501T120000Z"
WARNING = "on the command line is visible to other users (ps)"


class SecretCommandTest(harness.HookauthTest):

    def setUp(self):
        super().setUp()
        self.trace = os.path.join(self.tmp, "trace")

    def cmd(self, content=SECRET + "\n"):
        """A cmd: reference that appends a line to self.trace, then prints content (kept in a file, so that
        the secret is not in the command, which is stored and shown)."""
        path = os.path.join(self.tmp, "secret-%d" % len(os.listdir(self.tmp)))
        with open(path, "w", newline="") as f:
            f.write(content)
        return "cmd:sh -c 'echo ran >> %s; cat %s'" % (self.trace, path)

    def runs(self):
        """How many times a command made by cmd() ran."""
        try:
            with open(self.trace) as f:
                return len(f.read().splitlines())
        except FileNotFoundError:
            return 0

    def assert_not_on_disk(self, secret=SECRET):
        for top, _, files in os.walk(os.path.dirname(self.store)):
            for name in files:
                with open(os.path.join(top, name), "rb") as f:
                    self.assertNotIn(secret.encode(), f.read(), name)

    def send_dry(self, name, *extra):
        return self.ok("--at", AT, "webhook", "send", "--auth", name, "--dry-run", "--reveal", "-d", '{"n":1}',
                       "http://127.0.0.1:9/hook", *extra)


class Resolving(SecretCommandTest):

    def test_stdout_minus_one_newline_is_the_secret_sent(self):
        cap = self.capture()
        self.add_basic("lf", "u", self.cmd())
        self.add_basic("crlf", "u", self.cmd(SECRET + "\r\n"))
        self.add_basic("none", "u", self.cmd(SECRET))
        self.assertEqual(self.runs(), 0, "auth add ran the command")
        for name in ("lf", "crlf", "none"):
            r = self.ok("webhook", "send", "--auth", name, cap.url + "/hook")
            self.assertNotIn(SECRET, r.out + r.err)
        sent = [harness.Capture.header(q, "Authorization") for q in cap.requests()]
        self.assertEqual(sent, [["Basic " + harness.b64("u:" + SECRET)]] * 3)
        self.assertEqual(self.runs(), 3)
        self.assert_not_on_disk()

    def test_verify_serve_with_a_cmd_secret_and_a_batch_of_1000_runs_it_once(self):
        self.add_basic("receiver", "u", self.cmd())
        self.add_basic("sender", "u", "env:PW")
        server = self.serve("receiver")
        self.assertEqual(self.runs(), 1)
        lines = os.path.join(self.tmp, "lines")
        with open(lines, "w") as f:
            f.writelines('{"n": %d}\n' % i for i in range(1000))
        r = self.ok("webhook", "send", "--auth", "sender", server.url + "/hook", "--data-lines", lines, "--json",
                    env={"PW": SECRET})
        self.assertEqual((r.json()["succeeded"], r.json()["failed"]), (1000, 0), r)
        # And the other way round: the sender's command runs once for the whole batch.
        self.add_basic("sender-cmd", "u", self.cmd())
        r = self.ok("webhook", "send", "--auth", "sender-cmd", server.url + "/hook", "--data-lines", lines,
                    "--concurrency", "16", "--json")
        self.assertEqual((r.json()["succeeded"], r.json()["failed"]), (1000, 0), r)
        self.assertEqual(self.runs(), 2)
        self.assert_not_on_disk()

    def test_quoting_is_stored_as_words_and_shown_back(self):
        ref = "cmd:printf %s|%s|%s 'single $HOME \"x\"' \"double \\\"q\\\" \\$x \\\\ 'y'\" back\\ slash\\\\"
        words = ["printf", "%s|%s|%s", 'single $HOME "x"', "double \"q\" $x \\ 'y'", "back slash\\"]
        self.add_key("k", "X-Key", ref, "header")
        with open(self.store) as f:
            self.assertEqual(json.load(f)["authorizations"][0]["value"], {"cmd": words})
        shown = self.ok("auth", "show", "k", "--json").json()["value"]
        self.assertTrue(shown.startswith("cmd:"), shown)
        # What auth show prints is a command line that gives the same words again.
        self.add_key("again", "X-Key", shown, "header")
        with open(self.store) as f:
            self.assertEqual(json.load(f)["authorizations"][1]["value"], {"cmd": words})
        self.assertIn(shown, self.ok("auth", "show", "k").out)
        r = self.send_dry("k")
        self.assertIn("X-Key: %s|%s|%s\r\n" % tuple(words[2:]), r.out)

    def test_bad_quoting_and_bad_shapes_are_refused(self):
        for ref, what in (("cmd:", "needs a command"), ("cmd:   ", "needs a command"),
                          ("cmd:op read 'x", "single quote is not closed"),
                          ('cmd:op "x', "double quote is not closed"), ("cmd:op x\\", "backslash")):
            line = self.assert_one_error_line(self.hookauth("auth", "add", "b", "--type", "basic", "--username",
                                                            "u", "--password", ref))
            self.assertIn("--password: cmd: ", line)
            self.assertIn(what, line)
        os.makedirs(os.path.dirname(self.store), mode=0o700)
        for bad in ([], [""], [1], "printf", ["a\u0000b"]):
            with open(os.open(self.store, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
                json.dump({"version": 1, "authorizations": [
                    {"name": "b", "type": "basic", "username": "u", "password": {"cmd": bad}}]}, f)
            line = self.assert_one_error_line(self.hookauth("auth", "show", "b"))
            self.assertIn("password", line)
            self.assertIn('{"cmd": [WORD, ...]}', line)


class Failing(SecretCommandTest):

    def fails(self, ref):
        self.add_basic("b", "u", ref)
        return self.assert_one_error_line(self.hookauth("webhook", "send", "--auth", "b", "--dry-run",
                                                        "http://127.0.0.1:9/"))

    def test_exit_status_and_redacted_stderr(self):
        path = os.path.join(self.tmp, "s")
        with open(path, "w") as f:
            f.write(SECRET)
        line = self.fails("cmd:sh -c 'cat {0}; echo; echo \"vault: denied for $(cat {0}), try again\" >&2; "
                          "echo second line >&2; exit 3'".format(path))
        self.assertIn("b: password: cmd:sh -c ", line)
        self.assertIn("exited with status 3; stderr: vault: denied for [redacted], try again", line)
        self.assertNotIn("second line", line)
        self.assertNotIn(SECRET, line)

    def test_a_short_secret_echoed_on_stderr_withholds_the_excerpt(self):
        line = self.fails("cmd:sh -c 'echo ab; echo \"bad: ab\" >&2; exit 1'")
        self.assertTrue(line.endswith("exited with status 1"), line)

    def test_killed_silent_and_missing_commands(self):
        line = self.fails("cmd:sh -c 'kill -9 $$'")
        self.assertIn("exited with status 137", line)
        self.hookauth("auth", "remove", "b")
        line = self.fails("cmd:sh -c 'echo only stderr >&2'")
        self.assertIn("exited with status 0 but printed nothing; stderr: only stderr", line)
        self.hookauth("auth", "remove", "b")
        line = self.fails("cmd:printf '\\n'")
        self.assertIn("printed nothing", line)
        self.hookauth("auth", "remove", "b")
        line = self.fails("cmd:hookauth-no-such-program --flag")
        self.assertIn("cannot run hookauth-no-such-program", line)

    def test_a_command_that_hangs_is_killed_at_10_s(self):
        pid_file = os.path.join(self.tmp, "pid")
        self.add_basic("b", "u", "cmd:sh -c 'echo $$ > %s; exec sleep 60'" % pid_file)
        line = self.assert_one_error_line(self.hookauth("webhook", "send", "--auth", "b", "--dry-run",
                                                        "http://127.0.0.1:9/", timeout=40))
        self.assertIn("timed out after 10 s", line)
        with open(pid_file) as f:
            pid = int(f.read())
        with self.assertRaises(ProcessLookupError, msg="the command outlived hookauth"):
            os.kill(pid, 0)


class EveryPlace(SecretCommandTest):
    """cmd: gives the same request as the same secret given literally, wherever a secret goes."""

    PROFILES = {
        "basic": ["--type", "basic", "--username", "u", "--password", "{s}"],
        "api-key": ["--type", "api-key", "--key", "X-Key", "--value", "{s}", "--in", "query"],
        "digest": ["--type", "digest", "--username", "u", "--password", "{s}", "--realm", "r",
                   "--nonce", "abc", "--opaque", "o"],
        "aws-secret": ["--type", "aws-sigv4", "--access-key", "AKIDEXAMPLE", "--secret-key", "{s}",
                       "--region", "us-east-1", "--service", "execute-api"],
        "aws-session": ["--type", "aws-sigv4", "--access-key", "AKIDEXAMPLE", "--secret-key", "k" * 20,
                        "--session-token", "{s}", "--region", "us-east-1", "--service", "execute-api"],
        "signature": ["--type", "signature", "--scheme", "github", "--secret", "{s}"],
        "stacked": ["--type", "none", "--signature", "stripe", "--signature-secret", "{s}"],
    }

    def test_each_types_secret_fields(self):
        for name, args in self.PROFILES.items():
            self.ok("-q", "auth", "add", name + "-lit", *[a.replace("{s}", SECRET) for a in args])
            self.ok("auth", "add", name + "-cmd", *[a.replace("{s}", self.cmd()) for a in args])
        self.assertEqual(self.runs(), 0)
        for name in self.PROFILES:
            with self.subTest(name):
                extra = ["--id", "msg_1"] if name in ("signature", "stacked") else []
                literal, command = self.send_dry(name + "-lit", *extra), self.send_dry(name + "-cmd", *extra)
                self.assertEqual(command.out, literal.out)
                self.assertIn("Host: 127.0.0.1:9", command.out)
        self.assertEqual(self.runs(), len(self.PROFILES))

    def test_oauth2_client_secret(self):
        cap = self.capture("--reply", json.dumps({"status": 200, "headers": {"Content-Type": "application/json"},
                                                  "body": '{"access_token": "at-1", "token_type": "Bearer"}'}))
        self.ok("auth", "add", "o", "--type", "oauth2", "--grant", "client-credentials", "--client-id", "hooks",
                "--client-secret", self.cmd(), "--token-url", cap.url + "/token")
        self.assertEqual(self.ok("auth", "token", "o").out, "at-1\n")
        (request,) = cap.requests()
        basic = [base64.b64decode(v.split()[1]).decode() for v in harness.Capture.header(request, "Authorization")]
        self.assertIn("client_secret=" + SECRET, basic + request["body"].decode().split("&"))
        self.assertEqual(self.runs(), 1)
        self.assert_not_on_disk()

    def test_expect_token_and_probe_token(self):
        self.ok("auth", "add", "o", "--type", "oauth2", "--grant", "client-credentials", "--client-id", "hooks",
                "--client-secret", "env:CS", "--token-url", "http://127.0.0.1:9/token")
        request = ("POST /hook HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer %s\r\nContent-Length: 2\r\n\r\n{}"
                   % SECRET)
        self.env["CS"] = "client-secret-1"
        r = self.ok("verify", "--auth", "o", "--expect-token", self.cmd(), "--request", "-", input=request)
        self.assertEqual(r.out, "valid\n")
        self.assertEqual(r.err, "")
        r = self.hookauth("verify", "--auth", "o", "--expect-token", self.cmd("other-token"), "--request", "-",
                          input=request)
        self.assertEqual(r.rc, 1, r)
        server = self.serve("o", "--expect-token", self.cmd())
        r = self.hookauth("webhook", "probe", "--auth", "o", "--delay", "0", "--token", self.cmd(),
                          server.url + "/hook", "baseline", "bearer-", "--json")
        self.assertEqual(r.rc, 0, r)
        checks = {c["id"]: c for c in r.json()["checks"]}
        self.assertEqual(checks["baseline"]["status"], 200, r)
        self.assertTrue(all(c["verdict"] == "pass" for c in checks.values()), r)
        self.assertNotIn(SECRET, r.out + r.err)
        self.assertEqual(self.runs(), 4)


class Warnings(SecretCommandTest):

    def test_a_literal_on_the_command_line_is_warned_about(self):
        for name, value in (("p", "plain-pw-1"), ("l", "literal:env:x")):
            r = self.ok("auth", "add", name, "--type", "basic", "--username", "u", "--password", value)
            self.assertEqual(r.err.splitlines(), [
                "hookauth: warning: --password " + WARNING + "; use env:NAME, file:PATH, cmd:COMMAND or - instead",
                "added authorization '%s' (basic)" % name], r)
            self.assertNotIn(value, r.err)
        r = self.ok("-q", "auth", "add", "b", "--type", "basic", "--username", "u", "--password", "pw", "--force")
        self.assertEqual(r.err, "")
        r = self.ok("auth", "add", "b", "--type", "basic", "--username", "u", "--password", "-", "--force",
                    "--json", input="from-stdin\n")
        self.assertEqual(r.err, "")
        r = self.ok("auth", "add", "b", "--type", "basic", "--username", "u", "--password", "env:PATH", "--force",
                    "--json")
        self.assertEqual(r.err, "")

    def test_expect_token_and_token_literals(self):
        self.ok("auth", "add", "o", "--type", "oauth2", "--grant", "client-credentials", "--client-id", "hooks",
                "--client-secret", "env:CS", "--token-url", "http://127.0.0.1:9/token")
        request = "POST /hook HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer tok-123\r\nContent-Length: 0\r\n\r\n"
        self.env["CS"] = "client-secret-1"
        r = self.ok("verify", "--auth", "o", "--expect-token", "tok-123", "--request", "-", input=request)
        self.assertEqual(r.out, "valid\n")
        self.assertEqual(r.err, "hookauth: warning: --expect-token " + WARNING +
                         "; use env:NAME, file:PATH or cmd:COMMAND instead\n")
        r = self.ok("verify", "--auth", "o", "--expect-token", "tok-123", "--request", "-", "-q", input=request)
        self.assertEqual(r.err, "")
        r = self.hookauth("webhook", "probe", "--auth", "o", "--token", "tok-123", "--dry-run",
                          "http://127.0.0.1:9/", "bearer-altered")
        self.assertEqual(r.rc, 0, r)
        self.assertIn("hookauth: warning: --token " + WARNING, r.err)
        self.assertNotIn("tok-123", r.err)

    def test_add_time_checks_of_env_and_file(self):
        missing = os.path.join(self.tmp, "missing.secret")
        r = self.ok("auth", "add", "e", "--type", "basic", "--username", "u", "--password", "env:HOOKAUTH_UNSET_PW")
        self.assertEqual(r.err.splitlines(), [
            "hookauth: warning: --password: environment variable HOOKAUTH_UNSET_PW is not set "
            "(saved; it must be there when 'e' is used)", "added authorization 'e' (basic)"])
        r = self.ok("auth", "add", "f", "--type", "api-key", "--key", "K", "--value", "file:" + missing)
        self.assertIn("hookauth: warning: --value: cannot read file %s (saved;" % missing, r.err)
        self.assertEqual(self.ok("auth", "list", "--json").json()[0]["name"], "e")
        r = self.ok("-q", "auth", "add", "g", "--type", "basic", "--username", "u", "--password", "env:UNSET_2")
        self.assertEqual(r.err, "")
        with open(missing, "w") as f:
            f.write("present\n")
        r = self.ok("auth", "add", "f", "--type", "api-key", "--key", "K", "--value", "file:" + missing, "--force",
                    "--json")
        self.assertEqual(r.err, "")
        r = self.ok("auth", "add", "c", "--type", "basic", "--username", "u", "--password", self.cmd(), "--json")
        self.assertEqual((r.err, self.runs()), ("", 0))

    def test_token_login_presign_check_the_type_before_running_a_command(self):
        self.add_basic("b", "u", self.cmd())
        for args, what in ((["auth", "token", "b"], "not oauth2"), (["auth", "login", "b"], "not oauth2"),
                           (["auth", "presign", "b", "http://127.0.0.1:9/x"], "not aws-sigv4")):
            line = self.assert_one_error_line(self.hookauth(*args))
            self.assertIn("'b' is basic, " + what, line)
        self.assertFalse(os.path.exists(self.trace), "a command ran for an authorization of the wrong type")
        # The trace works: the right type runs it.
        self.ok("auth", "add", "a", "--type", "aws-sigv4", "--access-key", "AKIDEXAMPLE", "--secret-key", self.cmd(),
                "--region", "us-east-1", "--service", "s3")
        self.ok("--at", AT, "auth", "presign", "a", "http://127.0.0.1:9/x")
        self.assertEqual(self.runs(), 1)


if __name__ == "__main__":
    harness.main()
