#!/usr/bin/python3
"""A capturing HTTP receiver for hookauth's integration tests, written with the standard library only.

It stores every request exactly as it arrived: the request line, the header lines in order (duplicates
kept), the body bytes and the raw bytes of the whole message, so a test can check what hookauth put on
the wire, or feed the raw request to `hookauth verify --request`.

    /usr/bin/python3 tests/peers/capture.py --port 0 --out FILE [--status 503,503,200]
        [--retry-after 1] [--reply JSON]... [--echo]

--port 0 picks a free port; the first line on stderr is always `listening on http://HOST:PORT`.
--out FILE is rewritten (atomically) after each request with a JSON array of the captured requests;
GET /_captured answers the same array without being captured itself.
Replies follow the sequence given by every --reply (a JSON object such as {"status": 302, "headers":
{"Location": "http://127.0.0.1:{port}/next"}, "body": "text", "delay": 0.5}, where "{port}" in a header
value becomes this server's port and delay is seconds to wait before answering), then by --status
(comma-separated codes); the last one repeats (default: 200).
--retry-after N adds `Retry-After: N` to every 408, 429 and 5xx reply. --echo makes each reply's body a
JSON copy of the request it answers, and adds `X-Echo-*` headers repeating every request header.
SIGTERM and SIGINT stop it with exit status 0.
"""

import argparse
import base64
import http.server
import json
import os
import signal
import sys
import threading
import time


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
        self.out = args.out
        self.replies = (args.reply or []) + [{"status": s} for s in (args.status or [])]
        if not self.replies:
            self.replies = [{"status": 200}]
        self.retry_after = args.retry_after
        self.echo = args.echo

    def record(self, entry):
        with self.lock:
            index = len(self.requests)
            self.requests.append(entry)
            if self.out:
                tmp = self.out + ".tmp"
                with open(tmp, "w", encoding="utf-8") as f:
                    json.dump(self.requests, f)
                os.replace(tmp, self.out)
            return self.replies[min(index, len(self.replies) - 1)]

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
            }
            reply = state.record(entry)
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
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = handle_any

    return Handler


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
    args = parser.parse_args()

    state = State(args)
    server = http.server.ThreadingHTTPServer((args.host, args.port), make_handler(state))
    server.daemon_threads = True

    def stop(signum, frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    host, port = server.server_address[:2]
    print("listening on http://%s:%d" % (host, port), file=sys.stderr, flush=True)
    server.serve_forever(poll_interval=0.1)
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
