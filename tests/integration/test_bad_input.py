"""The bad-input catalogue (issue #9): one table of malformed inputs across the store file, the CLI's
flags, `verify` of captured requests (raw HTTP, Digest, SigV4, payload signatures, JWTs) and the OAuth
2.0 token and callback answers, each with the exit code and the one line that must name the field.

For every row:
- the exit code is the one the README gives (1 check failed, 2 usage, 3 network, 4 auth flow);
- the message is one line and matches the row's pattern, which names the field. An error is the only
  line on stderr, `hookauth: error: ...`, and stdout is empty; a `verify` verdict is the only line on
  stdout, `invalid: REASON` (stderr empty), or with --json the `reason` member (one line);
- it is short (at most 300 characters): a long input is never echoed whole;
- none of the row's secrets appears on stdout or stderr;
- the store is byte for byte what it was before the command (nothing is lost or rewritten).

Each row is its own test method (test_NNN_ID), so `-k ID` runs one.
"""

import base64
import hashlib
import json
import os
import subprocess
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

JWT_DATA = os.path.join(harness.REPO, "tests", "data", "jwt")
MAX_MESSAGE = 300

# Secrets of the base store: every row checks that those it names never show.
BASIC_PW = "BASIC-SECRET-1f3a9c"
DIGEST_PW = "DIGEST-SECRET-77c2e1"
SIGV4_SK = "SIGV4-SECRET-wJalrXUtnFEMIK7MDENG"
WHSEC = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
WHSEC_RAW = "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
GITHUB_SECRET = "GITHUB-SECRET-9d1e44"
STRIPE_SECRET = "STRIPE-SECRET-42aa17"
HMAC_SECRET = "HMAC-SECRET-5b5b03"
CLIENT_SECRET = "OAUTH-CLIENT-SECRET-3e3e90"
ACCESS_TOKEN = "ACCESS-TOKEN-SECRET-0c0c55"
EXPECTED_TOKEN = "EXPECTED-TOKEN-SECRET-aa71"

BASE_AUTHS = [
    {"name": "bs", "type": "basic", "username": "acme", "password": BASIC_PW},
    {"name": "dg", "type": "digest", "algorithm": "MD5", "qop": "auth", "realm": "hooks@example",
     "username": "acme", "password": DIGEST_PW},
    {"name": "dgs", "type": "digest", "algorithm": "MD5", "nc": "ffffffff", "nonce": "5f2b0c9e", "qop": "auth",
     "realm": "hooks@example", "username": "acme", "password": DIGEST_PW},
    {"name": "s4", "type": "aws-sigv4", "access-key": "AKIDEXAMPLE", "region": "us-east-1",
     "service": "execute-api", "secret-key": SIGV4_SK},
    {"name": "sw", "type": "signature", "scheme": "standard-webhooks", "secret": WHSEC},
    {"name": "gh", "type": "signature", "scheme": "github", "secret": GITHUB_SECRET},
    {"name": "st", "type": "signature", "scheme": "stripe", "secret": STRIPE_SECRET},
    {"name": "hm", "type": "signature", "scheme": "hmac", "signature-header": "X-Sig",
     "signed-content": "v0:{timestamp}:{body}", "timestamp-header": "X-Ts", "secret": HMAC_SECRET},
    {"name": "jw", "type": "oauth2", "auth-url": "https://login.partner.example/authorize", "client-id": "rp",
     "grant": "authorization-code", "issuer": "https://login.partner.example",
     "redirect-uri": "http://127.0.0.1:8765/callback", "token-url": "https://login.partner.example/token",
     "client-secret": CLIENT_SECRET},
]
BASE_SECRETS = [BASIC_PW, DIGEST_PW, SIGV4_SK, WHSEC_RAW, GITHUB_SECRET, STRIPE_SECRET, HMAC_SECRET, CLIENT_SECRET]


def store_text(auths=None, webhooks=None, version=1, extra=None):
    doc = {"version": version, "authorizations": BASE_AUTHS if auths is None else auths}
    if webhooks is not None:
        doc["webhooks"] = webhooks
    if extra:
        doc.update(extra)
    return json.dumps(doc, indent=2) + "\n"


BASE_STORE = store_text()


def store_with(*auths, **kw):
    return store_text(BASE_AUTHS + list(auths), **kw)


# --- raw requests ---

