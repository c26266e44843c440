"""aws-sigv4 with --aws-profile (issue 18): AWS credentials as the AWS tools find them, botocore the oracle.

For a profile with static keys, one with a session token and one whose keys come from credential_process,
`hookauth --at T webhook send --dry-run --reveal` gives the Authorization (and X-Amz-Security-Token) that
botocore gives on the same AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE at the same time:
tests/peers/botocore_sign.py builds `botocore.session.Session(profile=NAME).get_credentials()` and signs
with SigV4Auth. A missing profile, a malformed file, a process that fails or prints bad JSON, keys that
have expired and a profile without a region are each one line and exit 2 (botocore refuses each too); so
is a role_arn profile (not asked of botocore: it would call STS). A batch runs credential_process once.

Run from the repository root: HOOKAUTH_BIN=build/src/hookauth /usr/bin/python3 -m unittest -v
tests/integration/test_aws_profiles.py
"""

import datetime
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

BOTOCORE_SIGN = os.path.join(harness.REPO, "tests", "peers", "botocore_sign.py")
FIXED = "20150830T123600Z"
URL = "https://abc123.execute-api.eu-west-1.amazonaws.com/prod/hooks?b=2&a=1"
BODY = '{"event":"ping"}'
STATIC_SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TOKEN_SECRET = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"
SESSION_TOKEN = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD+profileTOKEN="
PROCESS_SECRET = "process/SECRET+fromTheHelper0123456789ab"
PROCESS_TOKEN = "FwoGZXIvYXdzEProcessSessionTOKEN/////+0123456789="

# A credential_process: prints Version 1 keys valid for an hour (the real clock), or fails in the way its
# first argument says, and appends a line to the file its second argument names on every run.
CREDS_SCRIPT = r'''
import datetime, json, sys
mode, runs = sys.argv[1], sys.argv[2]
with open(runs, "a") as f:
    f.write(mode + "\n")
if mode == "fail":
    sys.stderr.write("the SSO session has expired: run 'corp-login'\n")
    sys.exit(3)
if mode == "badjson":
    print('{"Version": 1, "AccessKeyId": "ASIA", "SecretAccessKey": "LEAKED-IF-QUOTED"')
    sys.exit(0)
expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
if mode == "expired":
    expires = datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc)
print(json.dumps({"Version": 1, "AccessKeyId": "ASIAPROCESSEXAMPLE", "SecretAccessKey": %r,
                  "SessionToken": %r, "Expiration": expires.strftime("%%Y-%%m-%%dT%%H:%%M:%%SZ")}))
''' % (PROCESS_SECRET, PROCESS_TOKEN)


