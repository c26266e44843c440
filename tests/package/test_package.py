"""The Debian package scripts/package makes, as an operator gets it: unpacked with dpkg-deb -x into a
temporary root, its binary run from there (against the system's libraries, as dpkg's Depends promise),
its files and fields checked, and lintian's verdict.

    HOOKAUTH_DEB=$(scripts/package | tail -n 1) /usr/bin/python3 -m unittest -v tests/package/test_package.py

scripts/test runs it after building the package.
"""

import gzip
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "integration"))
import harness  # noqa: E402

DEB = os.environ.get("HOOKAUTH_DEB", "")
ROOT = ""  # the unpacked package


def setUpModule():
    global ROOT
    if not os.path.isfile(DEB):
        raise RuntimeError("set HOOKAUTH_DEB to the package (scripts/package prints its path last)")
    ROOT = tempfile.mkdtemp(prefix="hookauth-deb-")
    subprocess.run(["dpkg-deb", "-x", DEB, ROOT], check=True)
    # Every hookauth the harness starts is the unpacked one.
    os.environ["HOOKAUTH_BIN"] = os.path.join(ROOT, "usr", "bin", "hookauth")


def tearDownModule():
    shutil.rmtree(ROOT, ignore_errors=True)


def field(name):
    return subprocess.run(["dpkg-deb", "-f", DEB, name], stdout=subprocess.PIPE, check=True,
                          text=True).stdout.strip()


def repo_bytes(*parts):
    with open(os.path.join(harness.REPO, *parts), "rb") as f:
        return f.read()


def packaged(*parts):
    return os.path.join(ROOT, "usr", *parts)


class Contents(unittest.TestCase):
    def test_man_page_is_gzipped_without_a_time_stamp(self):
        path = packaged("share", "man", "man1", "hookauth.1.gz")
        with open(path, "rb") as f:
            header = f.read(10)
        self.assertEqual(header[4:8], b"\0\0\0\0", "gzip -n leaves MTIME zero")
        with gzip.open(path) as f:
            self.assertEqual(f.read(), repo_bytes("man", "hookauth.1"))
        text = subprocess.run(["man", "-l", path], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env=dict(os.environ, MANWIDTH="80", LC_ALL="C"), check=True, text=True).stdout
        self.assertIn("hookauth - ", text)

    def test_three_completions_in_their_debian_places(self):
        for path, source in [(("bash-completion", "completions", "hookauth"), "hookauth.bash"),
                             (("zsh", "vendor-completions", "_hookauth"), "_hookauth"),
                             (("fish", "vendor_completions.d", "hookauth.fish"), "hookauth.fish")]:
            with open(packaged("share", *path), "rb") as f:
                self.assertEqual(f.read(), repo_bytes("completions", source), path)

    def test_copyright_and_changelog(self):
        with open(packaged("share", "doc", "hookauth", "copyright"), encoding="utf-8") as f:
            self.assertTrue(f.readline().startswith(
                "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/"))
        with gzip.open(packaged("share", "doc", "hookauth", "changelog.Debian.gz"), "rt") as f:
            first = f.readline()
        self.assertEqual(first.split()[:2], ["hookauth", "(%s)" % field("Version")])

    def test_fields_and_depends_from_dpkg_shlibdeps(self):
        self.assertEqual(field("Package"), "hookauth")
        version = field("Version")
        self.assertRegex(version, r"^\d+\.\d+\.\d+-\d+$")
        depends = {d.split()[0] for d in field("Depends").split(", ")}
        # What the binary is linked against (readelf's NEEDED entries), each named by its package.
        self.assertLessEqual({"libc6", "libcurl4", "libssl3", "libstdc++6"}, depends)

    def test_binary_is_stripped(self):
        sections = subprocess.run(["readelf", "-S", "-W", packaged("bin", "hookauth")], stdout=subprocess.PIPE,
                                  check=True, text=True).stdout
        self.assertNotIn(".symtab", sections)
        self.assertNotIn(".debug_", sections)

    def test_lintian_reports_no_error_and_no_warning(self):
        # Warnings left on purpose are in packaging/lintian-overrides, shipped in the package.
        r = subprocess.run(["lintian", "--fail-on", "error,warning", DEB], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        tags = [line for line in r.stdout.splitlines() if re.match(r"^[EW]: ", line)]
        self.assertEqual((r.returncode, tags), (0, []), r.stdout)


class UnpackedBinary(harness.HookauthTest):
    def test_version_names_the_package_version(self):
        lines = self.ok("--version").out.splitlines()
        self.assertEqual(lines[0], "hookauth " + field("Version").split("-")[0])
        self.assertEqual([line.split()[0] for line in lines[1:]], ["libcurl", "OpenSSL", "CLI11", "nlohmann/json"])
        self.assertEqual(self.ok("--version", "--json").json()["hookauth"], field("Version").split("-")[0])

    def test_sends_a_signed_webhook_that_verify_serve_accepts(self):
        self.add_basic("hook", "alice", "s3cret")
        self.add_basic("wrong", "alice", "guess")
        server = self.serve("hook")
        self.ok("webhook", "send", "--auth", "hook", server.url + "/hook", "-d", '{"ok": true}')
        self.assertEqual(self.hookauth("webhook", "send", "--auth", "wrong", server.url + "/hook", "-d", "{}").rc, 1)
        capture = self.capture()
        self.ok("webhook", "send", "--auth", "hook", capture.url + "/hook", "-d", "{}")
        self.assertEqual(capture.header(capture.requests()[0], "Authorization"), ["Basic " + harness.b64("alice:s3cret")])


if __name__ == "__main__":
    unittest.main(verbosity=2)
