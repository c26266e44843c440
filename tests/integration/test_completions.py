"""The zsh and fish completions (completions/_hookauth, completions/hookauth.fish) against the real binary.

Both files must parse, and completing a command line in each shell must give the subcommands, the
values of --type and --grant, and the authorization and saved-webhook names read from a store made
by the binary (the HOOKAUTH_STORE one, or the --store on the line). Both are shims over
`hookauth __complete`, whose answers (candidates, then the `:N` directive) are checked directly too. fish is driven with
`complete -C LINE`; zsh with a real interactive zsh in a zpty (the zsh/zpty module), TAB bound to
complete-word and compadd wrapped to print each candidate.

Run from the repository root: HOOKAUTH_BIN=build/src/hookauth /usr/bin/python3 -m unittest -v
tests/integration/test_completions.py
"""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

COMPLETIONS = os.path.join(harness.REPO, "completions")
ZSH_COMPLETION = os.path.join(COMPLETIONS, "_hookauth")
FISH_COMPLETION = os.path.join(COMPLETIONS, "hookauth.fish")
ZSH = shutil.which("zsh") or "zsh"  # scripts/install-deps installs it: missing is a failure
FISH = shutil.which("fish") or "fish"  # likewise

TYPES = ["none", "basic", "api-key", "digest", "aws-sigv4", "oauth2", "signature"]
GRANTS = ["client-credentials", "authorization-code"]
AUTH_SUBCOMMANDS = ["add", "list", "show", "presign", "token", "login", "import", "remove", "rm"]

# Completes the line $2 in an interactive zsh (fpath: $1; compinit's dump file: $3) running in a
# pseudo-terminal, and prints the candidates one a line. Each compadd call prints its matches to the
# terminal between two markers written by compprefuncs and comppostfuncs (the latter also exits the
# inner shell). The deadline only catches a completion that never ends: on a loaded machine one takes
# seconds. When it passes, the message gives the time waited and the inner shell's processes.
ZSH_CAPTURE = r"""
zmodload zsh/zpty || exit 3
zmodload zsh/datetime
zpty z zsh -f -i
zpty -w z "fpath=(${(q)1} \$fpath)"
zpty -w z 'PROMPT= RPROMPT= PS2='
zpty -w z "autoload -Uz compinit; compinit -u -d ${(q)3}"
zpty -w z 'zstyle ":completion:*" list-grouped false; zstyle ":completion:*" insert-tab false'
zpty -w z 'bindkey "^I" complete-word'
zpty -w z '__mark() { print -rn -- $'"'"'\n<<MA\x52K>>\n'"'"' }'
zpty -w z 'compprefuncs=(__mark); comppostfuncs=(__mark exit)'
zpty -w z 'compadd() { if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return; fi; local -a __h; builtin compadd -A __h "$@"; print -rl -- "==>"${^__h} >/dev/tty }'
zpty -w -n z "$2"$'\t'
local out="" chunk
local start=$EPOCHREALTIME
local deadline=$(( start + 60 ))
while (( EPOCHREALTIME < deadline )); do
  if zpty -r -t z chunk; then
    out+=$chunk
    [[ $out == *'<<MARK>>'*'<<MARK>>'* ]] && break
  else
    sleep 0.02
  fi
done
if [[ $out != *'<<MARK>>'*'<<MARK>>'* ]]; then
  local -A parent; local -a mine; local p q
  ps -e -o pid=,ppid= | while read p q; do parent[$p]=$q; done
  for p in ${(k)parent}; do
    q=$p; while (( q > 1 && q != $$ )); do q=${parent[$q]:-1}; done
    (( q == $$ && p != $$ )) && mine+=$p
  done
  (( $#mine )) && ps -o pid,ppid,stat,etime,wchan:24,args -p ${(j:,:)mine} >&2
  zpty -d z
  printf 'no completion ran in %.1f s: %s\n' $(( EPOCHREALTIME - start )) "$out" >&2
  exit 4
fi
zpty -d z
print -r -- "$out" | tr -d '\r' | sed -n 's/^==>//p'
"""


AWS_PROFILES = ["default", "dev", "prod"]


def write_aws_files(test):
    """~/.aws/config and ~/.aws/credentials (HOME is the test's temp dir), with no AWS_* variable set:
    the profiles default and dev in the config file (an sso-session is none), prod and dev in the other."""
    for k in list(test.env):
        if k.startswith("AWS_"):
            del test.env[k]
    aws = os.path.join(test.tmp, ".aws")
    os.makedirs(aws, exist_ok=True)
    with open(os.path.join(aws, "config"), "w") as f:
        f.write("[default]\nregion = us-east-1\n[profile dev]\nregion = eu-west-1\n[sso-session corp]\nsso_region = x\n")
    with open(os.path.join(aws, "credentials"), "w") as f:
        f.write("[prod]\naws_access_key_id = A\naws_secret_access_key = s\n[dev]\naws_access_key_id = B\n"
                "aws_secret_access_key = t\n")


