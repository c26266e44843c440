"""Shared helpers for hookauth's integration tests: run the binary against a private store, and start
servers (hookauth verify serve, the capturing receiver) on free loopback ports that are always stopped.

Every test class derives from HookauthTest. Nothing here talks to an address outside 127.0.0.0/8.
"""

import base64
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CAPTURE = os.path.join(REPO, "tests", "peers", "capture.py")
PYTHON = "/usr/bin/python3"

# Set by ctest in the ASan+UBSan build (tests/CMakeLists.txt). There every start of hookauth costs about
# 0.2 s of CPU instead of 0.03 s, so the loops that repeat one path hundreds of times for its statistics
# (SIGKILLs, concurrent writers, generated oracle cases) run fewer times: every test still runs, and
# every path it reaches is still checked by the sanitizers.
SANITIZED = os.environ.get("HOOKAUTH_SANITIZED") == "1"


def repeat(normal, sanitized):
    """How many times a stress loop runs: `normal` in the normal build, `sanitized` under ASan+UBSan."""
    return sanitized if SANITIZED else normal


def without_leak_check(env):
    """`env` with LeakSanitizer off, for the children of a sanitizer build that the check cannot run in: a
    process under strace (the check ptraces its own threads), or one killed at a random moment (a kill
    inside the check leaves its tracer reporting that it could not read the dead thread's registers).
    Every other run of the same commands keeps the check."""
    env = dict(env)
    if "ASAN_OPTIONS" in env:
        env["ASAN_OPTIONS"] += ":detect_leaks=0"
    return env


# Children inherit an ignored SIGINT (a test run started in the background by a shell has one);
# with a handler installed here, every child starts with the default disposition, as from a terminal.
signal.signal(signal.SIGINT, signal.default_int_handler)


def binary():
    path = os.environ.get("HOOKAUTH_BIN")
    if not path:
        for d in ("build-integ", "build"):
            candidate = os.path.join(REPO, d, "src", "hookauth")
            if os.access(candidate, os.X_OK):
                return candidate
        raise RuntimeError("set HOOKAUTH_BIN to the hookauth binary")
    return os.path.abspath(path)  # the tests run it from their temp dirs


def b64(text):
    return base64.b64encode(text.encode()).decode()


class Result:
    """A finished hookauth run: exit code, and stdout/stderr as bytes and as text."""

    def __init__(self, args, rc, out, err):
        self.args, self.rc, self.out_b, self.err_b = args, rc, out, err
        self.out = out.decode("utf-8", "replace")
        self.err = err.decode("utf-8", "replace")

    def __repr__(self):
        return "hookauth %s -> exit %d\nstdout: %r\nstderr: %r" % (" ".join(self.args), self.rc, self.out[:2000],
                                                                   self.err[:2000])

    def json(self):
        return json.loads(self.out)


class Server:
    """A child process serving on a loopback port; its stdout lines and stderr lines are collected."""

    def __init__(self, argv, env, cwd=REPO, ready_timeout=10):
        self.argv = argv
        self.proc = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, start_new_session=True)
        self.stdout_lines, self.stderr_lines = [], []
        self._first_err = queue.Queue()
        self._threads = [threading.Thread(target=self._pump, args=(self.proc.stdout, self.stdout_lines, None),
                                          daemon=True),
                         threading.Thread(target=self._pump, args=(self.proc.stderr, self.stderr_lines,
                                                                   self._first_err), daemon=True)]
        for t in self._threads:
            t.start()
        self.port = None
        try:
            line = self._first_err.get(timeout=ready_timeout)
        except queue.Empty:
            self.stop()
            raise AssertionError("%s printed no 'listening on' line in %ds" % (argv[:3], ready_timeout))
        # `verify serve --tls-cert` (and capture.py --tls-cert) announce https://; self.url keeps the scheme.
        for self.scheme in ("http", "https"):
            prefix = "listening on %s://" % self.scheme
            if line.startswith(prefix):
                break
        else:
            self.stop()
            raise AssertionError("%s: first stderr line %r, expected 'listening on http://' or https://"
                                 % (argv[:3], line))
        self.host, _, port = line[len(prefix):].strip().rpartition(":")
        self.port = int(port)
        self.url = "%s://127.0.0.1:%d" % (self.scheme, self.port)

    def _pump(self, stream, lines, first):
        for raw in iter(stream.readline, b""):
            text = raw.decode("utf-8", "replace").rstrip("\n")
            lines.append(text)
            if first is not None and len(lines) == 1:
                first.put(text)
        stream.close()

    def signal(self, signum):
        if self.proc.poll() is None:
            self.proc.send_signal(signum)

    def wait(self, timeout=10):
        """The exit code, once the process has ended and its output has been read."""
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError("%s still running after %ss" % (" ".join(self.argv[:3]), timeout)) from None
        for t in self._threads:
            t.join(timeout=5)
        return rc

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        for t in self._threads:
            t.join(timeout=5)

    def stdout_json(self):
        return [json.loads(l) for l in self.stdout_lines if l.strip()]


class Capture(Server):
    """tests/peers/capture.py: the requests it received, as dicts with bytes for body and raw."""

    def __init__(self, args, env, out):
        self.out = out
        super().__init__([PYTHON, CAPTURE, "--port", "0", "--out", out] + list(args), env)

    def requests(self):
        try:
            with open(self.out, encoding="utf-8") as f:
                items = json.load(f)
        except FileNotFoundError:
            return []
        for r in items:
            r["body"] = base64.b64decode(r["body_b64"])
            r["raw"] = base64.b64decode(r["raw_b64"])
        return items

    @staticmethod
    def header(request, name):
        """The values of every header called name (any case), in order."""
        return [v for k, v in request["headers"] if k.lower() == name.lower()]


