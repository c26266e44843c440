"""OAuth 2.0 (issue #5): hookauth against a real authorization server (tests/peers/oauth_server.py, Authlib).

Client credentials and authorization code with PKCE (the test plays the browser), the token cache and
its lock, expiry, refresh and rotation, token endpoint errors, bearer tokens on webhook send, and
introspection in verify / verify serve. Only 127.0.0.0/8 is contacted.
"""

import base64
import hashlib
import json
import os
import queue
import re
import socket
import stat
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

OAUTH_SERVER = os.path.join(harness.REPO, "tests", "peers", "oauth_server.py")
DEFAULT_CONFIG = {"expires_in": 3600, "rotate_refresh": False, "refuse_refresh": False, "fail_next": None,
                  "error_next": None, "delay": 0, "issue_refresh_for_client_credentials": False}


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # the 302 surfaces as an HTTPError: the test decides where the "browser" goes


# The test process's own HTTP client: never through a proxy, never following redirects.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), NoRedirect)


def http(url, data=None, headers=None, method=None, timeout=10):
    """(status, headers, body bytes); HTTP errors are answers too."""
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with OPENER.open(req, timeout=timeout) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def header(entry, name):
    """A header of a logged token request, by any case of its name."""
    for k, v in entry["headers"].items():
        if k.lower() == name.lower():
            return v
    return None


def params(entry):
    """Every parameter of a logged request, from the query string and the form body."""
    out = {}
    for where in ("query", "form"):
        for k, v in entry[where].items():
            out.setdefault(k, []).extend(v)
    return out


def basic(client_id, secret):
    return "Basic " + base64.b64encode(("%s:%s" % (urllib.parse.quote(client_id, safe=""),
                                                    urllib.parse.quote(secret, safe=""))).encode()).decode()


def free_port():
    """A loopback port for hookauth's login listener (bound, closed, used at once: a small window)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def rfc3339_epoch(text):
    m = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?Z", text)
    if not m:
        raise AssertionError("not an RFC 3339 UTC time: %r" % text)
    return datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc).timestamp()


def curl(*args):
    """curl's status code and response headers (lowercase name -> values)."""
    p = subprocess.run(["curl", "-sS", "--noproxy", "*", "--max-time", "10", "-D", "-", "-o", "/dev/null",
                        "-w", "\n%{http_code}"] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=30)
    if p.returncode != 0:
        raise AssertionError("curl %s failed: %s" % (args, p.stderr.decode()))
    head, _, code = p.stdout.decode().rpartition("\n")
    headers = {}
    for line in head.split("\r\n")[1:]:
        if ":" in line:
            k, _, v = line.partition(":")
            headers.setdefault(k.strip().lower(), []).append(v.strip())
    return int(code), headers