class CompletionTest(harness.HookauthTest):
    def setUp(self):
        super().setUp()
        # The shells find `hookauth` on PATH, as a user's would.
        self.env["PATH"] = os.path.dirname(os.path.abspath(harness.binary())) + os.pathsep + self.env["PATH"]
        # A second store, only named with --store on the line.
        self.other_store = os.path.join(self.tmp, "other", "store.json")
        self.fixture(self.add_stores)
        self.bad_store = os.path.join(self.tmp, "bad.json")
        with open(self.bad_store, "w") as f:
            f.write("{not json")

    def add_stores(self):
        self.add_none("partner-basic")
        self.ok("auth", "add", "partner.key", "--type", "api-key", "--key", "X-Key", "--value", "v-1234")
        self.add_none("open_1")
        self.ok("webhook", "add", "partner-hook", "--url", "https://hooks.partner.example/notify", "--auth",
                "partner-basic")
        self.ok("webhook", "add", "ops.alerts", "--url", "http://127.0.0.1:9/alerts")
        self.ok("--store", self.other_store, "auth", "add", "other-auth", "--type", "none")
        self.ok("--store", self.other_store, "webhook", "add", "other-hook", "--url", "https://o.example/")

    def shell(self, args, env=None):
        run_env = dict(self.env)
        if env:
            run_env.update(env)
        p = subprocess.run(args, capture_output=True, text=True, env=run_env, cwd=self.tmp, timeout=120)
        return p


class ZshCompletionTest(CompletionTest):
    @classmethod
    def setUpClass(cls):
        # One compinit dump for the class: compinit without one reads every completion function on the
        # fpath, 0.9 s of CPU per completion. With it, compinit still checks that the fpath's functions are
        # the ones dumped (no -C), so _hookauth is always the file under test, loaded when first used.
        # It is made here, outside the completions' deadline: making it is 240,000 system calls, which took
        # 19 to 24 s of wall time on this VM beside both suites.
        cls.dump_dir = tempfile.mkdtemp(prefix="hookauth-zcompdump-")
        cls.dump = os.path.join(cls.dump_dir, "zcompdump")
        subprocess.run([ZSH, "-f", "-c", 'fpath=("$1" $fpath); autoload -Uz compinit; compinit -u -d "$2"', "zsh",
                        COMPLETIONS, cls.dump], check=True, timeout=600)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dump_dir, ignore_errors=True)

    def setUp(self):
        super().setUp()
        self.capture = os.path.join(self.tmp, "capture.zsh")
        with open(self.capture, "w") as f:
            f.write(ZSH_CAPTURE)

    def complete(self, line, env=None):
        p = self.shell([ZSH, "-f", self.capture, COMPLETIONS, line, self.dump], env=env)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout.split()

    def test_syntax(self):
        p = self.shell([ZSH, "-n", ZSH_COMPLETION])
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_commands_and_auth_subcommands(self):
        self.assertEqual(sorted(self.complete("hookauth ")), ["auth", "verify", "webhook"])
        self.assertEqual(sorted(self.complete("hookauth auth ")), sorted(AUTH_SUBCOMMANDS))
        self.assertEqual(self.complete("hookauth verify "), ["serve"])

    def test_type_and_grant_values(self):
        self.assertEqual(sorted(self.complete("hookauth auth add x --type ")), sorted(TYPES))
        self.assertEqual(self.complete("hookauth auth add x --type a"), ["api-key", "aws-sigv4"])
        self.assertEqual(sorted(self.complete("hookauth auth add x --grant ")), sorted(GRANTS))
        self.assertEqual(sorted(self.complete("hookauth auth add x --signature-encoding ")), ["base64", "hex"])

    def test_aws_profile_values(self):
        write_aws_files(self)
        self.assertEqual(sorted(self.complete("hookauth auth add x --type aws-sigv4 --aws-profile ")), AWS_PROFILES)

    def test_authorization_names(self):
        expected = ["open_1", "partner-basic", "partner.key"]
        for line in ("hookauth auth show ", "hookauth auth remove ", "hookauth auth token ",
                     "hookauth webhook send --auth ", "hookauth verify serve --auth "):
            with self.subTest(line=line):
                self.assertEqual(sorted(self.complete(line)), expected)
        self.assertEqual(self.complete("hookauth auth show partner-"), ["partner-basic"])

    def test_webhook_names(self):
        self.assertEqual(sorted(self.complete("hookauth webhook send ")), ["ops.alerts", "partner-hook"])
        self.assertEqual(sorted(self.complete("hookauth webhook show ")), ["ops.alerts", "partner-hook"])

    def test_store_on_the_line_wins(self):
        self.assertEqual(self.complete(f"hookauth --store {self.other_store} auth show "), ["other-auth"])
        self.assertEqual(self.complete(f"hookauth --store={self.other_store} webhook remove "), ["other-hook"])

    def test_missing_or_bad_store_gives_no_names(self):
        self.assertEqual(self.complete(f"hookauth --store {self.bad_store} auth show "), [])
        self.assertEqual(self.complete("hookauth auth show ", env={"HOOKAUTH_STORE": "/nonexistent/s.json"}), [])

    def test_descriptions_and_files(self):
        # The shim hands the binary's descriptions to _describe, and completes file names when the
        # directive asks (verify --request FILE|-: files and "-").
        self.assertEqual(self.complete("hookauth auth sh"), ["show"])
        got = self.complete("hookauth verify --request ")
        self.assertIn("-", got)
        self.assertIn("bad.json", got)
        self.assertEqual(self.complete("hookauth verify serve --log ba"), ["bad.json"])


