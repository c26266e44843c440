#!/usr/bin/python3
"""A capturing HTTP receiver for hookauth's integration tests, written with the standard library only.

It stores every request exactly as it arrived: the request line, the header lines in order (duplicates
kept), the body bytes and the raw bytes of the whole message, so a test can check what hookauth put on
the wire, or feed the raw request to `hookauth verify --request`.

    /usr/bin/python3 tests/peers/capture.py --port 0 --out FILE [--status 503,503,200]
        [--retry-after 1] [--reply JSON]... [--echo] [--tls-cert PEM --tls-key PEM [--also-plain]]
        [--redirect-from-query] [--challenge WWW-AUTHENTICATE]

--port 0 picks a free port; the first line on stderr is always `listening on http://HOST:PORT`
(`listening on https://HOST:PORT` with --tls-cert).
--out FILE is rewritten (atomically) after each request with a JSON array of the captured requests;
GET /_captured answers the same array without being captured itself.
Replies follow the sequence given by every --reply (a JSON object such as {"status": 302, "headers":
{"Location": "http://127.0.0.1:{port}/next"}, "body": "text", "delay": 0.5}, where "{port}" in a header
value becomes this server's port and delay is seconds to wait before answering), then by --status
(comma-separated codes); the last one repeats (default: 200).
--retry-after N adds `Retry-After: N` to every 408, 429 and 5xx reply. --echo makes each reply's body a
JSON copy of the request it answers, and adds `X-Echo-*` headers repeating every request header.
--tls-cert/--tls-key serve TLS with that certificate; with --also-plain the same port also takes plain
HTTP (told apart by the first byte a client sends: 0x16 starts a TLS handshake), so one origin's
host and port can be reached under both schemes. Each captured request has "tls": true or false.
--redirect-from-query: a request whose query has redirect_to=URL is answered with a redirect there
(status from redirect_status=N, default 302; "{port}" in the URL becomes this server's port) instead of
the next --reply/--status, which it does not use up.
--challenge VALUE: a request without an Authorization header is answered 401 with `WWW-Authenticate:
VALUE` (before --redirect-from-query and without using up a --reply).
Each captured request also has "connection": a number per TCP connection, in the order they were accepted.
SIGTERM and SIGINT stop it with exit status 0.
"""

import argparse
import base64
import http.server
import json
import os
import signal
import socket
import ssl
import sys
import threading
import time
import urllib.parse


class Tee:
    """Wraps the request socket's reader and keeps a copy of every byte read through it."""

    def __init__(self, raw):
        self.raw = raw
        self.buffer = bytearray()

    def readline(self, *args):
        line = self.raw.readline(*args)
        self.buffer += line
        return line

    def read(self, *args):
        data = self.raw.read(*args)
        self.buffer += data
        return data

    def __getattr__(self, name):
        return getattr(self.raw, name)


class State:
    def __init__(self, args):
        self.lock = threading.Lock()
        self.requests = []
        self.replies_used = 0
        self.out = args.out
        self.replies = (args.reply or []) + [{"status": s} for s in (args.status or [])]
        if not self.replies:
            self.replies = [{"status": 200}]
        self.retry_after = args.retry_after
        self.echo = args.echo
        self.redirect_from_query = args.redirect_from_query
        self.challenge = args.challenge
        self.connections = 0

    def new_connection(self):
        with self.lock:
            self.connections += 1
            return self.connections

    def record(self, entry, use_reply=True):
        with self.lock:
            self.requests.append(entry)
            if self.out:
                tmp = self.out + ".tmp"
                with open(tmp, "w", encoding="utf-8") as f:
                    json.dump(self.requests, f)
                os.replace(tmp, self.out)
            if not use_reply:
                return None
            index = self.replies_used
            self.replies_used += 1
            return self.replies[min(index, len(self.replies) - 1)]

    def special_reply(self, path, headers):
        """The reply --challenge or --redirect-from-query decides on, or None."""
        if self.challenge and headers.get("Authorization") is None:
            return {"status": 401, "headers": {"WWW-Authenticate": self.challenge}, "body": "challenge\n"}
        if self.redirect_from_query:
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
            if "redirect_to" in query:
                return {"status": int(query.get("redirect_status", ["302"])[0]),
                        "headers": {"Location": query["redirect_to"][0]}, "body": "moved\n"}
        return None

    def snapshot(self):
        with self.lock:
            return json.dumps(self.requests).encode()


