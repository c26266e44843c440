"""Saved webhooks (webhook add, list, show, remove; webhook send NAME), auth remove --force, and
webhook send --curl, against the capturing receiver and the real curl.

Run from the repository root: HOOKAUTH_BIN=build/src/hookauth /usr/bin/python3 -m unittest -v
tests/integration/test_saved_webhooks.py
"""

import json
import os
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import b64  # noqa: E402

USER = "acme"
PASSWORD = "pw-s3cret:w\u00f6rd"  # a colon and a non-ASCII letter
OTHER_PASSWORD = "other-pw-9876"
WHSEC = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  # the Standard Webhooks specification's example secret
CURL = shutil.which("curl")


def basic(user, password):
    return "Basic " + b64(user + ":" + password)


class SavedWebhookTest(harness.HookauthTest):
    def load_store(self):
        with open(self.store, encoding="utf-8") as f:
            return json.load(f)

    def read_store(self):
        with open(self.store, "rb") as f:
            return f.read()

    def write_store(self, text):
        os.makedirs(os.path.dirname(self.store), mode=0o700, exist_ok=True)
        with open(self.store, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(self.store, 0o600)

    def webhooks(self):
        return self.ok("webhook", "list", "--json").json()


class AddListShowRemove(SavedWebhookTest):
    def setUp(self):
        super().setUp()
        self.fixture(lambda: self.add_basic("partner-basic", USER, PASSWORD))

    def test_round_trip_with_json_shapes(self):
        r = self.ok("webhook", "add", "orders", "--url", "https://hooks.partner.example/notify?src=1", "--auth",
                    "partner-basic", "-X", "PUT", "-H", "X-Event-Source: billing", "--header", "X-Tenant: acme")
        self.assertEqual(r.out, "")
        self.assertEqual(r.err, "added webhook 'orders'\n")
        r = self.ok("webhook", "add", "status.ping", "--url", "http://127.0.0.1:9/ping")
        self.assertEqual(r.err, "added webhook 'status.ping'\n")

        full = {"name": "orders", "url": "https://hooks.partner.example/notify?src=1", "auth": "partner-basic",
                "method": "PUT", "headers": ["X-Event-Source: billing", "X-Tenant: acme"]}
        minimal = {"name": "status.ping", "url": "http://127.0.0.1:9/ping"}
        listed = self.webhooks()
        self.assertEqual(listed, [full, minimal])
        # Key order is stable: name, url, then auth, method and headers only when saved.
        self.assertEqual([list(w) for w in listed], [["name", "url", "auth", "method", "headers"], ["name", "url"]])
        self.assertEqual(self.ok("webhook", "show", "orders", "--json").json(), full)
        self.assertEqual(self.ok("webhook", "show", "status.ping", "--json").json(), minimal)

        # The store holds the same objects, under "webhooks", beside the authorizations.
        data = self.load_store()
        self.assertEqual(list(data), ["version", "authorizations", "webhooks"])
        self.assertEqual(data["webhooks"], [full, minimal])
        self.assertEqual([a["name"] for a in data["authorizations"]], ["partner-basic"])

        # The table and the field lines.
        table = self.ok("webhook", "list").out.splitlines()
        self.assertEqual(table[0].split(), ["NAME", "AUTH", "METHOD", "URL"])
        self.assertEqual(table[1].split(), ["orders", "partner-basic", "PUT", full["url"]])
        self.assertEqual(table[2].split(), ["status.ping", "-", "-", minimal["url"]])
        shown = [line.rstrip() for line in self.ok("webhook", "show", "orders").out.splitlines()]
        self.assertEqual([line.split(None, 1) for line in shown],
                         [["name:", "orders"], ["url:", full["url"]], ["auth:", "partner-basic"], ["method:", "PUT"],
                          ["header:", "X-Event-Source: billing"], ["header:", "X-Tenant: acme"]])

        r = self.ok("webhook", "remove", "orders")
        self.assertEqual(r.err, "removed webhook 'orders'\n")
        self.assertEqual(self.webhooks(), [minimal])
        r = self.ok("webhook", "rm", "status.ping")
        self.assertEqual(r.err, "removed webhook 'status.ping'\n")
        self.assertEqual(self.webhooks(), [])
        # "webhooks" is written only when not empty; the authorization stays.
        data = self.load_store()
        self.assertNotIn("webhooks", data)
        self.assertEqual([a["name"] for a in data["authorizations"]], ["partner-basic"])

    def test_list_when_none_are_saved(self):
        r = self.ok("webhook", "list")
        self.assertEqual(r.out, "")
        self.assertIn("no saved webhooks", r.err)
        self.assertEqual(self.ok("webhook", "list", "--json").json(), [])
        self.assertEqual(self.ok("-q", "webhook", "list").err, "")

    def test_quiet(self):
        r = self.ok("-q", "webhook", "add", "w", "--url", "https://a.example/")
        self.assertEqual((r.out, r.err), ("", ""))
        r = self.ok("webhook", "rm", "w", "-q")
        self.assertEqual((r.out, r.err), ("", ""))

    def test_add_existing_name_is_refused_without_force_and_replaced_with_it(self):
        self.ok("webhook", "add", "first", "--url", "https://first.example/")
        self.ok("webhook", "add", "w", "--url", "https://a.example/", "--auth", "partner-basic", "-H", "X-A: 1")
        self.ok("webhook", "add", "last", "--url", "https://last.example/")
        before = self.read_store()
        r = self.hookauth("webhook", "add", "w", "--url", "https://b.example/")
        msg = self.assert_one_error_line(r, 2)
        self.assertIn("a webhook named 'w' exists", msg)
        self.assertIn("--force", msg)
        self.assertEqual(self.read_store(), before, "a refused add changed the store")

        r = self.ok("webhook", "add", "w", "--url", "https://b.example/", "-X", "PATCH", "--force")
        self.assertEqual(r.err, "replaced webhook 'w'\n")
        # Replaced whole (the saved auth and header are gone), in the same place.
        self.assertEqual(self.webhooks(), [{"name": "first", "url": "https://first.example/"},
                                           {"name": "w", "url": "https://b.example/", "method": "PATCH"},
                                           {"name": "last", "url": "https://last.example/"}])

    def test_add_with_an_unknown_auth_is_refused(self):
        r = self.hookauth("webhook", "add", "w", "--url", "https://a.example/", "--auth", "nobody")
        msg = self.assert_one_error_line(r, 2)
        self.assertIn("no authorization named 'nobody'", msg)
        self.assertEqual(self.webhooks(), [])
        self.assertNotIn("webhooks", self.load_store())

    def test_add_refuses_bad_urls_names_methods_and_headers(self):
        before = self.read_store()
        cases = [
            (["w", "--url", "ftp://a.example/"], "not an http or https URL"),
            (["w", "--url", "hooks.example/notify"], "not an http or https URL"),
            (["w", "--url", ""], "not an http or https URL"),
            (["w", "--url", "https://a.example/\x01"], "control characters"),
            (["w"], "--url is required"),
            (["bad name", "--url", "https://a.example/"], "webhook name"),
            (["bad/name", "--url", "https://a.example/"], "webhook name"),
            (["x" * 65, "--url", "https://a.example/"], "at most 64 characters"),
            (["w", "--url", "https://a.example/", "-X", "P T"], "not an HTTP method"),
            (["w", "--url", "https://a.example/", "-H", "no colon here"], "expected 'Name: value'"),
            (["w", "--url", "https://a.example/", "-H", ": value"], "expected 'Name: value'"),
        ]
        for args, expected in cases:
            with self.subTest(args=args):
                r = self.hookauth("webhook", "add", *args)
                msg = self.assert_one_error_line(r, 2)
                self.assertIn(expected, msg)
        self.assertEqual(self.read_store(), before)
        # The longest name is accepted.
        self.ok("webhook", "add", "x" * 64, "--url", "https://a.example/")

    def test_show_and_remove_of_an_unknown_name(self):
        self.ok("webhook", "add", "w", "--url", "https://a.example/")
        before = self.read_store()
        for args in (("webhook", "show", "nope"), ("webhook", "show", "nope", "--json"), ("webhook", "remove", "nope"),
                     ("webhook", "rm", "nope")):
            with self.subTest(args=args):
                msg = self.assert_one_error_line(self.hookauth(*args), 2)
                self.assertIn("no webhook named 'nope'", msg)
        self.assertEqual(self.read_store(), before)

    def test_auth_remove_is_refused_while_a_webhook_uses_it(self):
        self.add_none("spare")
        self.ok("webhook", "add", "w", "--url", "http://127.0.0.1:9/", "--auth", "partner-basic")
        before = self.read_store()
        for args in (("auth", "remove", "partner-basic"), ("auth", "rm", "partner-basic")):
            with self.subTest(args=args):
                msg = self.assert_one_error_line(self.hookauth(*args), 2)
                self.assertIn("saved webhook 'w' uses authorization 'partner-basic'", msg)
                self.assertIn("--force", msg)
                self.assertEqual(self.read_store(), before)
        # An authorization no webhook uses is removed as before.
        self.ok("auth", "remove", "spare")

        r = self.ok("auth", "remove", "partner-basic", "--force")
        self.assertIn("removed authorization 'partner-basic'", r.err)
        self.assertEqual([a["name"] for a in self.ok("auth", "list", "--json").json()], [])
        # The webhook is kept and still names it; sending it is then an error.
        self.assertEqual(self.webhooks(), [{"name": "w", "url": "http://127.0.0.1:9/", "auth": "partner-basic"}])
        msg = self.assert_one_error_line(self.hookauth("webhook", "send", "w", "--dry-run"), 2)
        self.assertIn("partner-basic", msg)

    def test_auth_remove_is_allowed_once_the_webhook_is_gone(self):
        self.ok("webhook", "add", "w", "--url", "https://a.example/", "--auth", "partner-basic")
        self.assertEqual(self.hookauth("auth", "remove", "partner-basic").rc, 2)
        self.ok("webhook", "rm", "w")
        self.ok("auth", "remove", "partner-basic")

    def test_a_webhook_may_have_the_name_of_its_authorization(self):
        self.ok("webhook", "add", "partner-basic", "--url", "https://a.example/", "--auth", "partner-basic")
        self.assertEqual(self.ok("webhook", "show", "partner-basic", "--json").json()["auth"], "partner-basic")


class JsonOfChanges(SavedWebhookTest):
    """--json on the commands that change the store: one object on stdout, nothing on stderr."""

    def test_add_and_remove_print_what_was_done(self):
        cases = [
            (("auth", "add", "j1", "--type", "none", "--json"), {"name": "j1", "type": "none", "action": "added"}),
            (("auth", "add", "j1", "--type", "none", "--force", "--json"),
             {"name": "j1", "type": "none", "action": "replaced"}),
            (("webhook", "add", "w1", "--url", "http://127.0.0.1:9/x", "--json"), {"name": "w1", "action": "added"}),
            (("webhook", "add", "w1", "--url", "http://127.0.0.1:9/y", "--force", "--json"),
             {"name": "w1", "action": "replaced"}),
            (("webhook", "remove", "w1", "--json"), {"name": "w1", "action": "removed"}),
            (("auth", "remove", "j1", "--json"), {"name": "j1", "action": "removed"}),
        ]
        for args, expected in cases:
            with self.subTest(args=args):
                r = self.hookauth(*args)
                self.assertEqual(r.rc, 0, r)
                self.assertEqual(json.loads(r.out), expected)
                self.assertEqual(r.err, "")

    def test_presign_json(self):
        self.ok("auth", "add", "aws", "--type", "aws-sigv4", "--access-key", "AKIDEXAMPLE", "--secret-key",
                "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "--region", "us-east-1", "--service", "s3")
        r = self.hookauth("--at", "20130524T000000Z", "auth", "presign", "aws", "http://127.0.0.1:9/o", "--expires",
                          "86400", "--json")
        self.assertEqual(r.rc, 0, r)
        out = json.loads(r.out)
        self.assertEqual((out["method"], out["expires"]), ("GET", 86400))
        self.assertIn("X-Amz-Expires=86400", out["url"])
        self.assertIn("X-Amz-Signature=", out["url"])


class WrongShapeStore(SavedWebhookTest):
    """A store whose webhooks entry has the wrong shape is refused by every command, with
    path:line:col pointing at the value and the member named; it is never rewritten."""

    def check_refused(self, webhooks_text, marker, member):
        text = ('{\n  "version": 1,\n  "authorizations": [\n    {"name": "a", "type": "none"}\n  ],\n'
                '  "webhooks": ' + webhooks_text + "\n}\n")
        self.write_store(text)
        at = text.index(marker)
        line = text.count("\n", 0, at) + 1
        col = at - (text.rindex("\n", 0, at) + 1) + 1
        where = "%s:%d:%d:" % (self.store, line, col)
        for args in (("webhook", "list"), ("webhook", "show", "w"), ("webhook", "add", "n", "--url", "https://a/"),
                     ("webhook", "remove", "w"), ("webhook", "send", "w", "--dry-run"), ("auth", "list"),
                     ("auth", "remove", "a", "--force")):
            with self.subTest(webhooks=webhooks_text, args=args):
                msg = self.assert_one_error_line(self.hookauth(*args), 2)
                self.assertIn(where, msg)
                self.assertIn(member, msg)
                with open(self.store, encoding="utf-8") as f:
                    self.assertEqual(f.read(), text, "a refused store was changed")
        return msg

    def test_url_not_a_string(self):
        msg = self.check_refused('[\n    {"name": "w",\n     "url": 5}\n  ]', "5}", "webhooks[0].url")
        self.assertIn("expected a string", msg)

    def test_headers_not_an_array(self):
        msg = self.check_refused('[\n    {"name": "w", "url": "https://a/",\n     "headers": "X-A: 1"}\n  ]',
                                 '"X-A: 1"', "webhooks[0].headers")
        self.assertIn("expected an array of strings", msg)

    def test_header_not_a_string(self):
        msg = self.check_refused('[{"name": "v", "url": "https://v/"},\n    {"name": "w", "url": "https://a/", '
                                 '"headers": ["X-A: 1", 2]}]', '["X-A', "webhooks[1].headers")
        self.assertIn("expected an array of strings", msg)

    def test_unknown_member(self):
        msg = self.check_refused('[\n    {"name": "w", "url": "https://a/", "colour": "red"}\n  ]', '"red"',
                                 "webhooks[0].colour")
        self.assertIn("not a field of a webhook", msg)

    def test_not_an_array(self):
        msg = self.check_refused('{"name": "w"}', '{"name": "w"}', "webhooks")
        self.assertIn("expected an array", msg)

    def test_entry_not_an_object(self):
        msg = self.check_refused('[\n    "w"\n  ]', '"w"', "webhooks[0]")
        self.assertIn("expected an object", msg)

    def test_missing_url_and_duplicate_name(self):
        self.check_refused('[\n    {"name": "w"}\n  ]', '{"name": "w"}', "webhooks[0].url")
        msg = self.check_refused('[\n    {"name": "w", "url": "https://a/"},\n    {"name": "w", "url": "https://b/"}'
                                 '\n  ]', '{"name": "w", "url": "https://b/"}', "webhooks[1]")
        self.assertIn("appears twice", msg)

    def test_bad_url_in_the_store(self):
        msg = self.check_refused('[\n    {"name": "w", "url": "ftp://a/"}\n  ]', '{"name": "w", "url": "ftp',
                                 "webhooks[0]")
        self.assertIn("not an http or https URL", msg)


class SendByName(SavedWebhookTest):
    def setUp(self):
        super().setUp()
        self.fixture(self.add_profiles)
        self.receiver = self.capture()

    def add_profiles(self):
        self.add_basic("partner-basic", USER, PASSWORD)
        self.add_basic("other-basic", "other", OTHER_PASSWORD)

    def test_send_uses_the_saved_url_auth_method_and_headers(self):
        self.ok("webhook", "add", "orders", "--url", self.receiver.url + "/notify?src=saved", "--auth", "partner-basic",
                "-X", "PUT", "-H", "X-Event-Source: billing", "-H", "X-Tenant: acme")
        r = self.ok("webhook", "send", "orders", "-d", '{"event":"paid"}')
        self.assertEqual(r.out, "captured 200\n")
        [req] = self.receiver.requests()
        self.assertEqual(req["method"], "PUT")
        self.assertEqual(req["target"], "/notify?src=saved")
        self.assertEqual(self.receiver.header(req, "Authorization"), [basic(USER, PASSWORD)])
        self.assertEqual(self.receiver.header(req, "X-Event-Source"), ["billing"])
        self.assertEqual(self.receiver.header(req, "X-Tenant"), ["acme"])
        self.assertEqual(self.receiver.header(req, "Content-Type"), ["application/json"])
        self.assertEqual(req["body"], b'{"event":"paid"}')

    def test_without_a_saved_method_the_default_applies(self):
        self.ok("webhook", "add", "plain", "--url", self.receiver.url + "/p")
        self.ok("webhook", "send", "plain")
        self.ok("webhook", "send", "plain", "-d", "a=1")
        first, second = self.receiver.requests()
        self.assertEqual((first["method"], first["body"]), ("GET", b""))
        self.assertEqual(self.receiver.header(first, "Authorization"), [])
        self.assertEqual((second["method"], second["body"]), ("POST", b"a=1"))
        self.assertEqual(self.receiver.header(second, "Content-Type"), ["application/x-www-form-urlencoded"])

    def test_command_line_flags_override_the_saved_ones(self):
        self.ok("webhook", "add", "orders", "--url", self.receiver.url + "/notify", "--auth", "partner-basic", "-X",
                "PUT", "-H", "X-Event-Source: billing", "-H", "X-Tenant: acme")
        self.ok("webhook", "send", "orders", "-X", "PATCH", "--auth", "other-basic", "-H", "x-event-source: replay",
                "-H", "X-Extra: 1", "-d", "{}")
        [req] = self.receiver.requests()
        self.assertEqual(req["method"], "PATCH")
        self.assertEqual(self.receiver.header(req, "Authorization"), [basic("other", OTHER_PASSWORD)])
        # -H replaces the saved header of the same name (any case): one value, the new one.
        self.assertEqual(self.receiver.header(req, "X-Event-Source"), ["replay"])
        self.assertEqual(self.receiver.header(req, "X-Tenant"), ["acme"])
        self.assertEqual(self.receiver.header(req, "X-Extra"), ["1"])
        names = [k.lower() for k, _ in req["headers"]]
        self.assertLess(names.index("x-tenant"), names.index("x-extra"), "command-line headers come after saved ones")
        # The saved webhook itself is unchanged.
        self.assertEqual(self.ok("webhook", "show", "orders", "--json").json()["headers"],
                         ["X-Event-Source: billing", "X-Tenant: acme"])

    def test_auth_on_the_command_line_for_a_webhook_saved_without_one(self):
        self.ok("webhook", "add", "open", "--url", self.receiver.url + "/o")
        self.ok("webhook", "send", "open", "--auth", "partner-basic")
        [req] = self.receiver.requests()
        self.assertEqual(self.receiver.header(req, "Authorization"), [basic(USER, PASSWORD)])

    def test_a_url_is_still_a_url(self):
        self.ok("webhook", "add", "orders", "--url", self.receiver.url + "/saved", "--auth", "partner-basic")
        self.ok("webhook", "send", self.receiver.url + "/direct")
        [req] = self.receiver.requests()
        self.assertEqual(req["target"], "/direct")
        self.assertEqual(self.receiver.header(req, "Authorization"), [])

    def test_unknown_name_is_an_error(self):
        self.ok("webhook", "add", "orders", "--url", self.receiver.url + "/saved")
        for word in ("order", "hooks.example/notify", "ORDERS"):
            with self.subTest(word=word):
                r = self.hookauth("webhook", "send", word, "-d", "{}")
                msg = self.assert_one_error_line(r, 2)
                self.assertIn("'%s' is neither a URL nor a saved webhook" % word, msg)
                self.assertIn(self.store, msg)
        self.assertEqual(self.receiver.requests(), [])

    def test_unknown_name_with_no_store_at_all(self):
        missing = os.path.join(self.tmp, "missing", "store.json")
        r = self.hookauth("--store", missing, "webhook", "send", "orders")
        self.assertIn("is neither a URL nor a saved webhook", self.assert_one_error_line(r, 2))
        self.assertFalse(os.path.exists(os.path.dirname(missing)), "a send must not create the store")


@unittest.skipIf(CURL is None, "curl is not installed")
class CurlCommandLine(SavedWebhookTest):
    """--curl prints a command line that, run by bash with the real curl, puts on the wire the
    same bytes as hookauth itself: the two raw requests captured are compared whole."""

    def setUp(self):
        super().setUp()
        self.fixture(lambda: self.add_basic("partner-basic", USER, PASSWORD))
        self.receiver = self.capture()

    def run_curl(self, command):
        p = subprocess.run(["bash", "-c", command], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, env=self.env, cwd=self.tmp, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr.decode(errors="replace"))
        # -sS: with its output in a pipe, curl would draw a progress meter on stderr.
        self.assertEqual(p.stderr, b"")
        return p

    def same_request(self, *args, global_args=()):
        """Sends with hookauth, then runs the --curl --reveal command line; returns both captures."""
        self.ok(*global_args, "webhook", "send", *args)
        r = self.ok(*global_args, "webhook", "send", *args, "--curl", "--reveal")
        self.assertTrue(r.out.startswith("curl -sS "), r)
        sent = len(self.receiver.requests())
        self.assertEqual(sent, 1, "--curl sent something")
        self.run_curl(r.out)
        by_hookauth, by_curl = self.receiver.requests()
        self.assertEqual(by_curl["raw"], by_hookauth["raw"])
        return by_hookauth, by_curl, r.out

    def test_saved_webhook_with_basic_headers_and_an_awkward_body(self):
        body = "it's \"quoted\" $HOME `id` \\ \u00fc\n{\"a\": [1, 2]}\n\ttab"
        self.ok("webhook", "add", "orders", "--url", self.receiver.url + "/notify?src=1&x=a%20b", "--auth",
                "partner-basic", "-X", "PUT", "-H", "X-Event-Source: billing", "-H", "X-Quote: it's 'here'")
        req, _, command = self.same_request("orders", "-d", body, "-H", "X-Event-Source: replay")
        self.assertEqual(req["method"], "PUT")
        self.assertEqual(req["body"], body.encode())
        self.assertEqual(self.receiver.header(req, "Authorization"), [basic(USER, PASSWORD)])
        self.assertEqual(self.receiver.header(req, "X-Event-Source"), ["replay"])
        self.assertEqual(self.receiver.header(req, "X-Quote"), ["it's 'here'"])
        self.assertIn(" \\\n  -H 'Authorization: %s'" % basic(USER, PASSWORD), command)
        self.assertIn("--data-raw ", command)
        self.assertNotIn("Content-Length", command)
        self.assertNotIn("Host:", command)

    def test_repeated_headers_and_a_saved_one_replaced(self):
        # Every -H of a name is sent, in order (curl does the same); a command-line header replaces
        # every saved one of its name, and the saved headers of other names stay.
        self.ok("webhook", "add", "dup", "--url", self.receiver.url + "/dup", "--auth", "partner-basic",
                "-H", "X-Dup: saved-1", "-H", "X-Keep: k1", "-H", "X-Dup: saved-2", "-H", "X-Keep: k2")
        req, _, command = self.same_request("dup", "-H", "x-dup: one", "-H", "X-Dup: two")
        self.assertEqual(self.receiver.header(req, "X-Dup"), ["one", "two"])
        self.assertEqual(self.receiver.header(req, "X-Keep"), ["k1", "k2"])
        self.assertIn(" \\\n  -H 'x-dup: one' \\\n  -H 'X-Dup: two'", command)
        self.receiver.stop()
        self.receiver = self.capture()
        self.ok("webhook", "add", "dup", "--url", self.receiver.url + "/dup", "--auth", "partner-basic",
                "-H", "X-Dup: saved-1", "-H", "X-Dup: saved-2", "--force")
        req, _, _ = self.same_request("dup")
        self.assertEqual(self.receiver.header(req, "X-Dup"), ["saved-1", "saved-2"])

    def test_post_with_json_body(self):
        self.ok("webhook", "add", "j", "--url", self.receiver.url + "/j", "--auth", "partner-basic")
        req, _, command = self.same_request("j", "-d", '{"event":"paid"}')
        self.assertEqual(req["method"], "POST")
        self.assertFalse(command.startswith("curl -sS -X"), command)
        self.assertEqual(self.receiver.header(req, "Content-Type"), ["application/json"])

    def test_get_without_body_and_delete_with_one(self):
        self.ok("webhook", "add", "g", "--url", self.receiver.url + "/g", "--auth", "partner-basic")
        req, _, command = self.same_request("g")
        self.assertEqual((req["method"], req["body"]), ("GET", b""))
        self.assertNotIn("--data-binary", command)
        self.receiver.stop()
        self.receiver = self.capture()
        self.ok("webhook", "add", "g", "--url", self.receiver.url + "/g", "--auth", "partner-basic", "--force")
        req, _, command = self.same_request("g", "-X", "DELETE", "-d", "x=1")
        self.assertEqual((req["method"], req["body"]), ("DELETE", b"x=1"))
        self.assertTrue(command.startswith("curl -sS -X 'DELETE' "), command)

    def test_payload_signature_with_a_fixed_time_and_id(self):
        self.ok("auth", "add", "signed", "--type", "basic", "--username", USER, "--password", PASSWORD, "--signature",
                "standard-webhooks", "--signature-secret", WHSEC)
        self.ok("webhook", "add", "s", "--url", self.receiver.url + "/s", "--auth", "signed")
        req, by_curl, _ = self.same_request("s", "--id", "msg_1", "-d", '{"test": 2432232314}',
                                            global_args=("--at", "2021-02-25T15:02:10Z"))
        self.assertEqual(self.receiver.header(req, "webhook-timestamp"), ["1614265330"])
        # What curl sent checks as valid, as the receiver would check it.
        r = self.ok("verify", "--auth", "signed", "--tolerance", "none", input=by_curl["raw"])
        self.assertEqual(r.out, "valid\n")

    def test_redacted_unless_reveal(self):
        self.ok("webhook", "add", "orders", "--url", self.receiver.url + "/notify", "--auth", "partner-basic")
        r = self.ok("webhook", "send", "orders", "-d", "{}", "--curl")
        self.assertIn("-H 'Authorization: Basic [redacted]'", r.out)
        token = b64(USER + ":" + PASSWORD)
        for secret in (PASSWORD, token):
            self.assertNotIn(secret, r.out)
            self.assertNotIn(secret, r.err)
        self.assertEqual(self.receiver.requests(), [], "--curl sent the request")
        # Run as printed, it sends the redacted header, not the credentials.
        self.run_curl(r.out)
        [req] = self.receiver.requests()
        self.assertEqual(self.receiver.header(req, "Authorization"), ["Basic [redacted]"])
        r = self.ok("webhook", "send", "orders", "-d", "{}", "--curl", "--reveal")
        self.assertIn(token, r.out)

    def test_api_key_in_the_query_is_redacted(self):
        self.add_key("query-key", "api_key", "k3y-value-123", "query")
        self.ok("webhook", "add", "q", "--url", self.receiver.url + "/q?a=1", "--auth", "query-key")
        r = self.ok("webhook", "send", "q", "--curl")
        self.assertNotIn("k3y-value-123", r.out)
        self.assertIn("api_key=", r.out)
        req, _, _ = self.same_request("q")
        self.assertIn("api_key=k3y-value-123", req["target"])

    def test_oauth2_without_a_cached_token_sends_nothing(self):
        token_server = self.capture()
        self.ok("auth", "add", "o", "--type", "oauth2", "--grant", "client-credentials", "--client-id", "cid",
                "--client-secret", "csecret-123", "--token-url", token_server.url + "/token")
        self.ok("webhook", "add", "ow", "--url", self.receiver.url + "/o", "--auth", "o")
        r = self.hookauth("webhook", "send", "ow", "--curl", "-d", "{}")
        self.assertEqual(r.rc, 4, r)
        self.assertEqual(r.out, "")
        self.assertEqual(token_server.requests(), [], "--curl made a token request")
        self.assertEqual(self.receiver.requests(), [])

    def test_credentials_over_plain_http_are_refused(self):
        self.ok("webhook", "add", "far", "--url", "http://hooks.partner.example/notify", "--auth", "partner-basic")
        r = self.hookauth("webhook", "send", "far", "--curl")
        self.assert_one_error_line(r, 2)
        self.assertEqual(r.out, "")

    # Edge cases where a naive curl command line would differ from what hookauth sends.

    def test_post_without_body(self):
        # hookauth sends Content-Length: 0 for a POST without -d; so must the curl command.
        self.ok("webhook", "add", "p", "--url", self.receiver.url + "/p", "-X", "POST")
        self.same_request("p")

    def test_body_starting_with_at_sign(self):
        # `--data-binary '@x'` makes curl read the file x instead of sending the bytes "@x".
        other = os.path.join(self.tmp, "other.txt")
        with open(other, "w", encoding="utf-8") as f:
            f.write("not the body")
        path = os.path.join(self.tmp, "body.txt")
        with open(path, "w", encoding="utf-8") as f:
            f.write("@" + other)
        self.ok("webhook", "add", "a", "--url", self.receiver.url + "/a")
        self.same_request("a", "-d", "@" + path)

    def test_header_with_an_empty_value(self):
        # hookauth sends `X-Empty:`; curl drops a header given as `-H 'X-Empty: '` (it needs `X-Empty;`).
        self.ok("webhook", "add", "e", "--url", self.receiver.url + "/e", "-H", "X-Empty:")
        self.same_request("e")

    def test_head_and_nul_bodies(self):
        # HEAD is curl's -I (with -X HEAD curl would wait for a body); a NUL cannot be a shell argument.
        self.ok("webhook", "add", "h", "--url", self.receiver.url + "/h", "-X", "HEAD")
        r = self.hookauth("webhook", "send", "h", "--curl")
        self.assertEqual(r.rc, 0, r)
        self.assertTrue(r.out.startswith("curl -sS -I "), r.out)
        path = os.path.join(self.tmp, "nul.bin")
        with open(path, "wb") as f:
            f.write(b"a\x00b")
        r = self.hookauth("webhook", "send", "h", "-X", "POST", "-d", "@" + path, "--curl")
        self.assert_one_error_line(r, 2)
        self.assertIn("NUL", r.err)


if __name__ == "__main__":
    harness.main()
