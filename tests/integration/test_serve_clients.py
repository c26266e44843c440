"""verify serve's HTTP layer (issue 15) with real clients nobody here wrote, over plain HTTP and TLS.

- curl: an empty POST and PUT with -u (no body, no length: 200 at once, not 408 at the read timeout),
  --digest (the 401 challenge and the answer on one connection), --aws-sigv4;
- HTTPS with a CA and a server certificate made here by the openssl command (TLS 1.2 and 1.3, curl
  --cacert); mutual TLS with --client-ca: curl --cert/--key with a client certificate from that CA is
  served and logged with its subject, none or one from another CA fails the handshake;
- python-requests: HTTPDigestAuth over one kept-alive Session (one challenge, then answers with the next
  nonce count on the same connection); a request signed by botocore's SigV4Auth with an empty header
  value (X-Empty) sent with requests;
- hookauth's own batch sender, --concurrency 1000, a few thousand lines: every one answered 200.
"""

import json
import os
import resource
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

# Debian's python3-requests and python3-botocore: ctest runs this file with /usr/bin/python3.
import botocore.auth  # noqa: E402
import botocore.awsrequest  # noqa: E402
import botocore.credentials  # noqa: E402
import requests  # noqa: E402
from requests.auth import HTTPDigestAuth  # noqa: E402
from authlib.jose import JsonWebKey, jwt  # noqa: E402

USER, PASSWORD = "bob", "c0rrect-h0rse-15"
DIGEST_USER, DIGEST_PASSWORD = "webhook-sender", "Dg-s3cret-15"
AKID, SECRET = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
CLIENT_CN = "hookauth-test-client"
# Bounds that end a test which would otherwise hang; never asserted as speeds.
CURL_MAX_TIME = harness.repeat(5, 8)  # below the default 10 s read timeout: a 408 at it is no answer


def setUpModule():
    # --concurrency 1000: a thousand connections on each side of loopback; the children inherit this limit.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 8192 if hard == resource.RLIM_INFINITY else min(hard, 8192)
    if soft != resource.RLIM_INFINITY and soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


def curl(*args, env=None):
    """curl's exit code, status code (0 when there was no answer), body and stderr."""
    p = subprocess.run(["curl", "-sS", "--noproxy", "*", "--max-time", str(CURL_MAX_TIME), "-o", "-",
                        "-w", "\n%{http_code}"] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=CURL_MAX_TIME + 30, env=env)
    body, _, code = p.stdout.decode("utf-8", "replace").rpartition("\n")
    return p.returncode, int(code or 0), body, p.stderr.decode("utf-8", "replace")