class OAuthPeer:
    """tests/peers/oauth_server.py and its admin API."""

    def __init__(self, *args):
        env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
        self.server = harness.Server([harness.PYTHON, OAUTH_SERVER, "--port", "0"] + list(args), env)
        self.url = self.server.url
        self.token_url = self.url + "/token"
        self.auth_url = self.url + "/authorize"
        self.introspect_url = self.url + "/introspect"

    def stop(self):
        self.server.stop()

    def admin(self, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        status, _, out = http(self.url + path, data=data, headers={"Content-Type": "application/json"},
                              method="POST" if body is not None else "GET")
        if status not in (200, 201):
            raise AssertionError("admin %s -> %d %r" % (path, status, out))
        return json.loads(out)

    def config(self, **kw):
        return self.admin("/_admin/config", kw)

    def register(self, client_id, secret, method=None, redirect_uris=(), scope="read write"):
        body = {"client_id": client_id, "client_secret": secret, "redirect_uris": list(redirect_uris),
                "scope": scope}
        if method:
            body["token_endpoint_auth_method"] = method
        return self.admin("/_admin/clients", body)

    def log(self):
        return self.admin("/_admin/log")

    def count(self):
        return self.admin("/_admin/count")

    def tokens(self):
        return self.count()["token"]

    def introspect(self, token, client_id, secret):
        status, _, out = http(self.introspect_url, data=urllib.parse.urlencode({"token": token}).encode(),
                              headers={"Authorization": basic(client_id, secret),
                                       "Content-Type": "application/x-www-form-urlencoded"})
        if status != 200:
            raise AssertionError("introspect -> %d %r" % (status, out))
        return json.loads(out)


class Running:
    """hookauth started in the background (auth login / auth token needing a login): stderr read line by
    line as it comes, so the test can act on the authorization URL while hookauth waits."""

    def __init__(self, test, args, stdin=False):
        self.args = list(args)
        self.proc = subprocess.Popen([harness.binary()] + self.args, env=test.env, cwd=test.tmp,
                                     stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        test.addCleanup(self.kill)
        self.err_lines, self._lines = [], queue.Queue()
        self._out = []
        self._threads = [threading.Thread(target=self._pump_err, daemon=True),
                         threading.Thread(target=lambda: self._out.append(self.proc.stdout.read()), daemon=True)]
        for t in self._threads:
            t.start()

    def _pump_err(self):
        for raw in iter(self.proc.stderr.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.err_lines.append(line)
            self._lines.put(line)
        self._lines.put(None)

    def authorization_url(self, timeout=10):
        """The URL printed (indented by two spaces) after the 'Open this URL' line."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self._lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError("no authorization URL on stderr in %ss: %r" % (timeout, self.err_lines))
            if line is None:
                raise AssertionError("hookauth ended before printing a URL: %r" % self.err_lines)
            if line.startswith("  http"):
                return line[2:]

    def send_line(self, text):
        self.proc.stdin.write((text + "\n").encode())
        self.proc.stdin.close()

    def finish(self, timeout=30):
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError("hookauth %s still running after %ss" % (" ".join(self.args), timeout)) from None
        for t in self._threads:
            t.join(timeout=5)
        return harness.Result(self.args, rc, self._out[0] if self._out else b"",
                              "\n".join(self.err_lines).encode() + (b"\n" if self.err_lines else b""))

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=5)
        for t in self._threads:
            t.join(timeout=5)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream and not stream.closed:
                stream.close()


class OAuthTest(harness.HookauthTest):
    """One authorization server per class; its behaviour is reset before every test."""

    server_args = ()

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.peer = OAuthPeer(*cls.server_args)
        cls.addClassCleanup(cls.peer.stop)
        cls.serial = 0
        # A resource server's client, used by the tests to ask /introspect about tokens.
        cls.peer.register("inspector", "inspector-secret-77", "client_secret_basic")

    def setUp(self):
        super().setUp()
        self.peer.config(**DEFAULT_CONFIG)

    def client(self, method="client_secret_post", redirect_uris=(), scope="read write"):
        """A freshly registered client: (client_id, secret)."""
        type(self).serial += 1
        client_id = "client-%s-%d" % (self._testMethodName[5:25], self.serial)
        secret = "s3cret-%d-%s" % (self.serial, hashlib.sha256(client_id.encode()).hexdigest()[:12])
        self.peer.register(client_id, secret, method, redirect_uris, scope)
        return client_id, secret

    def add_cc(self, name, client_id, secret, *extra):
        self.ok("auth", "add", name, "--type", "oauth2", "--grant", "client-credentials", "--client-id", client_id,
                "--client-secret", secret, "--token-url", self.peer.token_url, *extra)

    def token_json(self, name, *extra):
        r = self.ok("auth", "token", name, "--json", *extra)
        return r.json()

    def state(self):
        with open(self.state_path(), encoding="utf-8") as f:
            return json.load(f)

    def state_path(self):
        return os.path.join(os.path.dirname(self.store), "state.json")

    def cached(self, name):
        return self.state()["oauth2"][name]

    def assert_issued(self, token, client_id):
        """The token is live at the server and belongs to client_id."""
        answer = self.peer.introspect(token, "inspector", "inspector-secret-77")
        self.assertIs(answer.get("active"), True, answer)
        self.assertEqual(answer.get("client_id"), client_id, answer)
        return answer

    def error_line(self, r, code):
        """exit code, and exactly one 'hookauth: error:' line on stderr (progress notes aside)."""
        self.assertEqual(r.rc, code, r)
        lines = r.err.splitlines()
        errors = [l for l in lines if l.startswith("hookauth: error: ")]
        self.assertEqual(len(errors), 1, r)
        self.assertTrue(all(l.startswith("hookauth: ") for l in lines), r)
        return errors[0]

    def new_log(self, mark):
        return self.peer.log()[mark:]


class ClientCredentials(OAuthTest):
    def check_request(self, entry, client_id, secret, method, in_url, auth_basic):
        self.assertEqual(entry["path"], "/token")
        self.assertEqual(entry["method"], method, entry)
        self.assertEqual(entry["status"], 200, entry)
        where, other = ("query", "form") if in_url else ("form", "query")
        self.assertEqual(entry[where].get("grant_type"), ["client_credentials"], entry)
        self.assertEqual(entry[other], {}, entry)
        self.assertEqual(header(entry, "Accept"), "application/json", entry)
        self.assertEqual(header(entry, "X-Extra"), "extra-value 1", entry)
        self.assertEqual(header(entry, "X-Tenant"), "t-42", entry)
        if auth_basic:
            self.assertEqual(header(entry, "Authorization"), basic(client_id, secret), entry)
            self.assertNotIn("client_secret", params(entry), entry)
        else:
            self.assertIsNone(header(entry, "Authorization"), entry)
            self.assertEqual(entry[where].get("client_id"), [client_id], entry)
            self.assertEqual(entry[where].get("client_secret"), [secret], entry)

    def test_token_request_variants_headers_and_cache(self):
        variants = [("body", "POST", "body"), ("basic", "POST", "body"), ("body", "GET", "body"),
                    ("basic", "GET", "url"), ("body", "POST", "url"), ("basic", "POST", "url")]
        for i, (client_auth, method, where) in enumerate(variants):
            with self.subTest(client_auth=client_auth, method=method, params=where):
                client_id, secret = self.client("client_secret_basic" if client_auth == "basic"
                                                else "client_secret_post")
                name = "cc%d" % i
                self.add_cc(name, client_id, secret, "--client-auth", client_auth, "--token-method", method,
                            "--token-params", where, "--token-header", "X-Extra: extra-value 1",
                            "--token-header", "X-Tenant: t-42")
                mark = len(self.peer.log())
                before = self.peer.tokens()
                r = self.ok("auth", "token", name)
                token = r.out.strip()
                self.assertEqual(r.out, token + "\n", r)
                self.assertTrue(token, r)
                entries = self.new_log(mark)
                self.assertEqual(len(entries), 1, entries)
                self.check_request(entries[0], client_id, secret, method, method == "GET" or where == "url",
                                   client_auth == "basic")
                self.assertEqual(self.peer.tokens(), before + 1)
                self.assert_issued(token, client_id)
                # The second call is served from the cache: no token request.
                r = self.ok("auth", "token", name)
                self.assertEqual(r.out, token + "\n", r)
                self.assertEqual(self.peer.tokens(), before + 1)

    def test_json_shape_reveal_and_state_file(self):
        client_id, secret = self.client()
        self.add_cc("plain", client_id, secret, "--scope", "read")
        doc = self.token_json("plain")
        self.assertEqual(list(doc), ["access_token", "token_type", "expires_at", "expires_in", "scope",
                                     "has_refresh_token", "source"])
        self.assertEqual(doc["source"], "fetched")
        self.assertEqual(doc["token_type"], "Bearer")
        self.assertEqual(doc["scope"], "read")
        self.assertIs(doc["has_refresh_token"], False)
        self.assertTrue(3500 <= doc["expires_in"] <= 3600, doc)
        self.assertAlmostEqual(rfc3339_epoch(doc["expires_at"]), time.time() + 3600, delta=10)
        self.assertEqual(self.assert_issued(doc["access_token"], client_id)["scope"], "read")
        again = self.token_json("plain", "--reveal")
        self.assertEqual(again["source"], "cache")
        self.assertEqual(again["access_token"], doc["access_token"])
        self.assertNotIn("refresh_token", again)  # none held, even with --reveal

        # With a refresh token held: shown only with --reveal.
        self.peer.config(issue_refresh_for_client_credentials=True)
        client_id2, secret2 = self.client()
        self.add_cc("withrt", client_id2, secret2)
        doc = self.token_json("withrt")
        self.assertIs(doc["has_refresh_token"], True)
        self.assertNotIn("refresh_token", doc)
        self.assertEqual(doc["scope"], "read write")
        revealed = self.token_json("withrt", "--reveal")
        self.assertEqual(list(revealed), ["access_token", "token_type", "expires_at", "expires_in", "scope",
                                          "has_refresh_token", "refresh_token", "source"])
        self.assertEqual(revealed["source"], "cache")
        self.assertTrue(revealed["refresh_token"])

        st = os.stat(self.state_path())
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o600)
        with open(self.state_path(), encoding="utf-8") as f:
            text = f.read()
        for s in (secret, secret2):
            self.assertNotIn(s, text)
        cached = self.cached("withrt")
        self.assertEqual(cached["access_token"], revealed["access_token"])
        self.assertEqual(cached["refresh_token"], revealed["refresh_token"])
        self.assertEqual(cached["token_type"], "Bearer")
        self.assertTrue(cached["fingerprint"])
        self.assertAlmostEqual(cached["expires_at"], time.time() + 3600, delta=10)
        self.assertEqual(self.cached("plain")["access_token"], again["access_token"])

    def test_validity_when_expires_in_is_omitted(self):
        self.peer.config(expires_in=0)
        client_id, secret = self.client()
        self.add_cc("valid100", client_id, secret, "--validity", "100")
        self.add_cc("forever", client_id, secret)
        doc = self.token_json("valid100")
        self.assertEqual(doc["source"], "fetched")
        self.assertTrue(90 <= doc["expires_in"] <= 100, doc)
        self.assertAlmostEqual(rfc3339_epoch(doc["expires_at"]), time.time() + 100, delta=5)
        self.assertAlmostEqual(self.cached("valid100")["expires_at"], time.time() + 100, delta=5)
        doc = self.token_json("forever")
        self.assertEqual(doc["source"], "fetched")
        self.assertIsNone(doc["expires_at"])
        self.assertIsNone(doc["expires_in"])
        self.assertIsNone(self.cached("forever")["expires_at"])
        before = self.peer.tokens()
        self.assertEqual(self.token_json("forever")["source"], "cache")
        self.assertEqual(self.peer.tokens(), before)

    def test_expiry_refresh_and_refused_refresh(self):
        # 2-second tokens with a refresh token, refreshed at expiry (margin 0).
        self.peer.config(expires_in=2, issue_refresh_for_client_credentials=True)
        client_id, secret = self.client()
        self.add_cc("short", client_id, secret, "--refresh-margin", "0")
        fetched_at = time.monotonic()
        first = self.token_json("short", "--reveal")
        self.assertEqual(first["source"], "fetched")
        self.assertTrue(first["expires_in"] <= 2, first)
        again = self.token_json("short")
        if time.monotonic() - fetched_at < 1.5:  # still fresh (unless the machine is very slow)
            self.assertEqual(again["source"], "cache")
        time.sleep(2.5)
        mark = len(self.peer.log())
        second = self.token_json("short")
        self.assertEqual(second["source"], "refreshed")
        self.assertNotEqual(second["access_token"], first["access_token"])
        entries = self.new_log(mark)
        self.assertEqual([(e["grant_type"], e["status"]) for e in entries], [("refresh_token", 200)])
        p = params(entries[0])
        self.assertEqual(p.get("refresh_token"), [first["refresh_token"]])
        self.assertEqual(p.get("client_id"), [client_id])
        self.assertEqual(p.get("client_secret"), [secret])
        self.assertNotIn("scope", p)
        self.assert_issued(second["access_token"], client_id)

        # A refused refresh: client credentials simply get a new token.
        self.peer.config(refuse_refresh=True)
        mark = len(self.peer.log())
        third = self.token_json("short", "--refresh")
        self.assertEqual(third["source"], "fetched")
        self.assertNotEqual(third["access_token"], second["access_token"])
        self.assertEqual([(e["grant_type"], e["status"]) for e in self.new_log(mark)],
                         [("refresh_token", 400), ("client_credentials", 200)])
        self.assert_issued(third["access_token"], client_id)

    def test_token_endpoint_error_answer(self):
        client_id, secret = self.client()
        self.add_cc("err", client_id, secret)
        self.peer.config(error_next={"status": 400, "error": "invalid_scope",
                                     "error_description": "scope zeta is not granted"})
        r = self.hookauth("auth", "token", "err")
        line = self.assert_one_error_line(r, 4)
        self.assertIn("err", line)
        self.assertIn("invalid_scope", line)
        self.assertIn("scope zeta is not granted", line)
        self.assertIn("400", line)
        self.assertNotIn(secret, r.err + r.out)
        self.assertEqual(r.out, "")
        # Nothing was cached: the next call fetches.
        self.assertEqual(self.token_json("err")["source"], "fetched")

    def test_client_auth_hint_from_the_basic_challenge(self):
        """Issue 19 item 5: Authlib answers invalid_client with 401 and WWW-Authenticate: Basic to a client
        that sent its secret in the body while registered for client_secret_basic."""
        client_id, secret = self.client("client_secret_basic")
        self.add_cc("wants-basic", client_id, secret)  # --client-auth body, the default
        line = self.error_line(self.hookauth("auth", "token", "wants-basic"), 4)
        self.assertIn("wants-basic: the token endpoint refused: HTTP 401: invalid_client", line)
        self.assertTrue(line.endswith("; the token endpoint asks for HTTP Basic (WWW-Authenticate: Basic): "
                                      "'--client-auth basic' may be what it wants"), line)
        entry = self.peer.log()[-1]
        self.assertEqual(entry["status"], 401)
        # the hint is right: with it, the token comes
        self.add_cc("wants-basic", client_id, secret, "--client-auth", "basic", "--force")
        self.assert_issued(self.token_json("wants-basic")["access_token"], client_id)
        # the converse: Basic sent, and refused without a Basic challenge
        client_id2, secret2 = self.client()
        self.add_cc("wants-body", client_id2, secret2, "--client-auth", "basic")
        self.peer.config(error_next={"status": 400, "error": "invalid_client"})
        line = self.error_line(self.hookauth("auth", "token", "wants-body"), 4)
        self.assertTrue(line.endswith("'--client-auth body' may be what it wants"), line)
        # another refusal gets no hint
        self.peer.config(error_next={"status": 400, "error": "invalid_scope"})
        self.assertNotIn("--client-auth", self.error_line(self.hookauth("auth", "token", "wants-body"), 4))

    def test_expires_in_as_a_string_holding_a_decimal(self):
        """Issue 19 item 9: "3599.0" is read as 3599.0 and "3599" are; a string that is no number still fails."""
        client_id, secret = self.client()
        self.add_cc("decimal", client_id, secret)
        answer = '{"access_token":"AT-decimal-1","token_type":"Bearer","expires_in":"3599.0"}'
        self.peer.config(fail_next={"status": 200, "content_type": "application/json", "body": answer})
        doc = self.token_json("decimal", "--reveal")
        self.assertEqual(doc["access_token"], "AT-decimal-1")
        self.assertTrue(3590 <= doc["expires_in"] <= 3599, doc)
        self.assertAlmostEqual(self.cached("decimal")["expires_at"], time.time() + 3599, delta=10)
        self.peer.config(fail_next={"status": 200, "content_type": "application/json",
                                    "body": answer.replace("3599.0", "an hour")})
        line = self.error_line(self.hookauth("auth", "token", "decimal", "--refresh"), 4)
        self.assertTrue(line.endswith("decimal: the token endpoint's expires_in is not a number"), line)

    def test_token_endpoint_non_json_answer(self):
        client_id, secret = self.client()
        self.add_cc("html", client_id, secret)
        body = "<html><body><h1>503 Service Unavailable</h1>" + "x" * 100 + "TAIL-NOT-SHOWN</body></html>"
        self.peer.config(fail_next={"status": 503, "content_type": "text/html", "body": body})
        r = self.hookauth("auth", "token", "html")
        line = self.assert_one_error_line(r, 4)
        self.assertIn("503", line)
        self.assertIn("text/html", line)
        self.assertIn("<html><body><h1>503 Service Unavailable</h1>", line)
        self.assertNotIn("TAIL-NOT-SHOWN", line)
        self.assertNotIn(secret, r.err)
        self.assertEqual(r.out, "")

    def test_refresh_that_is_not_refused_keeps_the_cached_token(self):
        # A 5xx, a proxy's page or a body that is not JSON says nothing about the refresh token: exit 4 with
        # one line, no new grant, and the cached access and refresh tokens stay (only a refusal drops them).
        self.peer.config(issue_refresh_for_client_credentials=True)
        client_id, secret = self.client()
        self.add_cc("flaky", client_id, secret)
        first = self.token_json("flaky")
        cached = self.cached("flaky")
        self.assertTrue(cached["refresh_token"])
        outages = [("fail_next", {"status": 502, "content_type": "text/html", "body": "<html>Bad gateway</html>"},
                    "HTTP 502 (text/html), not a JSON object: <html>Bad gateway</html>"),
                   ("fail_next", {"status": 200, "content_type": "text/plain", "body": "upstream hiccup"},
                    "HTTP 200 (text/plain), not a JSON object: upstream hiccup"),
                   ("error_next", {"status": 503, "error": "temporarily_unavailable"},
                    "HTTP 503: temporarily_unavailable")]
        for key, answer, shown in outages:
            with self.subTest(answer=answer):
                self.peer.config(**{key: answer})
                mark = len(self.peer.log())
                r = self.hookauth("auth", "token", "flaky", "--refresh")
                line = self.assert_one_error_line(r, 4)
                self.assertIn("flaky: ", line)
                self.assertIn(shown, line)
                self.assertIn("the cached token is kept", line)
                self.assertEqual(r.out, "")
                self.assertEqual([e["grant_type"] for e in self.new_log(mark)], ["refresh_token"])
                self.assertEqual(self.cached("flaky"), cached)
                doc = self.token_json("flaky")
                self.assertEqual((doc["source"], doc["access_token"]), ("cache", first["access_token"]))
        # Once the endpoint is back, the kept refresh token works.
        mark = len(self.peer.log())
        doc = self.token_json("flaky", "--refresh")
        self.assertEqual(doc["source"], "refreshed")
        self.assertEqual([(e["grant_type"], e["status"]) for e in self.new_log(mark)], [("refresh_token", 200)])
        self.assert_issued(doc["access_token"], client_id)

    def test_error_lines_redact_what_the_endpoint_echoes(self):
        # An endpoint that echoes the client secret or the refresh token in error_description or in an HTML
        # page: the error line shows [redacted], also where the 80-byte excerpt would cut the secret.
        self.peer.config(issue_refresh_for_client_credentials=True)
        client_id, secret = self.client()
        self.add_cc("echo", client_id, secret)
        refresh = self.token_json("echo", "--reveal")["refresh_token"]
        cases = [("error_next", {"status": 503, "error": "temporarily_unavailable",
                                 "error_description": "bad secret %s for client" % secret}, "auth", "token", "--refresh"),
                 ("error_next", {"status": 503, "error": "temporarily_unavailable",
                                 "error_description": "cannot refresh %s now" % refresh}, "auth", "token", "--refresh"),
                 ("fail_next", {"status": 500, "content_type": "text/html",
                                "body": "<html>" + "x" * (80 - 6 - 4) + secret + "</html>"}, "auth", "token",
                  "--refresh"),
                 ("fail_next", {"status": 502, "content_type": "text/html",
                                "body": "<html>%s / %s</html>" % (secret, refresh)}, "auth", "token", "--refresh")]
        for key, answer, *command in cases:
            with self.subTest(answer=answer):
                self.peer.config(**{key: answer})
                r = self.hookauth(*(command[:2] + ["echo"] + command[2:]))
                line = self.assert_one_error_line(r, 4)
                self.assertIn("[red", line)
                for s in (secret, refresh):
                    self.assertNotIn(s[:4], line)  # not even the part before an excerpt's cut
        # webhook send reports the same redacted line (a profile with no cached token: a new grant).
        self.add_cc("echo2", client_id, secret)
        self.peer.config(error_next={"status": 401, "error": "invalid_client",
                                     "error_description": "bad secret %s" % secret})
        receiver = self.capture()
        r = self.hookauth("webhook", "send", "--auth", "echo2", receiver.url + "/x", "-d", "{}")
        self.assertEqual(r.rc, 4, r)
        self.assertIn("invalid_client: bad secret [redacted]", r.err)
        self.assertNotIn(secret, r.err)
        self.assertEqual(receiver.requests(), [])

    def test_at_does_not_move_the_cached_expiry(self):
        # --at is for signatures: a token obtained under --at expires by the real clock, so a later plain run
        # neither trusts it for years nor thinks it expired decades ago.
        client_id, secret = self.client()
        self.add_cc("future", client_id, secret)
        self.add_cc("past", client_id, secret)
        for name, at in (("future", "2031-01-01T00:00:00Z"), ("past", "20010101T000000Z")):
            with self.subTest(at=at):
                r = self.ok("--at", at, "auth", "token", name, "--json")
                doc = r.json()
                self.assertEqual(doc["source"], "fetched")
                self.assertTrue(3500 <= doc["expires_in"] <= 3600, doc)
                self.assertAlmostEqual(rfc3339_epoch(doc["expires_at"]), time.time() + 3600, delta=10)
                self.assertAlmostEqual(self.cached(name)["expires_at"], time.time() + 3600, delta=10)
                before = self.peer.tokens()
                again = self.token_json(name)
                self.assertEqual((again["source"], again["access_token"]), ("cache", doc["access_token"]))
                self.assertTrue(3500 <= again["expires_in"] <= 3600, again)
                # And under --at the cache is judged by the real clock too.
                doc = self.ok("--at", at, "auth", "token", name, "--json").json()
                self.assertEqual((doc["source"], doc["access_token"]), ("cache", again["access_token"]))
                self.assertEqual(self.peer.tokens(), before)
        # webhook send --at fetches and judges its token by the real clock too.
        self.add_cc("send-at", client_id, secret)
        receiver = self.capture()
        self.ok("--at", "2031-01-01T00:00:00Z", "webhook", "send", "--auth", "send-at", receiver.url + "/x", "-d", "{}")
        self.assertAlmostEqual(self.cached("send-at")["expires_at"], time.time() + 3600, delta=10)
        before = self.peer.tokens()
        self.ok("--at", "20010101T000000Z", "webhook", "send", "--auth", "send-at", receiver.url + "/y", "-d", "{}")
        self.assertEqual(self.peer.tokens(), before)  # the cached token, not a new one

    def test_closed_port_is_a_network_error(self):
        self.ok("auth", "add", "closed", "--type", "oauth2", "--grant", "client-credentials", "--client-id", "x",
                "--client-secret", "closed-secret", "--token-url",
                "http://127.0.0.1:%d/token" % self.closed_port())
        r = self.hookauth("auth", "token", "closed", "--timeout", "10")
        self.assertEqual(r.rc, 3, r)
        self.assertEqual(r.out, "")
        self.assertNotIn("closed-secret", r.err)

    def test_concurrent_calls_make_one_token_request(self):
        client_id, secret = self.client()
        self.add_cc("busy", client_id, secret)
        self.peer.config(delay=1)
        before = self.peer.tokens()
        procs = [subprocess.Popen([harness.binary(), "auth", "token", "busy"], env=self.env, cwd=self.tmp,
                                  stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for _ in range(8)]
        results = []
        for p in procs:
            out, err = p.communicate(timeout=60)
            results.append((p.returncode, out.decode(), err.decode()))
        self.assertEqual([rc for rc, _, _ in results], [0] * 8, results)
        tokens = {out for _, out, _ in results}
        self.assertEqual(len(tokens), 1, results)
        self.assertEqual(self.peer.tokens(), before + 1)
        self.assert_issued(tokens.pop().strip(), client_id)

    def test_verbose_redacts_the_client_secret(self):
        client_id, secret = self.client("client_secret_basic")
        self.add_cc("loud", client_id, secret, "--client-auth", "basic")
        r = self.ok("auth", "token", "loud", "-v")
        token = r.out.strip()
        self.assertEqual(r.out, token + "\n")
        self.assert_issued(token, client_id)
        self.assertIn("POST /token", r.err)
        self.assertIn("Authorization: Basic [redacted]", r.err)
        self.assertNotIn(secret, r.err)
        self.assertNotIn(basic(client_id, secret)[6:], r.err)
        # Credentials in the body (and in the URL) are not shown either.
        client_id, secret = self.client()
        self.add_cc("loud-url", client_id, secret, "--token-params", "url")
        r = self.ok("auth", "token", "loud-url", "-v")
        self.assert_issued(r.out.strip(), client_id)
        self.assertIn("client_secret=[redacted]", r.err)
        self.assertNotIn(secret, r.err)

    def test_login_on_client_credentials_is_usage(self):
        client_id, secret = self.client()
        self.add_cc("nologin", client_id, secret)
        r = self.hookauth("auth", "login", "nologin")
        self.assert_one_error_line(r, 2)


class BearerAndIntrospection(OAuthTest):
    def setUp(self):
        super().setUp()
        client_id, secret = self.client()
        self.sender = client_id
        self.add_cc("send", client_id, secret)
        rs_id, rs_secret = self.client("client_secret_basic")
        self.add_cc("recv", rs_id, rs_secret, "--client-auth", "basic")

    def serve_introspecting(self):
        return self.serve("recv", "--introspect-url", self.peer.introspect_url)

    def logged(self, server, n):
        return self.wait_for(lambda: len(server.stdout_json()) >= n and server.stdout_json(),
                             what="%d log lines" % n)

    def test_send_introspect_cache_revoke_and_retry(self):
        s = self.serve_introspecting()
        count = self.peer.count()
        r = self.hookauth("webhook", "send", "--auth", "send", s.url + "/hook", "-d", '{"n": 1}')
        self.assertEqual(r.rc, 0, r)
        token = self.cached("send")["access_token"]
        r = self.hookauth("webhook", "send", "--auth", "send", s.url + "/hook", "-d", '{"n": 2}')
        self.assertEqual(r.rc, 0, r)
        after = self.peer.count()
        self.assertEqual(after["token"], count["token"] + 1)
        self.assertEqual(after["introspect"], count["introspect"] + 1)  # the active answer is cached
        self.assertEqual(self.cached("send")["access_token"], token)
        self.assert_issued(token, self.sender)
        lines = self.logged(s, 2)
        self.assertEqual([(l["verdict"], l["status"]) for l in lines], [("valid", 200), ("valid", 200)])
        # The introspection request was authenticated as the receiver's client.
        intro = [e for e in self.peer.log() if e["path"] == "/introspect"][-1]
        self.assertTrue(header(intro, "Authorization").startswith("Basic "), intro)
        self.assertEqual(params(intro).get("token"), [token])

        # An unknown token: 401 with a Bearer challenge naming invalid_token.
        code, headers = curl("-H", "Authorization: Bearer nope", s.url + "/hook")
        self.assertEqual(code, 401)
        self.assertEqual(len(headers.get("www-authenticate", [])), 1, headers)
        challenge = headers["www-authenticate"][0]
        self.assertTrue(challenge.startswith("Bearer "), challenge)
        self.assertIn('error="invalid_token"', challenge)
        self.assertIn('realm="hookauth"', challenge)
        code, headers = curl(s.url + "/hook")
        self.assertEqual(code, 401)
        self.assertNotIn("error=", headers["www-authenticate"][0])
        lines = self.logged(s, 4)
        self.assertEqual(lines[2]["reason"], "the authorization server says the token is not active")
        self.assertEqual(lines[3]["reason"], "no Authorization header")

        # Every token revoked; a new verify serve (no cached answers) refuses the old token...
        self.assertGreaterEqual(self.peer.admin("/_admin/revoke_all", {})["revoked"], 1)
        s2 = self.serve_introspecting()
        code, headers = curl("-H", "Authorization: Bearer " + token, s2.url + "/old")
        self.assertEqual(code, 401)
        self.assertIn('error="invalid_token"', headers["www-authenticate"][0])
        # ...and webhook send, answered 401, gets a new token once and succeeds.
        before = self.peer.tokens()
        r = self.hookauth("webhook", "send", "--auth", "send", s2.url + "/hook", "-d", '{"n": 3}')
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(self.peer.tokens(), before + 1)
        fresh = self.cached("send")["access_token"]
        self.assertNotEqual(fresh, token)
        self.assert_issued(fresh, self.sender)
        lines = self.logged(s2, 3)
        self.assertEqual([(l["target"], l["status"]) for l in lines], [("/old", 401), ("/hook", 401), ("/hook", 200)])

    def test_introspection_that_never_answers_times_out(self):
        # An endpoint that accepts and never answers: the request is answered 401 after the 10 s bound with a
        # reason saying so, and SIGTERM given meanwhile stops the server once it is answered.
        hole = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        hole.bind(("127.0.0.1", 0))
        hole.listen(16)  # the kernel completes the handshakes; nothing is ever read or answered
        self.addCleanup(hole.close)
        s = self.serve("recv", "--introspect-url", "http://127.0.0.1:%d/introspect" % hole.getsockname()[1])
        answers = []
        started = time.monotonic()
        client = threading.Thread(target=lambda: answers.append(
            http(s.url + "/hook", headers={"Authorization": "Bearer stuck-token"}, timeout=60)), daemon=True)
        client.start()
        time.sleep(1)
        s.signal(15)
        self.assertEqual(s.wait(timeout=30), 0)
        elapsed = time.monotonic() - started
        client.join(timeout=30)
        self.assertTrue(9 <= elapsed <= 25, elapsed)
        self.assertEqual(len(answers), 1)
        status, headers, body = answers[0]
        self.assertEqual(status, 401)
        reason = "introspection failed: timed out: --introspect-url did not answer within 10 s"
        self.assertEqual(body.decode(), "invalid: %s\n" % reason)
        self.assertIn('error="invalid_token"', headers["WWW-Authenticate"])
        self.assertEqual([l["reason"] for l in s.stdout_json()], [reason])

    def test_verify_captured_request_with_expected_token_and_introspection(self):
        receiver = self.capture()
        r = self.hookauth("webhook", "send", "--auth", "send", receiver.url + "/in", "-d", '{"a": 1}')
        self.assertEqual(r.rc, 0, r)
        token = self.cached("send")["access_token"]
        reqs = receiver.requests()
        self.assertEqual(len(reqs), 1)
        self.assertEqual(harness.Capture.header(reqs[0], "Authorization"), ["Bearer " + token])
        path = os.path.join(self.tmp, "captured.http")
        with open(path, "wb") as f:
            f.write(reqs[0]["raw"])
        r = self.hookauth("verify", "--auth", "recv", "--request", path, "--expect-token", "env:EXPECTED_TOKEN",
                          env={"EXPECTED_TOKEN": token})
        self.assertEqual((r.rc, r.out), (0, "valid\n"), r)
        r = self.hookauth("verify", "--auth", "recv", "--request", path, "--expect-token", "env:EXPECTED_TOKEN",
                          "--json", env={"EXPECTED_TOKEN": "not-" + token})
        self.assertEqual(r.rc, 1, r)
        doc = r.json()
        self.assertIs(doc["valid"], False)
        self.assertEqual(doc["reason"], "the bearer token is not the expected one")
        self.assertNotIn(token, r.out + r.err)
        # The same request checked by introspection.
        r = self.hookauth("verify", "--auth", "recv", "--request", path, "--introspect-url", self.peer.introspect_url)
        self.assertEqual((r.rc, r.out), (0, "valid\n"), r)
        # Both or neither way to check: usage.
        r = self.hookauth("verify", "--auth", "recv", "--request", path)
        self.assertEqual(r.rc, 2, r)
        r = self.hookauth("verify", "--auth", "recv", "--request", path, "--introspect-url", self.peer.introspect_url,
                          "--expect-token", "env:EXPECTED_TOKEN", env={"EXPECTED_TOKEN": token})
        self.assertEqual(r.rc, 2, r)


class AuthorizationCode(OAuthTest):
    def code_profile(self, name, *extra, method="client_secret_post", client_auth="body", path="/callback"):
        """A client registered with a loopback redirect URI on a free port, and its profile."""
        port = free_port()
        redirect = "http://127.0.0.1:%d%s" % (port, path)
        client_id, secret = self.client(method, [redirect])
        self.ok("auth", "add", name, "--type", "oauth2", "--grant", "authorization-code", "--client-id", client_id,
                "--client-secret", secret, "--token-url", self.peer.token_url, "--auth-url", self.peer.auth_url,
                "--redirect-uri", redirect, "--client-auth", client_auth, *extra)
        return {"name": name, "client_id": client_id, "secret": secret, "port": port, "redirect": redirect,
                "path": path, "extra": extra, "method": method, "client_auth": client_auth}

    def authorize(self, url):
        """The browser's visit to the authorization URL: the server approves and redirects."""
        status, headers, body = http(url)
        self.assertEqual(status, 302, body)
        return headers["Location"]

    def deliver(self, location, running):
        """The browser following the redirect to hookauth's listener (retrying while it starts)."""
        deadline = time.monotonic() + 10
        while True:
            try:
                return http(location, timeout=10)
            except urllib.error.URLError as e:
                if running.proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("callback not delivered (%s): %r" % (e, running.err_lines))
                time.sleep(0.05)

    def browser_login(self, profile, command="login", *extra, tamper=None):
        """Runs hookauth auth login/token, plays the browser, returns (Result, authorization URL, Location).
        Retries once with another port if the listener's port was taken meanwhile."""
        for attempt in (1, 2):
            running = Running(self, ["auth", command, profile["name"], "--login-timeout", "20"] + list(extra))
            url = running.authorization_url()
            location = self.authorize(url)
            if tamper:
                location = tamper(location)
            try:
                status, _, body = self.deliver(location, running)
            except AssertionError:
                r = running.finish()
                if attempt == 1 and "cannot listen" in r.err:
                    self.ok("auth", "remove", profile["name"])
                    profile.update(self.code_profile(profile["name"], *profile["extra"], method=profile["method"],
                                                     client_auth=profile["client_auth"], path=profile["path"]))
                    continue
                raise
            r = running.finish()
            self.assertEqual(status, 200, body)
            self.assertIn(b"hookauth", body)
            return r, url, location

    def test_login_through_auth_token_with_pkce(self):
        p = self.code_profile("code", "--scope", "read")
        mark = len(self.peer.log())
        r, url, location = self.browser_login(p, "token")
        self.assertEqual(r.rc, 0, r)
        token = r.out.strip()
        self.assertEqual(r.out, token + "\n")
        self.assertIn("Open this URL in a browser and approve (waiting 20 s for the callback on port %d):" %
                      p["port"], r.err)
        # The authorization URL: code flow, S256 PKCE, a state, our client and redirect URI.
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
        self.assertTrue(url.startswith(self.peer.auth_url + "?"), url)
        self.assertEqual(query["response_type"], "code")
        self.assertEqual(query["client_id"], p["client_id"])
        self.assertEqual(query["redirect_uri"], p["redirect"])
        self.assertEqual(query["code_challenge_method"], "S256")
        self.assertEqual(query["scope"], "read")
        self.assertGreaterEqual(len(query["state"]), 22)
        # The code exchange sent the verifier matching the challenge.
        entries = self.new_log(mark)
        self.assertEqual([(e["grant_type"], e["status"]) for e in entries], [("authorization_code", 200)])
        sent = params(entries[0])
        verifier = sent["code_verifier"][0]
        self.assertTrue(43 <= len(verifier) <= 128, verifier)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
        self.assertEqual(challenge, query["code_challenge"])
        self.assertEqual(sent["redirect_uri"], [p["redirect"]])
        self.assertEqual(sent["code"], [dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))["code"]])
        self.assertEqual(sent["client_secret"], [p["secret"]])
        answer = self.assert_issued(token, p["client_id"])
        self.assertEqual(answer.get("username"), "alice")
        # Cached: no new login, no token request.
        before = self.peer.tokens()
        doc = self.token_json("code")
        self.assertEqual((doc["access_token"], doc["source"]), (token, "cache"))
        self.assertIs(doc["has_refresh_token"], True)
        self.assertEqual(self.peer.tokens(), before)
        # The listener is gone.
        with self.assertRaises(urllib.error.URLError):
            http(p["redirect"] + "?code=x&state=y", timeout=2)

    def test_auth_login_prints_nothing_and_json(self):
        p = self.code_profile("quiet", client_auth="basic", method="client_secret_basic")
        r, _, _ = self.browser_login(p, "login")
        self.assertEqual((r.rc, r.out), (0, ""), r)
        doc = self.token_json("quiet")
        self.assertEqual(doc["source"], "cache")
        self.assert_issued(doc["access_token"], p["client_id"])
        r, _, _ = self.browser_login(p, "login", "--json")
        self.assertEqual(r.rc, 0, r)
        doc2 = r.json()
        self.assertEqual(doc2["source"], "login")
        self.assertNotEqual(doc2["access_token"], doc["access_token"])
        self.assertEqual(self.cached("quiet")["access_token"], doc2["access_token"])

    def test_wrong_state_is_refused(self):
        p = self.code_profile("tampered")
        before = self.peer.tokens()

        def tamper(location):
            return re.sub(r"state=[^&]*", "state=forged-state-value", location)

        r, _, location = self.browser_login(p, "login", tamper=tamper)
        self.assertIn("state=forged-state-value", location)
        self.assertEqual(r.rc, 4, r)
        self.assertIn("the callback's state is not the one sent: refusing it", r.err)
        self.assertEqual(self.peer.tokens(), before)  # the code was not exchanged
        self.assertNotIn("tampered", self.state().get("oauth2", {}) if os.path.exists(self.state_path()) else {})

    def test_access_denied_callback(self):
        p = self.code_profile("denied")
        before = self.peer.tokens()

        def deny(location):
            state = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))["state"]
            return p["redirect"] + "?" + urllib.parse.urlencode({"error": "access_denied", "state": state,
                                                                "error_description": "the user said no"})

        r, _, _ = self.browser_login(p, "login", tamper=deny)
        self.assertEqual(r.rc, 4, r)
        self.assertIn("access_denied", r.err)
        self.assertEqual(self.peer.tokens(), before)

    def test_login_timeout(self):
        p = self.code_profile("slow", path="/cb")
        running = Running(self, ["auth", "login", "slow", "--login-timeout", "1"])
        running.authorization_url()
        started = time.monotonic()
        r = running.finish(timeout=15)
        self.assertLess(time.monotonic() - started, 10)
        self.assertEqual(r.rc, 4, r)
        self.assertIn("no callback reached /cb on port %d within 1 s (--login-timeout)" % p["port"], r.err)

    def test_no_listen_reads_the_redirected_url(self):
        p = self.code_profile("paste")
        running = Running(self, ["auth", "login", "paste", "--no-listen"], stdin=True)
        url = running.authorization_url()
        location = self.authorize(url)
        self.assertTrue(location.startswith(p["redirect"] + "?"), location)
        running.send_line(location)
        r = running.finish()
        self.assertEqual((r.rc, r.out), (0, ""), r)
        doc = self.token_json("paste")
        self.assertEqual(doc["source"], "cache")
        self.assert_issued(doc["access_token"], p["client_id"])

    def test_no_listen_given_text_that_is_not_a_url(self):
        """Issue 19 item 7: not "the state differs", but that what was pasted is not the redirected URL."""
        p = self.code_profile("paste-bad")
        for pasted in ("hello there", p["redirect"], "   "):
            with self.subTest(pasted=pasted):
                running = Running(self, ["auth", "login", "paste-bad", "--no-listen"], stdin=True)
                running.authorization_url()
                running.send_line(pasted)
                r = running.finish()
                self.assertEqual(r.rc, 4, r)
                self.assertEqual(r.err.splitlines()[-1], "hookauth: error: what was pasted is not the redirected URL (it has no query "
                                       "with the code and state): paste the whole address the browser was sent to, "
                                       "starting with " + p["redirect"])

    def test_expiry_refresh_and_rotation(self):
        self.peer.config(expires_in=2)
        p = self.code_profile("rot", "--refresh-margin", "0", client_auth="basic", method="client_secret_basic")
        logged_in_at = time.monotonic()  # before the token is issued, so its age is never underestimated
        r, _, _ = self.browser_login(p, "login")
        self.assertEqual(r.rc, 0, r)
        first = self.cached("rot")
        self.assertTrue(first["refresh_token"])
        again = self.token_json("rot")
        if time.monotonic() - logged_in_at < 1.5:  # still fresh (unless the machine is very slow)
            self.assertEqual(again["source"], "cache")
            self.assertEqual(again["access_token"], first["access_token"])
        time.sleep(2.5)
        mark = len(self.peer.log())
        doc = self.token_json("rot")
        self.assertEqual(doc["source"], "refreshed")
        self.assertNotEqual(doc["access_token"], first["access_token"])
        entries = self.new_log(mark)
        self.assertEqual([(e["grant_type"], e["status"]) for e in entries], [("refresh_token", 200)])
        self.assertEqual(params(entries[0]).get("refresh_token"), [first["refresh_token"]])
        self.assertEqual(header(entries[0], "Authorization"), basic(p["client_id"], p["secret"]))
        self.assert_issued(doc["access_token"], p["client_id"])
        # No rotation: the server sent no refresh token and the old one is kept.
        self.assertEqual(self.cached("rot")["refresh_token"], first["refresh_token"])

        # Rotation: the new refresh token is saved, and the next refresh uses it (the old one is revoked).
        self.peer.config(rotate_refresh=True, expires_in=3600)
        mark = len(self.peer.log())
        doc = self.token_json("rot", "--refresh", "--reveal")
        self.assertEqual(doc["source"], "refreshed")
        rotated = self.cached("rot")["refresh_token"]
        self.assertNotEqual(rotated, first["refresh_token"])
        self.assertEqual(doc["refresh_token"], rotated)
        doc = self.token_json("rot", "--refresh", "--reveal")
        self.assertEqual(doc["source"], "refreshed")
        self.assertNotEqual(self.cached("rot")["refresh_token"], rotated)
        entries = self.new_log(mark)
        self.assertEqual([(e["grant_type"], e["status"]) for e in entries], [("refresh_token", 200)] * 2)
        self.assertEqual(params(entries[1]).get("refresh_token"), [rotated])
        self.assert_issued(doc["access_token"], p["client_id"])

    def test_refresh_outage_keeps_the_login(self):
        p = self.code_profile("outage")
        r, _, _ = self.browser_login(p, "login")
        self.assertEqual(r.rc, 0, r)
        cached = self.cached("outage")
        self.peer.config(fail_next={"status": 503, "content_type": "text/html",
                                    "body": "<html>down for %s</html>" % p["secret"]})
        r = self.hookauth("auth", "token", "outage", "--refresh", "--login-timeout", "1")
        line = self.error_line(r, 4)
        self.assertIn("outage: the token endpoint answered HTTP 503 (text/html), not a JSON object: "
                      "<html>down for [redacted]</html>; the cached token is kept", line)
        self.assertNotIn("auth login", line)
        self.assertNotIn(p["secret"], r.err)
        self.assertEqual(self.cached("outage"), cached)
        # webhook send answered 401 forces a refresh; a 502 page from a proxy keeps the login too.
        receiver = self.capture("--status", "401")
        self.peer.config(fail_next={"status": 502, "content_type": "text/html", "body": "<html>Bad gateway</html>"})
        r = self.hookauth("webhook", "send", "--auth", "outage", receiver.url + "/hook", "-d", "{}")
        self.assertEqual(r.rc, 4, r)
        self.assertIn("HTTP 502", r.err)
        self.assertEqual(self.cached("outage"), cached)
        doc = self.token_json("outage")
        self.assertEqual((doc["source"], doc["access_token"]), ("cache", cached["access_token"]))

    def test_refused_refresh_asks_for_login(self):
        p = self.code_profile("refused")
        r, _, _ = self.browser_login(p, "login")
        self.assertEqual(r.rc, 0, r)
        self.peer.config(refuse_refresh=True)
        mark = len(self.peer.log())
        r = self.hookauth("auth", "token", "refused", "--refresh", "--login-timeout", "1")
        line = self.error_line(r, 4)
        self.assertIn("hookauth auth login refused", line)
        self.assertNotIn(p["secret"], r.err)
        self.assertEqual([(e["grant_type"], e["status"]) for e in self.new_log(mark)], [("refresh_token", 400)])
        # webhook send never starts a login: with no usable token it exits 4 and sends nothing.
        receiver = self.capture()
        r = self.hookauth("webhook", "send", "--auth", "refused", receiver.url + "/x", "-d", "{}")
        self.assertEqual(r.rc, 4, r)
        self.assertIn("hookauth auth login refused", r.err)
        self.assertEqual(receiver.requests(), [])


