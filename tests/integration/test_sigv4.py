"""AWS Signature Version 4 (issue 4) end to end, against peers nobody here wrote.

- botocore (Debian's python3-botocore) as the oracle: 520 generated requests (seeded, deterministic)
  signed by `hookauth --at ... webhook send --dry-run --reveal` give the Authorization value
  byte for byte that botocore's SigV4Auth / S3SigV4Auth computes for the same request at the same
  time; the same dry-run output is accepted by `hookauth verify`; presigned URLs from `auth presign`
  and `webhook send --presign` equal botocore's S3SigV4QueryAuth / SigV4QueryAuth URLs.
- `curl --aws-sigv4` against `hookauth verify serve`; hookauth's own signed requests replayed with
  http.client, unchanged (accepted) and with one byte changed (rejected, with the reason logged).
- Skew and expiry boundaries with the global --at on the verifier's side.
- -v on both sides, and secrets kept out of every output without --reveal.

botocore is told exactly what hookauth signs: the URL hookauth puts on the wire (spaces, non-ASCII and
`"<>\\^`{|}` percent-encoded), the query as decoded parameters, and the headers host, x-amz-*,
content-type and the profile's --sign-header names. Nothing expected here is taken from hookauth.
"""

import concurrent.futures
import datetime
import hashlib
import http.client
import json
import os
import random
import re
import subprocess
import sys
import types
import urllib.parse
from unittest import mock

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

# Debian's botocore (python3-botocore, scripts/install-deps): ctest runs this file with /usr/bin/python3.
import botocore.auth  # noqa: E402
import botocore.awsrequest  # noqa: E402
import botocore.credentials  # noqa: E402

AKID = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TOKEN = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD+sessionTOKEN="
OTHER_TOKEN = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD+sessionTOKEX="
FIXED = "20150830T123600Z"
FIXED_DT = datetime.datetime(2015, 8, 30, 12, 36, 0)
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
URL_UNSAFE = set(b'"<>\\^`{|}')
SEED = 20150830
CASES = 520
# Under ASan+UBSan (harness.SANITIZED) every eighth generated case runs, and a quarter of the presigns.
SAMPLE_EVERY = harness.repeat(1, 8)
PRESIGN_CASES = harness.repeat(40, 10)  # per family (S3 and another service)
WORKERS = 4


def amz(dt):
    return dt.strftime("%Y%m%dT%H%M%SZ")


