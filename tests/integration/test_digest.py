"""Digest authorization (RFC 7616, RFC 2617, RFC 2069) end to end, against peers nobody here wrote.

- httpbin's /digest-auth/{qop}/{user}/{passwd}/{algorithm} as the receiver (MD5 and SHA-256, auth and
  auth-int, GET and POST with a JSON body);
- curl --digest as the client against `hookauth verify serve` (and a replayed Authorization header);
- hookauth against verify serve for every algorithm and qop, stale nonces, nonce reuse, the state file,
  and 8 processes sending at once;
- RFC 7616 section 3.9.1 (and hashlib for SHA-512-256 and the -sess variants) for the exact response;
- malformed and unusual challenges served by tests/peers/capture.py;
- `verify --request` on requests built here with hashlib.

Every expected digest is computed in this file with Python's hashlib, never taken from hookauth.
"""

import hashlib
import json
import os
import re
import stat
import subprocess
import sys
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

PASSWORD = "Dg-s3cret-Passw0rd"
USER = "webhook-sender"
ALGORITHMS = ["MD5", "MD5-sess", "SHA-256", "SHA-256-sess", "SHA-512-256", "SHA-512-256-sess"]

# RFC 7616 section 3.9.1 (the 3.9.2 values are wrong, erratum 4897: not used here).
RFC = {
    "username": "Mufasa",
    "password": "Circle of Life",
    "realm": "http-auth@example.org",
    "nonce": "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
    "cnonce": "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
    "opaque": "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS",
    "uri": "/dir/index.html",
    "MD5": "8ca523f5e9506fed4657c9700eebdbec",
    "SHA-256": "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1",
}


# ---- an independent Digest implementation (hashlib only) -------------------------------------------

