"""The profile store: concurrency, file modes, refusal of unsafe or corrupt stores, names, crash safety."""

import json
import os
import random
import re
import signal
import stat
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

TEMP_NAME = re.compile(r"^\.store\.json\.[A-Za-z0-9]{6}$")  # atomic_replace's mkstemp pattern


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


class StoreTest(harness.HookauthTest):
    def load(self, path=None):
        with open(path or self.store, encoding="utf-8") as f:
            return json.load(f)

    def names(self, path=None):
        return [a["name"] for a in self.load(path)["authorizations"]]

    def write_store(self, text, path=None):
        path = path or self.store
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(path, 0o600)
        return path


class Concurrency(StoreTest):
    def test_16_concurrent_writers(self):
        writers, each = 16, harness.repeat(50, 5)
        # Each add fsyncs the store and its directory while holding the lock; on a VM disk that is
        # ~80 ms, 800 times over. The lock, not the disk, is under test: use tmpfs when there is one.
        if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK):
            shm = tempfile.mkdtemp(prefix="hookauth-it-", dir="/dev/shm")
            self.addCleanup(self._rmtree, shm)
            self.store = self.env["HOOKAUTH_STORE"] = os.path.join(shm, "config", "store.json")
        script = 'i=0; while [ $i -lt %d ]; do "$BIN" -q auth add "w$W-$i" --type none || exit 1; i=$((i+1)); done' \
                 % each
        procs = []
        for w in range(writers):
            env = dict(self.env, BIN=harness.binary(), W=str(w))
            procs.append(subprocess.Popen(["/bin/sh", "-c", script], env=env, stdout=subprocess.PIPE,
                                          stderr=subprocess.PIPE))
        for p in procs:
            self.addCleanup(lambda p=p: p.poll() is None and p.kill())
        for p in procs:
            out, err = p.communicate(timeout=300)  # 800 adds one after another, on a loaded machine
            self.assertEqual(p.returncode, 0, err.decode())
            self.assertEqual(err, b"")
        names = self.names()
        self.assertEqual(len(names), writers * each)
        self.assertEqual(set(names), {"w%d-%d" % (w, i) for w in range(writers) for i in range(each)})
        self.assertEqual(self.load()["version"], 1)
        leftovers = [f for f in os.listdir(os.path.dirname(self.store)) if TEMP_NAME.match(f)]
        self.assertEqual(leftovers, [])
        r = self.ok("auth", "list", "--json")
        self.assertEqual(len(r.json()), writers * each)