def raw(method, target, headers, body=b""):
    if isinstance(body, str):
        body = body.encode()
    lines = ["%s %s HTTP/1.1" % (method, target)] + ["%s: %s" % h for h in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def md5(text):
    return hashlib.md5(text.encode()).hexdigest()


def digest_request(drop=(), method="POST", target="/hook", body='{"event":"paid"}', **override):
    """A request with a right MD5 qop=auth Digest answer for dg, then fields dropped or replaced."""
    p = {"username": "acme", "realm": "hooks@example", "nonce": "dcd98b7102dd2f0e8b11d0f600bfb0c093",
         "uri": target, "algorithm": "MD5", "qop": "auth", "nc": "00000001", "cnonce": "0a4f113b"}
    p.update(override)
    if "response" not in override:
        ha1 = md5("acme:hooks@example:" + DIGEST_PW)
        ha2 = md5("%s:%s" % (method, p["uri"]))
        p["response"] = md5(":".join([ha1, p["nonce"], p["nc"], p["cnonce"], p["qop"], ha2]))
    quoted = ("username", "realm", "nonce", "uri", "cnonce", "response")
    parts = ['%s="%s"' % (k, v) if k in quoted else "%s=%s" % (k, v) for k, v in p.items() if k not in drop]
    return raw(method, target, [("Host", "hooks.example"), ("Authorization", "Digest " + ", ".join(parts)),
                                ("Content-Length", str(len(body)))], body)


AMZ_DATE = "20150830T123600Z"
SIG = "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"


def sigv4_request(credential="AKIDEXAMPLE/20150830/us-east-1/execute-api/aws4_request",
                  signed="host;x-amz-date", date=AMZ_DATE, algorithm="AWS4-HMAC-SHA256", signature=SIG,
                  drop=(), extra=()):
    parts = [("Credential", credential), ("SignedHeaders", signed), ("Signature", signature)]
    value = algorithm + " " + ", ".join("%s=%s" % kv for kv in parts if kv[0] not in drop)
    headers = [("Host", "abc.execute-api.us-east-1.amazonaws.com"), ("X-Amz-Date", date),
               ("Authorization", value)] + list(extra)
    return raw("GET", "/prod/hook", headers)


def presigned_request(expires="900", algorithm="AWS4-HMAC-SHA256", date=AMZ_DATE):
    q = ("X-Amz-Algorithm=%s&X-Amz-Credential=AKIDEXAMPLE%%2F20150830%%2Fus-east-1%%2Fexecute-api%%2Faws4_request"
         "&X-Amz-Date=%s&X-Amz-Expires=%s&X-Amz-SignedHeaders=host&X-Amz-Signature=%s" %
         (algorithm, date, expires, SIG))
    return raw("GET", "/prod/upload?" + q, [("Host", "abc.execute-api.us-east-1.amazonaws.com")])


# The Standard Webhooks specification's example (README, "Payload signatures").
SW_ID, SW_TS, SW_BODY = "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", '{"test": 2432232314}'
SW_SIG = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def standard_request(id=SW_ID, ts=SW_TS, sig=SW_SIG, drop=()):
    headers = [("webhook-id", id), ("webhook-timestamp", ts), ("webhook-signature", sig)]
    headers = [h for h in headers if h[0] not in drop]
    return raw("POST", "/hook", [("Host", "hooks.example"), ("Content-Type", "application/json")] + headers +
               [("Content-Length", str(len(SW_BODY)))], SW_BODY)


def bearer_request(token):
    return raw("POST", "/hook", [("Host", "hooks.example"), ("Authorization", "Bearer " + token),
                                 ("Content-Length", "2")], "{}")


def jwt_tokens():
    with open(os.path.join(JWT_DATA, "tokens.json")) as f:
        return json.load(f)


def b64url(data):
    return base64.urlsafe_b64encode(data.encode()).decode().rstrip("=")


# --- the table ---

class Case:
    """One row. args may hold {tmp}, {port} (the row's server), {closed} (a closed port) and {jwt}
    (tests/data/jwt) placeholders; files maps names under the
    row's temp dir to content; request is a raw request given on stdin (or in the file named by
    request_file); out is where the one line is: "error" (stderr), "verdict" (stdout, invalid: ...),
    "json" (stdout, --json reason) or "last-error" (stderr's last line is the error, earlier lines are
    the command's own notes, such as the authorization URL of auth login). callback makes the address
    pasted into `auth login --no-listen` from the state of the authorization URL it printed."""

    def __init__(self, id, args, rc, pattern, secrets=(), store=BASE_STORE, stdin=None, files=None,
                 env=None, out="error", before=(), server=None, store_mode=0o600, callback=None):
        self.id, self.args, self.rc, self.pattern = id, list(args), rc, pattern
        self.secrets, self.store, self.stdin, self.files = list(secrets), store, stdin, files or {}
        self.env, self.out, self.before, self.server = env or {}, out, list(before), server
        self.store_mode, self.callback = store_mode, callback


def verify_case(id, auth, request, pattern, secrets, *extra, out="verdict", at=None):
    args = (["--at", at] if at else []) + ["verify", "--auth", auth] + list(extra)
    if out == "json":
        args.append("--json")
    return Case(id, args, 1, pattern, secrets, stdin=request, out=out)


def raw_case(id, request, rc, pattern, out="error"):
    """verify --request FILE of the basic authorization, with request as the file."""
    return Case(id, ["verify", "--auth", "bs", "--request", "{tmp}/req.http"], rc, pattern, BASE_SECRETS,
                files={"req.http": request}, out=out)


def truncated_store():
    return BASE_STORE[:len(BASE_STORE) // 2]


# About 10 MiB of authorizations; 1 MiB in the sanitized build, whose unoptimised JSON parser takes
# over a minute for 10 MiB (the same code path: only the number of entries differs).
BIG_STORE_ENTRIES = harness.repeat(75000, 7500)


def ten_mib_store():
    """About 10 MiB of authorizations; the last one's username is a number."""
    auths = [{"name": "p%06d" % i, "type": "basic", "username": "user%d" % i, "password": {"env": "PW_%d" % i}}
             for i in range(BIG_STORE_ENTRIES)]
    auths[-1]["username"] = 5
    return store_text(auths)


def ten_mib_duplicate_store():
    auths = [{"name": "p%06d" % i, "type": "basic", "username": "user%d" % i, "password": {"env": "PW_%d" % i}}
             for i in range(BIG_STORE_ENTRIES)]
    auths.append(dict(auths[123]))
    return store_text(auths)


def token_answer(reply):
    """A capture.py server answering every request with reply (a JSON object as --reply takes)."""
    return ["--reply", json.dumps(reply)]


OAUTH_CC = ["auth", "add", "cc", "--type", "oauth2", "--grant", "client-credentials", "--client-id", "hooks",
            "--client-secret", CLIENT_SECRET, "--token-url", "http://127.0.0.1:{port}/token"]
LOGIN = {"name": "ac", "type": "oauth2", "auth-url": "http://127.0.0.1:9/authorize", "client-id": "desk",
         "grant": "authorization-code", "redirect-uri": "http://127.0.0.1:8765/callback",
         "token-url": "http://127.0.0.1:9/token", "client-secret": CLIENT_SECRET}
CALLBACK = "http://127.0.0.1:8765/callback"

CASES = [
    # --- the store file ---
    Case("store_truncated", ["auth", "list"], 2, r"^hookauth: error: store \S+store\.json:\d+:\d+: not valid JSON",
         BASE_SECRETS, store=truncated_store()),
    Case("store_truncated_write", ["auth", "add", "new", "--type", "none"], 2,
         r"store \S+store\.json:\d+:\d+: not valid JSON", BASE_SECRETS, store=truncated_store()),
    # An empty (or whitespace-only) store is an empty store (issue 18); a form feed is not JSON whitespace.
    Case("store_empty", ["auth", "show", "x"], 2, r"no authorization named 'x' in \S+store\.json", store=""),
    Case("store_form_feed", ["auth", "list"], 2, r"store \S+store\.json:1:1: not valid JSON", store="\f"),
    Case("store_not_object", ["auth", "list"], 2, r"store \S+:1:1: expected a JSON object", store="[1, 2]\n"),
    Case("store_duplicate_names", ["auth", "list"], 2,
         r"store \S+:\d+:\d+: authorizations\[9\]: authorization 'bs' appears twice", BASE_SECRETS,
         store=store_with({"name": "bs", "type": "none"})),
    Case("store_duplicate_names_write", ["auth", "remove", "bs"], 2,
         r"authorizations\[9\]: authorization 'bs' appears twice", BASE_SECRETS,
         store=store_with({"name": "bs", "type": "none"})),
    Case("store_unknown_version", ["auth", "list"], 2,
         r"store \S+:2:\d+: version: schema version 2 is not one this hookauth reads", BASE_SECRETS,
         store=store_text(version=2)),
    Case("store_version_string", ["auth", "list"], 2, r"version: expected an integer", BASE_SECRETS,
         store=store_text(version="1")),
    Case("store_no_version", ["auth", "list"], 2, r'no schema "version"', store='{"authorizations": []}\n'),
    Case("store_huge_number", ["auth", "list"], 2, r"store \S+: not valid JSON: a number is out of range",
         store='{"version": 1e999, "authorizations": []}\n'),
    Case("store_10_mib_schema_error", ["auth", "list"], 2,
         r"store \S+:\d+:\d+: authorizations\[%d\]\.username: expected a string" % (BIG_STORE_ENTRIES - 1),
         store=ten_mib_store()),
    Case("store_10_mib_duplicate", ["auth", "add", "x", "--type", "none"], 2,
         r"authorizations\[%d\]: authorization 'p000123' appears twice" % BIG_STORE_ENTRIES,
         store=ten_mib_duplicate_store()),
    Case("store_wrong_field_type", ["auth", "show", "bs"], 2,
         r"store \S+:\d+:\d+: authorizations\[9\]\.username: expected a string", BASE_SECRETS,
         store=store_with({"name": "n", "type": "basic", "username": ["acme"], "password": "x"})),
    Case("store_authorizations_not_array", ["auth", "list"], 2, r"authorizations: expected an array",
         store='{"version": 1, "authorizations": {"bs": {}}}\n'),
    Case("store_unknown_member", ["auth", "list"], 2, r"profiles: unknown member", BASE_SECRETS,
         store=store_text(extra={"profiles": []})),
    Case("store_unknown_type", ["auth", "list"], 2, r"authorizations\[9\]\.type: .*ntlm",
         store=store_with({"name": "n", "type": "ntlm"})),
    Case("store_missing_required_field", ["auth", "list"], 2, r"authorizations\[9\].*username",
         store=store_with({"name": "n", "type": "basic", "password": "x"})),
    Case("store_bad_name", ["auth", "list"], 2, r"authorizations\[9\]\.name: .*bad name",
         store=store_with({"name": "bad name", "type": "none"})),
    Case("store_unknown_secret_kind", ["auth", "list"], 2, r"authorizations\[9\]\.password",
         store=store_with({"name": "n", "type": "basic", "username": "u", "password": {"vault": "kv/x"}})),
    Case("store_invalid_utf8", ["auth", "list"], 2, r"store \S+:\d+:\d+: not valid JSON",
         store=b'{"version": 1, "authorizations": [{"name": "n", "type": "basic", "username": "\xff"}]}\n'),
    Case("store_deeply_nested", ["auth", "list"], 2, r"store \S+:",
         store='{"version": 1, "authorizations": ' + "[" * 100000 + "]" * 100000 + "}\n"),
    Case("store_group_readable", ["auth", "list"], 2, r"store\.json is accessible by group or others \(mode 0644\)",
         store_mode=0o644),
    Case("store_missing_env_secret", ["webhook", "send", "--auth", "n", "--dry-run", "http://127.0.0.1:9/"], 2,
         r"^hookauth: error: n: password: environment variable NOT_SET_ANYWHERE is not set$",
         store=store_with({"name": "n", "type": "basic", "username": "u", "password": {"env": "NOT_SET_ANYWHERE"}})),
    Case("store_missing_file_secret", ["webhook", "send", "--auth", "n", "--dry-run", "http://127.0.0.1:9/"], 2,
         r"n: password: cannot read file /nonexistent/hookauth/pw",
         store=store_with({"name": "n", "type": "basic", "username": "u",
                           "password": {"file": "/nonexistent/hookauth/pw"}})),
    Case("store_endless_file_secret", ["webhook", "send", "--auth", "n", "--dry-run", "http://127.0.0.1:9/"], 2,
         r"n: password: .*/dev/zero",
         store=store_with({"name": "n", "type": "basic", "username": "u", "password": {"file": "/dev/zero"}})),
    Case("store_whsec_bad_base64", ["webhook", "send", "--auth", "n", "--dry-run", "-d", "{}", "http://127.0.0.1:9/"],
         2, r"n: signature secret 1: not valid base64", ["whsec_%%%NOT-BASE64-SECRET%%%", "NOT-BASE64-SECRET"],
         store=store_with({"name": "n", "type": "signature", "scheme": "standard-webhooks",
                           "secret": "whsec_%%%NOT-BASE64-SECRET%%%"})),
    Case("store_whsec_too_short", ["verify", "--auth", "n"], 2,
         r"n: signature secret 1: a whsec_ secret is 24 to 64 bytes",
         ["whsec_c2hvcnQtc2VjcmV0", "c2hvcnQtc2VjcmV0"], stdin=standard_request(),
         store=store_with({"name": "n", "type": "signature", "scheme": "standard-webhooks",
                           "secret": "whsec_c2hvcnQtc2VjcmV0"})),
    Case("store_ed25519_seed_bad_base64", ["webhook", "send", "--auth", "n", "--dry-run", "-d", "{}",
                                           "http://127.0.0.1:9/"], 2, r"signature secret 1: not valid base64",
         ["whsk_***SEED-SECRET***", "SEED-SECRET"],
         store=store_with({"name": "n", "type": "signature", "scheme": "standard-webhooks",
                           "secret": "whsk_***SEED-SECRET***"})),
    Case("store_ed25519_public_key_sends", ["webhook", "send", "--auth", "n", "--dry-run", "-d", "{}",
                                            "http://127.0.0.1:9/"], 2,
         r"signature secret 1: a whpk_ public key cannot sign",
         store=store_with({"name": "n", "type": "signature", "scheme": "standard-webhooks",
                           "secret": "whpk_" + base64.b64encode(b"\x01" * 32).decode()})),
    Case("webhook_missing_auth", ["webhook", "send", "w", "--dry-run"], 2, r"ghost",
         store=store_text(webhooks=[{"name": "w", "url": "http://127.0.0.1:9/x", "auth": "ghost"}])),
    Case("webhook_url_not_string", ["webhook", "list"], 2, r"webhooks\[0\]\.url: expected a string",
         store=store_text(webhooks=[{"name": "w", "url": 5}])),
    Case("webhook_duplicate", ["webhook", "list"], 2, r"webhooks\[1\]: webhook 'w' appears twice",
         store=store_text(webhooks=[{"name": "w", "url": "http://127.0.0.1:9/"},
                                    {"name": "w", "url": "http://127.0.0.1:9/"}])),

    # --- the CLI's flags and values ---
    Case("cli_unknown_flag", ["auth", "list", "--bogus"], 2, r"--bogus"),
    Case("cli_unknown_subcommand", ["auth", "frob"], 2, r"frob"),
    Case("cli_unknown_type", ["auth", "add", "x", "--type", "ntlm"], 2, r"--type: unknown type 'ntlm'"),
    Case("cli_missing_required_field", ["auth", "add", "x", "--type", "basic", "--username", "u"], 2, r"--password"),
    Case("cli_field_of_other_type", ["auth", "add", "x", "--type", "basic", "--username", "u", "--password",
                                     "SECRET-PW-ab12", "--region", "eu"], 2, r"--region", ["SECRET-PW-ab12"]),
    Case("cli_bad_name", ["auth", "add", "bad/name", "--type", "none"], 2, r"name 'bad/name'"),
    Case("cli_name_too_long", ["auth", "add", "n" * 65, "--type", "none"], 2, r"name"),
    Case("cli_exists", ["auth", "add", "bs", "--type", "none"], 2, r"'bs' exists", BASE_SECRETS),
    Case("cli_nc_too_long", ["auth", "add", "x", "--type", "digest", "--username", "u", "--password", "DPW-SECRET-9",
                             "--nc", "100000000"], 2, r"--nc: '100000000'", ["DPW-SECRET-9"]),
    Case("cli_nc_not_hex", ["auth", "add", "x", "--type", "digest", "--username", "u", "--password", "p",
                            "--nc", "zz"], 2, r"--nc: 'zz'"),
    Case("cli_nc_zero", ["auth", "add", "x", "--type", "digest", "--username", "u", "--password", "p",
                         "--nc", "0"], 2, r"--nc: '0'"),
    Case("cli_digest_algorithm", ["auth", "add", "x", "--type", "digest", "--username", "u", "--password", "p",
                                  "--algorithm", "MD4"], 2, r"--algorithm: 'MD4'"),
    Case("cli_digest_qop", ["auth", "add", "x", "--type", "digest", "--username", "u", "--password", "p",
                            "--qop", "auth,none"], 2, r"--qop"),
    Case("cli_api_key_in", ["auth", "add", "x", "--type", "api-key", "--key", "K", "--value", "KEY-SECRET-77",
                            "--in", "body"], 2, r"--in: body", ["KEY-SECRET-77"]),
    # values every later send would refuse are refused when added (audit cli #4)
    Case("cli_basic_username_colon", ["auth", "add", "x", "--type", "basic", "--username", "a:b", "--password",
                                      "PW-SECRET-c01"], 2, r"--username: must not contain ':'", ["PW-SECRET-c01"]),
    Case("cli_basic_password_line_break", ["auth", "add", "x", "--type", "basic", "--username", "u", "--password",
                                           "PW-SECRET-c02\nX"], 2, r"--password: must not contain control characters",
         ["PW-SECRET-c02"]),
    Case("cli_basic_password_control", ["auth", "add", "x", "--type", "basic", "--username", "u", "--password",
                                        "PW-SECRET-c03\x01"], 2, r"--password: must not contain control characters",
         ["PW-SECRET-c03"]),
    Case("cli_api_key_value_crlf", ["auth", "add", "x", "--type", "api-key", "--key", "X-Key", "--value",
                                    "KEY-SECRET-c04\r\nX-Inj: 1"], 2, r"--value: must not contain control characters",
         ["KEY-SECRET-c04"]),
    Case("cli_api_key_name_space", ["auth", "add", "x", "--type", "api-key", "--key", "X Key", "--value",
                                    "KEY-SECRET-c05"], 2, r"--key: 'X Key' is not a header name", ["KEY-SECRET-c05"]),
    Case("cli_api_key_name_colon", ["auth", "add", "x", "--type", "api-key", "--key", "X-K:", "--value",
                                    "KEY-SECRET-c06"], 2, r"--key: 'X-K:' is not a header name", ["KEY-SECRET-c06"]),
    Case("cli_validity_negative", ["auth", "add", "x", "--type", "oauth2", "--grant", "client-credentials",
                                   "--client-id", "c", "--token-url", "http://127.0.0.1:9/t", "--validity", "-5"],
         2, r"--validity: '-5'"),
    Case("cli_validity_overflow", ["auth", "add", "x", "--type", "oauth2", "--grant", "client-credentials",
                                   "--client-id", "c", "--token-url", "http://127.0.0.1:9/t", "--validity",
                                   "99999999999999999999"], 2, r"--validity: '99999999999999999999'"),
    Case("cli_token_url", ["auth", "add", "x", "--type", "oauth2", "--grant", "client-credentials", "--client-id",
                           "c", "--token-url", "notaurl"], 2, r"--token-url: 'notaurl'"),
    Case("cli_token_header_no_colon", ["auth", "add", "x", "--type", "oauth2", "--grant", "client-credentials",
                                       "--client-id", "c", "--token-url", "http://127.0.0.1:9/t",
                                       "--token-header", "NoColon"], 2, r"--token-header: 'NoColon'"),
    Case("cli_redirect_uri_not_loopback", ["auth", "add", "x", "--type", "oauth2", "--grant", "authorization-code",
                                           "--client-id", "c", "--token-url", "http://127.0.0.1:9/t", "--auth-url",
                                           "http://127.0.0.1:9/a", "--redirect-uri", "http://example.com/cb"],
         2, r"--redirect-uri: 'http://example.com/cb'"),
    Case("cli_signature_scheme", ["auth", "add", "x", "--type", "signature", "--scheme", "foo", "--secret",
                                  "SIG-SECRET-1234"], 2, r"--scheme: foo", ["SIG-SECRET-1234"]),
    Case("cli_signature_without_secret", ["auth", "add", "x", "--type", "basic", "--username", "u", "--password",
                                          "PW-SECRET-5678", "--signature", "standard-webhooks"], 2,
         r"--signature needs --signature-secret", ["PW-SECRET-5678"]),
    # flags that do not apply to what the other flags chose are refused, as a flag foreign to the type is
    # (audit cli #14)
    Case("cli_signature_header_without_signature", ["auth", "add", "x", "--type", "basic", "--username", "u",
                                                    "--password", "PW-SECRET-c09", "--signature-header", "X-S"], 2,
         r"--signature-header applies only to --signature hmac$", ["PW-SECRET-c09"]),
    Case("cli_signature_header_with_github", ["auth", "add", "x", "--type", "signature", "--scheme", "github",
                                              "--secret", "SIG-SECRET-c10", "--signature-header", "X-S"], 2,
         r"--signature-header applies only to --scheme hmac$", ["SIG-SECRET-c10"]),
    Case("cli_auth_url_with_client_credentials", ["auth", "add", "x", "--type", "oauth2", "--grant",
                                                  "client-credentials", "--client-id", "c", "--client-secret",
                                                  "CS-SECRET-c11", "--token-url", "http://127.0.0.1:9/t",
                                                  "--auth-url", "http://127.0.0.1:9/a"], 2,
         r"--auth-url applies only to --grant authorization-code$", ["CS-SECRET-c11"]),
    Case("cli_redirect_uri_with_client_credentials", ["auth", "add", "x", "--type", "oauth2", "--grant",
                                                      "client-credentials", "--client-id", "c", "--token-url",
                                                      "http://127.0.0.1:9/t", "--redirect-uri",
                                                      "http://127.0.0.1:8765/cb"], 2,
         r"--redirect-uri applies only to --grant authorization-code$"),
    # a secret read from stdin must not be empty (audit cli #13)
    Case("cli_password_stdin_empty", ["auth", "add", "x", "--type", "basic", "--username", "u", "--password", "-"],
         2, r"--password -: standard input gave an empty secret$", stdin=""),
    Case("cli_password_stdin_newline", ["auth", "add", "x", "--type", "basic", "--username", "u", "--password",
                                        "-"], 2, r"--password -: standard input gave an empty secret$", stdin="\n"),
    Case("cli_whsec_bad_base64", ["auth", "add", "x", "--type", "signature", "--scheme", "standard-webhooks",
                                  "--secret", "whsec_!!!!LITERAL-SECRET"], 2, r"signature secret 1: not valid base64",
         ["LITERAL-SECRET"]),
    Case("cli_secret_env_empty", ["auth", "add", "x", "--type", "basic", "--username", "u", "--password", "env:"],
         2, r"password: env: needs a variable name"),
    Case("cli_secret_file_empty", ["auth", "add", "x", "--type", "basic", "--username", "u", "--password", "file:"],
         2, r"password: file: needs a path"),
    Case("cli_at", ["--at", "notatime", "auth", "list"], 2, r"--at: 'notatime'"),
    Case("cli_timeout_negative", ["webhook", "send", "--timeout", "-1", "http://127.0.0.1:9/"], 2, r"--timeout"),
    Case("cli_retries_overflow", ["webhook", "send", "--retries", "99999999999999999999", "http://127.0.0.1:9/"], 2,
         r"--retries"),
    Case("cli_url_scheme", ["webhook", "send", "ftp://127.0.0.1:9/x"], 2, r"URL scheme 'ftp'"),
    Case("cli_url_invalid", ["webhook", "send", "http://exa mple.com/"], 2, r"URL"),
    Case("cli_header_no_colon", ["webhook", "send", "-H", "NoColon", "http://127.0.0.1:9/"], 2, r"-H"),
    Case("cli_header_line_break", ["webhook", "send", "--auth", "bs", "-H", "X-A: b\r\nX-Evil: c",
                                   "http://127.0.0.1:9/"], 2, r"-H X-A: .*line break", BASE_SECRETS),
    Case("cli_header_name_space", ["webhook", "send", "-H", "Bad Name: v", "http://127.0.0.1:9/"], 2, r"-H"),
    Case("cli_unknown_authorization", ["webhook", "send", "--auth", "ghost", "http://127.0.0.1:9/"], 2,
         r"no authorization named 'ghost'"),
    Case("cli_body_file_missing", ["webhook", "send", "-d", "@/nonexistent/body.json", "http://127.0.0.1:9/"], 2,
         r"-d @/nonexistent/body.json"),
    Case("cli_id_with_dot", ["webhook", "send", "--auth", "sw", "--id", "a.b", "--dry-run", "-d", "{}",
                             "http://127.0.0.1:9/"], 2, r"message id", BASE_SECRETS),
    Case("cli_id_without_signature", ["webhook", "send", "--auth", "bs", "--id", "m1", "--dry-run",
                                      "http://127.0.0.1:9/"], 2, r"--id", BASE_SECRETS),
    Case("cli_presign_expires_zero", ["auth", "presign", "s4", "http://127.0.0.1:9/x", "--expires", "0"], 2,
         r"--expires", BASE_SECRETS),
    Case("cli_presign_expires_604801", ["auth", "presign", "s4", "http://127.0.0.1:9/x", "--expires", "604801"], 2,
         r"--expires", BASE_SECRETS),
    Case("cli_presign_not_sigv4", ["auth", "presign", "bs", "http://127.0.0.1:9/x"], 2, r"'bs' is basic",
         BASE_SECRETS),
    Case("cli_token_not_oauth2", ["auth", "token", "bs"], 2, r"'bs' is basic, not oauth2", BASE_SECRETS),
    Case("cli_saved_webhook_bad_url", ["webhook", "add", "w", "--url", "notaurl"], 2, r"--url 'notaurl'"),
    Case("cli_saved_webhook_header_name_space", ["webhook", "add", "w", "--url", "http://127.0.0.1:9/x", "-H",
                                                 "X Bad: HDR-SECRET-c07"], 2, r"-H: 'X Bad' is not a header name",
         ["HDR-SECRET-c07"]),
    Case("cli_saved_webhook_header_line_break", ["webhook", "add", "w", "--url", "http://127.0.0.1:9/x", "-H",
                                                 "X-A: HDR-SECRET-c08\r\nX-Inj: 1"], 2,
         r"-H: must not contain control characters", ["HDR-SECRET-c08"]),
    Case("cli_saved_webhook_unknown", ["webhook", "send", "nosuch"], 2,
         r"'nosuch' is neither a URL nor a saved webhook"),
    Case("cli_tolerance", ["verify", "--auth", "sw", "--tolerance", "abc"], 2, r"--tolerance 'abc'", BASE_SECRETS,
         stdin=standard_request()),
    Case("cli_max_skew", ["verify", "--auth", "s4", "--max-skew", "901"], 2, r"--max-skew", BASE_SECRETS,
         stdin=sigv4_request()),
    Case("cli_concurrency_without_batch", ["webhook", "send", "--concurrency", "4", "http://127.0.0.1:9/"], 2,
         r"--concurrency: only with --data-lines"),
    Case("cli_listen_port", ["verify", "serve", "--auth", "bs", "--listen", "127.0.0.1:70000"], 2,
         r"--listen '127.0.0.1:70000'", BASE_SECRETS),
    Case("cli_verify_oauth2_without_way", ["verify", "--auth", "jw"], 2,
         r"oauth2 authorization is checked with --introspect-url, --jwks-url, --jwks or --expect-token",
         BASE_SECRETS, stdin=bearer_request("x")),
    Case("cli_verify_request_missing", ["verify", "--auth", "bs", "--request", "/nonexistent/req.http"], 2,
         r"--request /nonexistent/req.http", BASE_SECRETS),
    Case("cli_verify_request_endless", ["verify", "--auth", "bs", "--request", "/dev/zero"], 2,
         r"--request /dev/zero", BASE_SECRETS),
    Case("cli_shared_nonce_counts_used_up", ["webhook", "send", "--auth", "dgs", "--retries", "0", "-d", "{}",
                                             "http://127.0.0.1:{closed}/hook"], 2, r"nc ffffffff", BASE_SECRETS,
         before=[(["webhook", "send", "--auth", "dgs", "--retries", "0", "-d", "{}",
                   "http://127.0.0.1:{closed}/hook"], 3)]),

    # --- verify --request: malformed raw requests ---
    raw_case("raw_no_request_line", b"", 2, r"request: no request line"),
    raw_case("raw_request_line_parts", b"GET /\r\nHost: x\r\n\r\n", 2,
             r"request line: expected 'METHOD TARGET HTTP/1.1'"),
    raw_case("raw_header_no_colon", b"GET / HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n", 2,
             r"request header 2: expected 'Name: value'"),
    raw_case("raw_header_name_space", b"GET / HTTP/1.1\r\nBad Name: x\r\n\r\n", 2,
             r"request header 1: expected 'Name: value'"),
    raw_case("raw_headers_unterminated", b"GET / HTTP/1.1\r\nHost: x\r\n", 2,
             r"request headers: no blank line ends them"),
    raw_case("raw_content_length_not_number", b"POST / HTTP/1.1\r\nContent-Length: abc\r\n\r\n{}", 2,
             r"Content-Length: not a number"),
    raw_case("raw_content_length_negative", b"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n{}", 2,
             r"Content-Length"),
    raw_case("raw_content_length_overflow", b"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n{}",
             2, r"Content-Length"),
    raw_case("raw_truncated_body", b"POST / HTTP/1.1\r\nContent-Length: 100\r\n\r\n{}", 2,
             r"Content-Length says 100 bytes, 2 present"),
    raw_case("raw_bad_chunk_size", b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n", 2,
             r"chunk size 'zz'"),
    raw_case("raw_chunked_no_last_chunk", b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n", 2,
             r"chunked"),
    raw_case("raw_oversized_header_line", b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (1 << 20) + b"\r\n\r\n", 2,
             r"request header 2 \(X-Big\): longer than 8192 bytes"),
    raw_case("raw_oversized_request_line", b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 2,
             r"request line: longer than 8192 bytes"),
    # Many headers are not refused (nor are they by the listener): the verdict names what is missing.
    raw_case("raw_many_headers", b"GET / HTTP/1.1\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(20000)) + b"\r\n",
             1, r"^invalid: .*Authorization", out="verdict"),

    # --- Digest ---
    verify_case("digest_nc_not_hex", "dg", digest_request(nc="xyz"), r'^invalid: nc "xyz" is not 8 hex digits$',
                [DIGEST_PW]),
    verify_case("digest_nc_nine_digits", "dg", digest_request(nc="fffffffff"), r'nc "fffffffff" is not 8 hex digits',
                [DIGEST_PW], out="json"),
    verify_case("digest_nc_zero", "dg", digest_request(nc="00000000"),
                r"nc 00000000: the nonce count starts at 00000001",
                [DIGEST_PW], out="json"),
    verify_case("digest_huge_uri", "dg", digest_request(uri="/" + "u" * 7000),
                r'^invalid: uri "/u+\.\.\." is not the request target "/hook"$',
                [DIGEST_PW]),
    verify_case("digest_realm_mismatch", "dg", digest_request(realm="other"), r'realm "other" is not "hooks@example"',
                [DIGEST_PW], out="json"),
    verify_case("digest_no_nonce", "dg", digest_request(drop=("nonce",)), r"Digest credentials have no nonce",
                [DIGEST_PW], out="json"),
    verify_case("digest_no_response", "dg", digest_request(drop=("response",)), r"Digest credentials have no response",
                [DIGEST_PW]),
    verify_case("digest_no_uri", "dg", digest_request(drop=("uri",)), r"Digest credentials have no uri", [DIGEST_PW],
                out="json"),
    verify_case("digest_unknown_algorithm", "dg", digest_request(algorithm="MD4"), r"algorithm MD4 was not offered",
                [DIGEST_PW], out="json"),
    verify_case("digest_uri_mismatch", "dg", digest_request(uri="/other"),
                r'uri "/other" is not the request target "/hook"', [DIGEST_PW], out="json"),
    verify_case("digest_qop_not_offered", "dg", digest_request(qop="auth-conf"), r"qop auth-conf was not offered",
                [DIGEST_PW], out="json"),
    verify_case("digest_qop_without_cnonce", "dg", digest_request(drop=("cnonce",)), r"qop auth needs a cnonce",
                [DIGEST_PW], out="json"),
    verify_case("digest_wrong_password", "dg", digest_request(response=md5("guess")), r"wrong response",
                [DIGEST_PW], out="json"),
    verify_case("digest_malformed_header", "dg", raw("GET", "/", [("Authorization", 'Digest username="acme')]),
                r"malformed Digest credentials", [DIGEST_PW], out="json"),
    verify_case("digest_basic_instead", "dg",
                raw("GET", "/", [("Authorization",
                                  "Basic " + base64.b64encode(b"acme:" + DIGEST_PW.encode()).decode())]),
                r"Authorization has 'Basic', expected 'Digest'",
                [DIGEST_PW, base64.b64encode(b"acme:" + DIGEST_PW.encode()).decode()], out="json"),

    # --- SigV4 ---
    verify_case("sigv4_expires_zero", "s4", presigned_request(expires="0"), r"X-Amz-Expires must be 1 to 604800",
                [SIGV4_SK], at=AMZ_DATE),
    verify_case("sigv4_expires_604801", "s4", presigned_request(expires="604801"), r"X-Amz-Expires must be 1 to 604800",
                [SIGV4_SK], at=AMZ_DATE, out="json"),
    verify_case("sigv4_expires_not_number", "s4", presigned_request(expires="soon"), r"X-Amz-Expires",
                [SIGV4_SK], at=AMZ_DATE, out="json"),
    verify_case("sigv4_presigned_algorithm", "s4", presigned_request(algorithm="AWS4-HMAC-SHA512"),
                r"X-Amz-Algorithm is not AWS4-HMAC-SHA256", [SIGV4_SK], at=AMZ_DATE, out="json"),
    verify_case("sigv4_scope_date", "s4",
                sigv4_request(credential="AKIDEXAMPLE/20150829/us-east-1/execute-api/aws4_request"),
                r"scope date 20150829 differs from X-Amz-Date 20150830T123600Z", [SIGV4_SK], at=AMZ_DATE),
    verify_case("sigv4_no_signed_headers", "s4", sigv4_request(drop=("SignedHeaders",)),
                r"Authorization has no SignedHeaders", [SIGV4_SK], at=AMZ_DATE, out="json"),
    verify_case("sigv4_bad_date", "s4", sigv4_request(date="2015-08-30T12:36:00Z"),
                r"X-Amz-Date '2015-08-30T12:36:00Z' is not YYYYMMDDTHHMMSSZ", [SIGV4_SK], at=AMZ_DATE, out="json"),
    verify_case("sigv4_huge_date", "s4", sigv4_request(date="2" * 8000), r"X-Amz-Date", [SIGV4_SK], at=AMZ_DATE,
                out="json"),
    verify_case("sigv4_unknown_algorithm", "s4", sigv4_request(algorithm="AWS4-HMAC-SHA512"),
                r"Authorization is not AWS4-HMAC-SHA256", [SIGV4_SK], at=AMZ_DATE, out="json"),
    verify_case("sigv4_signed_headers_unsorted", "s4", sigv4_request(signed="x-amz-date;host"),
                r"SignedHeaders is not sorted", [SIGV4_SK], at=AMZ_DATE, out="json"),
    verify_case("sigv4_signed_headers_no_host", "s4", sigv4_request(signed="x-amz-date"),
                r"SignedHeaders does not include host", [SIGV4_SK], at=AMZ_DATE, out="json"),
    verify_case("sigv4_signed_header_absent", "s4", sigv4_request(signed="content-type;host;x-amz-date"),
                r"signed header content-type is not in the request", [SIGV4_SK], at=AMZ_DATE, out="json"),
    verify_case("sigv4_no_date_header", "s4",
                raw("GET", "/prod/hook", [("Host", "abc.execute-api.us-east-1.amazonaws.com"),
                                          ("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/"
                                           "us-east-1/execute-api/aws4_request, SignedHeaders=host, "
                                           "Signature=" + SIG)]),
                r"no X-Amz-Date header", [SIGV4_SK], at=AMZ_DATE, out="json"),
    verify_case("sigv4_credential_shape", "s4", sigv4_request(credential="AKIDEXAMPLE/20150830/us-east-1"),
                r"Credential is not KEY/DATE/REGION/SERVICE/aws4_request", [SIGV4_SK], at=AMZ_DATE, out="json"),
    verify_case("sigv4_wrong_signature", "s4", sigv4_request(), r"signature does not match", [SIGV4_SK],
                at=AMZ_DATE, out="json"),

    # --- payload signatures ---
    verify_case("sw_timestamp_not_integer", "sw", standard_request(ts="1614265330.5"),
                r"^invalid: payload signature: webhook-timestamp '1614265330.5' is not a Unix timestamp$",
                [WHSEC_RAW], at="2021-02-25T15:02:10Z"),
    verify_case("sw_timestamp_overflow", "sw", standard_request(ts="9" * 30), r"webhook-timestamp '9+' is not a Unix",
                [WHSEC_RAW], at="2021-02-25T15:02:10Z", out="json"),
    verify_case("sw_no_id", "sw", standard_request(drop=("webhook-id",)), r"no webhook-id header", [WHSEC_RAW],
                at="2021-02-25T15:02:10Z", out="json"),
    verify_case("sw_no_timestamp", "sw", standard_request(drop=("webhook-timestamp",)), r"no webhook-timestamp header",
                [WHSEC_RAW], at="2021-02-25T15:02:10Z", out="json"),
    verify_case("sw_no_signature", "sw", standard_request(drop=("webhook-signature",)), r"no webhook-signature header",
                [WHSEC_RAW], at="2021-02-25T15:02:10Z", out="json"),
    verify_case("sw_signature_bad_base64", "sw", standard_request(sig="v1,!!!not-base64!!!"),
                r"webhook-signature entry for v1 is not valid base64", [WHSEC_RAW], at="2021-02-25T15:02:10Z",
                out="json"),
    verify_case("sw_signature_no_comma", "sw", standard_request(sig="v1:abc"),
                r"webhook-signature entry 'v1:abc' has no ','",
                [WHSEC_RAW], at="2021-02-25T15:02:10Z", out="json"),
    verify_case("sw_signature_wrong_version", "sw", standard_request(sig=SW_SIG.replace("v1,", "v2,")),
                r"webhook-signature has no signature of a version", [WHSEC_RAW], at="2021-02-25T15:02:10Z", out="json"),
    verify_case("github_wrong_prefix", "gh",
                raw("POST", "/", [("X-Hub-Signature-256", "sha1=" + "0" * 40), ("Content-Length", "2")], "{}"),
                r"X-Hub-Signature-256 is not sha256= and 64 hex digits", [GITHUB_SECRET], out="json"),
    verify_case("stripe_timestamp_not_integer", "st",
                raw("POST", "/", [("Stripe-Signature", "t=12ab,v1=" + "0" * 64), ("Content-Length", "2")], "{}"),
                r"Stripe-Signature t '12ab' is not a Unix timestamp", [STRIPE_SECRET], out="json"),
    verify_case("stripe_no_v1", "st", raw("POST", "/", [("Stripe-Signature", "t=1614265330"), ("Content-Length", "2")],
                                          "{}"), r"Stripe-Signature has no v1= signature", [STRIPE_SECRET]),
    verify_case("hmac_timestamp_not_integer", "hm",
                raw("POST", "/", [("X-Sig", "0" * 64), ("X-Ts", "yesterday"), ("Content-Length", "2")], "{}"),
                r"X-Ts 'yesterday' is not a Unix timestamp", [HMAC_SECRET], out="json"),

    # --- JWT bearer tokens (verify --jwks) ---
    verify_case("jwt_two_parts", "jw", bearer_request("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0"),
                r"the bearer token is not a JWT \(three base64url parts\)",
                [CLIENT_SECRET], "--jwks", "{jwt}/jwks.json", "--audience", "hookauth-receiver",
                at="2024-05-01T12:00:00Z", out="json"),
    verify_case("jwt_alg_none", "jw", bearer_request(jwt_tokens()["tokens"]["none"]["token"]),
                r"the JWT's alg 'none' is not RS256, ES256 or EdDSA",
                [CLIENT_SECRET], "--jwks", "{jwt}/jwks.json", "--audience", "hookauth-receiver",
                at="2024-05-01T12:00:00Z", out="json"),
    verify_case("jwt_bad_base64", "jw", bearer_request("!!!." + b64url('{"sub":"x"}') + ".c2ln"),
                r"a part of the JWT is not base64url",
                [CLIENT_SECRET], "--jwks", "{jwt}/jwks.json", "--audience", "hookauth-receiver",
                at="2024-05-01T12:00:00Z", out="json"),
    verify_case("jwt_header_not_json", "jw", bearer_request(b64url("not json") + "." + b64url('{"sub":"x"}') + ".c2ln"),
                r"the JWT's header or claims are not a JSON object", [CLIENT_SECRET], "--jwks", "{jwt}/jwks.json",
                "--audience", "hookauth-receiver",
                at="2024-05-01T12:00:00Z", out="json"),
    Case("jwt_jwks_not_json", ["verify", "--auth", "jw", "--jwks", "{tmp}/jwks.json", "--audience", "a"], 2,
         r"--jwks: the JWKS is not a JSON object", BASE_SECRETS, files={"jwks.json": "this is not JSON"},
         stdin=bearer_request("a.b.c")),
    Case("jwt_jwks_no_keys", ["verify", "--auth", "jw", "--jwks", "{tmp}/jwks.json", "--audience", "a"], 2,
         r"--jwks: the JWKS has no 'keys' array", BASE_SECRETS, files={"jwks.json": '{"keys": 5}'},
         stdin=bearer_request("a.b.c")),
    Case("jwt_jwks_key_bad_base64", ["verify", "--auth", "jw", "--jwks", "{tmp}/jwks.json", "--audience", "a"], 2,
         r"--jwks: JWKS key 1: 'n' is not base64url", BASE_SECRETS,
         files={"jwks.json": '{"keys": [{"kty": "RSA", "kid": "k", "alg": "RS256", "n": "***", "e": "AQAB"}]}'},
         stdin=bearer_request("a.b.c")),
    # -q: a literal --expect-token is warned about on stderr (issue 18), and a verdict row wants it empty.
    Case("expect_token_wrong", ["-q", "verify", "--auth", "jw", "--expect-token", EXPECTED_TOKEN], 1,
         r"the bearer token is not the expected one", BASE_SECRETS + [EXPECTED_TOKEN, "WRONG-TOKEN-SECRET-31"],
         stdin=bearer_request("WRONG-TOKEN-SECRET-31"), out="verdict"),

    # --- OAuth 2.0 token answers (a capture.py token endpoint) and callbacks (auth login --no-listen) ---
    Case("token_answer_not_json", ["auth", "token", "cc"], 4, r"token endpoint.*(JSON|text/html)",
         [CLIENT_SECRET], before=[(OAUTH_CC, 0)],
         server=token_answer({"status": 200, "headers": {"Content-Type": "text/html"}, "body": "<html>hi</html>"})),
    Case("token_answer_no_access_token", ["auth", "token", "cc"], 4, r"access_token", [CLIENT_SECRET],
         before=[(OAUTH_CC, 0)],
         server=token_answer({"status": 200, "headers": {"Content-Type": "application/json"},
                              "body": '{"token_type": "Bearer", "expires_in": 3600}'})),
    Case("token_answer_expires_in_string", ["auth", "token", "cc"], 4, r"expires_in", [CLIENT_SECRET, ACCESS_TOKEN],
         before=[(OAUTH_CC, 0)],
         server=token_answer({"status": 200, "headers": {"Content-Type": "application/json"},
                              "body": '{"access_token": "%s", "token_type": "Bearer", "expires_in": "soon"}' %
                              ACCESS_TOKEN})),
    Case("token_answer_token_type_not_bearer", ["auth", "token", "cc"], 4,
         r"token_type is 'DPoP', and hookauth sends only Bearer tokens", [CLIENT_SECRET, ACCESS_TOKEN],
         before=[(OAUTH_CC, 0)],
         server=token_answer({"status": 200, "headers": {"Content-Type": "application/json"},
                              "body": '{"access_token": "%s", "token_type": "DPoP", "expires_in": 3600}' %
                              ACCESS_TOKEN})),
    Case("token_answer_access_token_not_string", ["auth", "token", "cc"], 4, r"access_token", [CLIENT_SECRET],
         before=[(OAUTH_CC, 0)],
         server=token_answer({"status": 200, "headers": {"Content-Type": "application/json"},
                              "body": '{"access_token": 12345678, "token_type": "Bearer"}'})),
    Case("token_answer_refused", ["auth", "token", "cc"], 4, r"the token endpoint refused: HTTP 401: invalid_client",
         [CLIENT_SECRET], before=[(OAUTH_CC, 0)],
         server=token_answer({"status": 401, "headers": {"Content-Type": "application/json"},
                              "body": '{"error": "invalid_client", "error_description": "bad secret"}'})),
    Case("callback_wrong_state", ["auth", "login", "ac", "--no-listen"], 4, r"state", [CLIENT_SECRET],
         store=store_with(LOGIN), stdin=CALLBACK + "?code=abc&state=WRONG-STATE\n", out="last-error"),
    Case("callback_error", ["auth", "login", "ac", "--no-listen"], 4,
         r"the authorization server refused: access_denied: the user said no$", [CLIENT_SECRET],
         store=store_with(LOGIN), out="last-error",
         callback=lambda state: CALLBACK + "?error=access_denied&error_description=the+user+said+no&state=" + state),
    Case("callback_no_code", ["auth", "login", "ac", "--no-listen"], 4, r"the callback has no code", [CLIENT_SECRET],
         store=store_with(LOGIN), out="last-error", callback=lambda state: CALLBACK + "?state=" + state),
    Case("callback_wrong_iss", ["auth", "login", "ac", "--no-listen"], 4,
         r"the callback's iss 'https://evil\.example' is not the expected issuer", [CLIENT_SECRET],
         store=store_with(LOGIN), out="last-error",
         callback=lambda state: CALLBACK + "?code=c0de&iss=https%3A%2F%2Fevil.example&state=" + state),
    Case("callback_not_a_url", ["auth", "login", "ac", "--no-listen"], 4, r"callback|URL|code", [CLIENT_SECRET],
         store=store_with(LOGIN), stdin="not a url at all\n", out="last-error"),
]


def fill(arg, ctx):
    for k, v in ctx.items():
        arg = arg.replace("{%s}" % k, str(v))
    return arg


class BadInputTest(harness.HookauthTest):
    """The catalogue's rows become test methods below."""

    def run_case(self, case):
        ctx = {"tmp": self.tmp, "jwt": JWT_DATA}
        if "{closed}" in json.dumps(case.args) + json.dumps([b[0] for b in case.before]):
            ctx["closed"] = self.closed_port()
        if case.server is not None:
            server = self.capture(*case.server)
            ctx["port"] = server.port
        for name, content in case.files.items():
            with open(os.path.join(self.tmp, name), "wb") as f:
                f.write(content.encode() if isinstance(content, str) else content)
        if case.store is not None:
            os.makedirs(os.path.dirname(self.store), mode=0o700, exist_ok=True)
            data = case.store.encode() if isinstance(case.store, str) else case.store
            with open(self.store, "wb") as f:
                f.write(data)
            os.chmod(self.store, case.store_mode)
        for argv, rc in case.before:
            r = self.hookauth(*[fill(a, ctx) for a in argv])
            self.assertEqual(r.rc, rc, r)
        before = self.read_store()
        args = [fill(a, ctx) for a in case.args]
        r = self.login(args, case.callback) if case.callback else self.hookauth(*args, input=case.stdin)
        self.assertEqual(r.rc, case.rc, r)
        self.assertEqual(self.read_store(), before, "the store changed: %r" % r)
        for secret in case.secrets:
            self.assertNotIn(secret, r.out, "a secret on stdout: %r" % r)
            self.assertNotIn(secret, r.err, "a secret on stderr: %r" % r)
        line = self.the_line(case, r)
        self.assertLessEqual(len(line), MAX_MESSAGE, "the message is %d characters long: %r" % (len(line), line[:500]))
        self.assertRegex(line, case.pattern, r)

    def login(self, args, callback):
        """auth login --no-listen: reads the authorization URL it prints, pastes callback(state)."""
        p = subprocess.Popen([harness.binary()] + args, env=self.env, cwd=self.tmp, stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        err = b""
        state = None
        try:
            while state is None:
                line = p.stderr.readline()
                if not line:
                    break
                err += line
                query = urllib.parse.urlparse(line.decode().strip()).query
                state = urllib.parse.parse_qs(query).get("state", [None])[0]
            self.assertIsNotNone(state, err)
            out, rest = p.communicate((callback(state) + "\n").encode(), timeout=60)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        return harness.Result(args, p.returncode, out, err + rest)

    def read_store(self):
        try:
            with open(self.store, "rb") as f:
                return f.read()
        except FileNotFoundError:
            return None

    def the_line(self, case, r):
        if case.out == "error":
            self.assertEqual(r.out, "", r)
            lines = r.err.splitlines()
            self.assertEqual(len(lines), 1, r)
            self.assertTrue(lines[0].startswith("hookauth: error: "), r)
            return lines[0]
        if case.out == "last-error":
            lines = r.err.splitlines()
            errors = [l for l in lines if l.startswith("hookauth: error: ")]
            self.assertEqual(len(errors), 1, r)
            self.assertEqual(lines[-1], errors[0], r)
            self.assertNotIn("Traceback", r.err)
            return errors[0]
        self.assertEqual(r.err, "", r)
        if case.out == "verdict":
            lines = r.out.splitlines()
            self.assertEqual(len(lines), 1, r)
            self.assertTrue(lines[0].startswith("invalid: "), r)
            return lines[0]
        doc = json.loads(r.out)
        self.assertIs(doc["valid"], False, r)
        reason = doc["reason"]
        self.assertIsInstance(reason, str, r)
        self.assertNotIn("\n", reason, r)
        return reason


def _add_tests():
    seen = set()
    for i, case in enumerate(CASES):
        assert case.id not in seen, case.id
        seen.add(case.id)

        def test(self, case=case):
            self.run_case(case)

        test.__doc__ = "bad input: " + case.id
        setattr(BadInputTest, "test_%03d_%s" % (i + 1, case.id), test)


_add_tests()


class CatalogueSizeTest(harness.HookauthTest):

    def test_at_least_60_rows_spread_over_the_parsers(self):
        self.assertGreaterEqual(len(CASES), 60)
        groups = {c.id.split("_")[0] for c in CASES}
        for g in ("store", "cli", "raw", "digest", "sigv4", "sw", "jwt", "token", "callback", "webhook"):
            self.assertIn(g, groups)


if __name__ == "__main__":
    harness.main()