def rfc3339(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def encode_url(text):
    """What hookauth does to the URL before signing: bytes <= 0x20, >= 0x7f and "<>\\^`{|} as %XX."""
    out = []
    for b in text.encode("utf-8"):
        if b <= 0x20 or b >= 0x7F or b in URL_UNSAFE:
            out.append("%%%02X" % b)
        else:
            out.append(chr(b))
    return "".join(out)


def query_params(encoded_query):
    """The query's parameters decoded ('+' is not a space in AWS's canonical query)."""
    params = []
    for part in encoded_query.split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        params.append((urllib.parse.unquote(key), urllib.parse.unquote(value)))
    return params


# ---- botocore, with the clock fixed and the canonical request kept -----------------------------------

class _Fixed(datetime.datetime):
    now_value = FIXED_DT

    @classmethod
    def utcnow(cls):
        v = cls.now_value
        return cls(v.year, v.month, v.day, v.hour, v.minute, v.second)


def _capturing(base):
    class Capturing(base):
        canonical = None
        sts = None

        def string_to_sign(self, request, canonical_request):
            self.canonical = canonical_request
            self.sts = super().string_to_sign(request, canonical_request)
            return self.sts

    Capturing.__name__ = "Capturing" + base.__name__
    return Capturing


V4 = _capturing(botocore.auth.SigV4Auth)
S3V4 = _capturing(botocore.auth.S3SigV4Auth)
V4Query = _capturing(botocore.auth.SigV4QueryAuth)
S3V4Query = _capturing(botocore.auth.S3SigV4QueryAuth)


def at_time(dt):
    _Fixed.now_value = dt
    return mock.patch.object(botocore.auth, "datetime", types.SimpleNamespace(datetime=_Fixed))


def credentials(token):
    return botocore.credentials.Credentials(AKID, SECRET, token)


class Profile:
    def __init__(self, name, service, region="us-east-1", token=None, unsigned=False, content_sha256=False,
                 sign_headers=()):
        self.name, self.service, self.region, self.token = name, service, region, token
        self.unsigned, self.content_sha256, self.sign_headers = unsigned, content_sha256, list(sign_headers)

    @property
    def s3(self):
        return self.service == "s3"

    def add_args(self):
        args = ["auth", "add", self.name, "--type", "aws-sigv4", "--access-key", AKID, "--secret-key", SECRET,
                "--region", self.region, "--service", self.service]
        if self.token:
            args += ["--session-token", self.token]
        if self.unsigned:
            args += ["--payload", "unsigned"]
        if self.content_sha256:
            args += ["--content-sha256"]
        for h in self.sign_headers:
            args += ["--sign-header", h]
        return args


def botocore_authorization(profile, method, url, params, headers, body, when=FIXED_DT):
    """botocore's Authorization value and canonical request for this request (url without query)."""
    req = botocore.awsrequest.AWSRequest(method=method, url=url, data=body or b"", params=params)
    for k, v in headers:
        req.headers[k] = v
    if profile.s3:
        assert profile.content_sha256, "S3SigV4Auth always sends X-Amz-Content-SHA256"
        if profile.unsigned:
            req.context["client_config"] = types.SimpleNamespace(s3={"payload_signing_enabled": False})
        signer = S3V4(credentials(profile.token), profile.service, profile.region)
    else:
        if profile.content_sha256:
            req.headers["X-Amz-Content-SHA256"] = (botocore.auth.UNSIGNED_PAYLOAD if profile.unsigned
                                                   else hashlib.sha256(body or b"").hexdigest())
        signer = V4(credentials(profile.token), profile.service, profile.region)
    with at_time(when):
        signer.add_auth(req)
    return req.headers["Authorization"], signer.canonical, signer.sts, req


def botocore_presign(profile, method, url, expires, when=FIXED_DT):
    req = botocore.awsrequest.AWSRequest(method=method, url=url)
    cls = S3V4Query if profile.s3 else V4Query
    signer = cls(credentials(profile.token), profile.service, profile.region, expires=expires)
    with at_time(when):
        signer.add_auth(req)
    return req.url, signer.canonical


# ---- hookauth's output -------------------------------------------------------------------------------

def parse_http(raw):
    """(method, target, [(name, value)], body) of a raw HTTP/1.1 request as bytes."""
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("utf-8").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers = []
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers.append((k, v.strip()))
    return method, target, headers, body


def header(headers, name):
    values = [v for k, v in headers if k.lower() == name.lower()]
    return values[0] if values else None


def build_http(method, target, headers, body):
    out = "%s %s HTTP/1.1\r\n" % (method, target)
    for k, v in headers:
        out += "%s: %s\r\n" % (k, v)
    return out.encode("utf-8") + b"\r\n" + body


def verbose_steps(stderr):
    """The canonical request, string to sign and signature printed by -v."""
    lines = stderr.splitlines()
    try:
        c = lines.index("* sigv4: canonical request:")
        s = lines.index("* sigv4: string to sign:")
    except ValueError:
        raise AssertionError("no sigv4 stages in stderr:\n" + stderr) from None
    strip = lambda ls: "\n".join(l[len("* sigv4:   "):] if l.startswith("* sigv4:   ") else l for l in ls)
    sig = [l for l in lines[s:] if l.startswith("* sigv4: signature = ")][0]
    return strip(lines[c + 1:s]), strip(lines[s + 1:s + 5]), sig.split(" = ", 1)[1]


def run_many(argvs, env, inputs=None):
    """Runs hookauth once per argv on a pool of WORKERS threads: [(rc, stdout bytes, stderr text)]."""
    def one(i):
        p = subprocess.run([harness.binary()] + argvs[i], input=(inputs[i] if inputs else b""),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=env["HOME"], timeout=60)
        return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")
    with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
        return list(pool.map(one, range(len(argvs))))


# ---- the generated requests --------------------------------------------------------------------------

ORACLE_PROFILES = [
    Profile("s3-plain", "s3", content_sha256=True),
    Profile("s3-token", "s3", "eu-central-1", token=TOKEN, content_sha256=True),
    Profile("s3-unsigned", "s3", unsigned=True, content_sha256=True),
    Profile("s3-unsigned-token-hdrs", "s3", "ap-southeast-2", token=TOKEN, unsigned=True, content_sha256=True,
            sign_headers=["x-custom-one", "accept"]),
    Profile("api-plain", "execute-api"),
    Profile("api-token", "execute-api", "eu-central-1", token=TOKEN),
    Profile("api-sha", "execute-api", content_sha256=True),
    Profile("api-unsigned-sha", "execute-api", unsigned=True, content_sha256=True),
    Profile("api-hdrs", "execute-api", sign_headers=["X-Custom-One", "accept"]),
    Profile("api-token-hdrs-sha", "execute-api", token=TOKEN, content_sha256=True, sign_headers=["x-custom-one"]),
    Profile("lambda-plain", "lambda", "eu-west-1"),
]

HOSTS = [("https", "example.amazonaws.com"), ("https", "bucket-1.s3.us-east-1.amazonaws.com"),
         ("https", "abc123.execute-api.eu-central-1.amazonaws.com:8443"), ("http", "127.0.0.1:9000"),
         ("https", "example.com:443"), ("http", "localhost:8080")]
METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH"]
SEGMENTS = ["hooks", "a b", "\u00e9", "\u65e5\u672c\u8a9e", "!$&'()*+,;=:@", ".", "..", "", "%2F", "%20x", "%25",
            "~user", "a-b_c.d", "%C3%A9", "q\"<>^`{|}", "100%", "x%2fy", "CamelCase", "a+b", "tab\there", "back\\slash",
            "  two  spaces ", "semi;colon", "obj.tar.gz"]
KEYS = ["a", "b", "A", "Key", "list-type", "x-id", "%61", "sp ace", "\u00fc", "k%2Bey", "a+b", "semi;colon", "$dollar",
        "q?x", "%E2%82%AC", "%e2%82%ac", "empty", "/slash", "~t", "Z"]
VALUES = ["", "1", "two words", "a/b", "%2F", "%2f", "%252F", "=", "a=b", "\u00e9", "!*'()", "x~y", "a:b@c", "+", "%20",
          "%7E", "\u65e5\u672c", ",", "?", "  lead", "\"q\""]
AMZ_NAMES = ["X-Amz-Meta-Color", "x-amz-meta-note", "X-AMZ-META-Multi", "x-amz-acl", "X-Amz-Target"]
HEADER_VALUES = ["plain", "  leading", "trailing   ", "inner    spaces   here", "tab\tinner", "\t tabs and  spaces \t",
                 "a,b", "", "q=\"quoted   value\"", "x  y\t\tz", "UPPER lower"]
BODIES = [None, "", '{"event": "ping", "id": 7}', '{"text": "h\u00e9llo  w\u00f6rld", "n": [1, 2, 3]}',
          "a=1&b=two+words", "plain text body\n  with  spaces  \n", "\u00e9t\u00e9 \u65e5\u672c", "[]"]


def generate_case(rng, profile):
    method = rng.choice(METHODS)
    scheme, host = rng.choice(HOSTS)
    path = "/" + "/".join(rng.choice(SEGMENTS) for _ in range(rng.randint(0, 5)))
    if rng.random() < 0.2:
        path += "/"
    query = None
    if rng.random() < 0.75:
        parts, keys = [], []
        for _ in range(rng.randint(1, 6)):
            key = rng.choice(keys) if keys and rng.random() < 0.3 else rng.choice(KEYS)
            keys.append(key)
            if rng.random() < 0.15:
                parts.append(key)
            else:
                parts.append(key + "=" + rng.choice(VALUES))
            if rng.random() < 0.05:
                parts.append("")
        query = "&".join(parts)
    headers = []  # (name, value) given with -H, in order
    used = set()
    for _ in range(rng.randint(0, 3)):
        name = rng.choice(AMZ_NAMES)
        if name.lower() not in used:
            used.add(name.lower())
            headers.append((name, rng.choice(HEADER_VALUES)))
    if "x-custom-one" in [h.lower() for h in profile.sign_headers] and rng.random() < 0.7:
        headers.append(("X-Custom-One", rng.choice(HEADER_VALUES)))
    if "accept" in profile.sign_headers and rng.random() < 0.3:
        headers.append(("Accept", "application/json,   text/plain"))
    if rng.random() < 0.3:
        headers.append(("X-Unsigned-Thing", "not signed"))
    if rng.random() < 0.15:
        headers.append(("Content-Type", " text/plain;   charset=utf-8 "))
    body = rng.choice(BODIES)
    return {"profile": profile, "method": method, "scheme": scheme, "host": host, "path": path, "query": query,
            "headers": headers, "body": body}


def case_argv(case, extra=()):
    url = "%s://%s%s" % (case["scheme"], case["host"], case["path"])
    if case["query"] is not None:
        url += "?" + case["query"]
    argv = ["--at", FIXED, "webhook", "send", "--auth", case["profile"].name, "--dry-run", "--reveal",
            "-X", case["method"], url] + list(extra)
    for k, v in case["headers"]:
        argv += ["-H", "%s: %s" % (k, v)]
    if case["body"] is not None:
        argv += ["-d", case["body"]]
    return argv


def case_botocore(case):
    """botocore's Authorization and canonical request for the case, fed what hookauth signs."""
    p = case["profile"]
    body = case["body"].encode("utf-8") if case["body"] is not None else b""
    signed = {"x-custom-one", "accept", "content-type"} & {h.lower() for h in p.sign_headers} | {"content-type"}
    headers = [(k, v) for k, v in case["headers"] if k.lower().startswith("x-amz-") or k.lower() in signed]
    names = {k.lower() for k, _ in headers}
    if case["body"] is not None and "content-type" not in names:
        try:
            json.loads(case["body"])
            ctype = "application/json"
        except ValueError:
            ctype = "application/x-www-form-urlencoded"
        headers.append(("Content-Type", ctype))
    if "accept" in [h.lower() for h in p.sign_headers] and "accept" not in names:
        headers.append(("Accept", "*/*"))  # hookauth's own Accept, signed when the profile names it
    url = "%s://%s%s" % (case["scheme"], case["host"], encode_url(case["path"]))
    params = query_params(encode_url(case["query"])) if case["query"] is not None else []
    return botocore_authorization(p, case["method"], url, params, headers, body)


def expected_target(case):
    t = encode_url(case["path"])
    if case["query"]:
        t += "?" + encode_url(case["query"])
    return t


class SigV4Test(harness.HookauthTest):

    def add_profiles(self, profiles):
        for p in profiles:
            self.ok(*p.add_args())

    def dry_run(self, *args, at=FIXED):
        r = self.ok("--at", at, "webhook", "send", "--dry-run", "--reveal", *args)
        return r.out_b

    def verify_file(self, raw, auth, at, *extra):
        path = os.path.join(self.tmp, "request-%d.http" % random.randrange(1 << 30))
        with open(path, "wb") as f:
            f.write(raw)
        return self.hookauth("--at", at, "verify", "--auth", auth, "--request", path, *extra)

    def assert_valid(self, r):
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(r.out.strip(), "valid", r)

    def assert_invalid(self, r, reason):
        self.assertEqual(r.rc, 1, r)
        self.assertTrue(r.out.startswith("invalid: "), r)
        self.assertIn(reason, r.out, r)


# ---- 1. botocore as the oracle ------------------------------------------------------------------------

class BotocoreOracle(SigV4Test):

    def test_authorization_matches_botocore_for_generated_requests(self):
        self.add_profiles(ORACLE_PROFILES)
        rng = random.Random(SEED)
        cases = [generate_case(rng, ORACLE_PROFILES[i % len(ORACLE_PROFILES)]) for i in range(CASES)]
        # Every feature is covered by the seeded set (a change of generator must keep it so).
        self.assertGreaterEqual(len(cases), 500)
        self.assertEqual({c["method"] for c in cases}, set(METHODS))
        self.assertTrue(any(c["query"] and "=&" not in c["query"] and re.search(r"(^|&)[^=&]+(&|$)", c["query"])
                            for c in cases))
        self.assertTrue(any(c["body"] for c in cases) and any(c["body"] is None for c in cases))
        cases = cases[::SAMPLE_EVERY]
        results = run_many([case_argv(c) for c in cases], self.env)
        mismatches, failures, roundtrip_inputs = [], [], []
        for case, (rc, out, err) in zip(cases, results):
            if rc != 0:
                failures.append((case_argv(case), rc, err))
                continue
            method, target, headers, body = parse_http(out)
            self.assertEqual(method, case["method"])
            self.assertEqual(target, expected_target(case), case_argv(case))
            expected, canonical, _, _ = case_botocore(case)
            got = header(headers, "Authorization")
            if got != expected:
                mismatches.append((case, got, expected, canonical))
            roundtrip_inputs.append((case, out))
        self.assertEqual(failures, [], "hookauth failed on generated requests")
        if mismatches:
            report = []
            for case, got, expected, canonical in mismatches[:3]:
                v = self.hookauth(*case_argv(case, ["-v"]))
                ours = verbose_steps(v.err)[0]
                report.append("argv: %r\nhookauth: %s\nbotocore: %s\nhookauth canonical request:\n%s\n"
                              "botocore canonical request:\n%s\n" % (case_argv(case), got, expected, ours, canonical))
            self.fail("%d of %d Authorization values differ from botocore's; the first ones:\n%s"
                      % (len(mismatches), len(cases), "\n".join(report)))

        # The same signed requests, as captured bytes, are accepted by hookauth's verifier.
        argvs = [["--at", FIXED, "verify", "--auth", c["profile"].name, "--request", "-"] for c, _ in roundtrip_inputs]
        verdicts = run_many(argvs, self.env, [out for _, out in roundtrip_inputs])
        rejected = [(case_argv(c), rc, out.decode()) for (c, _), (rc, out, _) in zip(roundtrip_inputs, verdicts)
                    if rc != 0 or out.decode().strip() != "valid"]
        self.assertEqual(rejected[:5], [], "%d of hookauth's own signed requests rejected by verify" % len(rejected))

    def test_verify_accepts_requests_signed_by_botocore(self):
        """botocore signs, hookauth verifies: the verifier's canonicalisation against an independent signer."""
        self.add_profiles(ORACLE_PROFILES)
        rng = random.Random(SEED + 1)
        raws, names = [], []
        for i in range(harness.repeat(60, 16)):
            p = ORACLE_PROFILES[i % len(ORACLE_PROFILES)]
            c = generate_case(rng, p)
            c["scheme"], c["host"] = "http", "127.0.0.1:9000"
            _, _, _, req = case_botocore(c)
            # What botocore signed, as a receiver sees it: its headers (X-Amz-* and Authorization included).
            body = c["body"].encode("utf-8") if c["body"] is not None else b""
            hdrs = [("Host", "127.0.0.1:9000")] + list(req.headers.items()) + [("Content-Length", str(len(body)))]
            raws.append(build_http(c["method"], expected_target(c), hdrs, body))
            names.append(p.name)
        argvs = [["--at", FIXED, "verify", "--auth", n, "--request", "-"] for n in names]
        results = run_many(argvs, self.env, raws)
        bad = [(raw.decode("utf-8", "replace"), out.decode()) for raw, (rc, out, _) in zip(raws, results)
               if rc != 0]
        self.assertEqual(bad[:3], [], "%d botocore-signed requests rejected" % len(bad))

    def presign_cases(self, profiles, seed):
        rng = random.Random(seed)
        segs = ["hooks", "a%20b", "%C3%A9", "!$'()*,;=:@", "obj.txt", "dir", "..", ".", "", "x%2Fy", "~u", "a-b_c"]
        keys = ["a", "list-type", "prefix", "max-keys", "x-id", "response-content-type", "%E2%82%AC", "Zed"]
        values = ["", "1", "a%2Fb", "text%2Fplain", "%C3%A9", "x~y", "two%20words", "GetObject", "%3D%26"]
        cases = []
        for i in range(PRESIGN_CASES):
            p = profiles[i % len(profiles)]
            scheme, host = rng.choice([("https", "examplebucket.s3.amazonaws.com"), ("https", "example.com:8443"),
                                       ("http", "127.0.0.1:9000")])
            path = "/" + "/".join(rng.choice(segs) for _ in range(rng.randint(0, 4)))
            url = "%s://%s%s" % (scheme, host, path)
            r = rng.random()
            if r < 0.6:
                ks = rng.sample(keys, rng.randint(1, 4))
                url += "?" + "&".join(k + "=" + rng.choice(values) for k in ks)
            elif r < 0.7:
                url += "?"
            expires = rng.choice([1, 2, 59, 300, 3600, 86399, 604799, 604800, rng.randint(1, 604800)])
            cases.append((p, url, expires))
        return cases

    def check_presign(self, profiles, seed):
        self.add_profiles(profiles)
        cases = self.presign_cases(profiles, seed)
        argvs = []
        for p, url, expires in cases:
            argvs.append(["--at", FIXED, "auth", "presign", p.name, url, "--expires", str(expires)])
            argvs.append(["--at", FIXED, "webhook", "send", "--auth", p.name, "--presign", "--expires", str(expires),
                          "--dry-run", "--reveal", "-X", "GET", url])
        results = run_many(argvs, self.env)
        mismatches = []
        for i, (p, url, expires) in enumerate(cases):
            expected, canonical = botocore_presign(p, "GET", url, expires)
            rc1, out1, err1 = results[2 * i]
            rc2, out2, err2 = results[2 * i + 1]
            self.assertEqual(rc1, 0, err1)
            self.assertEqual(rc2, 0, err2)
            presigned = out1.decode().strip()
            _, target, _, _ = parse_http(out2)
            parts = urllib.parse.urlsplit(expected)
            expected_target = parts.path + "?" + parts.query
            if presigned != expected or target != expected_target:
                mismatches.append((p.name, url, expires, presigned, target, expected, canonical))
        if mismatches:
            name, url, expires, presigned, target, expected, canonical = mismatches[0]
            v = self.hookauth("--at", FIXED, "auth", "presign", name, url, "--expires", str(expires), "-v")
            self.fail("%d of %d presigned URLs differ from botocore's. First: auth presign %s %r --expires %d\n"
                      "hookauth:         %s\nwebhook --presign: %s\nbotocore:         %s\n"
                      "hookauth canonical request:\n%s\nbotocore canonical request:\n%s"
                      % (len(mismatches), len(cases), name, url, expires, presigned, target, expected,
                         verbose_steps(v.err)[0], canonical))

    def test_presigned_urls_match_botocore_s3(self):
        self.check_presign([Profile("s3p", "s3"), Profile("s3p-token", "s3", "eu-central-1", token=TOKEN)], SEED + 2)

    def test_presigned_urls_match_botocore_other_service(self):
        # botocore's SigV4QueryAuth (every service but S3) signs the hash of the (empty) payload.
        self.check_presign([Profile("apip", "execute-api"), Profile("apip-token", "execute-api", token=TOKEN)],
                           SEED + 3)

    def test_auth_presign_encodes_the_url_as_send_does(self):
        """`webhook send --presign` percent-encodes spaces and non-ASCII before signing; `auth presign` must
        too, or the URL it prints is not a URL and its signature covers a path no client sends."""
        p = Profile("s3enc", "s3")
        self.add_profiles([p])
        url = "https://examplebucket.s3.amazonaws.com/my photo \u00e9t\u00e9.jpg?x-id=GetObject"
        expected, _ = botocore_presign(p, "GET", encode_url(url), 3600)
        sent = self.dry_run("--auth", "s3enc", "--presign", url)
        _, target, _, _ = parse_http(sent)
        self.assertEqual("https://examplebucket.s3.amazonaws.com" + target, expected)
        presigned = self.ok("--at", FIXED, "auth", "presign", "s3enc", url).out.strip()
        self.assertEqual(presigned, expected)

    def test_mixed_case_host_roundtrip(self):
        """The URL's host in capitals: what is sent as Host must be what was signed, so a verifier (hookauth's
        own) that reads the Host header accepts the request."""
        p = Profile("hostcase", "execute-api")
        self.add_profiles([p])
        raw = self.dry_run("--auth", "hostcase", "https://Example.AmazonAWS.com/hooks")
        _, _, headers, _ = parse_http(raw)
        expected, _, _, _ = botocore_authorization(p, "GET", "https://Example.AmazonAWS.com/hooks", [], [], b"")
        self.assertEqual(header(headers, "Authorization"), expected)
        self.assert_valid(self.verify_file(raw, "hostcase", FIXED))

    def test_unsigned_payload_without_content_sha256(self):
        """--payload unsigned alone: botocore sends X-Amz-Content-SHA256: UNSIGNED-PAYLOAD whenever it does not
        sign the payload, and a receiver cannot know otherwise; hookauth's own verifier must accept it."""
        p = Profile("unsigned-bare", "execute-api", unsigned=True)
        self.add_profiles([p])
        raw = self.dry_run("--auth", p.name, "-X", "POST", "-d", "hello", "https://example.com/hooks")
        _, _, headers, _ = parse_http(raw)
        req = botocore.awsrequest.AWSRequest(method="POST", url="https://example.com/hooks", data=b"hello",
                                             headers={"Content-Type": "application/x-www-form-urlencoded"})
        req.context["payload_signing_enabled"] = False
        signer = V4(credentials(None), "execute-api", "us-east-1")
        with at_time(FIXED_DT):
            signer.add_auth(req)
        problems = []
        if header(headers, "Authorization") != req.headers["Authorization"]:
            problems.append("Authorization %s, botocore (payload signing disabled) %s"
                            % (header(headers, "Authorization"), req.headers["Authorization"]))
        r = self.verify_file(raw, p.name, FIXED)
        if r.rc != 0:
            problems.append("hookauth verify of hookauth's own request: " + r.out.strip())
        self.assertEqual(problems, [])


# ---- 2. curl --aws-sigv4 and one changed byte ------------------------------------------------------------

class AgainstServe(SigV4Test):

    def setUp(self):
        super().setUp()
        self.fixture(lambda: self.add_profiles([Profile("srv", "execute-api"),
                                                Profile("srvsha", "s3", content_sha256=True),
                                                Profile("srvtok", "execute-api", token=TOKEN),
                                                Profile("tokwrong", "execute-api", token=OTHER_TOKEN),
                                                Profile("notok", "execute-api")]))

    def curl(self, url, *args, user=AKID + ":" + SECRET, service="execute-api"):
        p = subprocess.run(["curl", "-sS", "-o", "-", "-w", "\n%{http_code}", "--noproxy", "*",
                            "--aws-sigv4", "aws:amz:us-east-1:" + service, "--user", user, url] + list(args),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30, env=self.env)
        self.assertEqual(p.returncode, 0, p.stderr)
        body, _, code = p.stdout.decode().rpartition("\n")
        return int(code), body

    def test_curl_aws_sigv4_is_accepted(self):
        s = self.serve("srv")
        self.assertEqual(self.curl(s.url + "/hooks/a"), (200, "valid\n"))
        self.assertEqual(self.curl(s.url + "/hooks/a", "-d", '{"event":"ping"}', "-H",
                                   "Content-Type: application/json"), (200, "valid\n"))
        # curl 7.88 signs the query as it is, unsorted, so the query given here is already sorted.
        self.assertEqual(self.curl(s.url + "/hooks/a?a=1&b=two%20words&c=x"), (200, "valid\n"))
        self.assertEqual(self.curl(s.url + "/hooks/a", "-X", "PUT", "-d", "x=1", "-H", "X-Amz-Meta-Note: hi"),
                         (200, "valid\n"))
        code, body = self.curl(s.url + "/hooks/a", user=AKID + ":" + SECRET[:-1] + "X")
        self.assertEqual(code, 401)
        self.assertIn("signature does not match", body)
        code, body = self.curl(s.url + "/hooks/a", user="AKIDOTHER:" + SECRET)
        self.assertEqual(code, 401)
        self.assertIn("access key id AKIDOTHER is not the profile's", body)
        log = self.wait_for(lambda: len(s.stdout_json()) >= 6 and s.stdout_json(), what="6 log lines")
        self.assertEqual([l["verdict"] for l in log], ["valid"] * 4 + ["invalid"] * 2)

    def replay(self, server, raw):
        method, target, headers, body = parse_http(raw)
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        try:
            conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
            for k, v in headers:
                conn.putheader(k, v)
            conn.endheaders(body)
            resp = conn.getresponse()
            return resp.status, resp.read().decode()
        finally:
            conn.close()

    def signed(self, server, auth, *args):
        return self.dry_run("--auth", auth, *args)

    def check_one_byte_changes(self, server, raw, changes, reason):
        n = len(server.stdout_json())
        self.assertEqual(self.replay(server, raw), (200, "valid\n"), "the unchanged replay")
        for what, old, new in changes:
            self.assertEqual(len(old), len(new))
            self.assertEqual(sum(a != b for a, b in zip(old, new)), 1, what)
            self.assertEqual(raw.count(old), 1, (what, old))
            changed = raw.replace(old, new)
            status, body = self.replay(server, changed)
            self.assertEqual(status, 401, (what, body))
            self.assertIn(reason, body, what)
        self.assertEqual(self.replay(server, raw), (200, "valid\n"), "the unchanged replay, again")
        log = self.wait_for(lambda: len(server.stdout_json()) >= n + len(changes) + 2 and server.stdout_json(),
                            what="log lines")[n:]
        self.assertEqual([l["status"] for l in log], [200] + [401] * len(changes) + [200])
        for line in log[1:-1]:
            self.assertIn(reason, line["reason"])

    def test_one_changed_byte_is_rejected(self):
        s = self.serve("srv", global_args=("--at", FIXED))
        raw = self.signed(s, "srv", "-X", "POST", "-H", "X-Amz-Meta-Note: hello", "-d", '{"n":1}',
                          s.url + "/hooks/a?x=1&y=2")
        self.check_one_byte_changes(s, raw, [
            ("path", b"/hooks/a?", b"/hooks/b?"),
            ("query", b"?x=1&", b"?x=2&"),
            ("signed header x-amz-meta-note", b"X-Amz-Meta-Note: hello", b"X-Amz-Meta-Note: hellp"),
            ("signed header content-type", b"application/json", b"application/jsom"),
            ("body", b'\r\n\r\n{"n":1}', b'\r\n\r\n{"n":2}'),
        ], "signature does not match")
        # Not signed: changing it changes nothing.
        self.assertEqual(self.replay(s, raw.replace(b"Accept: */*", b"Accept: */+")), (200, "valid\n"))
        # The method. verify serve answers 405 to a method it does not serve (POST -> PUST), so the
        # one-byte change goes through `verify --request`, and another served method through serve.
        r = self.verify_file(raw.replace(b"POST /hooks", b"PUST /hooks"), "srv", FIXED)
        self.assert_invalid(r, "signature does not match")
        self.assertEqual(self.replay(s, raw.replace(b"POST /hooks", b"PUST /hooks"))[0], 405)
        status, body = self.replay(s, raw.replace(b"POST /hooks", b"PUT /hooks"))
        self.assertEqual(status, 401)
        self.assertIn("signature does not match", body)
        self.assertIn("signature does not match", self.wait_for(
            lambda: s.stdout_json()[-1]["method"] == "PUT" and s.stdout_json()[-1]["reason"], what="PUT logged"))

    def test_receiver_options_before_serve_count_as_after_it(self):
        # A request signed 600 s before the server's clock: outside the default 300 s window,
        # inside --max-skew 900 wherever on the line it is given.
        raw = self.signed(None, "srv", "-d", '{"a":1}', "http://127.0.0.1:9/hooks")
        later = amz(FIXED_DT + datetime.timedelta(seconds=600))
        for before, after, status in (((), (), 401),
                                      (("--max-skew", "900"), (), 200),
                                      ((), ("--max-skew", "900"), 200)):
            with self.subTest(before=before, after=after):
                argv = [harness.binary(), "--at", later, "verify", "--auth", "srv", *before, "serve",
                        "--listen", "127.0.0.1:0", "--count", "1", *after]
                server = harness.Server(argv, self.env)
                self.addCleanup(server.stop)
                got, body = self.replay(server, raw)
                self.assertEqual(got, status, body)
                if status == 401:
                    self.assertIn("X-Amz-Date is 600 s old (max skew 300 s)", body)

    def test_content_sha256_mismatch_is_rejected(self):
        s = self.serve("srvsha", global_args=("--at", FIXED))
        raw = self.signed(s, "srvsha", "-X", "PUT", "-d", "object bytes", s.url + "/bucket/key.txt")
        declared = hashlib.sha256(b"object bytes").hexdigest().encode()
        self.assertIn(b"x-amz-content-sha256: " + declared, raw)
        self.check_one_byte_changes(s, raw, [("body", b"object bytes", b"object bytez")],
                                    "body does not match x-amz-content-sha256")
        flipped = declared[:-1] + (b"0" if declared[-1:] != b"0" else b"1")
        status, body = self.replay(s, raw.replace(declared, flipped))
        self.assertEqual(status, 401)
        self.assertIn("body does not match x-amz-content-sha256", body)

    def test_session_token_wrong_or_missing_is_rejected(self):
        s = self.serve("srvtok", global_args=("--at", FIXED))
        good = self.signed(s, "srvtok", s.url + "/hooks/t")
        self.assertEqual(self.replay(s, good), (200, "valid\n"))
        for auth in ("tokwrong", "notok"):
            status, body = self.replay(s, self.signed(s, auth, s.url + "/hooks/t"))
            self.assertEqual(status, 401, auth)
            self.assertIn("wrong or missing X-Amz-Security-Token", body, auth)
        no_header = re.sub(rb"X-Amz-Security-Token: [^\r]*\r\n", b"", good)
        self.assertNotEqual(no_header, good)
        status, body = self.replay(s, no_header)
        self.assertEqual(status, 401)
        self.assertIn("signed header x-amz-security-token is not in the request", body)
        wrong = good.replace(b"sessionTOKEN=", b"sessionTOKEX=")
        self.assertNotEqual(wrong, good)
        status, body = self.replay(s, wrong)
        self.assertEqual(status, 401)
        self.assertIn("wrong or missing X-Amz-Security-Token", body)
        log = "\n".join(s.stdout_lines + s.stderr_lines)
        self.assertNotIn(TOKEN, log)
        self.assertNotIn(OTHER_TOKEN, log)


# ---- 3. skew and expiry boundaries ------------------------------------------------------------------------

class Boundaries(SigV4Test):

    def setUp(self):
        super().setUp()
        self.fixture(lambda: self.add_profiles([Profile("sk", "execute-api"),
                                                Profile("sk3", "s3", content_sha256=True)]))

    def test_header_skew_edges(self):
        raw = self.dry_run("--auth", "sk", "-d", '{"a":1}', "https://example.com/hooks?x=1")
        for extra, window in (((), 300), (("--max-skew", "900"), 900), (("--max-skew", "0"), 0)):
            for sign in (+1, -1):
                edge = FIXED_DT + datetime.timedelta(seconds=sign * window)
                past = FIXED_DT + datetime.timedelta(seconds=sign * (window + 1))
                self.assert_valid(self.verify_file(raw, "sk", amz(edge), *extra))
                # RFC 3339 as --at is the same instant.
                self.assert_valid(self.verify_file(raw, "sk", rfc3339(edge), *extra))
                r = self.verify_file(raw, "sk", amz(past), *extra)
                self.assert_invalid(r, "X-Amz-Date is %d s %s (max skew %d s)"
                                    % (window + 1, "old" if sign > 0 else "in the future", window))

    def test_max_skew_above_900_is_a_usage_error(self):
        raw = self.dry_run("--auth", "sk", "https://example.com/hooks")
        for value in ("901", "-1"):
            r = self.verify_file(raw, "sk", FIXED, "--max-skew", value)
            self.assertEqual(r.rc, 2, r)
            self.assertIn("max-skew", r.err, r)
            r = self.hookauth("verify", "serve", "--auth", "sk", "--listen", "127.0.0.1:0", "--max-skew", value)
            self.assertEqual(r.rc, 2, r)

    def test_presigned_expiry_edges(self):
        for expires in (1, 3600, 604800):
            raw = self.dry_run("--auth", "sk", "--presign", "--expires", str(expires), "https://example.com/p?a=b")
            edge = FIXED_DT + datetime.timedelta(seconds=expires)
            self.assert_valid(self.verify_file(raw, "sk", amz(edge)))
            self.assert_valid(self.verify_file(raw, "sk", FIXED))
            self.assert_invalid(self.verify_file(raw, "sk", amz(edge + datetime.timedelta(seconds=1))),
                                "presigned URL expired 1 s ago (X-Amz-Expires %d)" % expires)
        # Signed in the future: the skew window applies.
        raw = self.dry_run("--auth", "sk", "--presign", "https://example.com/p")
        self.assert_valid(self.verify_file(raw, "sk", amz(FIXED_DT - datetime.timedelta(seconds=300))))
        self.assert_invalid(self.verify_file(raw, "sk", amz(FIXED_DT - datetime.timedelta(seconds=301))),
                            "X-Amz-Date is 301 s in the future")

    def test_expires_out_of_range_signed_by_botocore(self):
        """botocore signs any X-Amz-Expires: 604800 is accepted up to its edge, 0 and 604801 are refused."""
        p = Profile("sk3", "s3", content_sha256=True)
        for expires, ok in ((604800, True), (0, False), (604801, False), (1, True)):
            url, _ = botocore_presign(p, "GET", "https://examplebucket.s3.amazonaws.com/k%20ey.txt?x-id=GetObject",
                                      expires)
            parts = urllib.parse.urlsplit(url)
            raw = build_http("GET", parts.path + "?" + parts.query, [("Host", parts.netloc)], b"")
            r = self.verify_file(raw, "sk3", FIXED)
            if ok:
                self.assert_valid(r)
                edge = FIXED_DT + datetime.timedelta(seconds=expires)
                self.assert_valid(self.verify_file(raw, "sk3", amz(edge)))
                self.assert_invalid(self.verify_file(raw, "sk3", amz(edge + datetime.timedelta(seconds=1))),
                                    "presigned URL expired 1 s ago")
            else:
                self.assert_invalid(r, "X-Amz-Expires must be 1 to 604800 seconds")
        # hookauth itself refuses to make such URLs.
        for expires in ("0", "604801"):
            r = self.hookauth("--at", FIXED, "auth", "presign", "sk", "https://example.com/x", "--expires", expires)
            self.assertEqual(r.rc, 2, r)
            r = self.hookauth("--at", FIXED, "webhook", "send", "--auth", "sk", "--presign", "--expires", expires,
                              "--dry-run", "https://example.com/x")
            self.assertEqual(r.rc, 2, r)

    def test_scope_date_differing_from_x_amz_date_is_rejected(self):
        t0 = datetime.datetime(2015, 8, 30, 0, 0, 30)
        raw = self.dry_run("--auth", "sk", "https://example.com/hooks", at=amz(t0))
        self.assertIn(b"X-Amz-Date: 20150830T000030Z", raw)
        self.assert_valid(self.verify_file(raw, "sk", amz(t0)))
        moved = raw.replace(b"X-Amz-Date: 20150830T000030Z", b"X-Amz-Date: 20150829T235959Z")
        self.assert_invalid(self.verify_file(moved, "sk", amz(t0)),
                            "scope date 20150830 differs from X-Amz-Date 20150829T235959Z")
        pre = self.dry_run("--auth", "sk", "--presign", "https://example.com/hooks", at=amz(t0))
        self.assert_valid(self.verify_file(pre, "sk", amz(t0)))
        moved = pre.replace(b"X-Amz-Date=20150830T000030Z", b"X-Amz-Date=20150829T235959Z")
        self.assertNotEqual(moved, pre)
        self.assert_invalid(self.verify_file(moved, "sk", amz(t0)), "scope date 20150830 differs from X-Amz-Date")

    def test_missing_signed_headers_is_rejected(self):
        raw = self.dry_run("--auth", "sk", "https://example.com/hooks")
        cut = re.sub(rb", SignedHeaders=[^,]*", b"", raw)
        self.assertNotEqual(cut, raw)
        self.assert_invalid(self.verify_file(cut, "sk", FIXED), "Authorization has no SignedHeaders")
        pre = self.dry_run("--auth", "sk", "--presign", "https://example.com/hooks")
        cut = re.sub(rb"&X-Amz-SignedHeaders=[^& ]*", b"", pre)
        self.assertNotEqual(cut, pre)
        self.assert_invalid(self.verify_file(cut, "sk", FIXED), "presigned query has no X-Amz-SignedHeaders")
        # SignedHeaders without host.
        nohost = re.sub(rb"SignedHeaders=host;", b"SignedHeaders=", raw)
        self.assertNotEqual(nohost, raw)
        self.assert_invalid(self.verify_file(nohost, "sk", FIXED), "SignedHeaders does not include host")


# ---- 4. -v on both sides ----------------------------------------------------------------------------------

class Verbose(SigV4Test):

    def test_send_and_verify_print_their_stages(self):
        p = Profile("vb", "execute-api", sign_headers=["x-custom-one"])
        self.add_profiles([p])
        url = "https://example.amazonaws.com/a b/./c//d%2F/\u00e9?z=1&a&b=%2f&a=0"
        r = self.ok("--at", FIXED, "webhook", "send", "--auth", "vb", "--dry-run", "--reveal", "-v", "-X", "PUT",
                    "-H", "X-Custom-One:   one   two  ", "-H", "X-Amz-Meta-A: \tx\t y ", "-d", '{"k":"v"}', url)
        canonical, sts, signature = verbose_steps(r.err)
        expected_auth, expected_canonical, expected_sts, _ = botocore_authorization(
            p, "PUT", "https://example.amazonaws.com" + encode_url("/a b/./c//d%2F/\u00e9"),
            query_params("z=1&a&b=%2f&a=0"),
            [("X-Custom-One", "one   two"), ("X-Amz-Meta-A", "\tx\t y "), ("Content-Type", "application/json")],
            b'{"k":"v"}')
        self.assertEqual(canonical, expected_canonical)
        self.assertEqual(sts, expected_sts)
        _, _, headers, _ = parse_http(r.out_b)
        self.assertEqual(header(headers, "Authorization"), expected_auth)
        self.assertTrue(expected_auth.endswith("Signature=" + signature))
        # The verifier prints the same stages for the same request.
        path = os.path.join(self.tmp, "req.http")
        with open(path, "wb") as f:
            f.write(r.out_b)
        v = self.ok("--at", FIXED, "verify", "--auth", "vb", "--request", path, "-v")
        self.assertEqual(v.out.strip(), "valid")
        self.assertEqual(verbose_steps(v.err), (canonical, sts, signature))
        # A changed query: the verifier's canonical request shows it.
        with open(path, "wb") as f:
            f.write(r.out_b.replace(b"z=1", b"z=2"))
        v = self.hookauth("--at", FIXED, "verify", "--auth", "vb", "--request", path, "-v")
        self.assertEqual(v.rc, 1, v)
        theirs = verbose_steps(v.err)[0].split("\n")
        ours = canonical.split("\n")
        self.assertEqual([i for i in range(len(ours)) if ours[i] != theirs[i]], [2])
        self.assertIn("z=2", theirs[2])
        # The signature it expected is not shown: with it, whoever reads the output could send the
        # changed request signed. The stages before it are.
        self.assertEqual(verbose_steps(v.err)[2], "(not shown: the request carries another, wrong signature)")

    def test_auth_presign_verbose(self):
        p = Profile("vb3", "s3")
        self.add_profiles([p])
        r = self.ok("--at", FIXED, "auth", "presign", "vb3", "https://examplebucket.s3.amazonaws.com/test.txt",
                    "--expires", "86400", "-v")
        url, canonical = botocore_presign(p, "GET", "https://examplebucket.s3.amazonaws.com/test.txt", 86400)
        self.assertEqual(r.out.strip(), url)
        self.assertEqual(verbose_steps(r.err)[0], canonical)

    def test_serve_verbose(self):
        self.add_profiles([Profile("vbs", "execute-api")])
        s = self.serve("vbs", "-v", global_args=("--at", FIXED))
        raw = self.dry_run("--auth", "vbs", "-X", "POST", "-d", "x=1", s.url + "/v?q=1")
        conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=10)
        method, target, headers, body = parse_http(raw)
        conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
        for k, v in headers:
            conn.putheader(k, v)
        conn.endheaders(body)
        self.assertEqual(conn.getresponse().status, 200)
        conn.close()
        sent = self.ok("--at", FIXED, "webhook", "send", "--auth", "vbs", "--dry-run", "-v", "-X", "POST", "-d",
                       "x=1", s.url + "/v?q=1")
        err = self.wait_for(lambda: any(l.startswith("* sigv4: signature") for l in s.stderr_lines) and
                            "\n".join(s.stderr_lines[1:]), what="serve -v output")
        self.assertEqual(verbose_steps(err), verbose_steps(sent.err))


