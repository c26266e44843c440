"""hookauth auth import postman: Postman v2.1 collections written here, with their auth blocks
(collection level, folder level, request level) and {{variables}} from the collection and an
environment file."""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

SCHEMA = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"


def kv(**values):
    return [{"key": k, "value": v, "type": "string"} for k, v in values.items()]


def request(name, auth):
    return {"name": name, "request": {"method": "POST", "url": "https://partner.example/hook", "auth": auth}}


COLLECTION = {
    "info": {"name": "Partner API", "schema": SCHEMA},
    "auth": {"type": "basic", "basic": kv(username="acme", password="{{basic_password}}")},
    "variable": [{"key": "basic_password", "value": "pw-from-collection"}],
    "item": [
        request("Digest hook", {"type": "digest", "digest": kv(username="dave", password="d-pass", algorithm="SHA-256",
                                                               qop="auth", realm="r1")}),
        request("AWS hook", {"type": "awsv4", "awsv4": kv(accessKey="AKIDEXAMPLE", secretKey="{{aws_secret}}",
                                                          region="eu-west-1", service="execute-api")}),
        {"name": "Keys", "item": [
            request("Key in header", {"type": "apikey", "apikey": kv(key="X-API-Key", value="k-123", **{"in": "header"})}),
            request("Key in query", {"type": "apikey", "apikey": kv(key="api_key", value="k-456", **{"in": "query"})}),
        ]},
        request("Bearer hook", {"type": "bearer", "bearer": kv(token="tok-789")}),
        request("OAuth hook", {"type": "oauth2", "oauth2": kv(grant_type="client_credentials", clientId="app",
                                                              clientSecret="app-secret",
                                                              accessTokenUrl="https://auth.example/token",
                                                              scope="hooks", client_authentication="header")}),
        request("Open hook", {"type": "noauth"}),
        request("NTLM hook", {"type": "ntlm", "ntlm": kv(username="u", password="p")}),
        request("Implicit hook", {"type": "oauth2", "oauth2": kv(grant_type="implicit", clientId="x")}),
    ],
}

ENVIRONMENT = {"name": "prod", "values": [{"key": "aws_secret", "value": "wJalrXUtnFEMI/K7MDENG", "enabled": True}]}


