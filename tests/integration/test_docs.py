"""The man page and the bash completion against the real binary.

Every flag that `hookauth ... --help` lists must be documented in man/hookauth.1 (in the section
of its command) and offered by `hookauth __complete` (which the completion shims call), so a flag
added without its documentation fails here. The completion is also driven the way bash drives it,
with bash-completion loaded, including the names of authorizations and of saved webhooks read from
a store made by the binary.

Run from the repository root: HOOKAUTH_BIN=build/src/hookauth /usr/bin/python3 -m unittest -v
tests/integration/test_docs.py
"""

import os
import re
import shutil
import subprocess
import tempfile
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MAN_PAGE = os.path.join(ROOT, "man", "hookauth.1")
COMPLETION = os.path.join(ROOT, "completions", "hookauth.bash")
BASH_COMPLETION = "/usr/share/bash-completion/bash_completion"
# The global options: completed after a subcommand too (CLI11's fallthrough accepts them there),
# though a subcommand's --help does not list them.
GLOBAL_FLAGS = {"--store", "-q", "--quiet", "--at"}
GLOBAL_LONG = sorted(f for f in GLOBAL_FLAGS if f.startswith("--"))


def hookauth_bin():
    path = os.environ.get("HOOKAUTH_BIN")
    if not path:
        raise unittest.SkipTest("HOOKAUTH_BIN is not set")  # ctest always sets it
    return os.path.abspath(path)


def clean_env(home):
    """An environment where no store but the ones a test names can be found."""
    env = dict(os.environ)
    for name in ("HOOKAUTH_STORE", "XDG_CONFIG_HOME"):
        env.pop(name, None)
    env["HOME"] = home
    env["LC_ALL"] = "C"
    return env


def run(args, env=None, input_text=None):
    return subprocess.run(args, capture_output=True, text=True, env=env, input=input_text, timeout=60)


def parse_help(text):
    """The flags and the subcommand names that one --help output lists."""
    flags, subcommands, section = set(), [], None
    for line in text.splitlines():
        if re.match(r"^\S.*:$", line):
            section = line[:-1]
            continue
        m = re.match(r"^  (\S+)", line)
        if not m:
            continue
        if section == "Options" and m.group(1).startswith("-"):
            flags.update(f for f in m.group(1).split(",") if f.startswith("-"))
        elif section == "Subcommands":
            subcommands.append(m.group(1).rstrip(","))
    return flags, subcommands


def option_lines(text):
    """The lines of a --help text's Options section."""
    section = None
    for line in text.splitlines():
        if re.match(r"^\S.*:$", line):
            section = line[:-1]
        elif section == "Options":
            yield line


def parse_choices(text):
    """{flag: [its values]} for the options whose --help names a fixed set of values: either
    `--in TEXT:{header,query}` (CLI11's check) or `--type none|basic|...` (a type name)."""
    choices = {}
    for line in option_lines(text):
        m = re.match(r"^  (?:-\w,)?(--[\w-]+) \S*:\{([^}]*)\}", line)
        if m:
            choices[m.group(1)] = m.group(2).split(",")
            continue
        m = re.match(r"^  (?:-\w,)?(--[\w-]+) ([a-z0-9-]+(?:\|[a-z0-9-]+)+)(?: |$)", line)
        if m:
            choices[m.group(1)] = m.group(2).split("|")
    return choices


def collect_choices(binary, env, paths):
    """{(command path, flag): [values]} for every command of paths."""
    found = {}
    for path in paths:
        result = run([binary, *path, "--help"], env=env)
        for flag, values in parse_choices(result.stdout).items():
            found[(path, flag)] = values
    return found


def collect_flags(binary, env):
    """{command path (tuple): its flags}, for hookauth and every subcommand, recursively."""
    found, todo = {}, [()]
    while todo:
        path = todo.pop()
        result = run([binary, *path, "--help"], env=env)
        if result.returncode != 0:
            raise AssertionError(f"hookauth {' '.join(path)} --help exited {result.returncode}: {result.stderr}")
        flags, subcommands = parse_help(result.stdout)
        found[path] = flags
        todo.extend(path + (s,) for s in subcommands)
    return found


def man_text():
    """The man page source with roff escapes that matter for flags removed, comments dropped."""
    with open(MAN_PAGE, encoding="utf-8") as f:
        lines = [line for line in f.read().splitlines() if not line.startswith('.\\"')]
    text = "\n".join(lines)
    for escape, plain in (("\\-", "-"), ("\\&", ""), ("\\fB", ""), ("\\fI", ""), ("\\fP", ""), ("\\fR", "")):
        text = text.replace(escape, plain)
    return text


def man_sections(text):
    """{command path: section text}: the OPTIONS section is (), each .SS under COMMANDS is its path."""
    sections, current, body = {}, None, []

    def flush():
        if current is not None:
            sections[current] = "\n".join(body)

    for line in text.splitlines():
        m = re.match(r'^\.(SH|SS)\s+"?([^"]*)"?', line)
        if m:
            flush()
            body = []
            title = m.group(2)
            if m.group(1) == "SH":
                current = () if title == "OPTIONS" else None
            else:
                words = []
                for word in title.split():
                    if not re.fullmatch(r"[a-z]+", word):
                        break
                    words.append(word)
                current = tuple(words) if words else None
            continue
        body.append(line)
    flush()
    return sections