def make_handler(state):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "capture/1"

        def setup(self):
            super().setup()
            self.rfile = Tee(self.rfile)
            self.connection_number = state.new_connection()

        def log_message(self, *args):
            pass

        def read_body(self):
            if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                body = bytearray()
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                    if size == 0:
                        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                            pass
                        return bytes(body)
                    body += self.rfile.read(size)
                    self.rfile.readline()
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def handle_any(self):
            body = self.read_body()
            raw = bytes(self.rfile.buffer)
            self.rfile.buffer = bytearray()
            if self.command == "GET" and self.path == "/_captured":
                self.answer(200, {"Content-Type": "application/json"}, state.snapshot())
                return
            entry = {
                "method": self.command,
                "target": self.path,
                "request_line": self.requestline,
                "headers": [[k, v] for k, v in self.headers.items()],
                "body_b64": base64.b64encode(body).decode(),
                "raw_b64": base64.b64encode(raw).decode(),
                "peer": "%s:%d" % self.client_address[:2],
                "local_port": self.server.server_address[1],
                "tls": isinstance(self.connection, ssl.SSLSocket),
                "connection": self.connection_number,
            }
            reply = state.special_reply(self.path, self.headers)
            if reply is None:
                reply = state.record(entry)
            else:
                state.record(entry, use_reply=False)
            if reply.get("delay"):
                time.sleep(float(reply["delay"]))
            status = int(reply.get("status", 200))
            port = str(self.server.server_address[1])
            headers = {k: str(v).replace("{port}", port) for k, v in reply.get("headers", {}).items()}
            if state.retry_after is not None and (status in (408, 429) or 500 <= status <= 599):
                headers.setdefault("Retry-After", str(state.retry_after))
            if state.echo:
                for k, v in self.headers.items():
                    headers["X-Echo-" + k] = v
                headers.setdefault("Content-Type", "application/json")
                payload = json.dumps({k: entry[k] for k in ("method", "target", "headers")}).encode()
                payload += b"\n" + body
            else:
                payload = reply.get("body", "captured %d\n" % status).encode()
            self.answer(status, headers, payload)

        def answer(self, status, headers, payload):
            if status in (204, 304) or status < 200:
                payload = b""  # RFC 9110 6.4.1: no content; a kept-alive connection would read it as the next answer
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = handle_any

    return Handler


class Server(http.server.ThreadingHTTPServer):
    """Plain HTTP, TLS, or (also_plain) both on one port, told apart by each connection's first byte."""

    daemon_threads = True
    tls_context = None
    also_plain = False

    def finish_request(self, request, client_address):
        # Runs in the connection's own thread, so a client that sends nothing holds up no one else.
        if self.tls_context is not None:
            first = b"\x16"
            if self.also_plain:
                request.settimeout(10)
                try:
                    first = request.recv(1, socket.MSG_PEEK)
                except OSError:
                    return
                request.settimeout(None)
            if first == b"\x16":
                try:
                    request = self.tls_context.wrap_socket(request, server_side=True)
                except (ssl.SSLError, OSError):
                    return  # a failed handshake (e.g. an untrusted certificate) is not a request
        super().finish_request(request, client_address)


def main():
    parser = argparse.ArgumentParser(description="capture raw HTTP requests")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out", help="JSON file rewritten with the captured requests after each one")
    parser.add_argument("--status", type=lambda s: [int(x) for x in s.split(",")],
                        help="status codes to answer in turn, after the --reply ones; the last repeats")
    parser.add_argument("--reply", type=json.loads, action="append",
                        help='one reply as JSON: {"status": 302, "headers": {...}, "body": "..."}; repeatable')
    parser.add_argument("--retry-after", help="Retry-After value on 408, 429 and 5xx replies")
    parser.add_argument("--echo", action="store_true", help="echo each request in the reply")
    parser.add_argument("--tls-cert", help="serve TLS with this certificate (PEM)")
    parser.add_argument("--tls-key", help="the certificate's private key (PEM)")
    parser.add_argument("--also-plain", action="store_true", help="with --tls-cert: plain HTTP on the same port too")
    parser.add_argument("--redirect-from-query", action="store_true",
                        help="answer a request with ?redirect_to=URL[&redirect_status=N] with that redirect")
    parser.add_argument("--challenge", help="answer requests without Authorization 401 with this WWW-Authenticate")
    args = parser.parse_args()
    if bool(args.tls_cert) != bool(args.tls_key) or (args.also_plain and not args.tls_cert):
        parser.error("--tls-cert and --tls-key go together; --also-plain needs them")

    state = State(args)
    server = Server((args.host, args.port), make_handler(state))
    if args.tls_cert:
        server.tls_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server.tls_context.load_cert_chain(args.tls_cert, args.tls_key)
        server.also_plain = args.also_plain

    def stop(signum, frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    host, port = server.server_address[:2]
    scheme = "https" if args.tls_cert else "http"
    print("listening on %s://%s:%d" % (scheme, host, port), file=sys.stderr, flush=True)
    server.serve_forever(poll_interval=0.1)
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
