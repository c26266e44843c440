"""hookauth --version against the libraries it really runs with: what curl -V, curl-config, openssl version
and dpkg say about libcurl, OpenSSL, CLI11 and nlohmann/json on this machine."""

import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


def run(*argv):
    return subprocess.run(list(argv), stdout=subprocess.PIPE, check=True, text=True).stdout.strip()


def debian_upstream(package):
    """The upstream part of an installed Debian package's version: 7.88.1-10+deb12u15 -> 7.88.1."""
    version = run("dpkg-query", "-W", "-f=${Version}", package)
    return re.sub(r"^\d+:", "", version).split("-")[0].split("+")[0]


def project_version():
    with open(os.path.join(harness.REPO, "CMakeLists.txt"), encoding="utf-8") as f:
        return re.search(r"project\(hookauth VERSION (\S+)", f.read()).group(1)


class Version(harness.HookauthTest):
    def test_lines_name_each_library_as_the_system_reports_it(self):
        lines = self.ok("--version").out.splitlines()
        # curl -V runs the same libcurl4 and libssl3: "curl 7.88.1 (...) libcurl/7.88.1 OpenSSL/3.0.19 ...".
        curl_words = run("curl", "-V").splitlines()[0].split()
        libcurl = next(w for w in curl_words if w.startswith("libcurl/")).split("/", 1)[1]
        tls = next(w for w in curl_words if w.startswith("OpenSSL/"))
        # "OpenSSL 3.0.19 27 Jan 2026 (Library: OpenSSL 3.0.19 27 Jan 2026)": the library's own text.
        openssl_text = re.search(r"\(Library: (.*)\)$", run("openssl", "version")).group(1)
        self.assertEqual(lines, [
            "hookauth " + project_version(),
            "libcurl %s (%s)" % (libcurl, tls),
            openssl_text,
            "CLI11 " + debian_upstream("libcli11-dev"),
            "nlohmann/json " + debian_upstream("nlohmann-json3-dev"),
        ])
        self.assertEqual(libcurl, debian_upstream("libcurl4"))
        self.assertEqual(tls, "OpenSSL/" + debian_upstream("libssl3"))

    def test_json_is_the_same_facts_with_the_build_time_versions(self):
        j = self.ok("--version", "--json").json()
        self.assertEqual(list(j), ["hookauth", "libcurl", "openssl", "cli11", "nlohmann_json"])
        self.assertEqual(j["hookauth"], project_version())
        self.assertEqual(j["libcurl"], {
            "version": debian_upstream("libcurl4"),
            "tls": "OpenSSL/" + debian_upstream("libssl3"),
            # curl-config describes the headers in libcurl4-openssl-dev, which hookauth was compiled with.
            "built_with": run("curl-config", "--version").split()[1],
        })
        self.assertEqual(j["openssl"], {
            "version": debian_upstream("libssl3"),
            "text": re.search(r"\(Library: (.*)\)$", run("openssl", "version")).group(1),
            "built_with": debian_upstream("libssl-dev"),
        })
        self.assertEqual(j["cli11"], debian_upstream("libcli11-dev"))
        self.assertEqual(j["nlohmann_json"], debian_upstream("nlohmann-json3-dev"))
        # --json may also come first.
        self.assertEqual(self.ok("--json", "--version").json(), j)


if __name__ == "__main__":
    harness.main()
