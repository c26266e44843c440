"""Apache httpd (Debian's apache2) with mod_auth_digest as a Digest receiver for the tests: every path
under / needs Digest (realm, an htdigest user file with MD5, qop auth) and answers 204 once authorized;
AuthDigestNcCheck on or off.

httpd runs in the foreground (-X, one process) from a config written to a temp dir of its own, on a free
loopback port picked here (httpd cannot announce one it picked itself), tried again with another when
another process took it in between, as tests/peers/nginx.py does. As root httpd serves as www-data, so
that directory is world-readable and lives outside the test's own temp dir (which is not).
"""

import hashlib
import os
import shutil
import socket
import subprocess
import tempfile
import time

APACHE = "/usr/sbin/apache2"
MODULES = "/usr/lib/apache2/modules"

CONF = """
ServerRoot {prefix}
ServerName 127.0.0.1
Listen 127.0.0.1:{port}
PidFile {prefix}/httpd.pid
DefaultRuntimeDir {prefix}
ErrorLog {prefix}/error.log
LogLevel warn auth_digest:info
{user}
LoadModule mpm_prefork_module {modules}/mod_mpm_prefork.so
LoadModule authn_core_module {modules}/mod_authn_core.so
LoadModule authn_file_module {modules}/mod_authn_file.so
LoadModule authz_core_module {modules}/mod_authz_core.so
LoadModule authz_user_module {modules}/mod_authz_user.so
LoadModule auth_digest_module {modules}/mod_auth_digest.so
LoadModule rewrite_module {modules}/mod_rewrite.so
AuthDigestShmemSize 65536
DocumentRoot {prefix}/docs
<Directory {prefix}/docs>
  AuthType Digest
  AuthName "{realm}"
  AuthDigestProvider file
  AuthUserFile {prefix}/users.htdigest
  AuthDigestAlgorithm MD5
  AuthDigestQop auth
  AuthDigestNcCheck {nc_check}
  Require valid-user
  RewriteEngine On
  RewriteRule .* - [R=204]
</Directory>
"""


class Apache:
    def __init__(self, realm, user, password, nc_check):
        self.prefix = tempfile.mkdtemp(prefix="hookauth-apache-")
        os.chmod(self.prefix, 0o755)
        os.makedirs(os.path.join(self.prefix, "docs"), exist_ok=True)
        ha1 = hashlib.md5(("%s:%s:%s" % (user, realm, password)).encode()).hexdigest()
        with open(os.path.join(self.prefix, "users.htdigest"), "w") as f:
            f.write("%s:%s:%s\n" % (user, realm, ha1))
        run_as = "User www-data\nGroup www-data" if os.geteuid() == 0 else ""
        self.proc = None
        for _ in range(10):
            port = self._free_port()
            conf = os.path.join(self.prefix, "httpd.conf")
            with open(conf, "w") as f:
                f.write(CONF.format(prefix=self.prefix, port=port, user=run_as, modules=MODULES, realm=realm,
                                    nc_check="On" if nc_check else "Off"))
            proc = subprocess.Popen([APACHE, "-X", "-f", conf], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL, start_new_session=True)
            if self._wait_listening(proc, port, os.path.join(self.prefix, "httpd.pid")):
                self.proc, self.port = proc, port
                break
            proc.kill()
            proc.wait()
        if not self.proc:
            raise AssertionError("apache2 did not start: %s" % self.error_log())
        self.url = "http://127.0.0.1:%d" % self.port

    @staticmethod
    def _free_port():
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]

    @staticmethod
    def _wait_listening(proc, port, pid_file, timeout=10):
        """True once httpd answers on the port (it writes its pid file after binding)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                return False
            if os.path.exists(pid_file):
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=1):
                        return True
                except OSError:
                    pass
            time.sleep(0.02)
        return False

    def error_log(self):
        """The end of httpd's error log: mod_auth_digest says there why it refused each request."""
        try:
            with open(os.path.join(self.prefix, "error.log")) as f:
                return f.read()[-20000:]
        except OSError:
            return "(no error log)"

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.prefix, ignore_errors=True)
