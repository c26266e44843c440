"""Interactive use, driven through a pseudo-terminal (Python's pty): the Add Authorization form of
`auth add NAME` without --type, hidden secrets, and that nothing ever prompts without a terminal."""

import json
import os
import pty
import select
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

SECRET = "pty-Secret-7c1e"


class Terminal:
    """hookauth with its stdin and stderr on a pseudo-terminal; stdout is a pipe."""

    def __init__(self, args, env):
        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen([harness.binary(), *args], stdin=slave, stdout=subprocess.PIPE, stderr=slave,
                                     env=env, start_new_session=True)
        os.close(slave)
        self.seen = b""
        self.closed = False  # set when the terminal closed: hookauth and its children have exited

    def expect(self, text, timeout=10):
        """Reads the terminal until text has appeared after what was already matched."""
        deadline = time.monotonic() + timeout
        while text.encode() not in self.seen:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("no %r on the terminal; it showed %r" % (text, self.seen.decode(errors="replace")))
            ready, _, _ = select.select([self.master], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.master, 4096)
                except OSError:
                    chunk = b""
                if not chunk:
                    self.closed = True
                    raise AssertionError("terminal closed before %r; it showed %r" % (text, self.seen))
                self.seen += chunk
        shown, _, self.seen = self.seen.partition(text.encode())
        return shown.decode(errors="replace")

    def type(self, line):
        os.write(self.master, line.encode() + b"\r")

    def finish(self, timeout=10):
        out, _ = self.proc.communicate(timeout=timeout)
        rest = b""
        while True:
            ready, _, _ = select.select([self.master], [], [], 0.2)
            if not ready:
                break
            try:
                chunk = os.read(self.master, 4096)
            except OSError:
                break
            if not chunk:
                break
            rest += chunk
        os.close(self.master)
        return self.proc.returncode, out.decode(), (self.seen + rest).decode(errors="replace")


class AddForm(harness.HookauthTest):
    def terminal(self, *args):
        t = Terminal(args, self.env)
        self.addCleanup(lambda: t.proc.poll() is None and t.proc.kill())
        return t

    def stored(self, name):
        r = self.ok("auth", "show", name, "--json", "--reveal")
        return json.loads(r.out)

    def test_the_form_walks_the_fields_of_the_chosen_type(self):
        t = self.terminal("auth", "add", "partner")
        t.expect("type (")
        t.type("nonsense")
        t.expect("is not a type")
        t.expect("type (")
        t.type("api-key")
        t.expect("key - ")
        t.type("")  # required: asked again
        t.expect("key is required")
        t.expect("key - ")
        t.type("X-API-Key")
        t.expect("value [hidden]: ")
        t.type(SECRET)
        shown = t.expect("in - ")
        default_prompt = t.expect(": ")
        self.assertIn("(header|query) [header]", default_prompt)
        t.type("")  # the default
        rc, out, rest = t.finish()
        self.assertEqual(rc, 0, rest)
        self.assertNotIn(SECRET, shown + rest, "the hidden secret was echoed")
        p = self.stored("partner")
        self.assertEqual((p["type"], p["key"], p["value"], p["in"]), ("api-key", "X-API-Key", SECRET, "header"))

    def test_flags_given_are_not_asked_and_optional_secrets_may_be_left_out(self):
        t = self.terminal("auth", "add", "o2", "--token-url", "http://127.0.0.1:9/token")
        t.expect("type (")
        t.type("oauth2")
        t.expect("grant - ")
        t.type("client-credentials")
        t.expect("client-id - ")
        t.type("app-1")
        t.expect("client-secret (optional, Enter for none) [hidden]: ")
        t.type("")
        answers = 0
        # Every other field is optional: Enter takes the default or leaves it out; token-url is not asked.
        # The form ends when hookauth exits after the last one.
        while True:
            try:
                prompt = t.expect(": ")
            except AssertionError:
                if t.closed:
                    break
                raise
            self.assertNotIn("token-url", prompt)
            # the authorization URL and the callback are for the authorization-code grant only (audit cli #14)
            self.assertNotIn("auth-url", prompt)
            self.assertNotIn("redirect-uri", prompt)
            t.type("")
            answers += 1
        rc, out, rest = t.finish()
        self.assertEqual(rc, 0, rest)
        self.assertGreater(answers, 5)
        p = self.stored("o2")
        self.assertEqual((p["grant"], p["client-id"], p["token-url"]), ("client-credentials", "app-1",
                                                                        "http://127.0.0.1:9/token"))
        self.assertNotIn("client-secret", p)
        self.assertEqual(p["token-method"], "POST")

    def test_end_of_input_stops_the_form_and_stores_nothing(self):
        t = self.terminal("auth", "add", "half")
        t.expect("type (")
        t.type("basic")
        t.expect("username - ")
        os.write(t.master, b"\x04")  # Ctrl-D
        rc, out, rest = t.finish()
        self.assertEqual(rc, 2, rest)
        self.assertIn("error:\x1b[0m no answer was typed", rest)
        r = self.hookauth("auth", "show", "half")
        self.assertEqual(r.rc, 2)

    def test_a_missing_required_secret_is_asked_for_hidden(self):
        t = self.terminal("auth", "add", "b", "--type", "basic", "--username", "u")
        t.expect("password: ")
        t.type(SECRET)
        rc, out, rest = t.finish()
        self.assertEqual(rc, 0, rest)
        self.assertNotIn(SECRET, rest)
        self.assertEqual(self.stored("b")["password"], SECRET)

    # An empty answer at a hidden prompt is asked again, as the form asks again for a required field
    # (audit cli #13).
    def test_an_empty_hidden_password_is_asked_again(self):
        for args in (["--username", "u"], ["--username", "u", "--password", "-"]):
            with self.subTest(args=args):
                t = self.terminal("auth", "add", "e", "--force", "--type", "basic", *args)
                t.expect("password: ")
                t.type("")
                t.expect("password is required")
                t.expect("password: ")
                t.type(SECRET)
                rc, out, rest = t.finish()
                self.assertEqual(rc, 0, rest)
                self.assertNotIn(SECRET, rest)
                self.assertEqual(self.stored("e")["password"], SECRET)

    def test_an_empty_hidden_secret_in_the_form_is_asked_again(self):
        t = self.terminal("auth", "add", "f")
        t.expect("type (")
        t.type("basic")
        t.expect("username - ")
        t.type("u")
        t.expect("password [hidden]: ")
        t.type("")
        t.expect("password is required")
        t.expect("password [hidden]: ")
        t.type(SECRET)
        rc, out, rest = t.finish()
        self.assertEqual(rc, 0, rest)
        self.assertEqual(self.stored("f")["password"], SECRET)

    def test_the_form_asks_the_hmac_options_for_the_hmac_scheme_only(self):
        t = self.terminal("auth", "add", "g")
        t.expect("type (")
        t.type("signature")
        t.expect("scheme - ")
        t.type("github")
        t.expect("secret [hidden]: ")
        t.type(SECRET)
        rc, out, rest = t.finish()
        self.assertEqual(rc, 0, rest)
        self.assertNotIn("signature-header", rest)
        self.assertEqual(self.stored("g")["scheme"], "github")


