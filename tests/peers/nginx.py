"""nginx (Debian's nginx-light) as a receiver for the tests: `return 204` on every path, plain HTTP or
TLS with HTTP/2, and an access log of protocol, connection serial, status and request length per request.
`locations` replaces the `return 204` with other location blocks (test_probe_real.py: auth_basic).

nginx cannot announce a port it picked itself, so this picks a free loopback port, starts nginx on it
and, if nginx could not bind it (another process took it in between), tries again with another.
"""

import os
import shutil
import socket
import subprocess
import time

NGINX = "/usr/sbin/nginx"

CONF = """
worker_processes 1;
daemon off;
error_log {prefix}/error.log error;
pid {prefix}/nginx.pid;
events {{ worker_connections 1024; }}
http {{
  log_format probe '$server_protocol $connection $status $request_length';
  access_log {prefix}/access.log probe;
  client_body_temp_path {prefix}/tmp;
  proxy_temp_path {prefix}/tmp;
  fastcgi_temp_path {prefix}/tmp;
  uwsgi_temp_path {prefix}/tmp;
  scgi_temp_path {prefix}/tmp;
  keepalive_requests 100000;
  server {{
    listen 127.0.0.1:{port}{tls};
    {certs}
    {locations}
  }}
}}
"""


def make_certificate(directory):
    """A self-signed certificate for 127.0.0.1 (EC P-256, valid one day): (cert path, key path)."""
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    return cert, key


class Nginx:
    def __init__(self, directory, tls=False, locations="location / { return 204; }"):
        self.prefix = os.path.join(directory, "nginx")
        os.makedirs(os.path.join(self.prefix, "tmp"), exist_ok=True)
        self.cert = self.key = None
        if tls:
            self.cert, self.key = make_certificate(self.prefix)
        self.proc = None
        for _ in range(10):
            port = self._free_port()
            conf = os.path.join(self.prefix, "nginx.conf")
            with open(conf, "w") as f:
                f.write(CONF.format(prefix=self.prefix, port=port, locations=locations, tls=" ssl http2" if tls else "",
                                    certs="ssl_certificate %s; ssl_certificate_key %s;" % (self.cert, self.key)
                                    if tls else ""))
            proc = subprocess.Popen([NGINX, "-p", self.prefix, "-c", conf], stdin=subprocess.DEVNULL,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
            if self._wait_listening(proc, port, os.path.join(self.prefix, "nginx.pid")):
                self.proc, self.port = proc, port
                break
            proc.kill()
            proc.wait()
        if not self.proc:
            raise AssertionError("nginx did not start: %s" % self._error_log())
        self.url = "%s://127.0.0.1:%d" % ("https" if tls else "http", self.port)

    @staticmethod
    def _free_port():
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]

    @staticmethod
    def _wait_listening(proc, port, pid_file, timeout=10):
        """True once nginx holds the port: it writes its pid file only after binding every listener."""
        try:
            os.unlink(pid_file)
        except FileNotFoundError:
            pass
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                return False
            try:
                with open(pid_file) as f:
                    if f.read().strip() == str(proc.pid):
                        with socket.create_connection(("127.0.0.1", port), timeout=1):
                            return True
            except OSError:
                pass
            time.sleep(0.02)
        return False

    def _error_log(self):
        try:
            with open(os.path.join(self.prefix, "error.log")) as f:
                return f.read()[-500:]
        except OSError:
            return "(no error log)"

    def log(self):
        """Each request as (protocol, connection serial, status, request length)."""
        try:
            with open(os.path.join(self.prefix, "access.log")) as f:
                return [tuple(line.split()) for line in f if line.strip()]
        except FileNotFoundError:
            return []

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(os.path.join(self.prefix, "tmp"), ignore_errors=True)