def parse_http(raw):
    """(method, target, {lower-case name: value}) of a raw HTTP/1.1 request."""
    head = raw.partition(b"\r\n\r\n")[0].decode("utf-8").split("\r\n")
    method, target, _ = head[0].split(" ", 2)
    headers = {}
    for line in head[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return method, target, headers


class AwsProfileTest(harness.HookauthTest):
    def setUp(self):
        super().setUp()
        for k in list(self.env):
            if k.startswith("AWS_"):
                del self.env[k]
        self.env["AWS_EC2_METADATA_DISABLED"] = "true"  # botocore must never look beyond loopback
        aws = os.path.join(self.tmp, "aws files")
        os.mkdir(aws)
        self.credentials_file = os.path.join(aws, "credentials")
        self.config_file = os.path.join(aws, "config")
        self.env["AWS_SHARED_CREDENTIALS_FILE"] = self.credentials_file
        self.env["AWS_CONFIG_FILE"] = self.config_file
        self.script = os.path.join(aws, "creds.py")
        self.runs = os.path.join(self.tmp, "runs.txt")
        with open(self.script, "w") as f:
            f.write(CREDS_SCRIPT)
        process = '/usr/bin/python3 "%s" %%s %s' % (self.script, self.runs)
        self.write(self.credentials_file,
                   "[static]\n"
                   "aws_access_key_id = AKIDSTATICEXAMPLE\n"
                   "aws_secret_access_key = %s\n"
                   "\n"
                   "[tok]\n"
                   "aws_access_key_id = ASIATOKENEXAMPLE\n"
                   "aws_secret_access_key = %s\n"
                   "aws_session_token = %s\n" % (STATIC_SECRET, TOKEN_SECRET, SESSION_TOKEN))
        self.write(self.config_file,
                   "[default]\n"
                   "region = us-east-1\n"
                   "[profile static]\n"
                   "region = eu-west-1\n"
                   "[profile tok]\n"
                   "region = ap-southeast-2\n"
                   "[profile proc]\n"
                   "region = eu-central-1\n"
                   "credential_process = " + process % "ok" + "\n"
                   "[profile failing]\n"
                   "region = eu-central-1\n"
                   "credential_process = " + process % "fail" + "\n"
                   "[profile badjson]\n"
                   "region = eu-central-1\n"
                   "credential_process = " + process % "badjson" + "\n"
                   "[profile expired]\n"
                   "region = eu-central-1\n"
                   "credential_process = " + process % "expired" + "\n"
                   "[profile role]\n"
                   "role_arn = arn:aws:iam::123456789012:role/hooks\n"
                   "source_profile = static\n"
                   "[profile noregion]\n"
                   "credential_process = " + process % "ok" + "\n")

    def write(self, path, text):
        with open(path, "w") as f:
            f.write(text)

    def add(self, name, profile, *extra):
        return self.ok("auth", "add", name, "--type", "aws-sigv4", "--aws-profile", profile, "--service",
                       "execute-api", *extra)

    def botocore(self, *requests):
        """botocore's answer for each (profile, region or None): its headers, or {"error": ...}."""
        specs = [{"profile": profile, "service": "execute-api", "region": region, "method": "POST", "url": URL,
                  "headers": [["Content-Type", "application/json"]], "body": BODY, "at": FIXED}
                 for profile, region in requests]
        p = subprocess.run([harness.PYTHON, BOTOCORE_SIGN, json.dumps(specs)], capture_output=True, text=True,
                           env=self.env, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        return json.loads(p.stdout)

    def signed(self, auth, *extra):
        r = self.ok("--at", FIXED, "webhook", "send", "--auth", auth, "--dry-run", "--reveal", "-d", BODY, URL, *extra)
        return parse_http(r.out_b)[2]

    def runs_of_process(self):
        try:
            with open(self.runs) as f:
                return f.read().split()
        except FileNotFoundError:
            return []


class MatchesBotocore(AwsProfileTest):
    def check_same(self, auth, profile, region=None):
        headers = self.signed(auth)
        expected = self.botocore((profile, region))[0]
        self.assertNotIn("error", expected)
        self.assertEqual(headers["authorization"], expected["authorization"])
        self.assertEqual(headers["x-amz-date"], expected["x-amz-date"])
        self.assertEqual(headers.get("x-amz-security-token"), expected["x-amz-security-token"])
        return headers, expected

    def test_static_keys_and_the_profiles_region(self):
        self.add("s", "static")
        headers, expected = self.check_same("s", "static")
        self.assertEqual(expected["region"], "eu-west-1")
        self.assertIn("Credential=AKIDSTATICEXAMPLE/20150830/eu-west-1/execute-api/aws4_request", headers["authorization"])
        self.assertNotIn("x-amz-security-token", headers)

    def test_session_token_and_region_given(self):
        self.add("t", "tok", "--region", "us-west-2")
        headers, _ = self.check_same("t", "tok", region="us-west-2")
        self.assertEqual(headers["x-amz-security-token"], SESSION_TOKEN)
        self.assertIn("/us-west-2/", headers["authorization"])

    def test_credential_process(self):
        self.add("p", "proc")
        headers, expected = self.check_same("p", "proc")
        self.assertEqual(expected["access_key"], "ASIAPROCESSEXAMPLE")
        self.assertEqual(headers["x-amz-security-token"], PROCESS_TOKEN)
        self.assertEqual(self.runs_of_process(), ["ok", "ok"])  # once for hookauth, once for botocore

    def test_default_files_under_home(self):
        # Neither variable set: ~/.aws/credentials and ~/.aws/config, as botocore reads them.
        aws = os.path.join(self.tmp, ".aws")
        os.rename(os.path.join(self.tmp, "aws files"), aws)
        del self.env["AWS_SHARED_CREDENTIALS_FILE"], self.env["AWS_CONFIG_FILE"]
        self.add("s", "static")
        self.check_same("s", "static")

    def test_secrets_stay_out_of_show_list_and_output(self):
        self.add("p", "proc")
        self.add("t", "tok")
        shown = self.ok("auth", "show", "p", "--json").json()
        # The keys and the region come from the AWS profile: shown is what the store holds, not empty fields.
        self.assertEqual(shown["aws-profile"], "proc")
        for absent in ("access-key", "secret-key", "session-token", "region"):
            self.assertNotIn(absent, shown)
        table = self.ok("auth", "show", "p").out
        self.assertIn("aws-profile:", table)
        self.assertNotIn("access-key:", table)
        listed = {a["name"]: a["summary"] for a in self.ok("auth", "list", "--json").json()}
        self.assertEqual(listed["p"], "AWS profile proc, execute-api")
        r = self.ok("--at", FIXED, "webhook", "send", "--auth", "p", "--dry-run", "-v", "-d", BODY, URL)
        r2 = self.ok("--at", FIXED, "webhook", "send", "--auth", "t", "--dry-run", "-v", "-d", BODY, URL)
        for out in (r.out + r.err, r2.out + r2.err, json.dumps(shown), json.dumps(listed)):
            for secret in (PROCESS_SECRET, PROCESS_TOKEN, TOKEN_SECRET, SESSION_TOKEN):
                self.assertNotIn(secret, out)

    def test_verify_accepts_what_the_profile_signed(self):
        self.add("p", "proc")
        raw = self.ok("--at", FIXED, "webhook", "send", "--auth", "p", "--dry-run", "--reveal", "-d", BODY,
                      URL).out_b
        path = os.path.join(self.tmp, "request.http")
        with open(path, "wb") as f:
            f.write(raw)
        r = self.hookauth("--at", FIXED, "verify", "--auth", "p", "--request", path)
        self.assertEqual((r.rc, r.out.strip()), (0, "valid"), r)

    def test_a_batch_runs_the_process_once(self):
        self.add("p", "proc", "--region", "eu-central-1")
        c = self.capture()
        lines = os.path.join(self.tmp, "lines.txt")
        with open(lines, "w") as f:
            f.write("".join('{"n":%d}\n' % i for i in range(40)))
        self.ok("webhook", "send", "--auth", "p", "--data-lines", lines, c.url + "/hooks")
        got = c.requests()
        self.assertEqual(len(got), 40)
        for req in got:
            self.assertIn("Credential=ASIAPROCESSEXAMPLE/", c.header(req, "Authorization")[0])
            self.assertEqual(c.header(req, "X-Amz-Security-Token"), [PROCESS_TOKEN])
        self.assertEqual(self.runs_of_process(), ["ok"])


class Errors(AwsProfileTest):
    def refused(self, auth, expected):
        r = self.hookauth("--at", FIXED, "webhook", "send", "--auth", auth, "--dry-run", "--reveal", "-d", BODY, URL)
        self.assertEqual(r.rc, 2, r)
        self.assertEqual(r.out, "", r)
        self.assertEqual(len(r.err.strip().splitlines()), 1, r)
        self.assertIn(expected, r.err, r)
        for secret in (STATIC_SECRET, TOKEN_SECRET, SESSION_TOKEN, PROCESS_SECRET, PROCESS_TOKEN, "LEAKED"):
            self.assertNotIn(secret, r.err)
        return r

    def test_each_broken_profile_is_one_line(self):
        cases = [
            ("missing", "AWS profile 'missing' is in neither %s nor %s" % (self.credentials_file, self.config_file),
             "ProfileNotFound"),
            ("failing", "AWS profile 'failing': credential_process exited with status 3; stderr: the SSO session has "
                        "expired: run 'corp-login'", "CredentialRetrievalError"),
            ("badjson", "AWS profile 'badjson': credential_process: its output is not a JSON object",
             "JSONDecodeError"),
            ("expired", "AWS profile 'expired': credential_process gave credentials that expired at "
                        "2020-01-01T00:00:00.000Z", "still expired"),
            ("noregion", "no region: neither --region nor AWS profile 'noregion'", "no region"),
        ]
        botocore = self.botocore(*[(profile, None) for profile, _, _ in cases])
        for (profile, message, botocore_says), answer in zip(cases, botocore):
            with self.subTest(profile=profile):
                self.add(profile, profile)
                self.refused(profile, message)
                self.assertIn(botocore_says, answer.get("error", ""))

    def test_role_assumption_is_not_supported(self):
        self.add("role", "role")
        self.refused("role", "AWS profile 'role' uses role_arn, which hookauth does not support")

    def test_a_malformed_file(self):
        self.add("s", "static")
        with open(self.credentials_file, "a") as f:
            f.write("this line has no equals sign\n")
        self.refused("s", "%s: line 9: 'this line has no equals sign' is neither [section] nor 'name = value'"
                     % self.credentials_file)
        self.assertIn("ConfigParseError", self.botocore(("static", None))[0].get("error", ""))

    def test_add_refuses_keys_and_profile_together_or_neither(self):
        base = ["auth", "add", "x", "--type", "aws-sigv4", "--service", "s3"]
        cases = [
            (["--aws-profile", "static", "--access-key", "AK", "--secret-key", "SK"],
             "--aws-profile and --access-key are mutually exclusive: give one or the other"),
            (["--aws-profile", "static", "--secret-key", "SK"], "--aws-profile and --secret-key are mutually exclusive"),
            (["--aws-profile", "tok", "--session-token", "T"], "--aws-profile and --session-token are mutually exclusive"),
            ([], "type aws-sigv4 needs --access-key (or --aws-profile)"),
            (["--access-key", "AK", "--secret-key", "SK"], "type aws-sigv4 needs --region (or --aws-profile)"),
        ]
        for extra, message in cases:
            with self.subTest(extra=extra):
                r = self.hookauth(*base, *extra)
                self.assertEqual(r.rc, 2, r)
                self.assertEqual(len(r.err.strip().splitlines()), 1, r)
                self.assertIn(message, r.err)
                self.assertNotIn("SK", r.err)


if __name__ == "__main__":
    harness.main()