def openssl(*args, cwd):
    p = subprocess.run(["openssl"] + list(args), cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    if p.returncode != 0:
        raise AssertionError("openssl %s: %s" % (" ".join(args), p.stderr.decode()))


def make_pki(d):
    """A CA, a server certificate for 127.0.0.1 and a client certificate signed by it, and a client
    certificate from another CA; P-256 keys, in directory d."""
    key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    for ca in ("ca", "other-ca"):
        openssl("req", "-x509", *key, "-keyout", ca + ".key", "-out", ca + ".pem", "-days", "2",
                "-subj", "/CN=hookauth issue 15 test " + ca,
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
                cwd=d)
    certs = [("server", "ca", "/CN=127.0.0.1", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n"),
             ("client", "ca", "/O=hookauth tests/CN=" + CLIENT_CN, "extendedKeyUsage=clientAuth\n"),
             ("stranger", "other-ca", "/CN=stranger", "extendedKeyUsage=clientAuth\n")]
    for name, ca, subject, ext in certs:
        with open(os.path.join(d, name + ".ext"), "w") as f:
            f.write("basicConstraints=CA:FALSE\n" + ext)
        openssl("req", *key, "-keyout", name + ".key", "-out", name + ".csr", "-subj", subject, cwd=d)
        openssl("x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem", "-CAkey", ca + ".key", "-CAcreateserial",
                "-out", name + ".pem", "-days", "2", "-extfile", name + ".ext", cwd=d)


class ServeClientTest(harness.HookauthTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pki = tempfile.mkdtemp(prefix="hookauth-pki-")
        cls.addClassCleanup(shutil.rmtree, cls.pki, True)
        make_pki(cls.pki)

    def setUp(self):
        super().setUp()
        self.fixture(self.add_profiles)

    def add_profiles(self):
        self.add_basic("basic", USER, PASSWORD)
        self.ok("auth", "add", "dig", "--type", "digest", "--username", DIGEST_USER, "--password", DIGEST_PASSWORD,
                "--algorithm", "SHA-256")
        self.ok("auth", "add", "aws", "--type", "aws-sigv4", "--access-key", AKID, "--secret-key", SECRET,
                "--region", "us-east-1", "--service", "execute-api")

    def pem(self, name):
        return os.path.join(self.pki, name)

    def logged(self, server, n, timeout=10):
        return self.wait_for(lambda: len(server.stdout_json()) >= n and server.stdout_json(), timeout=timeout,
                             what="%d log lines" % n)

    # ---- curl --------------------------------------------------------------------------------------

    def test_curl_empty_post_and_put_are_answered_at_once(self):
        # The default 10 s read timeout and curl's 5 s --max-time: a server that waited for a body that
        # was never announced would answer 408 after curl gave up.
        s = self.serve("basic")
        for method in ("POST", "PUT"):
            with self.subTest(method):
                rc, code, body, err = curl("-u", USER + ":" + PASSWORD, "-X", method, s.url + "/empty-" + method)
                self.assertEqual((rc, code, body), (0, 200, "valid\n"), err)
                # With -d '' curl sends Content-Length: 0.
                rc, code, body, err = curl("-u", USER + ":" + PASSWORD, "-X", method, "-d", "",
                                           s.url + "/zero-" + method)
                self.assertEqual((rc, code, body), (0, 200, "valid\n"), err)
        rc, code, _, err = curl("-u", USER + ":wrong", "-X", "POST", s.url + "/wrong")
        self.assertEqual((rc, code), (0, 401), err)
        lines = self.logged(s, 5)
        self.assertEqual([(l["method"], l["target"], l["status"]) for l in lines],
                         [("POST", "/empty-POST", 200), ("POST", "/zero-POST", 200), ("PUT", "/empty-PUT", 200),
                          ("PUT", "/zero-PUT", 200), ("POST", "/wrong", 401)])
        for l in lines:
            self.assertEqual(list(l), ["time", "peer", "method", "target", "verdict", "status", "reason"])

    def test_curl_digest(self):
        s = self.serve("dig")
        rc, code, body, err = curl("-v", "--digest", "-u", DIGEST_USER + ":" + DIGEST_PASSWORD, s.url + "/get")
        self.assertEqual((rc, code, body), (0, 200, "valid\n"), err)
        self.assertIn("Re-using existing connection", err, "the challenge and the answer on one connection")
        rc, code, body, err = curl("--digest", "-u", DIGEST_USER + ":" + DIGEST_PASSWORD, "-H",
                                   "Content-Type: application/json", "-d", '{"event":"ping"}', s.url + "/post")
        self.assertEqual((rc, code, body), (0, 200, "valid\n"), err)
        rc, code, _, err = curl("--digest", "-u", DIGEST_USER + ":not-the-password", s.url + "/wrong")
        self.assertEqual((rc, code), (0, 401), err)
        lines = self.logged(s, 6)
        self.assertEqual([(l["target"], l["status"]) for l in lines],
                         [("/get", 401), ("/get", 200), ("/post", 401), ("/post", 200), ("/wrong", 401),
                          ("/wrong", 401)])
        self.assertEqual(lines[0]["peer"], lines[1]["peer"])

    def test_curl_aws_sigv4(self):
        s = self.serve("aws")
        sig = ["--aws-sigv4", "aws:amz:us-east-1:execute-api", "--user", AKID + ":" + SECRET]
        self.assertEqual(curl(*sig, s.url + "/hooks/a")[:3], (0, 200, "valid\n"))
        self.assertEqual(curl(*sig, "-H", "Content-Type: application/json", "-d", '{"event":"ping"}',
                              s.url + "/hooks/a")[:3], (0, 200, "valid\n"))
        self.assertEqual(curl(*sig, "-X", "POST", s.url + "/hooks/empty")[:3], (0, 200, "valid\n"))
        rc, code, body, _ = curl("--aws-sigv4", "aws:amz:us-east-1:execute-api", "--user",
                                 AKID + ":" + SECRET[:-1] + "X", s.url + "/hooks/a")
        self.assertEqual((rc, code), (0, 401))
        self.assertIn("signature does not match", body)
        self.assertEqual([l["verdict"] for l in self.logged(s, 4)], ["valid"] * 3 + ["invalid"])

    # ---- TLS ---------------------------------------------------------------------------------------

    def serve_tls(self, *extra, auth="basic"):
        s = self.serve(auth, "--tls-cert", self.pem("server.pem"), "--tls-key", self.pem("server.key"), *extra)
        self.assertEqual(s.scheme, "https", s.stderr_lines[:1])
        return s

    def test_https_with_curl_cacert(self):
        s = self.serve_tls()
        cred = ["-u", USER + ":" + PASSWORD, "--cacert", self.pem("ca.pem")]
        for version, flags in (("1.2", ["--tlsv1.2", "--tls-max", "1.2"]), ("1.3", ["--tlsv1.3"])):
            with self.subTest(tls=version):
                rc, code, body, err = curl(*cred, *flags, "-v", s.url + "/tls" + version)
                self.assertEqual((rc, code, body), (0, 200, "valid\n"), err)
                self.assertIn("SSL connection using TLSv" + version, err)
        rc, code, _, err = curl("-u", USER + ":wrong", "--cacert", self.pem("ca.pem"), s.url + "/wrong")
        self.assertEqual((rc, code), (0, 401), err)
        # The certificate is the one made here: without the CA curl does not trust it.
        rc, code, _, err = curl("-u", USER + ":" + PASSWORD, s.url + "/untrusted")
        self.assertEqual((rc, code), (60, 0), err)
        # Plain HTTP on the TLS port is not served as a request.
        rc, code, _, err = curl("-u", USER + ":" + PASSWORD, "http://127.0.0.1:%d/plain" % s.port)
        self.assertNotEqual(code, 200, err)
        lines = self.logged(s, 3)
        self.assertEqual([(l["target"], l["status"]) for l in lines if l["target"] != "/plain"],
                         [("/tls1.2", 200), ("/tls1.3", 200), ("/wrong", 401)])
        self.assertTrue(all("client_cert" not in l for l in lines), lines)

    def test_mutual_tls(self):
        s = self.serve_tls("--client-ca", self.pem("ca.pem"))
        base = ["-u", USER + ":" + PASSWORD, "--cacert", self.pem("ca.pem")]
        rc, code, body, err = curl(*base, "--cert", self.pem("client.pem"), "--key", self.pem("client.key"),
                                   s.url + "/mtls")
        self.assertEqual((rc, code, body), (0, 200, "valid\n"), err)
        rc, code, _, err = curl(*base, "--tlsv1.2", "--tls-max", "1.2", "--cert", self.pem("client.pem"), "--key",
                                self.pem("client.key"), s.url + "/mtls12")
        self.assertEqual((rc, code), (0, 200), err)
        for what, extra in (("no client certificate", []),
                            ("a certificate from another CA", ["--cert", self.pem("stranger.pem"), "--key",
                                                               self.pem("stranger.key")])):
            for tls in (["--tlsv1.3"], ["--tlsv1.2", "--tls-max", "1.2"]):
                with self.subTest(what, tls=tls[0]):
                    rc, code, _, err = curl(*base, *tls, *extra, s.url + "/refused")
                    self.assertNotEqual(rc, 0, "the handshake must fail: %s" % err)
                    self.assertEqual(code, 0, err)
        lines = self.logged(s, 2)
        self.assertEqual([(l["target"], l["status"]) for l in lines], [("/mtls", 200), ("/mtls12", 200)])
        for l in lines:
            self.assertEqual(list(l), ["time", "peer", "method", "target", "verdict", "status", "reason",
                                       "client_cert"])
            self.assertIn("CN=" + CLIENT_CN, l["client_cert"].replace("CN = ", "CN="), l)
        self.assertIsNone(s.proc.poll(), "the server ended: %r" % s.stderr_lines[-5:])

    def test_tls_files_that_cannot_serve_are_usage_errors(self):
        base = ["verify", "serve", "--auth", "basic", "--listen", "127.0.0.1:0"]
        cases = [
            (["--tls-cert", self.pem("server.pem")], "--tls-cert and --tls-key go together"),
            (["--client-ca", self.pem("ca.pem")], "--client-ca needs --tls-cert and --tls-key"),
            (["--tls-cert", self.pem("missing.pem"), "--tls-key", self.pem("server.key")], "--tls-cert "),
            (["--tls-cert", self.pem("server.pem"), "--tls-key", self.pem("client.key")],
             "does not match the certificate in --tls-cert"),
            (["--tls-cert", self.pem("server.pem"), "--tls-key", self.pem("server.key"), "--client-ca",
              self.pem("server.ext")], "--client-ca "),
        ]
        for extra, message in cases:
            with self.subTest(extra=extra[-1]):
                r = self.hookauth(*base, *extra, timeout=20)
                self.assert_one_error_line(r, 2)
                self.assertIn(message, r.err)
                self.assertNotIn("listening", r.err)

    def test_a_failed_signature_check_does_not_drop_other_tls_connections(self):
        # OpenSSL's error queue is per thread: an RS256 check that fails in an event loop leaves errors
        # there, and a TLS read on the same thread that merely has to wait for more bytes must not take
        # them for its own failure and drop its (other client's) connection.
        private = JsonWebKey.generate_key("RSA", 2048, is_private=True)
        jwk = dict(private.as_dict(is_private=False), kid="k1")
        jwks = os.path.join(self.tmp, "jwks.json")
        with open(jwks, "w") as f:
            json.dump({"keys": [jwk]}, f)
        self.ok("auth", "add", "rp", "--type", "oauth2", "--grant", "client-credentials", "--client-id", "rp",
                "--client-secret", "rp-secret-15", "--token-url", "http://127.0.0.1:9/token")
        now = int(time.time())
        token = jwt.encode({"alg": "RS256", "kid": "k1"}, {"iss": "i", "aud": "a", "iat": now, "exp": now + 600},
                           private).decode()
        forged = token[:-8] + ("AAAAAAAA" if not token.endswith("AAAAAAAA") else "BBBBBBBB")
        s = self.serve_tls("--jwks", jwks, "--audience", "a", "--issuer", "i", auth="rp")
        context = ssl.create_default_context(cafile=self.pem("ca.pem"))

        def connect():
            c = context.wrap_socket(socket.create_connection(("127.0.0.1", s.port), timeout=10),
                                    server_hostname="127.0.0.1")
            self.addCleanup(c.close)
            return c

        def status(c):
            got = b""
            while b"\r\n\r\n" not in got:
                chunk = c.recv(4096)
                if not chunk:
                    break
                got += chunk
            return got.split(b" ", 2)[1] if got else b"(closed)"

        valid = b"Host: h\r\nAuthorization: Bearer " + token.encode() + b"\r\n\r\n"
        # Kept-alive victims, their handshakes done (a handshake empties the queue itself).
        victims = [connect() for _ in range(6)]
        for v in victims:
            v.sendall(b"GET /before HTTP/1.1\r\n" + valid)
            self.assertEqual(status(v), b"200")
        for v in victims:
            attacker = connect()
            attacker.sendall(b"GET /forged HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer " + forged.encode() +
                             b"\r\n\r\n")
            self.assertEqual(status(attacker), b"401")
            v.sendall(b"GET /victim HTTP/1.1\r\n")  # read, then a read that must wait for the rest
            time.sleep(0.05)
            v.sendall(valid)
        self.assertEqual([status(v) for v in victims], [b"200"] * len(victims))

    def test_verbose_names_the_reason_a_tls_handshake_failed(self):
        # A partner whose certificate is refused sees only a failed handshake: -v says why on stderr.
        s = self.serve_tls("--client-ca", self.pem("ca.pem"), "-v")
        rc, code, _, err = curl("--cacert", self.pem("ca.pem"), "--cert", self.pem("stranger.pem"), "--key",
                                self.pem("stranger.key"), s.url + "/stranger")
        self.assertNotEqual(rc, 0, err)
        line = self.wait_for(lambda: next((l for l in s.stderr_lines if "TLS handshake" in l), None),
                             what="the handshake line on stderr")
        self.assertRegex(line, r"^\* TLS handshake with 127\.0\.0\.1:\d+ failed: certificate verify failed$")
        self.assertEqual(s.stdout_json(), [])  # no request, so no log line

    def test_mutual_tls_sessions_resume(self):
        # curl reuses the first connection's TLS session for the second: with client certificates
        # verified, OpenSSL refuses a resumption unless the server has a session id context.
        s = self.serve_tls("--client-ca", self.pem("ca.pem"))
        rc, code, _, err = curl("-u", USER + ":" + PASSWORD, "--cacert", self.pem("ca.pem"), "--cert",
                                self.pem("client.pem"), "--key", self.pem("client.key"), "-H", "Connection: close",
                                "-v", s.url + "/one", s.url + "/two")
        self.assertEqual(rc, 0, err)
        self.assertIn("SSL re-using session ID", err)
        self.assertEqual([(l["target"], l["status"]) for l in self.logged(s, 2)], [("/one", 200), ("/two", 200)])

    # ---- python-requests and botocore --------------------------------------------------------------

    def test_requests_digest_over_one_kept_alive_session(self):
        s = self.serve("dig")
        codes = []
        with requests.Session() as session:
            session.trust_env = False
            session.auth = HTTPDigestAuth(DIGEST_USER, DIGEST_PASSWORD)
            for i in range(5):
                r = session.get(s.url + "/get-%d" % i, timeout=10)
                codes.append((r.status_code, r.text))
            r = session.post(s.url + "/post", json={"event": "ping"}, timeout=10)
            codes.append((r.status_code, r.text))
            r = session.put(s.url + "/put", data=b"", timeout=10)
            codes.append((r.status_code, r.text))
        self.assertEqual(codes, [(200, "valid\n")] * 7)
        lines = self.logged(s, 8)
        # One challenge; then requests answers it and every later request with the next nonce count.
        self.assertEqual([(l["target"], l["status"]) for l in lines],
                         [("/get-0", 401)] + [("/get-%d" % i, 200) for i in range(5)] + [("/post", 200),
                                                                                        ("/put", 200)])
        self.assertEqual(len({l["peer"] for l in lines}), 1, "one kept-alive connection: %s" % lines)

    def test_botocore_signed_empty_header_value(self):
        s = self.serve("aws")
        creds = botocore.credentials.Credentials(AKID, SECRET)

        def signed(url, headers, body):
            req = botocore.awsrequest.AWSRequest(method="POST", url=url, data=body, headers=headers)
            botocore.auth.SigV4Auth(creds, "execute-api", "us-east-1").add_auth(req)
            return dict(req.headers.items())

        body = b'{"event":"ping"}'
        headers = signed(s.url + "/empty-value", {"X-Empty": "", "Content-Type": "application/json"}, body)
        self.assertIn("x-empty", headers["Authorization"].split("SignedHeaders=")[1].split(",")[0].split(";"),
                      headers["Authorization"])
        with requests.Session() as session:
            session.trust_env = False
            r = session.post(s.url + "/empty-value", data=body, headers=headers, timeout=10)
            self.assertEqual((r.status_code, r.text), (200, "valid\n"))
            # The empty value is signed: sent with a value, the same signature fails.
            changed = dict(headers, **{"X-Empty": "x"})
            r = session.post(s.url + "/empty-value", data=body, headers=changed, timeout=10)
            self.assertEqual(r.status_code, 401, r.text)
        self.assertEqual([(l["target"], l["status"]) for l in self.logged(s, 2)],
                         [("/empty-value", 200), ("/empty-value", 401)])

    # ---- hookauth's batch sender -------------------------------------------------------------------

    def test_batch_of_thousands_at_concurrency_1000(self):
        s = self.serve("basic")
        n = harness.repeat(3000, 2000)
        path = os.path.join(self.tmp, "lines.jsonl")
        with open(path, "w") as f:
            f.write("".join(json.dumps({"event": "load", "n": i}) + "\n" for i in range(n)))
        r = self.hookauth("webhook", "send", "--auth", "basic", s.url + "/batch", "--data-lines", path,
                          "--concurrency", "1000", "--json", timeout=harness.repeat(120, 300))
        self.assertEqual(r.rc, 0, r)
        summary = r.json()
        self.assertEqual((summary["sent"], summary["succeeded"], summary["failed"]), (n, n, 0), summary)
        self.assertEqual(summary["statuses"], {"200": n})
        valid = lambda: [l for l in s.stdout_json() if l["status"] == 200]  # noqa: E731
        self.wait_for(lambda: len(valid()) >= n, timeout=30, what="%d valid requests in the log" % n)
        self.assertEqual(len(s.stdout_json()), n)
        self.assertIsNone(s.proc.poll(), "the server ended: %r" % s.stderr_lines[-5:])


if __name__ == "__main__":
    harness.main()