# ---- 5. secrets -------------------------------------------------------------------------------------------

def secret_forms(text):
    return {text, urllib.parse.quote(text, safe=""), urllib.parse.quote(text, safe="-_.~/")}


class Secrets(SigV4Test):

    def test_secret_key_and_token_never_printed_without_reveal(self):
        p = Profile("sec", "s3", token=TOKEN, content_sha256=True, sign_headers=["x-custom-one"])
        self.add_profiles([p])
        cap = self.capture()
        runs = {
            "auth list": self.hookauth("auth", "list"),
            "auth list --json": self.hookauth("auth", "list", "--json"),
            "auth show": self.hookauth("auth", "show", "sec"),
            "auth show --json": self.hookauth("auth", "show", "sec", "--json"),
            "webhook send --dry-run": self.hookauth("--at", FIXED, "webhook", "send", "--auth", "sec", "--dry-run",
                                                    "-d", "x", "https://example.com/a"),
            "webhook send --dry-run -v": self.hookauth("--at", FIXED, "webhook", "send", "--auth", "sec",
                                                       "--dry-run", "-v", "-d", "x", "https://example.com/a"),
            "webhook send --presign --dry-run -v": self.hookauth("--at", FIXED, "webhook", "send", "--auth", "sec",
                                                                 "--presign", "--dry-run", "-v",
                                                                 "https://example.com/a"),
            "webhook send -v (sent)": self.hookauth("webhook", "send", "--auth", "sec", "-v", "-i", "-d", "x",
                                                    cap.url + "/a"),
            "webhook send --json (sent)": self.hookauth("webhook", "send", "--auth", "sec", "--json", cap.url + "/b"),
        }
        raw = self.dry_run("--auth", "sec", "https://example.com/a")
        path = os.path.join(self.tmp, "r.http")
        with open(path, "wb") as f:
            f.write(raw)
        runs["verify -v (valid)"] = self.hookauth("--at", FIXED, "verify", "--auth", "sec", "--request", path, "-v")
        runs["verify --json -v (too old)"] = self.hookauth("--at", "20150831T000000Z", "verify", "--auth", "sec",
                                                           "--request", path, "--json", "-v")
        with open(path, "wb") as f:
            f.write(raw.replace(b"GET /a", b"GET /b"))
        runs["verify -v (invalid)"] = self.hookauth("--at", FIXED, "verify", "--auth", "sec", "--request", path, "-v")
        # (`auth presign` is left out: the URL it prints carries X-Amz-Security-Token by necessity.)
        s = self.serve("sec", "-v", global_args=("--at", FIXED))
        conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=10)
        _, target, headers, body = parse_http(self.dry_run("--auth", "sec", "--presign", s.url + "/p"))
        conn.request("GET", target)
        self.assertEqual(conn.getresponse().status, 200)
        conn.close()
        wrong = re.sub(r"Signature=[0-9a-f]+", "Signature=" + "0" * 64, target)
        conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=10)
        conn.request("GET", wrong)
        self.assertEqual(conn.getresponse().status, 401)
        conn.close()
        self.wait_for(lambda: len(s.stdout_lines) >= 2, what="serve log")
        s.stop()
        runs["verify serve -v (log and stderr)"] = harness.Result(
            ["verify", "serve"], 0, "\n".join(s.stdout_lines).encode(), "\n".join(s.stderr_lines).encode())
        leaks = []
        for what, r in runs.items():
            text = r.out + "\n" + r.err
            for name, value in (("secret key", SECRET), ("session token", TOKEN)):
                if any(form in text for form in secret_forms(value)):
                    lines = [l for l in text.splitlines() if any(f in l for f in secret_forms(value))]
                    leaks.append("%s: %s in %r" % (what, name, lines[:2]))
        # With --reveal the secrets are shown: the check above could see them.
        revealed = self.ok("--at", FIXED, "webhook", "send", "--auth", "sec", "--dry-run", "--reveal",
                           "https://example.com/a")
        self.assertIn(TOKEN, revealed.out)
        self.assertEqual(leaks, [])