class IssuerCheck(AuthorizationCode):
    """The server adds iss to every authorization redirect (RFC 9207)."""

    server_args = ("--send-iss",)

    # The inherited tests run against this server too, except these ones that only need to run once.
    test_login_timeout = None
    test_no_listen_reads_the_redirected_url = None
    test_no_listen_given_text_that_is_not_a_url = None
    test_expiry_refresh_and_rotation = None
    test_refused_refresh_asks_for_login = None
    test_auth_login_prints_nothing_and_json = None
    test_access_denied_callback = None
    test_wrong_state_is_refused = None
    test_refresh_outage_keeps_the_login = None

    def test_iss_of_the_auth_url_origin_is_accepted(self):
        p = self.code_profile("iss-ok")
        r, _, location = self.browser_login(p, "login")
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query)).get("iss"),
                         self.peer.url)
        self.assert_issued(self.cached("iss-ok")["access_token"], p["client_id"])

    def test_other_issuer_is_refused(self):
        p = self.code_profile("iss-other", "--issuer", "http://other.example")
        before = self.peer.tokens()
        r, _, _ = self.browser_login(p, "login")
        self.assertEqual(r.rc, 4, r)
        self.assertIn("iss", r.err)
        self.assertIn("http://other.example", r.err)
        self.assertEqual(self.peer.tokens(), before)