class AddHelp(harness.HookauthTest):
    def test_each_flag_names_every_type_it_applies_to(self):
        # audit cli #17: --username and --password are digest's too
        lines = {}
        flag = None
        for line in self.ok("auth", "add", "--help").out.splitlines():
            if line.strip().startswith("-"):
                flag = line.split()[0]
                lines[flag] = line
            elif flag and line.startswith("      "):  # the help on its own line after a long flag
                lines[flag] += " " + line.strip()
        self.assertIn("(basic, digest)", lines["--username"])
        self.assertIn("(basic, digest)", lines["--password"])
        self.assertIn("(digest)", lines["--userhash"])
        self.assertIn("(any type)", lines["--signature-header"])
        self.assertIn("(signature)", lines["--scheme"])


class Colour(harness.HookauthTest):
    """Colour only on a terminal, never with NO_COLOR (https://no-color.org)."""

    def error_on_a_terminal(self, **extra_env):
        env = dict(self.env, **extra_env)
        t = Terminal(["auth", "show", "nosuch"], env)
        self.addCleanup(lambda: t.proc.poll() is None and t.proc.kill())
        rc, out, shown = t.finish()
        self.assertEqual(rc, 2, shown)
        return shown

    def test_errors_are_red_on_a_terminal_only(self):
        self.assertIn("hookauth: \x1b[31merror:\x1b[0m no authorization", self.error_on_a_terminal())
        plain = self.error_on_a_terminal(NO_COLOR="1")
        self.assertIn("hookauth: error: no authorization", plain)
        self.assertNotIn("\x1b[", plain)
        r = self.hookauth("auth", "show", "nosuch")  # stderr is a pipe here
        self.assertTrue(r.err.startswith("hookauth: error: "), r)
        self.assertNotIn("\x1b[", r.err)


class NoTerminalNoPrompt(harness.HookauthTest):
    def test_without_a_terminal_nothing_is_asked(self):
        # stdin is a pipe: no form, no prompt; exit 2 naming what is missing.
        r = self.hookauth("auth", "add", "x", input="basic\n")
        self.assert_one_error_line(r, 2)
        self.assertIn("--type", r.err)
        r = self.hookauth("auth", "add", "y", "--type", "basic", "--username", "u", input="")
        self.assert_one_error_line(r, 2)
        self.assertIn("--password", r.err)


if __name__ == "__main__":
    harness.main()