# ---- The official suite through the command line -------------------------------------------------------

class SuiteThroughTheCommandLine(SigV4Test):
    """Cases of the AWS SigV4 test suite (aws-sig-v4-test-suite, 2015-08-30; aws-c-auth's edition,
    tests/aws-signing-test-suite/v4, for the one that signs Content-Length) given to `webhook send`
    as a user would: repeated -H and --sign-header Content-Length. Each signature is the suite's."""

    URL = "https://example.amazonaws.com/"
    FORM = "Content-Type: application/x-www-form-urlencoded; charset=utf-8"

    def signature(self, raw):
        m = re.search(rb"Signature=([0-9a-f]{64})", raw)
        self.assertIsNotNone(m, raw)
        return m.group(1).decode()

    def test_repeated_headers_get_header_key_duplicate_and_value_order(self):
        self.ok(*Profile("suite", "service", sign_headers=["My-Header1"]).add_args())
        cases = [("get-header-key-duplicate", ["value2", "value2", "value1"],
                  "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"),
                 ("get-header-value-order", ["value4", "value1", "value3", "value2"],
                  "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01")]
        for name, values, signature in cases:
            with self.subTest(name):
                args = []
                for v in values:
                    args += ["-H", "My-Header1: " + v]
                raw = self.dry_run("--auth", "suite", self.URL, *args)
                self.assertEqual(self.signature(raw), signature)
                self.assertEqual(re.findall(rb"^My-Header1: (\S+)\r$", raw, re.M), [v.encode() for v in values])
                self.assert_valid(self.verify_file(raw, "suite", FIXED))

    def test_sign_header_content_length_post_x_www_form_urlencoded_parameters(self):
        self.ok(*Profile("suite", "service", content_sha256=True, sign_headers=["Content-Length"]).add_args())
        raw = self.dry_run("--auth", "suite", self.URL, "-H", self.FORM, "-d", "Param1=value1")
        self.assertIn(b"SignedHeaders=content-length;content-type;host;x-amz-content-sha256;x-amz-date", raw)
        self.assertEqual(self.signature(raw), "328d1b9eaadca9f5818ef05e8392801e091653bafec24fcab71e7344e7f51422")
        self.assertEqual(re.findall(rb"^Content-Length: .*$", raw, re.M), [b"Content-Length: 13\r"])
        self.assert_valid(self.verify_file(raw, "suite", FIXED))
        # Presigned (the suite's query-signature.txt signs content-type too).
        self.ok(*Profile("suite-q", "service", sign_headers=["Content-Length", "Content-Type"]).add_args())
        raw = self.dry_run("--auth", "suite-q", "--presign", self.URL, "-H", self.FORM, "-d", "Param1=value1")
        self.assertIn(b"X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost&", raw)
        self.assertEqual(self.signature(raw), "0dbeb9b026c7b6675f266b8427efec9b4fa8b1f6ef1477d717aea231106eab4d")

    def test_signed_content_length_is_the_one_on_the_wire(self):
        self.ok(*Profile("len", "service", sign_headers=["Content-Length"]).add_args())
        cap = self.capture()
        self.ok("webhook", "send", "--auth", "len", cap.url + "/a", "-d", "Param1=value1")
        [req] = cap.requests()
        self.assertEqual(harness.Capture.header(req, "Content-Length"), ["13"])
        self.assertIn("SignedHeaders=content-length;content-type;host;x-amz-date",
                      harness.Capture.header(req, "Authorization")[0])
        s = self.serve("len")
        self.assertEqual(self.ok("webhook", "send", "--auth", "len", s.url + "/a", "-d", "x=1").out, "valid\n")
        self.assertEqual(self.ok("webhook", "send", "--auth", "len", s.url + "/a", "-X", "PUT").out, "valid\n")
        # The --curl command (curl counts the body itself) is accepted too.
        command = self.ok("webhook", "send", "--auth", "len", s.url + "/a", "-d", "x=1", "--curl", "--reveal").out
        p = subprocess.run(["bash", "-c", command], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, env=self.env, timeout=30)
        self.assertEqual((p.returncode, p.stdout, p.stderr), (0, b"valid\n", b""))
        log = self.wait_for(lambda: len(s.stdout_json()) >= 3 and s.stdout_json(), what="3 log lines")
        self.assertEqual([l["verdict"] for l in log], ["valid"] * 3)

if __name__ == "__main__":
    harness.main()