def mentions(text, flag):
    return re.search(r"(?<![\w-])" + re.escape(flag) + r"(?![\w-])", text) is not None


def parse_flag_types(text):
    """{flag: [types]} from `auth add --help`, whose help for each field flag ends in the types it
    applies to, from the type table: `--username TEXT  the user-id ... (basic, digest)`."""
    found, flag = {}, None
    for line in option_lines(text):
        m = re.match(r"^  (?:-\w,)?(--[\w-]+)(.*)$", line)
        if m:
            flag, rest = m.group(1), m.group(2)
        elif flag and line.startswith("    "):
            rest = line  # the help on a line of its own, after a long flag
        else:
            continue
        tag = re.search(r"\(([^()]*)\)\s*$", rest)
        if tag:
            found[flag] = tag.group(1).split(", ")
    return found


def man_entries(body):
    """{first word: entry text} for each .TP entry of a section: `.BI --username " TEXT"` is
    --username, `.B basic` is basic."""
    entries, lines, i = {}, body.splitlines(), 0
    while i < len(lines):
        if lines[i] != ".TP" or i + 1 == len(lines):
            i += 1
            continue
        m = re.match(r'^\.(?:B|BI|BR|I|IR)\s+"?([\w-]+)', lines[i + 1])
        j = i + 2
        while j < len(lines) and lines[j] != ".TP" and not re.match(r"^\.(SH|SS|P|PP)\b", lines[j]):
            j += 1
        if m:
            entries.setdefault(m.group(1), "\n".join(lines[i + 1:j]))
        i = j
    return entries


class DocsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.binary = hookauth_bin()
        cls.tmp = tempfile.mkdtemp(prefix="hookauth-docs-")
        cls.env = clean_env(cls.tmp)
        cls.flags = collect_flags(cls.binary, cls.env)
        cls.choices = collect_choices(cls.binary, cls.env, cls.flags)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def all_flags(self):
        return set().union(*self.flags.values())

    def test_help_parsing_found_the_commands(self):
        # Guards the checks below against a help format they no longer understand.
        for path in [(), ("auth", "add"), ("auth", "list"), ("auth", "show"), ("auth", "presign"), ("auth", "token"),
                     ("auth", "login"), ("auth", "remove"), ("webhook", "send"), ("webhook", "add"),
                     ("webhook", "list"), ("webhook", "show"), ("webhook", "remove"), ("verify",), ("verify", "serve")]:
            self.assertIn(path, self.flags)
        for flag in ["--store", "-q", "--quiet", "--version", "--help", "--type", "--in",
                     "--allow-insecure-http", "--dry-run", "--listen", "--count", "--grant", "--token-header",
                     "--scheme", "--secret", "--signature", "--signature-secret", "--signed-content", "--id",
                     "--tolerance", "--jwks", "--jwks-url", "--audience", "--leeway"]:
            self.assertIn(flag, self.all_flags())
        self.assertLessEqual({"--scheme", "--secret", "--signature", "--signature-secret", "--signature-header",
                              "--signature-algorithm", "--signature-encoding", "--signature-prefix",
                              "--signed-content", "--timestamp-header", "--id-header"}, self.flags[("auth", "add")])
        self.assertIn("--id", self.flags[("webhook", "send")])
        self.assertIn("--curl", self.flags[("webhook", "send")])
        self.assertEqual(self.flags[("webhook", "add")],
                         {"-h", "--help", "--url", "--auth", "-X", "--request", "-H", "--header", "--force",
                          "--json"})
        self.assertEqual(self.flags[("webhook", "list")], {"-h", "--help", "--json"})
        self.assertEqual(self.flags[("webhook", "show")], {"-h", "--help", "--json"})
        self.assertEqual(self.flags[("webhook", "remove")], {"-h", "--help", "--json"})
        self.assertEqual(self.flags[("auth", "remove")], {"-h", "--help", "--force", "--json"})
        self.assertIn("--json", self.flags[("auth", "add")])
        self.assertIn("--json", self.flags[("auth", "presign")])
        self.assertEqual(self.flags[("auth", "token")],
                         {"-h", "--help", "--refresh", "--open", "--no-listen", "--login-timeout", "--timeout",
                          "--allow-insecure-http", "-v", "--verbose", "--json", "--reveal"})
        self.assertEqual(self.flags[("auth", "login")], self.flags[("auth", "token")] - {"--refresh"})
        for path in [("verify",), ("verify", "serve")]:
            self.assertLessEqual({"--introspect-url", "--expect-token", "--jwks", "--jwks-url", "--issuer",
                                  "--audience", "--leeway", "--tolerance"}, self.flags[path])

    def test_help_parsing_found_the_choices(self):
        add = ("auth", "add")
        self.assertLessEqual({"none", "basic", "api-key", "digest", "aws-sigv4", "oauth2", "signature"},
                             set(self.choices[(add, "--type")]))
        self.assertEqual(self.choices[(add, "--in")], ["header", "query"])
        self.assertEqual(self.choices[(add, "--grant")], ["client-credentials", "authorization-code"])
        self.assertEqual(self.choices[(add, "--token-method")], ["POST", "GET"])
        self.assertEqual(self.choices[(add, "--token-params")], ["body", "url"])
        self.assertEqual(self.choices[(add, "--client-auth")], ["body", "basic"])
        schemes = ["standard-webhooks", "github", "stripe", "hmac"]
        self.assertEqual(self.choices[(add, "--scheme")], schemes)
        self.assertEqual(self.choices[(add, "--signature")], schemes)
        self.assertEqual(self.choices[(add, "--signature-algorithm")], ["sha256", "sha512"])
        self.assertEqual(self.choices[(add, "--signature-encoding")], ["hex", "base64"])

    def test_man_page_has_no_groff_warnings(self):
        self.assertIsNotNone(shutil.which("groff"), "groff is not installed (Debian: groff-base)")
        result = run(["groff", "-man", "-ww", "-z", MAN_PAGE])
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout + result.stderr, "")

    def test_man_page_documents_every_flag(self):
        text = man_text()
        missing = sorted(f for f in self.all_flags() if not mentions(text, f))
        self.assertEqual(missing, [], "flags missing from man/hookauth.1")

    def test_man_page_documents_each_flag_under_its_command(self):
        sections = man_sections(man_text())
        for path, flags in sorted(self.flags.items()):
            own = flags - {"-h", "--help"}
            if not own:
                continue
            name = " ".join(path) or "global options"
            self.assertIn(path, sections, f"man/hookauth.1 has no section for {name}")
            missing = sorted(f for f in own if not mentions(sections[path], f))
            self.assertEqual(missing, [], f"flags of {name} missing from its man page section")

    def test_man_page_documents_each_choice_under_its_command(self):
        sections = man_sections(man_text())
        for (path, flag), values in sorted(self.choices.items()):
            missing = [v for v in values if not mentions(sections[path], v)]
            self.assertEqual(missing, [], f"values of {' '.join(path)} {flag} missing from its man page section")

    def test_man_page_synopsis_lists_every_type(self):
        synopsis = man_text().split(".SH SYNOPSIS", 1)[1].split(".SH ", 1)[0]
        m = re.search(r"^\.BR (none(?: \| \S+)+)$", synopsis, re.M)  # .BR none | basic | ...
        self.assertIsNotNone(m, "the synopsis of auth add lists no types")
        self.assertEqual(m.group(1).split(" | "), self.choices[(("auth", "add"), "--type")])
        self.assertEqual(m.group(1).split(" | "),
                         ["none", "basic", "api-key", "digest", "aws-sigv4", "oauth2", "signature"])

    def test_man_page_documents_saved_webhooks(self):
        text = man_text()
        sections = man_sections(text)
        for path in [("webhook", "add"), ("webhook", "list"), ("webhook", "show"), ("webhook", "remove")]:
            self.assertIn(path, sections)
        self.assertTrue(mentions(sections[("webhook", "remove")], "rm"), "the alias rm of webhook remove")
        synopsis = text.split(".SH SYNOPSIS", 1)[1].split(".SH ", 1)[0]
        for command in ("webhook add", "webhook list", "webhook show", "webhook remove"):
            self.assertIn(".B hookauth " + command, synopsis)
        store_format = text.split('.SS "The store format"', 1)[1].split("\n.SH ", 1)[0]
        self.assertIn('"webhooks"', store_format)
        json_output = text.split(".SH JSON OUTPUT", 1)[1].split("\n.SH ", 1)[0]
        for heading in ("webhook list --json", "webhook show --json"):
            self.assertIn(heading, json_output)
        send = sections[("webhook", "send")]
        self.assertIn("neither a URL nor a saved webhook", send)
        self.assertTrue(mentions(send, "--curl"))

    def test_man_page_has_the_signature_and_jwt_sections(self):
        text = man_text()
        for title in ("PAYLOAD SIGNATURES", "JWT BEARER TOKENS"):
            self.assertRegex(text, r"(?m)^\.SH " + title + "$")
        signatures = text.split(".SH PAYLOAD SIGNATURES", 1)[1].split("\n.SH ", 1)[0]
        for word in ("standard-webhooks", "github", "stripe", "hmac", "webhook-id", "webhook-timestamp",
                     "webhook-signature", "X-Hub-Signature-256", "Stripe-Signature", "whsec_", "whsk_", "whpk_",
                     "--tolerance none"):
            self.assertIn(word, signatures)
        jwt = text.split(".SH JWT BEARER TOKENS", 1)[1].split("\n.SH ", 1)[0]
        for word in ("RS256", "ES256", "EdDSA", "exp", "nbf", "iss", "aud", "kid", "10 seconds"):
            self.assertTrue(mentions(jwt, word), word)

    def test_man_page_documents_each_type_and_its_fields(self):
        # The types and which flags each has come from the type table, through `auth add --help`.
        types = self.choices[(("auth", "add"), "--type")]
        result = run([self.binary, "auth", "add", "--help"], env=self.env)
        flag_types = parse_flag_types(result.stdout)
        self.assertIn("basic", flag_types.get("--username", []), "auth add --help no longer tags flags with types")
        text = man_text()
        types_section = text.split(".SH AUTHORIZATION TYPES", 1)[1].split("\n.SH ", 1)[0]
        type_entries = man_entries(types_section)
        flag_entries = man_entries(man_sections(text)[("auth", "add")])
        for name in types:
            self.assertIn(name, type_entries, f"AUTHORIZATION TYPES has no entry for the type {name}")
        for flag, tagged in sorted(flag_types.items()):
            if tagged == ["any type"]:  # a stacked payload signature's field: named with the types
                self.assertTrue(mentions(types_section, flag[2:]), f"AUTHORIZATION TYPES does not name {flag[2:]}")
                continue
            if not set(tagged) <= set(types):
                continue  # --type itself
            self.assertIn(flag, flag_entries, f"auth add has no entry for {flag}")
            for name in tagged:
                self.assertTrue(mentions(flag_entries[flag], name), f"auth add's entry of {flag} does not name {name}")
                self.assertTrue(mentions(type_entries[name], flag[2:]),
                                f"the AUTHORIZATION TYPES entry of {name} does not name its field {flag[2:]}")

    def test_complete_offers_every_flag_of_each_command(self):
        # The shims list no flag: the binary answers from its CLI11 model, so a new flag completes
        # without a script to touch. Walks every command that --help lists.
        for path, flags in sorted(self.flags.items()):
            with self.subTest(command=" ".join(path)):
                result = run([self.binary, "__complete", *path, "-"], env=self.env)
                self.assertEqual(result.returncode, 0, result.stderr)
                self.assertEqual(result.stderr, "")
                lines = result.stdout.splitlines()
                self.assertEqual(lines[-1], ":0")
                offered = {line.split("\t")[0] for line in lines[:-1]}
                self.assertEqual(sorted(flags - offered), [], "flags of --help that __complete does not offer")
                # The global options, which CLI11's fallthrough lets come after the subcommand, too.
                self.assertLessEqual(GLOBAL_FLAGS, offered)

    def test_complete_command_is_hidden(self):
        result = run([self.binary, "__complete", ""], env=self.env)
        self.assertEqual(result.stdout.splitlines(), ["auth\tmanage authorizations", "webhook\tsend webhooks",
                                                      "verify\tcheck that a received request carries valid "
                                                      "authorization", ":0"])
        self.assertNotIn("__complete", run([self.binary, "--help"], env=self.env).stdout)

    def test_completion_file_is_valid_bash(self):
        result = run(["bash", "-n", COMPLETION])
        self.assertEqual(result.returncode, 0, result.stderr)