class Modes(StoreTest):
    def test_created_private_with_umask_000(self):
        store = os.path.join(self.tmp, "a", "b", "hookauth", "store.json")
        p = subprocess.run(["/bin/sh", "-c", 'umask 000; exec "$0" --store "$1" auth add x --type basic '
                            '--username u --password pw', harness.binary(), store], env=self.env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(mode(store), 0o600)
        self.assertEqual(mode(os.path.dirname(store)), 0o700)
        self.assertEqual(mode(os.path.join(self.tmp, "a", "b")), 0o700)
        for f in os.listdir(os.path.dirname(store)):
            self.assertEqual(mode(os.path.join(os.path.dirname(store), f)) & 0o077, 0, f)
        # a replace keeps the mode
        p = subprocess.run(["/bin/sh", "-c", 'umask 000; exec "$0" --store "$1" auth add x --type none --force',
                            harness.binary(), store], env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(mode(store), 0o600)

    def test_group_or_other_readable_store_is_refused(self):
        self.add_basic("x", "u", "pw-readable")
        for m in (0o644, 0o640, 0o604, 0o660):
            os.chmod(self.store, m)
            before = read_bytes(self.store)
            for args in (("auth", "list"), ("auth", "show", "x"), ("auth", "add", "y", "--type", "none"),
                         ("auth", "remove", "x"), ("webhook", "send", "--auth", "x", "--dry-run", "http://127.0.0.1/"),
                         ("verify", "--auth", "x", "--request", "/dev/null")):
                with self.subTest(mode=oct(m), args=args):
                    r = self.hookauth(*args)
                    line = self.assert_one_error_line(r, 2)
                    self.assertIn("chmod 600", line)
                    self.assertIn(self.store, line)
                    self.assertNotIn("pw-readable", r.err + r.out)
            self.assertEqual(read_bytes(self.store), before)
            self.assertEqual(mode(self.store), m)
        os.chmod(self.store, 0o600)
        self.ok("auth", "list")


class Corrupt(StoreTest):
    def check_refused(self, text, line, col):
        path = self.write_store(text)
        for args in (("auth", "list"), ("auth", "add", "new", "--type", "none"), ("auth", "add", "a", "--type", "none",
                                                                                  "--force"),
                     ("auth", "remove", "a"), ("auth", "show", "a")):
            with self.subTest(args=args):
                r = self.hookauth(*args)
                msg = self.assert_one_error_line(r, 2)
                self.assertIn("%s:%d:%d:" % (path, line, col), msg)
                self.assertEqual(read_bytes(path), text.encode(), "the corrupt store was changed")
        self.assertEqual(sorted(os.listdir(os.path.dirname(path))), ["store.json", "store.json.lock"])
        return msg

    def test_truncated(self):
        full = json.dumps({"version": 1, "authorizations": [{"name": "a", "type": "basic", "username": "u",
                                                             "password": "trunc-secret-pw"}]}, indent=2)
        text = full[:full.index('"password"') + 5]
        msg = self.check_refused(text, text.count("\n") + 1, len(text) - text.rindex("\n"))
        self.assertIn("not valid JSON", msg)
        self.assertNotIn("trunc-secret", msg)

    def test_syntax_error_in_the_middle(self):
        text = '{\n  "version": 1,\n  "authorizations": [\n    {"name": "a", "type": "none"}\n    {"name": "b"}\n  ]\n}\n'
        self.check_refused(text, 5, 5)

    def test_wrong_version(self):
        text = '{\n  "version": 2,\n  "authorizations": []\n}\n'
        msg = self.check_refused(text, 2, 14)
        self.assertIn("version", msg)

    def test_missing_version(self):
        self.check_refused('{"authorizations": []}\n', 1, 1)

    def test_schema_error_points_at_the_member(self):
        text = '{\n  "version": 1,\n  "authorizations": [\n    {"name": "a", "type": "basic", "username": "u"}\n  ]\n}\n'
        msg = self.check_refused(text, 4, 5)
        self.assertIn("password", msg)

    def test_form_feed_file(self):
        # An empty or whitespace-only store is an empty store (issue 18, test_store_trust.py); a form
        # feed is not JSON whitespace.
        self.check_refused("\f", 1, 1)


class Names(StoreTest):
    def test_duplicate_refused_then_forced(self):
        self.add_basic("dup", "u", "first-pw")
        before = read_bytes(self.store)
        r = self.hookauth("auth", "add", "dup", "--type", "basic", "--username", "u", "--password", "second-pw")
        msg = self.assert_one_error_line(r, 2)
        self.assertIn("--force", msg)
        self.assertNotIn("second-pw", msg)
        self.assertEqual(read_bytes(self.store), before)
        r = self.ok("auth", "add", "dup", "--type", "api-key", "--key", "K", "--value", "third", "--force")
        self.assertIn("replaced", r.err)
        doc = self.load()
        self.assertEqual(len(doc["authorizations"]), 1)
        self.assertEqual(doc["authorizations"][0]["type"], "api-key")
        self.assertEqual(doc["authorizations"][0]["value"], "third")
        self.assertNotIn("first-pw", read_bytes(self.store).decode())

    def test_force_keeps_position_and_others(self):
        for n in ("a", "b", "c"):
            self.add_none(n)
        self.ok("auth", "add", "b", "--type", "basic", "--username", "u", "--password", "p", "--force")
        self.assertEqual(self.names(), ["a", "b", "c"])

    def test_bad_names(self):
        for name in ("", "a b", "a/b", "../x", "x" * 65, "caf\u00e9", "a:b", "a\tb", "-"[:0] + "\u2603"):
            with self.subTest(name=name):
                r = self.hookauth("auth", "add", name, "--type", "basic", "--username", "u", "--password",
                                  "bad-name-secret")
                self.assert_one_error_line(r, 2)
                self.assertNotIn("bad-name-secret", r.err)
                self.assertFalse(os.path.exists(self.store))

    def test_good_names(self):
        names = ["x" * 64, "A.b_c-9", "1", "-lead"[1:], "UPPER"]
        for name in names:
            self.add_none(name)
        self.assertEqual(self.names(), names)

    def test_remove(self):
        self.add_none("a")
        self.add_none("b")
        self.ok("auth", "remove", "a")
        self.assertEqual(self.names(), ["b"])
        r = self.hookauth("auth", "remove", "a")
        self.assert_one_error_line(r, 2)
        self.ok("auth", "rm", "b")
        self.assertEqual(self.names(), [])


class FlagFields(StoreTest):
    def test_show_json_gives_switches_as_booleans_and_the_store_keeps_its_format(self):
        # audit cli #19: "userhash": "false" was a string
        self.ok("auth", "add", "d1", "--type", "digest", "--username", "u", "--password", "p", "--userhash")
        self.ok("auth", "add", "d2", "--type", "digest", "--username", "u", "--password", "p")
        self.ok("auth", "add", "s1", "--type", "aws-sigv4", "--access-key", "AK", "--secret-key", "SK", "--region",
                "eu-west-1", "--service", "s3", "--content-sha256")
        self.assertIs(json.loads(self.ok("auth", "show", "d1", "--json").out)["userhash"], True)
        self.assertIs(json.loads(self.ok("auth", "show", "d2", "--json").out)["userhash"], False)
        self.assertIs(json.loads(self.ok("auth", "show", "s1", "--json").out)["content-sha256"], True)
        self.assertIn("userhash:", self.ok("auth", "show", "d1").out)
        stored = {a["name"]: a for a in self.load()["authorizations"]}
        self.assertEqual(stored["d1"]["userhash"], "true")  # the store file format is unchanged
        self.assertNotIn("userhash", stored["d2"])
        self.assertEqual(stored["s1"]["content-sha256"], "true")
        for entry in json.loads(self.ok("auth", "list", "--json").out):
            self.assertEqual(set(entry), {"name", "type", "summary"})


class Location(StoreTest):
    def test_precedence(self):
        flag = os.path.join(self.tmp, "flag", "s.json")
        envs = os.path.join(self.tmp, "env", "s.json")
        xdg = os.path.join(self.tmp, "xdgdir")
        home = os.path.join(self.tmp, "home")
        env = {"HOOKAUTH_STORE": envs, "XDG_CONFIG_HOME": xdg, "HOME": home}
        self.ok("--store", flag, "auth", "add", "via-flag", "--type", "none", env=env)
        self.ok("auth", "add", "via-env", "--type", "none", env=env)
        self.ok("auth", "add", "via-xdg", "--type", "none", env=dict(env, HOOKAUTH_STORE=""))
        self.ok("auth", "add", "via-home", "--type", "none", env=dict(env, HOOKAUTH_STORE="", XDG_CONFIG_HOME=""))
        self.assertEqual(self.names(flag), ["via-flag"])
        self.assertEqual(self.names(envs), ["via-env"])
        self.assertEqual(self.names(os.path.join(xdg, "hookauth", "store.json")), ["via-xdg"])
        self.assertEqual(self.names(os.path.join(home, ".config", "hookauth", "store.json")), ["via-home"])

    def test_missing_store_lists_nothing(self):
        r = self.ok("auth", "list", "--json")
        self.assertEqual(r.json(), [])
        self.assertFalse(os.path.exists(self.store))


class Symlinks(StoreTest):
    """Audit cli #6: a store (or state file) kept as a symbolic link is written where the link points, and
    the link stays a link."""

    def linked_store(self):
        real = os.path.join(self.tmp, "dotfiles", "hookauth", "store.json")
        self.write_store(json.dumps({"version": 1, "authorizations": [{"name": "old", "type": "none"}]}), real)
        link_dir = os.path.join(self.tmp, "cfg")
        os.makedirs(link_dir, mode=0o700)
        link = os.path.join(link_dir, "store.json")
        os.symlink(os.path.relpath(real, link_dir), link)
        return real, link

    def test_store_flag_and_env_through_a_link(self):
        real, link = self.linked_store()
        self.ok("--store", link, "auth", "add", "via-flag", "--type", "none")
        self.ok("auth", "add", "via-env", "--type", "none", env={"HOOKAUTH_STORE": link})
        for path in (link, os.path.join(os.path.dirname(link), "..", "cfg", "store.json")):
            self.assertTrue(os.path.islink(path), path)
        self.assertEqual(self.names(real), ["old", "via-flag", "via-env"])
        self.assertEqual(mode(real), 0o600)
        # the lock and every temporary file are beside the target, none beside the link
        self.assertEqual(sorted(os.listdir(os.path.dirname(link))), ["store.json"])
        self.assertEqual(sorted(os.listdir(os.path.dirname(real))), ["store.json", "store.json.lock"])
        self.ok("--store", link, "auth", "rm", "old")
        self.assertTrue(os.path.islink(link))
        self.assertEqual(self.names(real), ["via-flag", "via-env"])
        # a link to a store that does not exist yet: the store is created at the target
        dangling = os.path.join(self.tmp, "cfg", "new.json")
        os.symlink("../made/store.json", dangling)
        self.ok("--store", dangling, "auth", "add", "first", "--type", "none")
        self.assertTrue(os.path.islink(dangling))
        self.assertEqual(self.names(os.path.join(self.tmp, "made", "store.json")), ["first"])

    def test_link_loop_is_an_error_and_nothing_is_written(self):
        loop = os.path.join(self.tmp, "loop.json")
        os.symlink("loop.json", loop)
        r = self.hookauth("--store", loop, "auth", "add", "x", "--type", "none")
        self.assertEqual(r.rc, 2, r)
        self.assertTrue(os.path.islink(loop))

    def test_state_file_through_a_link(self):
        """The Digest session in state.json (beside the store) is written through a link to it."""
        real, link = self.linked_store()
        cache = os.path.join(self.tmp, "cache")
        os.makedirs(cache, mode=0o700)
        real_state = os.path.join(cache, "state.json")
        with open(real_state, "w", encoding="utf-8") as f:
            f.write("{}\n")
        os.chmod(real_state, 0o600)
        state_link = os.path.join(os.path.dirname(link), "state.json")
        os.symlink(real_state, state_link)
        env = {"HOOKAUTH_STORE": link}
        self.ok("auth", "add", "dg", "--type", "digest", "--username", "u", "--password", "pw-9f2e", env=env)
        server = self.serve("dg", env=env)
        self.ok("webhook", "send", "--auth", "dg", server.url + "/x", env=env)
        self.assertTrue(os.path.islink(state_link))
        with open(real_state, encoding="utf-8") as f:
            state = json.load(f)
        self.assertTrue(state, "the Digest session was not saved in the link's target")


class CrashSafety(StoreTest):
    ITERATIONS = harness.repeat(250, 25)
    TIME_BUDGET = harness.repeat(20.0, 40.0)  # seconds; the loop stops early rather than slow the suite
    MIN_ITERATIONS = harness.repeat(20, 10)

    def test_sigkill_during_add(self):
        big = [{"name": "p%05d" % i, "type": "basic", "username": "user%d" % i, "password": "pw-%d-" % i + "x" * 60}
               for i in range(1200)]
        self.write_store(json.dumps({"version": 1, "authorizations": big}, indent=2) + "\n")
        initial = {a["name"] for a in big}
        directory = os.path.dirname(self.store)
        argv = [harness.binary(), "-q", "auth", "add"]
        env = harness.without_leak_check(self.env)

        def start(name, force):
            extra = ["--force"] if force else []
            return subprocess.Popen(argv + [name, "--type", "api-key", "--key", "K", "--value", "v-" + name] + extra,
                                    env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

        # How long one whole add takes here, so the kills spread over all of it, writing included.
        t0 = time.monotonic()
        p = start("timing", False)
        self.assertEqual(p.wait(timeout=30), 0, p.stderr.read())
        p.stderr.close()
        duration = time.monotonic() - t0

        rng = random.Random(1234)
        deadline = time.monotonic() + self.TIME_BUDGET
        kills = completed = iterations = 0
        for i in range(self.ITERATIONS):
            if time.monotonic() > deadline:
                break
            iterations += 1
            p = start("k%d" % (i % 40), force=True)
            time.sleep(rng.uniform(0, duration * 1.1))
            if p.poll() is None:
                p.send_signal(signal.SIGKILL)
                kills += 1
            rc = p.wait(timeout=30)
            err = p.stderr.read()
            p.stderr.close()
            if rc == 0:
                completed += 1
            else:
                self.assertEqual(rc, -signal.SIGKILL, err.decode())
            try:
                doc = self.load()
            except ValueError as e:
                self.fail("iteration %d: the store does not parse after a kill: %s" % (i, e))
            names = [a["name"] for a in doc["authorizations"]]
            self.assertEqual(doc["version"], 1)
            self.assertTrue(initial <= set(names), "iteration %d: authorizations were lost" % i)
            self.assertEqual(len(names), len(set(names)))
            self.assertEqual(mode(self.store), 0o600)
        print("\ncrash safety: %d iterations, %d killed, %d completed, one add %.0f ms"
              % (iterations, kills, completed, duration * 1000), file=sys.stderr)
        self.assertGreater(iterations, self.MIN_ITERATIONS)

        # Leftovers: only the lock file and temp files of killed writers, and those hold secrets: 0600.
        leftovers = sorted(set(os.listdir(directory)) - {"store.json", "store.json.lock"})
        for f in leftovers:
            self.assertRegex(f, TEMP_NAME)
            self.assertEqual(mode(os.path.join(directory, f)), 0o600, f)
        self.assertLessEqual(len(leftovers), kills)
        if leftovers:
            print("crash safety: %d temp files left by killed writers" % len(leftovers), file=sys.stderr)

        # No lock is left held: a later add finishes promptly and is kept.
        r = self.hookauth("auth", "add", "after", "--type", "none", timeout=30)
        self.assertEqual(r.rc, 0, r)
        self.assertIn("after", self.names())
        r = self.ok("auth", "show", "after", "--json")
        self.assertEqual(r.json()["type"], "none")


class PrivateFiles(StoreTest):
    def test_state_file_others_can_read_is_refused(self):
        # state.json holds access and refresh tokens: refused like the store, with the fix named.
        self.ok("auth", "add", "o", "--type", "oauth2", "--grant", "client-credentials", "--client-id", "c",
                "--token-url", "http://127.0.0.1:%d/token" % self.closed_port())
        state = os.path.join(os.path.dirname(self.store), "state.json")
        with open(state, "w") as f:
            f.write("{}")
        os.chmod(state, 0o644)
        line = self.assert_one_error_line(self.hookauth("auth", "token", "o"), 2)
        self.assertIn("state.json is accessible by group or others (mode 0644)", line)
        self.assertIn("chmod 600", line)
        os.chmod(state, 0o600)
        self.assertEqual(self.hookauth("auth", "token", "o").rc, 3)  # past the check: the endpoint is closed

    def test_store_that_is_a_directory(self):
        line = self.assert_one_error_line(self.hookauth("--store", self.tmp, "auth", "list"), 2)
        self.assertIn("is a directory, not a file", line)
        self.assertNotIn("chmod", line)


class OneProfileRead(StoreTest):
    """A command that uses one authorization validates that one in full; the others only for their shape."""

    STORE = ('{\n  "version": 1,\n  "authorizations": [\n'
             '    {"name": "good", "type": "basic", "username": "u", "password": "pw-good"},\n'
             '    {"name": "odd", "type": "api-key", "key": "X-Key", "value": "k", "in": "cookie"}\n  ]\n}\n')

    def test_a_broken_value_in_another_profile_does_not_stop_a_command(self):
        self.write_store(self.STORE)
        at = self.STORE.index('{"name": "odd"')
        where = "%s:%d:%d: authorizations[1]: in: 'cookie' is not one of" % (
            self.store, self.STORE.count("\n", 0, at) + 1, at - self.STORE.rindex("\n", 0, at))
        r = self.ok("webhook", "send", "--auth", "good", "--dry-run", "http://127.0.0.1:9/")
        self.assertIn("Authorization: Basic [redacted]", r.out + r.err)
        self.assertEqual(self.ok("auth", "show", "good", "--json").json()["username"], "u")
        # auth list shows it: the value is the broken part, and it is what `auth list` does not check.
        self.assertEqual([(a["name"], a["summary"]) for a in self.ok("auth", "list", "--json").json()],
                         [("good", "user u"), ("odd", "X-Key in cookie")])
        for args in (("webhook", "send", "--auth", "odd", "--dry-run", "http://127.0.0.1:9/"), ("auth", "show", "odd"),
                     ("auth", "token", "odd"), ("auth", "add", "new", "--type", "none"), ("auth", "remove", "good")):
            with self.subTest(args=args):
                self.assertIn(where, self.assert_one_error_line(self.hookauth(*args), 2))
        self.assertEqual(read_bytes(self.store).decode(), self.STORE, "a refused store was changed")

    def test_a_broken_shape_in_another_profile_stops_every_command(self):
        text = self.STORE.replace('"in": "cookie"', '"in": ["header"]')
        self.write_store(text)
        for args in (("auth", "list"), ("auth", "show", "good"),
                     ("webhook", "send", "--auth", "good", "--dry-run", "http://127.0.0.1:9/")):
            with self.subTest(args=args):
                self.assertIn("authorizations[1].in: expected a string", self.assert_one_error_line(self.hookauth(*args), 2))


if __name__ == "__main__":
    harness.main()