class BadProfiles(harness.HookauthTest):
    BASE = ["auth", "add", "bad", "--type", "oauth2", "--client-id", "c", "--client-secret", "bad-secret"]

    def test_missing_and_malformed_fields(self):
        cases = [
            (["--grant", "client-credentials"], "--token-url"),
            (["--grant", "authorization-code", "--token-url", "http://127.0.0.1:1/token",
              "--auth-url", "http://127.0.0.1:1/authorize"], "--redirect-uri"),
            (["--grant", "authorization-code", "--token-url", "http://127.0.0.1:1/token",
              "--redirect-uri", "http://127.0.0.1:8765/cb"], "--auth-url"),
            (["--grant", "authorization-code", "--token-url", "http://127.0.0.1:1/token",
              "--auth-url", "http://127.0.0.1:1/authorize", "--redirect-uri", "http://example.com:8080/cb"],
             "--redirect-uri"),
            (["--grant", "authorization-code", "--token-url", "http://127.0.0.1:1/token",
              "--auth-url", "http://127.0.0.1:1/authorize", "--redirect-uri", "http://127.0.0.1/cb"],
             "--redirect-uri"),
            (["--grant", "client-credentials", "--token-url", "http://127.0.0.1:1/token",
              "--token-header", "X-No-Colon"], "--token-header"),
            (["--grant", "client-credentials", "--token-url", "ftp://127.0.0.1/token"], "--token-url"),
        ]
        for extra, flag in cases:
            with self.subTest(flag=flag, extra=extra):
                r = self.hookauth(*(self.BASE + extra))
                line = self.assert_one_error_line(r, 2)
                self.assertIn(flag, line)
                self.assertNotIn("bad-secret", r.err)
        r = self.hookauth("auth", "list")
        self.assertNotIn("bad", r.out)


if __name__ == "__main__":
    harness.main()