# Loads bash-completion and ours, sets COMP_* from the arguments (the last one is the word being
# completed, the cursor at its end), calls the function that `complete -p` names, prints COMPREPLY.
# HOOKAUTH_COMP_LINE, when set, is the line as typed (the words joined with spaces otherwise).
DRIVER = r"""
source "$BASH_COMPLETION_FILE" || exit 90
source "$HOOKAUTH_COMPLETION_FILE" || exit 91
spec=$(complete -p hookauth) || exit 92
[[ $spec == *" -F "* ]] || exit 93
fn=${spec##* -F }
fn=${fn%% *}
COMP_WORDS=("$@")
COMP_CWORD=$(($# - 1))
COMP_LINE=${HOOKAUTH_COMP_LINE:-$*}
COMP_POINT=${#COMP_LINE}
COMPREPLY=()
"$fn" "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
printf '%s\n' "${COMPREPLY[@]}"
"""


class CompletionTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.binary = hookauth_bin()
        if not os.path.exists(BASH_COMPLETION):
            raise AssertionError(f"{BASH_COMPLETION} is missing (Debian: bash-completion)")
        cls.tmp = tempfile.mkdtemp(prefix="hookauth-completion-")
        cls.env = clean_env(cls.tmp)
        cls.env["PATH"] = os.path.dirname(cls.binary) + os.pathsep + cls.env.get("PATH", "")
        cls.env["BASH_COMPLETION_FILE"] = BASH_COMPLETION
        cls.env["HOOKAUTH_COMPLETION_FILE"] = COMPLETION
        cls.flags = collect_flags(cls.binary, cls.env)
        cls.choices = collect_choices(cls.binary, cls.env, cls.flags)
        # Two stores with different names, so a test can tell which one was read.
        cls.store_a = os.path.join(cls.tmp, "a", "store.json")
        cls.store_b = os.path.join(cls.tmp, "b", "store.json")
        cls.add(cls.store_a, "partner-basic", "--type", "basic", "--username", "acme", "--password", "pw-12345")
        cls.add(cls.store_a, "partner.key", "--type", "api-key", "--key", "X-API-Key", "--value", "env:KEY")
        cls.add(cls.store_a, "open_1", "--type", "none")
        cls.add(cls.store_b, "other-store", "--type", "none")
        # Saved webhooks; a header whose value looks like a "name" member must not be offered.
        cls.add_webhook(cls.store_a, "partner-hook", "--url", "https://hooks.partner.example/notify", "--auth",
                        "partner-basic", "-H", 'X-Trick: "name": "not-a-webhook"')
        cls.add_webhook(cls.store_a, "ops.alerts", "--url", "http://127.0.0.1:9/alerts", "-X", "PUT")
        cls.add_webhook(cls.store_a, "h_2", "--url", "https://h2.example/")
        cls.add_webhook(cls.store_b, "other-hook", "--url", "https://other.example/")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def add(cls, store, name, *args):
        result = run([cls.binary, "-q", "--store", store, "auth", "add", name, *args], env=cls.env)
        if result.returncode != 0:
            raise AssertionError(f"auth add {name}: {result.stderr}")

    @classmethod
    def add_webhook(cls, store, name, *args):
        result = run([cls.binary, "-q", "--store", store, "webhook", "add", name, *args], env=cls.env)
        if result.returncode != 0:
            raise AssertionError(f"webhook add {name}: {result.stderr}")

    def complete(self, *words, env=None):
        """The candidates for the last word of `hookauth WORDS`."""
        result = run(["bash", "-c", DRIVER, "bash", *words], env=env or self.env)
        self.assertEqual(result.returncode, 0, f"driver failed ({result.returncode}): {result.stderr}")
        return sorted(line for line in result.stdout.splitlines() if line)

    def test_top_level_subcommands(self):
        self.assertEqual(self.complete("hookauth", ""), ["auth", "verify", "webhook"])
        self.assertEqual(self.complete("hookauth", "w"), ["webhook"])

    def test_auth_subcommands(self):
        self.assertEqual(self.complete("hookauth", "auth", ""),
                         ["add", "import", "list", "login", "presign", "remove", "rm", "show", "token"])
        self.assertEqual(self.complete("hookauth", "auth", "t"), ["token"])
        self.assertEqual(self.complete("hookauth", "auth", "lo"), ["login"])
        self.assertEqual(self.complete("hookauth", "--store", self.store_a, "auth", "s"), ["show"])

    def test_other_subcommands(self):
        self.assertEqual(self.complete("hookauth", "webhook", ""), ["add", "list", "probe", "remove", "rm", "send", "show"])
        # webhook probe's check ids, as positionals and for --skip, come from the binary's catalogue.
        self.assertEqual(self.complete("hookauth", "webhook", "probe", "--skip", "sig-r"), ["sig-replay", "sig-rotation"])
        self.assertEqual(self.complete("hookauth", "webhook", "probe", "http://127.0.0.1:9/", "basic-p"),
                         ["basic-password-longer", "basic-password-prefix"])
        self.assertEqual(self.complete("hookauth", "webhook", "s"), ["send", "show"])
        self.assertEqual(self.complete("hookauth", "webhook", "r"), ["remove", "rm"])
        self.assertEqual(self.complete("hookauth", "verify", ""), ["serve"])

    def test_type_values(self):
        self.assertEqual(self.complete("hookauth", "auth", "add", "x", "--type", ""),
                         ["api-key", "aws-sigv4", "basic", "digest", "none", "oauth2", "signature"])
        self.assertEqual(self.complete("hookauth", "auth", "add", "x", "--type", "b"), ["basic"])
        self.assertEqual(self.complete("hookauth", "auth", "add", "x", "--type", "o"), ["oauth2"])
        self.assertEqual(self.complete("hookauth", "auth", "add", "x", "--type", "s"), ["signature"])

    def test_signature_values(self):
        schemes = ["github", "hmac", "standard-webhooks", "stripe"]
        add = ["hookauth", "auth", "add", "x", "--type", "signature"]
        self.assertEqual(self.complete(*add, "--scheme", ""), schemes)
        self.assertEqual(self.complete(*add, "--scheme", "st"), ["standard-webhooks", "stripe"])
        self.assertEqual(self.complete(*add, "--scheme", "hmac", "--signature-algorithm", ""), ["sha256", "sha512"])
        self.assertEqual(self.complete(*add, "--scheme", "hmac", "--signature-encoding", ""), ["base64", "hex"])
        self.assertEqual(self.complete(*add, "--scheme", "hmac", "--signature-encoding", "h"), ["hex"])
        stacked = ["hookauth", "auth", "add", "x", "--type", "oauth2"]
        self.assertEqual(self.complete(*stacked, "--signature", ""), schemes)
        self.assertEqual(self.complete(*stacked, "--signature", "g"), ["github"])
        self.assertEqual(self.complete(*stacked, "--signature", "hmac", "--signature-algorithm", "sha5"),
                         ["sha512"])

    def test_tolerance_values(self):
        for path in (["verify"], ["verify", "serve"]):
            self.assertEqual(self.complete("hookauth", *path, "--tolerance", ""), ["none"])
            self.assertEqual(self.complete("hookauth", *path, "--tolerance", "n"), ["none"])
            self.assertEqual(self.complete("hookauth", *path, "--tolerance", "3"), [])

    def test_oauth2_values(self):
        add = ["hookauth", "auth", "add", "x", "--type", "oauth2"]
        self.assertEqual(self.complete(*add, "--grant", ""), ["authorization-code", "client-credentials"])
        self.assertEqual(self.complete(*add, "--grant", "c"), ["client-credentials"])
        self.assertEqual(self.complete(*add, "--token-method", ""), ["GET", "POST"])
        self.assertEqual(self.complete(*add, "--token-params", ""), ["body", "url"])
        self.assertEqual(self.complete(*add, "--client-auth", ""), ["basic", "body"])
        # A value is not taken for a flag: after a value, flags are offered again.
        self.assertIn("--token-url", self.complete(*add, "--grant", "client-credentials", "--to"))

    def test_values_of_each_choice_flag_match_its_help(self):
        for (path, flag), values in self.choices.items():
            with self.subTest(command=" ".join(path), flag=flag):
                self.assertEqual(self.complete("hookauth", *path, flag, ""), sorted(values))

    def test_in_values(self):
        words = ["hookauth", "auth", "add", "x", "--type", "api-key", "--key", "K", "--in", ""]
        self.assertEqual(self.complete(*words), ["header", "query"])

    def test_flags_of_each_command_match_its_help(self):
        for path, flags in self.flags.items():
            with self.subTest(command=" ".join(path)):
                expected = flags | (GLOBAL_FLAGS if path else set())
                self.assertEqual(self.complete("hookauth", *path, "-"), sorted(expected))

    def test_auth_add_offers_the_fields_of_the_chosen_type(self):
        got = self.complete("hookauth", "auth", "add", "x", "--type", "basic", "--")
        self.assertIn("--password", got)
        self.assertNotIn("--value", got)
        got = self.complete("hookauth", "auth", "add", "x", "--type", "oauth2", "--")
        self.assertEqual(got, sorted(GLOBAL_LONG + ["--type", "--force", "--json", "--help", "--grant", "--client-id",
                                                    "--client-secret",
                                      "--token-url", "--auth-url", "--redirect-uri", "--scope", "--validity",
                                      "--refresh-url", "--token-method", "--token-params", "--token-header",
                                      "--client-auth", "--refresh-margin", "--issuer", "--signature",
                                      "--signature-secret"]))
        self.assertNotIn("--grant", self.complete("hookauth", "auth", "add", "x", "--type", "digest", "--"))

    def test_auth_add_offers_the_signature_fields(self):
        hmac = ["--signature-header", "--signature-algorithm", "--signature-encoding", "--signature-prefix",
                "--signed-content", "--timestamp-header", "--id-header"]
        own = GLOBAL_LONG + ["--type", "--force", "--json", "--help", "--scheme", "--secret"]
        add = ["hookauth", "auth", "add", "x", "--type", "signature"]
        self.assertEqual(self.complete(*add, "--"), sorted(own + hmac))
        self.assertEqual(self.complete(*add, "--scheme", "hmac", "--"), sorted(own + hmac))
        self.assertEqual(self.complete(*add, "--scheme=hmac", "--"), sorted(own + hmac))
        self.assertEqual(self.complete(*add, "--scheme", "github", "--"), sorted(own))
        self.assertNotIn("--signature", self.complete(*add, "--"))
        # Stacked on another type: --signature and its secret, the hmac options once the scheme is hmac.
        basic = ["hookauth", "auth", "add", "x", "--type", "basic"]
        self.assertEqual(self.complete(*basic, "--"),
                         sorted(GLOBAL_LONG + ["--type", "--force", "--json", "--help", "--username", "--password",
                                               "--signature", "--signature-secret"]))
        self.assertEqual(self.complete(*basic, "--signature", "standard-webhooks", "--sig"),
                         ["--signature", "--signature-secret"])
        self.assertEqual(self.complete(*basic, "--signature", "hmac", "--signature-secret", "env:S", "--sig"),
                         sorted(["--signature", "--signature-secret", "--signature-header", "--signature-algorithm",
                                 "--signature-encoding", "--signature-prefix", "--signed-content"]))
        self.assertIn("--id-header", self.complete(*basic, "--signature=hmac", "--"))
        self.assertIn("--signature", self.complete("hookauth", "auth", "add", "x", "--type", "none", "--"))

    def test_flag_values_are_skipped_in_the_walk(self):
        # A flag that takes a value is not mistaken for a positional, nor its value for a subcommand.
        env = dict(self.env, HOOKAUTH_STORE=self.store_a)
        self.assertEqual(self.complete("hookauth", "auth", "token", "--login-timeout", "30", "o", env=env), ["open_1"])
        self.assertEqual(self.complete("hookauth", "auth", "login", "--timeout", "5", "o", env=env), ["open_1"])
        self.assertEqual(self.complete("hookauth", "verify", "--introspect-url", "https://a.example/i", "s"),
                         ["serve"])
        self.assertEqual(self.complete("hookauth", "verify", "serve", "--expect-token", "env:T", "--auth", "o",
                                       env=env), ["open_1"])
        # The payload signature and JWT flags take a value too.
        self.assertEqual(self.complete("hookauth", "verify", "--tolerance", "600", "s"), ["serve"])
        self.assertEqual(self.complete("hookauth", "verify", "--jwks", "keys.json", "--audience", "hooks", "--issuer",
                                       "https://i.example", "--leeway", "30", "s"), ["serve"])
        self.assertEqual(self.complete("hookauth", "verify", "--jwks-url", "https://i.example/jwks", "s"), ["serve"])
        self.assertEqual(self.complete("hookauth", "verify", "serve", "--jwks-url", "https://i.example/jwks",
                                       "--audience", "hooks", "--issuer", "https://i.example", "--leeway", "5",
                                       "--tolerance", "none", "--auth", "o", env=env), ["open_1"])
        self.assertEqual(self.complete("hookauth", "webhook", "send", "--id", "evt_1", "--auth", "o", env=env),
                         ["open_1"])
        self.assertIn("--auth", self.complete("hookauth", "webhook", "send", "--id", "evt_1", "--a"))
        # auth add: a secret with spaces, and values of the hmac options, are not taken for flags or names.
        self.assertEqual(self.complete("hookauth", "auth", "add", "x", "--type", "signature", "--secret",
                                       "whsec_a whsec_b", "--signed-content", "{timestamp}.{body}",
                                       "--signature-prefix", "v0=", "--timestamp-header", "X-T", "--id-header",
                                       "X-I", "--signature-header", "X-S", "--sch"), ["--scheme"])

    def test_auth_names_from_store_flag(self):
        env = dict(self.env, HOOKAUTH_STORE=self.store_b)  # --store must win over it
        got = self.complete("hookauth", "--store", self.store_a, "webhook", "send", "--auth", "", env=env)
        self.assertEqual(got, ["open_1", "partner-basic", "partner.key"])
        got = self.complete("hookauth", "--store", self.store_a, "webhook", "send", "--auth", "partner", env=env)
        self.assertEqual(got, ["partner-basic", "partner.key"])

    def test_auth_names_from_store_flag_with_equals(self):
        got = self.complete("hookauth", f"--store={self.store_b}", "verify", "--auth", "")
        self.assertEqual(got, ["other-store"])

    def test_auth_names_from_environment(self):
        env = dict(self.env, HOOKAUTH_STORE=self.store_a)
        self.assertEqual(self.complete("hookauth", "webhook", "send", "--auth", "", env=env),
                         ["open_1", "partner-basic", "partner.key"])
        self.assertEqual(self.complete("hookauth", "auth", "show", "p", env=env), ["partner-basic", "partner.key"])
        self.assertEqual(self.complete("hookauth", "auth", "remove", "o", env=env), ["open_1"])
        self.assertEqual(self.complete("hookauth", "auth", "token", "p", env=env), ["partner-basic", "partner.key"])
        self.assertEqual(self.complete("hookauth", "auth", "login", "", env=env),
                         ["open_1", "partner-basic", "partner.key"])
        self.assertEqual(self.complete("hookauth", "verify", "serve", "--auth", "", env=env),
                         ["open_1", "partner-basic", "partner.key"])

    def test_auth_names_with_the_binary_given_by_path(self):
        env = dict(self.env, HOOKAUTH_STORE=self.store_b, PATH="/usr/bin:/bin")
        self.assertEqual(self.complete(self.binary, "auth", "show", "", env=env), ["other-store"])

    def test_only_one_name_for_show(self):
        env = dict(self.env, HOOKAUTH_STORE=self.store_a)
        self.assertEqual(self.complete("hookauth", "auth", "show", "open_1", "", env=env), [])
        self.assertEqual(self.complete("hookauth", "auth", "token", "open_1", "", env=env), [])
        self.assertEqual(self.complete("hookauth", "auth", "login", "open_1", "", env=env), [])

    def test_webhook_names_from_store_flag(self):
        env = dict(self.env, HOOKAUTH_STORE=self.store_b)  # --store must win over it
        for path in (["webhook", "show"], ["webhook", "remove"], ["webhook", "rm"], ["webhook", "send"]):
            with self.subTest(command=" ".join(path)):
                self.assertEqual(self.complete("hookauth", "--store", self.store_a, *path, "", env=env),
                                 ["h_2", "ops.alerts", "partner-hook"])
                self.assertEqual(self.complete("hookauth", f"--store={self.store_a}", *path, "p", env=env),
                                 ["partner-hook"])
        self.assertEqual(self.complete("hookauth", "webhook", "show", "--store", self.store_a, "o", env=env),
                         ["ops.alerts"])

    def test_webhook_names_from_environment(self):
        env = dict(self.env, HOOKAUTH_STORE=self.store_b)
        self.assertEqual(self.complete("hookauth", "webhook", "send", "", env=env), ["other-hook"])
        self.assertEqual(self.complete("hookauth", "webhook", "show", "", env=env), ["other-hook"])
        env = dict(self.env, HOOKAUTH_STORE=self.store_a)
        self.assertEqual(self.complete("hookauth", "webhook", "rm", "h", env=env), ["h_2"])
        # Authorization names where an authorization goes, webhook names where a webhook goes.
        self.assertEqual(self.complete("hookauth", "webhook", "send", "--auth", "", env=env),
                         ["open_1", "partner-basic", "partner.key"])
        self.assertEqual(self.complete("hookauth", "webhook", "add", "new", "--auth", "p", env=env),
                         ["partner-basic", "partner.key"])
        self.assertEqual(self.complete("hookauth", "auth", "show", "", env=env),
                         ["open_1", "partner-basic", "partner.key"])
        self.assertEqual(self.complete(self.binary, "webhook", "show", "", env=dict(env, PATH="/usr/bin:/bin")),
                         ["h_2", "ops.alerts", "partner-hook"])

    def test_webhook_names_after_flags_and_only_once(self):
        env = dict(self.env, HOOKAUTH_STORE=self.store_a)
        # Flag values before the name are skipped, and the name is only the first positional.
        self.assertEqual(self.complete("hookauth", "webhook", "send", "-d", "{}", "-H", "X-A: 1", "-X", "PUT", "--auth",
                                       "open_1", "--id", "evt_1", "o", env=env), ["ops.alerts"])
        self.assertEqual(self.complete("hookauth", "webhook", "send", "ops.alerts", "", env=env), [])
        self.assertEqual(self.complete("hookauth", "webhook", "show", "h_2", "", env=env), [])
        self.assertEqual(self.complete("hookauth", "webhook", "remove", "h_2", "", env=env), [])
        # A new webhook's name, its URL and its headers are typed, not completed.
        self.assertEqual(self.complete("hookauth", "webhook", "add", "", env=env), [])
        self.assertEqual(self.complete("hookauth", "webhook", "add", "x", "--url", "", env=env), [])
        self.assertEqual(self.complete("hookauth", "webhook", "add", "x", "-H", "", env=env), [])
        self.assertEqual(self.complete("hookauth", "webhook", "list", "", env=env), [])
        # Values of webhook add's flags are not taken for flags or positionals.
        self.assertEqual(self.complete("hookauth", "webhook", "add", "x", "--url", "https://a.example/", "-H",
                                       "X-A: 1", "--auth", "open_1", "-X", ""),
                         ["DELETE", "GET", "HEAD", "PATCH", "POST", "PUT"])
        self.assertEqual(self.complete("hookauth", "webhook", "add", "x", "--request", "PUT", "--f"), ["--force"])
        self.assertEqual(self.complete("hookauth", "auth", "remove", "--f"), ["--force"])
        self.assertEqual(self.complete("hookauth", "auth", "rm", "--force", "o", env=env), ["open_1"])
        self.assertEqual(self.complete("hookauth", "webhook", "send", "--c"), ["--cacert", "--cert", "--concurrency", "--curl"])

    def test_words_split_at_colons_and_equals_signs(self):
        # bash splits a word at ':' and '=' (COMP_WORDBREAKS); the shim joins the pieces again, so the
        # binary counts "https://a.example/i" as one value. With bash-completion and without it.
        line = "hookauth verify --introspect-url https://a.example/i s"
        words = ["hookauth", "verify", "--introspect-url", "https", ":", "//a.example/i", "s"]
        typed = "hookauth auth add x --type=b"
        split = ["hookauth", "auth", "add", "x", "--type", "=", "b"]
        for bash_completion in (BASH_COMPLETION, "/dev/null"):
            with self.subTest(bash_completion=bash_completion):
                env = dict(self.env, BASH_COMPLETION_FILE=bash_completion)
                self.assertEqual(self.complete(*words, env=dict(env, HOOKAUTH_COMP_LINE=line)), ["serve"])
                self.assertEqual(self.complete(*split, env=dict(env, HOOKAUTH_COMP_LINE=typed)), ["basic"])
                self.assertEqual(self.complete("hookauth", "au", env=env), ["auth"])

    def test_names_are_silently_empty_when_the_store_is_bad(self):
        bad = os.path.join(self.tmp, "bad.json")
        with open(bad, "w", encoding="utf-8") as f:
            f.write("{not json")
        os.chmod(bad, 0o600)
        wrong_shape = os.path.join(self.tmp, "wrong-shape.json")
        with open(wrong_shape, "w", encoding="utf-8") as f:
            f.write('{"version": 1, "authorizations": [], "webhooks": [{"name": "w", "url": 5}]}\n')
        os.chmod(wrong_shape, 0o600)
        for store in (bad, wrong_shape, os.path.join(self.tmp, "missing", "store.json")):
            for path in (["auth", "show"], ["webhook", "show"], ["webhook", "send"]):
                result = run(["bash", "-c", DRIVER, "bash", "hookauth", "--store", store, *path, ""], env=self.env)
                self.assertEqual(result.returncode, 0)
                self.assertEqual(result.stdout.strip(), "")
                self.assertEqual(result.stderr, "")
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "missing")), "completion must not create a store")


if __name__ == "__main__":
    unittest.main()