class FishCompletionTest(CompletionTest):
    def complete(self, line, env=None):
        run_env = {"HOOKAUTH_COMPLETE_LINE": line}
        run_env.update(env or {})
        p = self.shell([FISH, "--no-config", "-c", 'source "$HOOKAUTH_COMPLETION"; complete -C "$HOOKAUTH_COMPLETE_LINE"'],
                       env=dict(run_env, HOOKAUTH_COMPLETION=FISH_COMPLETION))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stderr, "")
        return [line.split("\t")[0] for line in p.stdout.splitlines()]

    def test_syntax(self):
        p = self.shell([FISH, "--no-config", "-n", FISH_COMPLETION])
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_commands_and_auth_subcommands(self):
        self.assertEqual(sorted(self.complete("hookauth ")), ["auth", "verify", "webhook"])
        self.assertEqual(sorted(self.complete("hookauth auth ")), sorted(AUTH_SUBCOMMANDS))
        self.assertEqual(self.complete("hookauth verify "), ["serve"])

    def test_type_and_grant_values(self):
        self.assertEqual(sorted(self.complete("hookauth auth add x --type ")), sorted(TYPES))
        self.assertEqual(sorted(self.complete("hookauth auth add x --grant ")), sorted(GRANTS))
        self.assertEqual(sorted(self.complete("hookauth auth add x --scheme ")),
                         ["github", "hmac", "standard-webhooks", "stripe"])

    def test_aws_profile_values(self):
        write_aws_files(self)
        self.assertEqual(sorted(self.complete("hookauth auth add x --type aws-sigv4 --aws-profile d")),
                         ["default", "dev"])

    def test_authorization_names(self):
        expected = ["open_1", "partner-basic", "partner.key"]
        for line in ("hookauth auth show ", "hookauth auth rm ", "hookauth auth login ",
                     "hookauth webhook send --auth ", "hookauth verify --auth "):
            with self.subTest(line=line):
                self.assertEqual(sorted(self.complete(line)), expected)
        # Only the first positional is a name.
        self.assertEqual(self.complete("hookauth auth show open_1 "), [])

    def test_webhook_names(self):
        self.assertEqual(sorted(self.complete("hookauth webhook send ")), ["ops.alerts", "partner-hook"])
        self.assertEqual(sorted(self.complete("hookauth webhook remove ")), ["ops.alerts", "partner-hook"])

    def test_store_on_the_line_wins(self):
        self.assertEqual(self.complete(f"hookauth --store {self.other_store} auth show "), ["other-auth"])
        self.assertEqual(self.complete(f"hookauth --store={self.other_store} webhook show "), ["other-hook"])

    def test_missing_or_bad_store_gives_no_names(self):
        self.assertEqual(self.complete(f"hookauth --store {self.bad_store} auth show "), [])
        self.assertEqual(self.complete("hookauth auth show ", env={"HOOKAUTH_STORE": "/nonexistent/s.json"}), [])

    def test_files_and_descriptions(self):
        self.assertEqual(self.complete("hookauth verify serve --log ba"), ["bad.json"])
        self.assertIn("-", self.complete("hookauth webhook send --data-lines "))
        p = self.shell([FISH, "--no-config", "-c", 'source "$HOOKAUTH_COMPLETION"; complete -C "hookauth auth sh"'],
                       env={"HOOKAUTH_COMPLETION": FISH_COMPLETION})
        self.assertEqual(p.stdout, "show\tshow one authorization, secrets redacted\n")

    def test_a_missing_binary_gives_nothing(self):
        self.assertEqual(self.complete("/nonexistent/hookauth auth "), [])  # and nothing on stderr