def H(algorithm, data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    base = algorithm[:-5] if algorithm.endswith("-sess") else algorithm
    if base == "MD5":
        return hashlib.md5(data).hexdigest()
    if base == "SHA-256":
        return hashlib.sha256(data).hexdigest()
    if base == "SHA-512-256":
        return hashlib.new("sha512_256", data).hexdigest()
    raise ValueError(algorithm)


def digest_response(algorithm, username, realm, password, method, uri, nonce, nc="", cnonce="", qop="",
                    body=b""):
    """RFC 7616 section 3.4.1 (and RFC 2069 when qop is empty)."""
    ha1 = H(algorithm, "%s:%s:%s" % (username, realm, password))
    if algorithm.endswith("-sess"):
        ha1 = H(algorithm, "%s:%s:%s" % (ha1, nonce, cnonce))
    a2 = "%s:%s" % (method, uri)
    if qop == "auth-int":
        a2 += ":" + H(algorithm, body)
    ha2 = H(algorithm, a2)
    if not qop:
        return H(algorithm, "%s:%s:%s" % (ha1, nonce, ha2))
    return H(algorithm, "%s:%s:%s:%s:%s:%s" % (ha1, nonce, nc, cnonce, qop, ha2))


def parse_digest_params(value):
    """The parameters of `Digest k=v, k="quoted \\" value", ...` (names lowercased, escapes undone)."""
    assert value.startswith("Digest "), value
    s, i, out = value[len("Digest "):], 0, {}
    while i < len(s):
        while i < len(s) and s[i] in " ,\t":
            i += 1
        if i >= len(s):
            break
        eq = s.index("=", i)
        name = s[i:eq].strip().lower()
        i = eq + 1
        if i < len(s) and s[i] == '"':
            i += 1
            val = []
            while s[i] != '"':
                if s[i] == "\\":
                    i += 1
                val.append(s[i])
                i += 1
            i += 1
            out[name] = "".join(val)
        else:
            end = s.find(",", i)
            end = len(s) if end < 0 else end
            out[name] = s[i:end].strip()
            i = end
    return out


def quote(value):
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


DIGEST_LINE = re.compile(r'^\* digest: algorithm=(\S+) realm=".*" nonce="([^"]*)"'
                         r'(?: qop=(\S+) nc=([0-9a-f]{8}) cnonce="([^"]*)"| \(no qop: RFC 2069\))$')


def answered(stderr):
    """Every Digest answer hookauth -v describes: dicts with algorithm, nonce, qop, nc, cnonce."""
    out = []
    for line in stderr.splitlines():
        m = DIGEST_LINE.match(line)
        if m:
            out.append({"algorithm": m.group(1), "nonce": m.group(2), "qop": m.group(3) or "",
                        "nc": m.group(4) or "", "cnonce": m.group(5) or ""})
    return out


def curl(*args):
    """curl's status code, the Authorization headers it sent (from -v) and its stderr."""
    p = subprocess.run(["curl", "-sS", "-v", "--max-time", "10", "-o", "/dev/null", "-w", "%{http_code}"]
                       + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
    err = p.stderr.decode("utf-8", "replace")
    if p.returncode != 0:
        raise AssertionError("curl %s failed (%d): %s" % (args, p.returncode, err))
    sent = [l[len("> Authorization: "):].rstrip("\r") for l in err.splitlines()
            if l.startswith("> Authorization: ")]
    return int(p.stdout.decode()), sent, err


class DigestTest(harness.HookauthTest):
    """Runs hookauth and checks that no output of a run without --reveal holds a password."""

    secrets = (PASSWORD, RFC["password"])

    def hookauth(self, *args, **kw):
        r = super().hookauth(*args, **kw)
        if "--reveal" not in args and args[:2] != ("auth", "add"):
            for secret in self.secrets:
                self.assertNotIn(secret, r.out, r)
                self.assertNotIn(secret, r.err, r)
        return r

    def add_digest(self, name, *extra, user=USER, password=PASSWORD):
        return self.ok("auth", "add", name, "--type", "digest", "--username", user, "--password", password, *extra)

    def log(self, server, n):
        """The first n (at least) JSON log lines of a verify serve, once they are there."""
        return self.wait_for(lambda: len(server.stdout_json()) >= n and server.stdout_json(),
                             what="%d log lines" % n)

    def assert_server_kept_secrets(self, server):
        for line in server.stdout_lines + server.stderr_lines:
            for secret in self.secrets:
                self.assertNotIn(secret, line)

    def state(self):
        with open(os.path.join(os.path.dirname(self.store), "state.json"), encoding="utf-8") as f:
            return json.load(f)


# ---- 1. httpbin as the receiver -----------------------------------------------------------------------

# httpbin registers /digest-auth/... for GET only (Flask's default methods), so a POST gets 405 before
# any Digest check. The launcher adds httpbin's own view function (digest_auth_nostale: its challenge,
# its werkzeug parser and its helpers.response() hash check, unchanged) for POST too. The server binds
# port 0 itself and prints the port: a port picked by the test and bound later could be taken by a
# test running beside this one.
HTTPBIN = """
import sys
from werkzeug.serving import make_server
from httpbin import app
from httpbin.core import digest_auth_nostale
app.add_url_rule("/digest-auth/<qop>/<user>/<passwd>/<algorithm>", "digest_auth_post", digest_auth_nostale,
                 methods=["POST", "PUT"])
server = make_server("127.0.0.1", 0, app, threaded=True)
print(server.server_port, flush=True)
server.serve_forever()
"""


class HttpbinReceiver(DigestTest):
    # httpbin's URL holds its password, and hookauth prints the URL: only the profile's password is a
    # secret here, and it is never httpbin's.
    HB_USER, HB_PASS = "hbuser", "hb-Passw0rd"

    @classmethod
    def setUpClass(cls):
        env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
        cls.httpbin = subprocess.Popen([harness.PYTHON, "-c", HTTPBIN], env=env,
                                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                       stderr=subprocess.DEVNULL, start_new_session=True)
        cls.addClassCleanup(cls._stop_httpbin)
        line = cls.httpbin.stdout.readline()
        if not line.strip().isdigit():
            raise AssertionError("httpbin did not start (printed %r)" % line)
        cls.base = "http://127.0.0.1:%d" % int(line)
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(cls.base + "/get", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if cls.httpbin.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("httpbin did not answer on %s" % cls.base)
            time.sleep(0.1)

    @classmethod
    def _stop_httpbin(cls):
        if cls.httpbin.poll() is None:
            cls.httpbin.terminate()
            try:
                cls.httpbin.wait(timeout=5)
            except subprocess.TimeoutExpired:
                cls.httpbin.kill()
                cls.httpbin.wait(timeout=5)
        cls.httpbin.stdout.close()

    def url(self, qop, algorithm, passwd=None):
        return "%s/digest-auth/%s/%s/%s/%s" % (self.base, qop, self.HB_USER, passwd or self.HB_PASS, algorithm)

    def test_right_password_md5_sha256_auth_auth_int_get_post(self):
        body = '{"event":"push","n":[1,2,3],"text":"h\\u00e9llo"}'
        for algorithm in ("MD5", "SHA-256"):
            for qop in ("auth", "auth-int"):
                for method in ("GET", "POST"):
                    with self.subTest(algorithm=algorithm, qop=qop, method=method):
                        # One profile per case: the state file keys remembered nonces by profile and
                        # origin, and httpbin accepts any algorithm on any path, so a reused MD5 nonce
                        # would pass the SHA-256 URL without testing SHA-256.
                        name = "hb-%s-%s-%s" % (algorithm, qop, method)
                        self.add_digest(name, "--qop", qop, user=self.HB_USER, password=self.HB_PASS)
                        args = ["-X", "GET"] if method == "GET" else ["-d", body]
                        r = self.hookauth("webhook", "send", "-v", "--auth", name, *args,
                                          self.url(qop, algorithm))
                        self.assertEqual(r.rc, 0, r)
                        self.assertEqual(json.loads(r.out), {"authenticated": True, "user": self.HB_USER}, r)
                        self.assertIn("< HTTP/1.1 401", r.err)
                        a = answered(r.err)
                        self.assertEqual(len(a), 1, r)
                        self.assertEqual((a[0]["algorithm"], a[0]["qop"], a[0]["nc"]), (algorithm, qop, "00000001"))
                        if qop == "auth-int":
                            # A2 shows H(body): the body httpbin hashed too.
                            sent = b"" if method == "GET" else body.encode()
                            # httpbin's URL holds the password, and -v redacts it there too.
                            uri = self.url(qop, algorithm)[len(self.base):].replace(self.HB_PASS, "[redacted]")
                            self.assertIn("* digest: A2 = %s:%s:%s" % (method, uri, H(algorithm, sent)), r.err)

    def test_get_with_a_body_auth_int(self):
        # auth-int hashes the body whatever the method: httpbin hashes request.data of a GET as well.
        self.add_digest("hb-get-body", "--qop", "auth-int", user=self.HB_USER, password=self.HB_PASS)
        r = self.hookauth("webhook", "send", "-v", "--auth", "hb-get-body", "-X", "GET", "-d", '{"a":1}',
                          self.url("auth-int", "SHA-256"))
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(json.loads(r.out)["authenticated"], True)

    def test_wrong_password_is_a_401(self):
        for algorithm in ("MD5", "SHA-256"):
            for qop in ("auth", "auth-int"):
                with self.subTest(algorithm=algorithm, qop=qop):
                    name = "hb-wrong-%s-%s" % (algorithm, qop)
                    self.add_digest(name, "--qop", qop, user=self.HB_USER, password=PASSWORD)
                    r = self.hookauth("webhook", "send", "--auth", name, "-d", '{"a":1}', self.url(qop, algorithm))
                    self.assertEqual(r.rc, 1, r)
                    self.assertIn("401", r.err)
                    self.assertNotIn("authenticated", r.out)

    def test_second_send_reuses_the_nonce_with_nc_2(self):
        # httpbin does not track nonces without its cookies, so it accepts nc=2 on its nonce.
        self.add_digest("hb-reuse", user=self.HB_USER, password=self.HB_PASS)
        url = self.url("auth", "SHA-256")
        first = self.hookauth("webhook", "send", "-v", "--auth", "hb-reuse", "-d", "{}", url)
        self.assertEqual(first.rc, 0, first)
        second = self.hookauth("webhook", "send", "-v", "--auth", "hb-reuse", "-d", "{}", url)
        self.assertEqual(second.rc, 0, second)
        self.assertNotIn("< HTTP/1.1 401", second.err)
        a1, a2 = answered(first.err), answered(second.err)
        self.assertEqual(len(a2), 1, second)
        self.assertEqual((a2[0]["nonce"], a2[0]["nc"]), (a1[0]["nonce"], "00000002"))

    def test_auth_int_profile_against_an_auth_only_challenge_is_exit_4(self):
        self.add_digest("hb-int", "--qop", "auth-int", user=self.HB_USER, password=self.HB_PASS)
        r = self.hookauth("webhook", "send", "--auth", "hb-int", "-d", "{}", self.url("auth", "MD5"))
        line = self.assert_one_error_line(r, 4)
        self.assertIn("auth-int", line)


# ---- 2. curl --digest as the client ------------------------------------------------------------------

class CurlClient(DigestTest):
    def test_curl_digest_md5_and_sha256(self):
        for algorithm in ("MD5", "SHA-256"):
            with self.subTest(algorithm=algorithm):
                self.add_digest("r-" + algorithm, "--algorithm", algorithm)
                s = self.serve("r-" + algorithm)
                code, sent, _ = curl("--digest", "-u", "%s:%s" % (USER, PASSWORD), s.url + "/right")
                self.assertEqual(code, 200)
                self.assertEqual(len(sent), 1, sent)
                p = parse_digest_params(sent[0])
                self.assertEqual(p.get("algorithm", "MD5"), algorithm)
                code, _, _ = curl("--digest", "-u", USER + ":not-the-password", s.url + "/wrong")
                self.assertEqual(code, 401)
                lines = self.log(s, 4)
                self.assertEqual([(l["target"], l["verdict"]) for l in lines],
                                 [("/right", "invalid"), ("/right", "valid"), ("/wrong", "invalid"),
                                  ("/wrong", "invalid")])
                self.assertEqual(lines[0]["reason"], "no Authorization header")
                self.assertIn("wrong response", lines[3]["reason"])
                self.assert_server_kept_secrets(s)

    def test_curl_digest_sess(self):
        # curl 7.88 also answers the -sess variants. Not SHA-512-256: curl before 8.8 labels its answer
        # algorithm=SHA-512-256 but hashes with SHA-256 (checked by hand against hashlib), so verify
        # serve rightly refuses it; OfflineVerify.test_sha256_labelled_sha512_256_is_refused keeps that.
        for algorithm in ("MD5-sess", "SHA-256-sess"):
            with self.subTest(algorithm=algorithm):
                self.add_digest("r-" + algorithm, "--algorithm", algorithm)
                s = self.serve("r-" + algorithm)
                code, sent, _ = curl("--digest", "-u", "%s:%s" % (USER, PASSWORD), "-d", "x=1", s.url + "/p")
                self.assertEqual(code, 200, sent)
                self.assertEqual(parse_digest_params(sent[0])["algorithm"], algorithm)

    def test_curl_digest_percent_encoded_target(self):
        # The uri parameter must match the request target byte for byte, as sent: "/a%20b", not "/a b".
        self.add_digest("recv")
        s = self.serve("recv")
        code, sent, _ = curl("--digest", "-u", "%s:%s" % (USER, PASSWORD), s.url + "/a%20b?q=%2F")
        self.assertEqual(code, 200, self.log(s, 2))
        self.assertEqual(parse_digest_params(sent[0])["uri"], "/a%20b?q=%2F")

    def test_replayed_authorization_header_is_rejected(self):
        self.add_digest("recv")
        s = self.serve("recv")
        code, sent, _ = curl("--digest", "-u", "%s:%s" % (USER, PASSWORD), s.url + "/hook")
        self.assertEqual(code, 200)
        self.assertEqual(len(sent), 1)
        code, _, err = curl("-H", "Authorization: " + sent[0], s.url + "/hook")
        self.assertEqual(code, 401, err)
        self.assertIn("WWW-Authenticate: Digest", err)
        lines = self.log(s, 3)
        self.assertEqual([l["verdict"] for l in lines], ["invalid", "valid", "invalid"])
        self.assertIn("replay", lines[2]["reason"])
        self.assertIn("00000001", lines[2]["reason"])
        # The same nonce with the next count, computed here, is fine: only the pair is refused.
        p = parse_digest_params(sent[0])
        resp = digest_response("MD5", USER, p["realm"], PASSWORD, "GET", "/hook", p["nonce"], "00000002",
                               p["cnonce"], "auth")
        header = 'Digest username="%s", realm="%s", nonce="%s", uri="/hook", qop=auth, nc=00000002, ' \
                 'cnonce="%s", response="%s", algorithm=MD5' % (USER, p["realm"], p["nonce"], p["cnonce"], resp)
        code, _, _ = curl("-H", "Authorization: " + header, s.url + "/hook")
        self.assertEqual(code, 200)
        # A nonce this receiver did not issue.
        forged = header.replace(p["nonce"], "6b0a0000.1.AAAA")
        code, _, _ = curl("-H", "Authorization: " + forged, s.url + "/hook")
        self.assertEqual(code, 401)
        lines = self.log(s, 5)
        self.assertEqual(lines[3]["verdict"], "valid")
        self.assertIn("not issued", lines[4]["reason"])


# ---- 3. hookauth against verify serve -------------------------------------------------------------

class HookauthAgainstServe(DigestTest):
    def serve_on(self, listen, auth):
        """verify serve on a given address (harness.serve always asks for a free port)."""
        s = harness.Server([harness.binary(), "verify", "serve", "--auth", auth, "--listen", listen], self.env)
        self.addCleanup(s.stop)
        return s

    def send(self, auth, url, *extra):
        return self.hookauth("webhook", "send", "-v", "--auth", auth, *extra, url)

    def test_every_algorithm_and_qop(self):
        body = '{"id":42,"ok":true}'
        self.add_digest("sender-auth-int", "--qop", "auth-int")
        self.add_digest("sender")
        for algorithm in ALGORITHMS:
            for qop in ("auth", "auth-int", "none"):
                with self.subTest(algorithm=algorithm, qop=qop):
                    name = "recv-%s-%s" % (algorithm, qop)
                    self.add_digest(name, "--algorithm", algorithm, "--qop", qop)
                    s = self.serve(name)
                    sender = "sender-auth-int" if qop == "auth-int" else "sender"
                    r = self.send(sender, s.url + "/hook?x=1", "-d", body)
                    self.assertEqual(r.rc, 0, r)
                    a = answered(r.err)
                    self.assertEqual(len(a), 1, r)
                    self.assertEqual(a[0]["algorithm"], algorithm)
                    self.assertEqual(a[0]["qop"], "" if qop == "none" else qop)
                    lines = self.log(s, 2)
                    self.assertEqual([(l["verdict"], l["status"]) for l in lines],
                                     [("invalid", 401), ("valid", 200)])
                    # hookauth's response, recomputed here from what it showed.
                    m = re.search(r"^\* digest: response = H\(HA1:.*\) = ([0-9a-f]+)$", r.err, re.M)
                    self.assertIsNotNone(m, r)
                    expected = digest_response(algorithm, USER, "hookauth", PASSWORD, "POST", "/hook?x=1",
                                               a[0]["nonce"], a[0]["nc"], a[0]["cnonce"], a[0]["qop"],
                                               body.encode())
                    self.assertEqual(m.group(1), expected)
                    self.assert_server_kept_secrets(s)

    def test_the_strongest_offered_algorithm_is_answered(self):
        cases = [("MD5,SHA-256,SHA-512-256", "SHA-512-256"), ("SHA-256,MD5", "SHA-256"),
                 ("MD5-sess,SHA-256-sess,MD5", "SHA-256-sess"), ("MD5,SHA-512-256-sess", "SHA-512-256-sess")]
        self.add_digest("sender")
        for offered, strongest in cases:
            with self.subTest(offered=offered):
                name = "recv-" + offered.replace(",", "_")
                self.add_digest(name, "--algorithm", offered)
                s = self.serve(name)
                r = self.send("sender", s.url + "/hook", "-d", "{}")
                self.assertEqual(r.rc, 0, r)
                self.assertEqual(r.err.count("< WWW-Authenticate: Digest"), len(offered.split(",")), r)
                self.assertEqual([a["algorithm"] for a in answered(r.err)], [strongest])
                self.assertEqual([l["verdict"] for l in self.log(s, 2)], ["invalid", "valid"])

    def test_stale_nonce_is_answered_again(self):
        self.add_digest("recv")
        self.add_digest("sender")
        s = self.serve("recv", "--nonce-lifetime", "1")
        r = self.send("sender", s.url + "/hook", "-d", "{}")
        self.assertEqual(r.rc, 0, r)
        self.log(s, 2)
        time.sleep(2.5)
        r = self.send("sender", s.url + "/hook", "-d", "{}")
        self.assertEqual(r.rc, 0, r)
        self.assertIn("stale=true", r.err)
        self.assertIn("* digest: stale nonce, answering the new one", r.err)
        a = answered(r.err)
        self.assertEqual(len(a), 2, r)
        self.assertNotEqual(a[0]["nonce"], a[1]["nonce"])
        self.assertEqual(a[1]["nc"], "00000001")
        lines = self.log(s, 4)
        self.assertEqual([(l["verdict"], l["reason"]) for l in lines[2:]],
                         [("invalid", "nonce expired"), ("valid", None)])

    def test_wrong_password_is_exit_1(self):
        self.add_digest("recv", "--algorithm", "SHA-256")
        self.add_digest("sender", password="not-" + PASSWORD)
        s = self.serve("recv")
        r = self.send("sender", s.url + "/hook", "-d", "{}")
        self.assertEqual(r.rc, 1, r)
        lines = self.log(s, 2)
        self.assertEqual(len(lines), 2)  # one challenge answered once, not again
        self.assertIn("wrong response", lines[1]["reason"])

    def test_nonce_reuse_one_request_nc_2_and_state_file(self):
        self.add_digest("recv", "--algorithm", "SHA-256", "--qop", "auth,auth-int")
        self.add_digest("sender")
        s = self.serve("recv")
        first = self.send("sender", s.url + "/hook", "-d", '{"n":1}')
        self.assertEqual(first.rc, 0, first)
        self.assertEqual(len(self.log(s, 2)), 2)
        second = self.send("sender", s.url + "/hook", "-d", '{"n":2}')
        self.assertEqual(second.rc, 0, second)
        time.sleep(0.2)  # a second line would have had time to come
        lines = self.log(s, 3)
        self.assertEqual(len(lines), 3, lines)
        self.assertEqual(lines[2]["verdict"], "valid")
        self.assertNotIn("< HTTP/1.1 401", second.err)
        a1, a2 = answered(first.err), answered(second.err)
        self.assertEqual(len(a2), 1)
        self.assertEqual((a2[0]["nonce"], a2[0]["nc"], a2[0]["algorithm"]), (a1[0]["nonce"], "00000002", "SHA-256"))
        self.assertNotEqual(a1[0]["cnonce"], a2[0]["cnonce"])
        path = os.path.join(os.path.dirname(self.store), "state.json")
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        entries = list(self.state()["digest"].values())
        self.assertEqual(len(entries), 1)
        e = entries[0]
        self.assertEqual((e["nonce"], e["nc"], e["algorithm"], e["realm"]), (a1[0]["nonce"], 2, "SHA-256", "hookauth"))
        with open(path, encoding="utf-8") as f:
            self.assertNotIn(PASSWORD, f.read())

    def test_a_refused_remembered_nonce_falls_back_to_a_fresh_challenge(self):
        # A new verify serve on the same port has a new key: the remembered nonce is not its own.
        self.add_digest("recv")
        self.add_digest("sender")
        first = self.serve_on("127.0.0.1:0", "recv")
        port = first.port
        listen = "127.0.0.1:%d" % port
        r = self.send("sender", first.url + "/hook", "-d", "{}")
        self.assertEqual(r.rc, 0, r)
        first.stop()
        second = self.serve_on(listen, "recv")
        self.assertEqual(second.port, port)
        r = self.send("sender", second.url + "/hook", "-d", "{}")
        self.assertEqual(r.rc, 0, r)
        self.assertIn("the remembered nonce was refused, answering a fresh challenge", r.err)
        lines = self.log(second, 2)
        self.assertEqual([l["verdict"] for l in lines], ["invalid", "valid"])
        self.assertIn("not issued", lines[0]["reason"])

    def test_userhash(self):
        self.add_digest("recv", "--userhash", "--algorithm", "SHA-256")
        self.add_digest("sender", "--userhash")
        s = self.serve("recv")
        r = self.send("sender", s.url + "/hook", "-d", "{}")
        self.assertEqual(r.rc, 0, r)
        self.assertEqual([l["verdict"] for l in self.log(s, 2)], ["invalid", "valid"])
        self.assertIn("userhash=true", r.err)


# ---- 4. processes at the same time -----------------------------------------------------------------

class Concurrency(DigestTest):
    SENDS = harness.repeat(10, 3)  # per process

    def test_8_concurrent_processes_never_reuse_a_nonce_count(self):
        self.add_digest("recv", "--algorithm", "SHA-256")
        self.add_digest("sender")
        s = self.serve("recv")
        results, lock = [], threading.Lock()

        def worker(w):
            for i in range(self.SENDS):
                r = self.hookauth("webhook", "send", "-v", "--auth", "sender", "-d", '{"w":%d,"i":%d}' % (w, i),
                                  s.url + "/hook")
                with lock:
                    results.append(r)

        threads = [threading.Thread(target=worker, args=(w,)) for w in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(len(results), 8 * self.SENDS)
        self.assert_no_reuse(s, results)

    def assert_no_reuse(self, server, results):
        failed = [r for r in results if r.rc != 0]
        self.assertEqual(["exit %d: %s %s" % (r.rc, r.out.strip(), (r.err.strip().splitlines() or [""])[-1])
                          for r in failed], [], "%d of %d sends failed" % (len(failed), len(results)))
        pairs = []
        for r in results:
            a = answered(r.err)
            self.assertGreaterEqual(len(a), 1, r)
            self.assertEqual(len(a), r.err.count("> Authorization: Digest"), r)
            pairs += [(x["nonce"], x["nc"]) for x in a]
        dupes = sorted({p for p in pairs if pairs.count(p) > 1})
        self.assertEqual(dupes, [], "(nonce, nc) pairs sent more than once")
        # Every request the senders made is logged: the answered ones and the unsigned first tries.
        requests = sum(r.err.count("> POST ") for r in results)
        lines = self.log(server, requests)
        self.assertEqual(len(lines), requests)
        self.assertEqual([l for l in lines if "replay" in (l["reason"] or "")], [])
        self.assertEqual(sum(1 for l in lines if l["verdict"] == "valid"), len(results))


# ---- 5. a nonce shared in advance: exact output ----------------------------------------------------

class CurlCommandAndVerbose(DigestTest):
    """--curl for a Digest authorization with no nonce to answer yet, run as printed by the real curl;
    and -v, which shows the exchanges but not libcurl's notes on challenges hookauth answers itself."""

    # libcurl's own notes: its reading of WWW-Authenticate (hookauth never asks it to answer one) and its
    # connection cache's bookkeeping.
    LIBCURL_NOTES = ("Ignoring duplicate digest auth header", "Authentication problem", "Found bundle for host",
                     "Can not multiplex")

    def run_printed(self, command):
        p = subprocess.run(["bash", "-c", command], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, env=self.env, cwd=self.tmp, timeout=30)
        self.assertEqual((p.returncode, p.stderr), (0, b""))
        return p.stdout.decode()

    def test_curl_command_answers_the_challenge_with_curl_digest(self):
        self.add_digest("recv", "--algorithm", "SHA-256")
        self.add_digest("sender", "--algorithm", "SHA-256,MD5")
        s = self.serve("recv")
        args = ("webhook", "send", "--auth", "sender", s.url + "/hook?x=1", "-d", '{"n":1}', "--curl")
        r = self.hookauth(*args, "--reveal")
        self.assertEqual((r.rc, r.err), (0, ""), r)
        self.assertTrue(r.out.startswith("curl -sS --digest -u '%s:%s' " % (USER, PASSWORD)), r.out)
        self.assertEqual(self.run_printed(r.out), "valid\n")
        # Redacted, it cannot succeed, and says so.
        r = self.hookauth(*args)
        self.assertEqual(r.rc, 0, r)
        self.assertIn(" --digest -u '%s:[redacted]' " % USER, r.out)
        self.assertIn("cannot succeed as printed", r.err)
        self.assertIn("--reveal", r.err)
        self.assertNotEqual(self.run_printed(r.out), "valid\n")
        log = self.log(s, 4)
        self.assertEqual([l["verdict"] for l in log], ["invalid", "valid", "invalid", "invalid"])
        self.assertIn("wrong response", log[3]["reason"])
        self.assert_server_kept_secrets(s)
        self.assertEqual(len(self.log(s, 4)), 4, "--curl sent nothing itself")

    def assert_notes_left_out(self, r):
        self.assertIn("* Connected to 127.0.0.1", r.err)
        self.assertIn("< HTTP/1.1 401 ", r.err)
        self.assertIn("> Authorization: Digest [redacted]", r.err)
        for note in self.LIBCURL_NOTES:
            self.assertNotIn(note, r.err)

    def test_verbose_leaves_out_libcurls_own_notes(self):
        # Three challenges (one per algorithm) and, with the wrong password, a second 401 on the same
        # connection: each made libcurl write a note that read as a failure.
        self.add_digest("recv", "--algorithm", "MD5,SHA-256,SHA-512-256")
        self.add_digest("sender")
        self.add_digest("wrong", password="not-" + PASSWORD)
        s = self.serve("recv")
        r = self.hookauth("webhook", "send", "-v", "--auth", "sender", s.url + "/hook", "-d", "{}")
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(r.err.count("< WWW-Authenticate: Digest"), 3, r)
        self.assertIn("* Re-using existing connection", r.err)
        self.assert_notes_left_out(r)
        r = self.hookauth("webhook", "send", "-v", "--auth", "wrong", s.url + "/hook", "-d", "{}")
        self.assertEqual(r.rc, 1, r)
        self.assert_notes_left_out(r)
        # A challenge without a nonce: hookauth's own error is the one said (libcurl's read "Authentication
        # problem. Ignoring this.").
        c = self.capture("--challenge", 'Digest realm="r", algorithm=MD5')
        r = self.hookauth("webhook", "send", "-v", "--auth", "sender", c.url + "/hook")
        self.assertEqual(r.rc, 4, r)
        self.assertIn('< WWW-Authenticate: Digest realm="r", algorithm=MD5', r.err)
        self.assertIn("nonce", r.err.splitlines()[-1])
        for note in self.LIBCURL_NOTES:
            self.assertNotIn(note, r.err)


class Preshared(DigestTest):
    def add_rfc(self, name, algorithm, qop="auth", *extra):
        return self.add_digest(name, "--realm", RFC["realm"], "--nonce", RFC["nonce"], "--cnonce", RFC["cnonce"],
                               "--nc", "1", "--qop", qop, "--opaque", RFC["opaque"], "--algorithm", algorithm,
                               *extra, user=RFC["username"], password=RFC["password"])

    def dry_run(self, name, *extra, method="GET", uri=RFC["uri"]):
        return self.hookauth("webhook", "send", "--dry-run", "--auth", name, "-X", method, *extra,
                             "http://127.0.0.1:9" + uri)

    @staticmethod
    def authorization(out):
        values = [l[len("Authorization: "):] for l in out.splitlines() if l.startswith("Authorization: ")]
        assert len(values) == 1, out
        return values[0]

    def test_rfc7616_3_9_1_md5_and_sha256(self):
        for algorithm in ("MD5", "SHA-256"):
            with self.subTest(algorithm=algorithm):
                # The published values, and this file's own computation of them.
                mine = digest_response(algorithm, RFC["username"], RFC["realm"], RFC["password"], "GET", RFC["uri"],
                                       RFC["nonce"], "00000001", RFC["cnonce"], "auth")
                self.assertEqual(mine, RFC[algorithm])
                self.add_rfc("rfc-" + algorithm, algorithm)
                r = self.dry_run("rfc-" + algorithm, "--reveal")
                self.assertEqual(r.rc, 0, r)
                self.assertTrue(r.out.startswith("GET /dir/index.html HTTP/1.1\r\n") or
                                r.out.startswith("GET /dir/index.html HTTP/1.1\n"), r)
                p = parse_digest_params(self.authorization(r.out))
                self.assertEqual(p["response"], RFC[algorithm])
                self.assertEqual(p, {"username": RFC["username"], "realm": RFC["realm"], "uri": RFC["uri"],
                                     "algorithm": algorithm, "nonce": RFC["nonce"], "nc": "00000001",
                                     "cnonce": RFC["cnonce"], "qop": "auth", "response": RFC[algorithm],
                                     "opaque": RFC["opaque"]})
                # nc and qop are tokens, never quoted (RFC 7616 section 3.4).
                self.assertRegex(self.authorization(r.out), r"(^|, )nc=00000001(,|$)")
                self.assertRegex(self.authorization(r.out), r"(^|, )qop=auth(,|$)")
                # Reproducible: a dry run consumes no nonce count.
                self.assertEqual(self.dry_run("rfc-" + algorithm, "--reveal").out, r.out)
                hidden = self.dry_run("rfc-" + algorithm)
                self.assertEqual(hidden.rc, 0, hidden)
                self.assertNotIn(RFC[algorithm], hidden.out)
                verbose = self.dry_run("rfc-" + algorithm, "-v")
                self.assertEqual(verbose.rc, 0, verbose)
                self.assertIn("* digest: A1 = Mufasa:http-auth@example.org:[redacted]", verbose.err)
                self.assertIn("* digest: A2 = GET:/dir/index.html", verbose.err)
                self.assertIn(" = " + RFC[algorithm], verbose.err)
                ha1 = H(algorithm, "Mufasa:http-auth@example.org:Circle of Life")
                self.assertNotIn(ha1, verbose.err + verbose.out)

    def test_every_algorithm_against_hashlib(self):
        body = b'{"hook":"sha-512/256","n":7}'
        for algorithm in ALGORITHMS:
            for qop in ("auth", "auth-int", "none"):
                with self.subTest(algorithm=algorithm, qop=qop):
                    name = "p-%s-%s" % (algorithm, qop)
                    self.add_rfc(name, algorithm, qop)
                    r = self.dry_run(name, "--reveal", "-d", body.decode(), method="POST", uri="/hooks/in")
                    self.assertEqual(r.rc, 0, r)
                    p = parse_digest_params(self.authorization(r.out))
                    wire_qop = "" if qop == "none" else qop
                    expected = digest_response(algorithm, RFC["username"], RFC["realm"], RFC["password"], "POST",
                                               "/hooks/in", RFC["nonce"], "00000001" if wire_qop else "",
                                               RFC["cnonce"] if wire_qop else "", wire_qop, body)
                    self.assertEqual(p["response"], expected)
                    self.assertEqual(p["algorithm"], algorithm)
                    self.assertEqual(p.get("qop", ""), wire_qop)
                    if not wire_qop:
                        self.assertNotIn("nc", p)
                        self.assertNotIn("cnonce", p)
                    hidden = self.dry_run(name, "-v", "-d", body.decode(), method="POST", uri="/hooks/in")
                    self.assertEqual(hidden.rc, 0, hidden)

    def test_reveal_shows_the_password_only_when_asked(self):
        self.add_rfc("rfc", "SHA-256")
        shown = self.dry_run("rfc", "-v", "--reveal")
        self.assertEqual(shown.rc, 0, shown)
        self.assertIn("Circle of Life", shown.err)
        self.assertIn(H("SHA-256", "Mufasa:http-auth@example.org:Circle of Life"), shown.err)
        hidden = self.dry_run("rfc", "-v")  # the wrapper asserts the password is absent
        self.assertEqual(hidden.rc, 0, hidden)
        self.assertIn("[redacted]", hidden.err)


# ---- 6. challenges served by capture.py -----------------------------------------------------------

class Challenges(DigestTest):
    def challenged(self, value, then=200):
        """A capture.py answering 401 with this WWW-Authenticate value, then `then` for every request."""
        reply = {"status": 401, "headers": {"WWW-Authenticate": value}}
        return self.capture("--reply", json.dumps(reply), "--status", str(then))

    def test_bad_challenges_are_exit_4_with_one_line_naming_the_problem(self):
        self.add_digest("sender")
        cases = [
            ('Digest realm="r", qop="auth", nonce="abc', "unterminated"),
            ('Digest realm="r", qop="auth", algorithm=MD5', "nonce"),
            ('Digest realm="r", nonce="n1", qop="auth", algorithm=SHA-1', "SHA-1"),
            ('Digest realm="r", nonce="n1", algorithm="HMAC-MD5"', "HMAC-MD5"),
            ('Basic realm="r"', "no Digest challenge"),
            ('Bearer realm="r", error="invalid_token"', "no Digest challenge"),
        ]
        for value, problem in cases:
            with self.subTest(value=value):
                rm = os.path.join(os.path.dirname(self.store), "state.json")
                if os.path.exists(rm):
                    os.remove(rm)
                c = self.challenged(value)
                r = self.hookauth("webhook", "send", "--auth", "sender", "-d", "{}", c.url + "/hook")
                line = self.assert_one_error_line(r, 4)
                self.assertIn(problem, line)
                reqs = c.requests()
                self.assertEqual(len(reqs), 1, "answered a challenge it could not read")
                self.assertEqual(c.header(reqs[0], "Authorization"), [])

    def test_commas_and_escaped_quotes_in_realm(self):
        self.add_digest("sender")
        realm = 'hooks, inc. "prod", a=b \\ c'
        value = ('Digest realm=%s, NONCE="n=1,2", Qop="auth-int, auth", algorithm=SHA-256, '
                 'opaque="o,\\"x\\""' % quote(realm))
        c = self.challenged(value)
        body = '{"realm":"test"}'
        r = self.hookauth("webhook", "send", "--auth", "sender", "-d", body, c.url + "/hook")
        self.assertEqual(r.rc, 0, r)
        reqs = c.requests()
        self.assertEqual(len(reqs), 2)
        sent = c.header(reqs[1], "Authorization")
        self.assertEqual(len(sent), 1)
        p = parse_digest_params(sent[0])
        self.assertEqual(p["realm"], realm)
        self.assertEqual(p["nonce"], "n=1,2")
        self.assertEqual(p["opaque"], 'o,"x"')
        self.assertEqual(p["algorithm"], "SHA-256")
        self.assertEqual(p["qop"], "auth")
        self.assertEqual(reqs[1]["body"], body.encode())
        self.assertEqual(p["response"], digest_response("SHA-256", USER, realm, PASSWORD, "POST", "/hook", "n=1,2",
                                                        p["nc"], p["cnonce"], "auth"))

    def test_several_schemes_in_one_header(self):
        self.add_digest("sender")
        value = ('Basic realm="b", Digest realm="d1", nonce="nA", algorithm=MD5, qop="auth", '
                 'Digest realm="d2", nonce="nB", algorithm=SHA-256, qop="auth"')
        c = self.challenged(value)
        r = self.hookauth("webhook", "send", "--auth", "sender", "-d", "{}", c.url + "/hook")
        self.assertEqual(r.rc, 0, r)
        p = parse_digest_params(c.header(c.requests()[1], "Authorization")[0])
        self.assertEqual((p["realm"], p["nonce"], p["algorithm"]), ("d2", "nB", "SHA-256"))

    def test_no_qop_offered_means_rfc2069_no_nc_no_cnonce(self):
        self.add_digest("sender")
        c = self.challenged('Digest realm="old", nonce="n2069"')
        r = self.hookauth("webhook", "send", "--auth", "sender", "-X", "PUT", "-d", "{}", c.url + "/x")
        self.assertEqual(r.rc, 0, r)
        sent = c.header(c.requests()[1], "Authorization")[0]
        p = parse_digest_params(sent)
        for absent in ("qop", "nc", "cnonce"):
            self.assertNotIn(absent, p)
        self.assertEqual(p["response"], digest_response("MD5", USER, "old", PASSWORD, "PUT", "/x", "n2069"))

    def test_a_challenge_that_could_not_be_answered_is_not_remembered(self):
        # First the receiver offers only qop=auth to a profile that wants auth-int: exit 4. When it then
        # offers auth-int, the next send must ask again rather than replay the remembered refusal.
        self.add_digest("wants-int", "--qop", "auth-int")
        c = self.capture("--reply", json.dumps({"status": 401, "headers": {
            "WWW-Authenticate": 'Digest realm="r", nonce="only-auth", qop="auth"'}}),
            "--reply", json.dumps({"status": 401, "headers": {
                "WWW-Authenticate": 'Digest realm="r", nonce="int-ok", qop="auth-int"'}}),
            "--status", "200")
        r = self.hookauth("webhook", "send", "--auth", "wants-int", "-d", "{}", c.url + "/hook")
        self.assert_one_error_line(r, 4)
        r = self.hookauth("webhook", "send", "--auth", "wants-int", "-d", "{}", c.url + "/hook")
        self.assertEqual(r.rc, 0, "%r\nrequests the receiver got: %d" % (r, len(c.requests())))
        reqs = c.requests()
        self.assertEqual(len(reqs), 3)
        p = parse_digest_params(c.header(reqs[2], "Authorization")[0])
        self.assertEqual((p["nonce"], p["qop"]), ("int-ok", "auth-int"))


# ---- 7. verify --request offline ------------------------------------------------------------------

class OfflineVerify(DigestTest):
    def setUp(self):
        super().setUp()
        self.fixture(lambda: self.add_digest("recv", "--algorithm", "SHA-256,MD5", "--qop", "auth,auth-int"))

    def request(self, target="/hooks/in", uri=None, password=PASSWORD, qop="auth", algorithm="SHA-256",
                body=b'{"event":"paid"}', hashed_body=None):
        uri = target if uri is None else uri
        nonce, cnonce, nc = "abc.def/ghi=", "c-n-o-n-c-e", "0000000a"
        resp = digest_response(algorithm, USER, "hookauth", password, "POST", uri, nonce, nc, cnonce, qop,
                               body if hashed_body is None else hashed_body)
        auth = ('Digest username="%s", realm="hookauth", nonce="%s", uri="%s", algorithm=%s, qop=%s, nc=%s, '
                'cnonce="%s", response="%s"' % (USER, nonce, uri, algorithm, qop, nc, cnonce, resp))
        raw = ("POST %s HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nContent-Type: application/json\r\n"
               "Content-Length: %d\r\nAuthorization: %s\r\n\r\n" % (target, len(body), auth)).encode() + body
        path = os.path.join(self.tmp, "req-%d.http" % len(os.listdir(self.tmp)))
        with open(path, "wb") as f:
            f.write(raw)
        return path

    def verify(self, path):
        r = self.hookauth("verify", "--auth", "recv", "--request", path, "--json")
        doc = r.json()
        self.assertEqual(r.rc, 0 if doc["valid"] else 1, r)
        return doc

    def test_valid(self):
        for algorithm in ("SHA-256", "MD5"):
            for qop in ("auth", "auth-int"):
                with self.subTest(algorithm=algorithm, qop=qop):
                    path = self.request(algorithm=algorithm, qop=qop)
                    r = self.hookauth("verify", "--auth", "recv", "--request", path)
                    self.assertEqual((r.rc, r.out), (0, "valid\n"), r)
                    self.assertEqual(self.verify(path), {"valid": True, "auth": "recv", "type": "digest",
                                                         "reason": None})

    def test_wrong_password(self):
        doc = self.verify(self.request(password="not-" + PASSWORD))
        self.assertFalse(doc["valid"])
        self.assertIn("wrong response", doc["reason"])
        r = self.hookauth("verify", "--auth", "recv", "--request", self.request(password="x"))
        self.assertEqual(r.rc, 1, r)
        self.assertTrue(r.out.startswith("invalid: wrong response"), r)

    def test_uri_not_the_target(self):
        doc = self.verify(self.request(target="/hooks/in", uri="/hooks/other"))
        self.assertFalse(doc["valid"])
        self.assertIn("uri", doc["reason"])
        self.assertIn("/hooks/other", doc["reason"])

    def test_auth_int_over_an_empty_body(self):
        doc = self.verify(self.request(qop="auth-int", hashed_body=b""))
        self.assertFalse(doc["valid"])
        self.assertIn("empty body", doc["reason"])
        # A body that differs otherwise is a plain wrong response.
        doc = self.verify(self.request(qop="auth-int", hashed_body=b'{"event":"refunded"}'))
        self.assertFalse(doc["valid"])
        self.assertNotIn("empty body", doc["reason"])
        self.assertIn("wrong response", doc["reason"])

    def test_sha256_labelled_sha512_256_is_refused(self):
        # What curl 7.88 sends for algorithm=SHA-512-256: a SHA-256 computation under that label.
        self.add_digest("recv512", "--algorithm", "SHA-512-256")
        nonce, cnonce, nc = "n-512", "c-512", "00000001"
        for label_hash, valid in (("SHA-256", False), ("SHA-512-256", True)):
            with self.subTest(hashed_with=label_hash):
                resp = digest_response(label_hash, USER, "hookauth", PASSWORD, "GET", "/p", nonce, nc, cnonce, "auth")
                raw = ('GET /p HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Digest username="%s", realm="hookauth", '
                       'nonce="%s", uri="/p", algorithm=SHA-512-256, qop=auth, nc=%s, cnonce="%s", response="%s"'
                       '\r\n\r\n' % (USER, nonce, nc, cnonce, resp))
                r = self.hookauth("verify", "--auth", "recv512", "--request", "-", "--json", input=raw)
                self.assertEqual((r.rc, r.json()["valid"]), (0 if valid else 1, valid), r)

    def test_algorithm_not_offered(self):
        doc = self.verify(self.request(algorithm="SHA-512-256"))
        self.assertFalse(doc["valid"])
        self.assertIn("not offered", doc["reason"])


if __name__ == "__main__":
    harness.main()