class ImportPostman(harness.HookauthTest):
    def write(self, name, content):
        path = os.path.join(self.tmp, name)
        with open(path, "w", encoding="utf-8") as f:
            json.dump(content, f)
        return path

    def show(self, name):
        return json.loads(self.ok("auth", "show", name, "--json", "--reveal").out)

    def test_every_mappable_block_becomes_an_authorization(self):
        coll = self.write("c.json", COLLECTION)
        env = self.write("e.json", ENVIRONMENT)
        r = self.ok("auth", "import", "postman", coll, "--environment", env, "--json")
        entries = json.loads(r.out)
        made = {e["from"].split("/")[-1]: e for e in entries}
        self.assertEqual(len(entries), 10)
        self.assertEqual(self.show(made["Partner API"]["name"])["password"], "pw-from-collection")
        d = self.show(made["Digest hook"]["name"])
        self.assertEqual((d["type"], d["username"], d["algorithm"], d["qop"], d["realm"]),
                         ("digest", "dave", "SHA-256", "auth", "r1"))
        a = self.show(made["AWS hook"]["name"])
        self.assertEqual((a["type"], a["secret-key"], a["region"]), ("aws-sigv4", "wJalrXUtnFEMI/K7MDENG", "eu-west-1"))
        h = self.show(made["Key in header"]["name"])
        self.assertEqual((h["key"], h["value"], h["in"]), ("X-API-Key", "k-123", "header"))
        self.assertEqual(self.show(made["Key in query"]["name"])["in"], "query")
        b = self.show(made["Bearer hook"]["name"])
        self.assertEqual((b["type"], b["key"], b["value"]), ("api-key", "Authorization", "Bearer tok-789"))
        o = self.show(made["OAuth hook"]["name"])
        self.assertEqual((o["grant"], o["client-id"], o["client-secret"], o["client-auth"], o["scope"]),
                         ("client-credentials", "app", "app-secret", "basic", "hooks"))
        self.assertEqual(self.show(made["Open hook"]["name"])["type"], "none")
        self.assertIsNone(made["NTLM hook"]["name"])
        self.assertIn("ntlm", made["NTLM hook"]["skipped"])
        self.assertIsNone(made["Implicit hook"]["name"])
        self.assertIn("implicit", made["Implicit hook"]["skipped"])
        # The store stays private and the import is repeatable without clobbering: new names are numbered.
        self.assertEqual(os.stat(self.store).st_mode & 0o777, 0o600)
        again = json.loads(self.ok("auth", "import", "postman", coll, "--environment", env, "--json").out)
        self.assertEqual({e["name"] for e in again if e["name"]} & {e["name"] for e in entries if e["name"]}, set())

    def test_text_output_lists_what_was_skipped_and_why(self):
        coll = self.write("c.json", {"info": {"name": "x", "schema": SCHEMA},
                                     "item": [request("Hawk", {"type": "hawk", "hawk": kv(authId="a")}),
                                              request("Plain", {"type": "basic", "basic": kv(username="u", password="p")})]})
        r = self.ok("auth", "import", "postman", coll, "--prefix", "pm-")
        self.assertIn("skipped x/Hawk: type 'hawk' has no hookauth equivalent", r.out)
        self.assertIn("created pm-Plain (basic) from x/Plain", r.out)

    def test_json_gives_postmans_type_and_hookauths(self):
        # audit cli #12: postman_type said api-key for Postman's apikey and bearer blocks
        coll = self.write("c.json", {"info": {"name": "x", "schema": SCHEMA}, "item": [
            request("Bearer", {"type": "bearer", "bearer": kv(token="tok-1")}),
            request("Key", {"type": "apikey", "apikey": kv(key="X-K", value="k-1")}),
            request("Hawk", {"type": "hawk", "hawk": kv(authId="a")})]})
        entries = {e["from"]: e for e in json.loads(self.ok("auth", "import", "postman", coll, "--json").out)}
        self.assertEqual((entries["x/Bearer"]["postman_type"], entries["x/Bearer"]["type"]), ("bearer", "api-key"))
        self.assertEqual((entries["x/Key"]["postman_type"], entries["x/Key"]["type"]), ("apikey", "api-key"))
        self.assertEqual((entries["x/Hawk"]["postman_type"], entries["x/Hawk"]["type"]), ("hawk", None))

    def test_an_undefined_variable_skips_the_block_and_names_it_never_the_value(self):
        coll = self.write("c.json", {"info": {"name": "x", "schema": SCHEMA}, "item": [
            request("Req-3", {"type": "bearer", "bearer": kv(token="{{undefinedvar}}")}),
            request("Half", {"type": "basic", "basic": kv(username="{{user}}", password="PW-SECRET-{{pw}}")}),
            request("Fine", {"type": "basic", "basic": kv(username="u", password="{{pw}}")})]})
        env = self.write("e.json", {"name": "e", "values": [{"key": "pw", "value": "pw-from-env", "enabled": True}]})
        r = self.ok("auth", "import", "postman", coll, "--json")
        entries = {e["from"]: e for e in json.loads(r.out)}
        self.assertEqual(r.err, "")
        self.assertIsNone(entries["x/Req-3"]["name"])
        self.assertIn("{{undefinedvar}} in value", entries["x/Req-3"]["skipped"])
        self.assertIn("--environment", entries["x/Req-3"]["skipped"])
        self.assertIn("{{user}} in username, {{pw}} in password", entries["x/Half"]["skipped"])
        self.assertNotIn("PW-SECRET", r.out)
        self.assertIsNone(entries["x/Fine"]["name"])
        self.assertEqual(self.hookauth("auth", "show", "Req-3").rc, 2)
        # with the environment the variables it defines are filled in; the others still skip their block
        entries = {e["from"]: e for e in json.loads(self.ok("auth", "import", "postman", coll, "--environment", env,
                                                             "--json").out)}
        self.assertEqual(self.show(entries["x/Fine"]["name"])["password"], "pw-from-env")
        self.assertIn("{{user}} in username", entries["x/Half"]["skipped"])
        self.assertNotIn("{{pw}}", entries["x/Half"]["skipped"])
        r = self.ok("auth", "import", "postman", coll)
        self.assertIn("skipped x/Req-3: undefined variables: {{undefinedvar}} in value", r.out)

    def test_client_credentials_leave_the_authorization_url_out(self):
        # Postman keeps every grant's settings; --auth-url applies to authorization-code only (audit cli #14)
        coll = self.write("c.json", {"info": {"name": "x", "schema": SCHEMA}, "item": [
            request("CC", {"type": "oauth2", "oauth2": kv(grant_type="client_credentials", clientId="app",
                                                          accessTokenUrl="https://auth.example/token",
                                                          authUrl="https://auth.example/authorize",
                                                          redirect_uri="http://127.0.0.1:8765/cb")})]})
        entries = json.loads(self.ok("auth", "import", "postman", coll, "--json").out)
        o = self.show(entries[0]["name"])
        self.assertEqual((o["grant"], o["token-url"], o["auth-url"], o["redirect-uri"]),
                         ("client-credentials", "https://auth.example/token", "", ""))

    def test_bad_files(self):
        r = self.hookauth("auth", "import", "postman", os.path.join(self.tmp, "missing.json"))
        self.assert_one_error_line(r, 2)
        bad = os.path.join(self.tmp, "bad.json")
        with open(bad, "w") as f:
            f.write("{not json")
        r = self.hookauth("auth", "import", "postman", bad)
        self.assert_one_error_line(r, 2)
        self.assertIn("not a JSON object", r.err)
        r = self.hookauth("auth", "import", "postman", self.write("o.json", {"hello": 1}))
        self.assert_one_error_line(r, 2)
        self.assertIn("not a Postman collection", r.err)


if __name__ == "__main__":
    harness.main()