class CompleteCommandTest(harness.HookauthTest):
    """`hookauth __complete WORD... CUR`, the protocol the three shims speak."""

    def complete(self, *words, env=None):
        r = self.hookauth("__complete", *words, env=env)
        self.assertEqual((r.rc, r.err), (0, ""), r)
        lines = r.out.splitlines()
        self.assertRegex(lines[-1], r"^:[0-9]+$")
        return [line.split("\t")[0] for line in lines[:-1]], int(lines[-1][1:])

    def test_names_from_the_store_and_the_line(self):
        self.add_none("partner-basic")
        self.ok("webhook", "add", "hook.1", "--url", "https://h.example/")
        other = os.path.join(self.tmp, "other.json")
        self.ok("--store", other, "auth", "add", "other", "--type", "none")
        self.assertEqual(self.complete("auth", "show", ""), (["partner-basic"], 0))
        self.assertEqual(self.complete("webhook", "send", "h"), (["hook.1"], 0))
        self.assertEqual(self.complete("--store", other, "auth", "token", ""), (["other"], 0))
        self.assertEqual(self.complete("webhook", "send", "--store=" + other, "--auth", ""), (["other"], 0))
        self.assertEqual(self.complete("auth", "show", "--store", "~/other.json", ""), (["other"], 0))
        self.assertEqual(self.complete("auth", "add", ""), ([], 0))  # a new name is typed

    def test_a_bad_or_missing_store_is_silent(self):
        bad = os.path.join(self.tmp, "bad.json")
        with open(bad, "w") as f:
            f.write("{not json")
        os.chmod(bad, 0o600)
        self.assertEqual(self.complete("--store", bad, "auth", "show", ""), ([], 0))
        self.assertEqual(self.complete("webhook", "show", ""), ([], 0))
        self.assertFalse(os.path.exists(self.store), "completion must not create a store")

    def test_values_and_directives(self):
        self.assertEqual(self.complete("--store", "")[1], 1)  # PATH: file names
        self.assertEqual(self.complete("verify", "--request", ""), (["-"], 1))
        self.assertEqual(self.complete("webhook", "send", "--cacert", ""), ([], 1))  # CLI11's ExistingFile
        self.assertEqual(self.complete("auth", "import", "postman", ""), ([], 1))
        self.assertEqual(self.complete("auth", "add", "x", "--type=a"), (["--type=api-key", "--type=aws-sigv4"], 0))
        self.assertEqual(self.complete("auth", "add", "x", "--in", ""), (["header", "query"], 0))
        self.assertEqual(self.complete("auth", "presign", "-X", "P"), (["POST", "PUT", "PATCH"], 0))
        # After "--" every word is a positional: no flags, no subcommands.
        self.assertEqual(self.complete("auth", "--", "s"), ([], 0))
        self.assertEqual(self.complete("auth", "show", "--", "-"), ([], 0))

    def test_aws_profiles_from_the_aws_files(self):
        write_aws_files(self)
        # botocore's own list of the same files' profiles is the expected answer.
        p = subprocess.run([harness.PYTHON, "-c", "import botocore.session; "
                            "print('\\n'.join(botocore.session.Session().available_profiles))"],
                           capture_output=True, text=True, env=self.env, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(sorted(p.stdout.split()), AWS_PROFILES)
        got, directive = self.complete("auth", "add", "x", "--type", "aws-sigv4", "--aws-profile", "")
        self.assertEqual((sorted(got), directive), (AWS_PROFILES, 0))
        self.assertEqual(self.complete("auth", "add", "x", "--aws-profile=p"), (["--aws-profile=prod"], 0))
        # The files the variables name; none at all, or one that does not parse: no names.
        other = os.path.join(self.tmp, "other-config")
        with open(other, "w") as f:
            f.write("[profile staging]\nregion = eu-west-1\n")
        env = {"AWS_CONFIG_FILE": other, "AWS_SHARED_CREDENTIALS_FILE": os.path.join(self.tmp, "none")}
        self.assertEqual(self.complete("auth", "add", "x", "--aws-profile", "", env=env), (["staging"], 0))
        with open(other, "a") as f:
            f.write("not an option line\n")
        self.assertEqual(self.complete("auth", "add", "x", "--aws-profile", "", env=env), ([], 0))

    def test_auth_add_follows_the_type_table(self):
        got, _ = self.complete("auth", "add", "x", "--type", "oauth2", "--")
        self.assertIn("--auth-url", got)  # until --grant says otherwise
        got, _ = self.complete("auth", "add", "x", "--type", "oauth2", "--grant", "client-credentials", "--")
        self.assertNotIn("--auth-url", got)
        self.assertIn("--token-url", got)
        got, _ = self.complete("auth", "add", "x", "--type", "api-key", "--")
        self.assertNotIn("--username", got)
        got, _ = self.complete("auth", "add", "x", "--")  # no type yet: every field
        self.assertLessEqual({"--username", "--key", "--grant", "--scheme", "--id-header"}, set(got))


if __name__ == "__main__":
    harness.main()