class HookauthTest(unittest.TestCase):
    """Gives each test a private temp dir and store, and helpers to run hookauth and start servers."""

    maxDiff = None

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="hookauth-it-")
        self.addCleanup(self._rmtree, self.tmp)
        self.store = os.path.join(self.tmp, "config", "store.json")
        self.env = {k: v for k, v in os.environ.items()
                    if k not in ("HOOKAUTH_STORE", "http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY",
                                 "ALL_PROXY", "all_proxy", "no_proxy", "NO_PROXY")}
        self.env["HOOKAUTH_STORE"] = self.store
        self.env["HOME"] = self.tmp
        self.env["XDG_CONFIG_HOME"] = os.path.join(self.tmp, "xdg")
        self.env["LC_ALL"] = "C"
        self._captures = 0

    # What fixture() built, per test class and builder: [(path relative to the temp dir, mode, bytes or
    # None for a directory)], in creation order.
    _fixtures = {}

    def fixture(self, build):
        """Runs build() for the first test of a class, and gives every later test a copy of the files and
        directories it created in the temp dir (the store, with the same bytes and modes), without running
        it. setUp's `auth add`s were a third of the suite's hookauth starts; each costs 0.15 s of CPU in
        the sanitized build. build() must leave no state but those files, and they must not name the temp
        dir: another test's copy would point into a directory that is gone."""
        key = (type(self), getattr(build, "__func__", build).__code__)
        made = HookauthTest._fixtures.get(key)
        if made is None:
            before = set(self._tree())
            build()
            made = []
            for rel in self._tree():
                if rel in before:
                    continue
                path = os.path.join(self.tmp, rel)
                data = None
                if not os.path.isdir(path):
                    with open(path, "rb") as f:
                        data = f.read()
                    if self.tmp.encode() in data:
                        raise AssertionError("fixture: %s names the test's temp dir; build it in each test" % rel)
                made.append((rel, os.stat(path).st_mode & 0o7777, data))
            HookauthTest._fixtures[key] = made
            return
        for rel, mode, data in made:
            path = os.path.join(self.tmp, rel)
            if data is None:
                os.mkdir(path)
            else:
                with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as f:
                    f.write(data)
            os.chmod(path, mode)

    def _tree(self):
        """Every path under the temp dir, relative to it, each directory before what it holds."""
        for top, dirs, files in os.walk(self.tmp):
            dirs.sort()
            for name in dirs + sorted(files):
                yield os.path.relpath(os.path.join(top, name), self.tmp)

    @staticmethod
    def _rmtree(path):
        import shutil
        shutil.rmtree(path, ignore_errors=True)

    def hookauth(self, *args, input=None, env=None, timeout=60):
        """Runs hookauth with args; stdin is empty unless input (bytes or str) is given."""
        if isinstance(input, str):
            input = input.encode()
        run_env = dict(self.env)
        if env:
            run_env.update(env)
        p = subprocess.run([binary()] + list(args), input=input if input is not None else b"",
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=run_env, cwd=self.tmp,
                           timeout=timeout)
        return Result(list(args), p.returncode, p.stdout, p.stderr)

    def ok(self, *args, **kw):
        r = self.hookauth(*args, **kw)
        self.assertEqual(r.rc, 0, r)
        return r

    def add_basic(self, name, user, password, *extra):
        return self.ok("auth", "add", name, "--type", "basic", "--username", user, "--password", password, *extra)

    def add_key(self, name, key, value, where, *extra):
        return self.ok("auth", "add", name, "--type", "api-key", "--key", key, "--value", value, "--in", where,
                       *extra)

    def add_none(self, name):
        return self.ok("auth", "add", name, "--type", "none")

    def serve(self, auth, *extra, env=None, global_args=()):
        """hookauth verify serve on a free port; stopped (SIGTERM) at cleanup. global_args go before
        `verify` (e.g. ("--at", "20150830T123600Z"))."""
        run_env = dict(self.env)
        if env:
            run_env.update(env)
        s = Server([binary()] + list(global_args) + ["verify", "serve", "--auth", auth, "--listen", "127.0.0.1:0"] +
                   list(extra), run_env)
        self.addCleanup(s.stop)
        return s

    def capture(self, *args, host="127.0.0.1"):
        """tests/peers/capture.py on a free port; stopped at cleanup."""
        self._captures += 1
        out = os.path.join(self.tmp, "captured-%d.json" % self._captures)
        extra = list(args) + (["--host", host] if host != "127.0.0.1" else [])
        c = Capture(extra, self.env, out)
        c.url = "http://%s:%d" % (host, c.port)
        self.addCleanup(c.stop)
        return c

    def closed_port(self):
        """A loopback port bound but not listening for the test's lifetime: connecting to it is refused."""
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind(("127.0.0.1", 0))
        self.addCleanup(s.close)
        return s.getsockname()[1]

    def wait_for(self, predicate, timeout=10, what="condition"):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(0.02)
        self.fail("timed out waiting for " + what)

    def assert_one_error_line(self, r, code=2):
        """exit code, and stderr is exactly one line starting 'hookauth: error:'."""
        self.assertEqual(r.rc, code, r)
        lines = r.err.splitlines()
        self.assertEqual(len(lines), 1, r)
        self.assertTrue(lines[0].startswith("hookauth: error: "), r)
        return lines[0]


def main():
    unittest.main(verbosity=2)
