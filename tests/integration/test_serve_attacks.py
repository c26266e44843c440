"""verify serve's HTTP layer (issue 15) against hostile and broken clients, over raw loopback sockets.

- floods: megabytes of header fields (431) or of chunks (413) on several connections at once, each
  answered after the limit, long before the flood could have been read, and the connection closed;
- a Content-Length over --max-body: 413 at once, before any of the body is sent (with and without
  Expect: 100-continue);
- the head limits: more than 100 field lines or 64 KiB of head (431), a request line over 8 KiB (414);
- clients that trickle their head or body: 408 once --read-timeout has passed, although bytes keep coming;
  meanwhile another client is answered;
- 1,000 idle and kept-alive connections: a valid request is still answered, and they hold no threads;
  --max-connections: a connection beyond it waits in the backlog until a slot frees;
- RFC 9112 framing: an empty POST without a length is answered at once and the next request on the
  connection follows; `Content-Length : 5`, a Transfer-Encoding not ending in chunked, two different
  Content-Lengths, Content-Length with Transfer-Encoding, chunk data not followed by CRLF: each 400,
  logged, and the connection ends without the bytes after it being read as a request; a request with
  bare LF line ends is served.

Every test also bounds the server's peak resident memory (VmHWM in /proc/PID/status) by the documented
cost of a connection (64 KiB of head, --max-body of body, 64 KiB of buffers) times the connections the
test opens, plus a fixed allowance. The old cpp-httplib layer grew to 4.5 GiB on a header flood.

Deadlines here are generous bounds that end a test which would otherwise hang; no test asserts a wall
time (TESTING.md): "quickly" is asserted as "answered before the client had sent half of its flood", or
"answered 413/431, not 408 at the read timeout".
"""

import os
import re
import resource
import select
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

USER, PASSWORD = "bob", "c0rrect-h0rse-15"
AUTH = b"Authorization: Basic " + harness.b64(USER + ":" + PASSWORD).encode() + b"\r\n"
MAX_BODY = 65536
READ_TIMEOUT = 2
KIB = 1024
MIB = 1024 * 1024

# The documented cost of one connection: its head (64 KiB), its body (--max-body) and 64 KiB of buffers.
PER_CONNECTION = 64 * KIB + MAX_BODY + 64 * KIB
# An idle connection, or one kept alive after a small request, holds at most its buffers.
PER_IDLE_CONNECTION = 64 * KIB + 4 * KIB
# What the server may grow by besides: allocator arenas of its threads, the log, verifier state (the new
# layer grew by under 1 MiB in every test here). Under ASan the allocator's size-class regions, redzones,
# shadow memory and the quarantine (cut to 16 MiB below) add more, and each connection costs more.
FIXED_ALLOWANCE = harness.repeat(16 * MIB, 48 * MIB)
ASAN_FACTOR = harness.repeat(1, 2)
# Bounds that end a test that would otherwise hang (never asserted as speeds): the read timeout plus room
# for a loaded 2-core machine, more under ASan where every step is slower.
MARGIN = harness.repeat(8, 20)
SLOW_FIELD = b"X-Slow: 1\r\n"  # trickled a byte at a time: the head goes on and never ends


def setUpModule():
    # 1,000 connections on each side of loopback: the server inherits this process's limit.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 8192 if hard == resource.RLIM_INFINITY else min(hard, 8192)
    if soft != resource.RLIM_INFINITY and soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


def proc_status(pid):
    """/proc/PID/status as a dict of its fields (strings)."""
    with open("/proc/%d/status" % pid) as f:
        return dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)


def vm_hwm(pid):
    """The peak resident set size of pid, in bytes."""
    value = proc_status(pid)["VmHWM"].strip()
    assert value.endswith(" kB"), value
    return int(value[:-3].strip()) * KIB


def statuses(data):
    """The status codes of the HTTP/1.1 answers in data, in order (interim 1xx answers included)."""
    return [int(code) for code in re.findall(rb"(?:^|\n)HTTP/1\.1 (\d{3}) ", data)]


def connect(port, timeout=10):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    return s


def read_until_closed(s, timeout):
    """Everything s receives until the peer ends the connection; ('closed'|'reset'|'timeout', bytes)."""
    deadline = time.monotonic() + timeout
    got = b""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return "timeout", got
        s.settimeout(left)
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            return "timeout", got
        except ConnectionResetError:
            return "reset", got
        if not chunk:
            return "closed", got
        got += chunk


class Flood:
    """n connections, each sending `head` and then `piece` over and over until `total` bytes, all driven by
    one select loop: a connection stops sending the moment any byte of an answer is there, and is read
    until the server ends it. Per connection: bytes sent when the answer came, the answer, how it ended."""

    def __init__(self, port, head, piece, total, n):
        self.port, self.head, self.total, self.n = port, head, total, n
        self.block = piece * max(1, (256 * KIB) // len(piece))
        self.conns = []

    def run(self, timeout):
        for _ in range(self.n):
            s = connect(self.port)
            # A small send buffer keeps what the kernel holds for us small: what was sent is near what was read.
            s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 64 * KIB)
            s.setblocking(False)
            self.conns.append({"sock": s, "sent": 0, "sent_at_answer": None, "answer": b"", "end": None,
                               "send_error": None})
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                live = [c for c in self.conns if c["end"] is None]
                if not live:
                    break
                writers = [c["sock"] for c in live
                           if c["sent_at_answer"] is None and c["send_error"] is None and c["sent"] < self.total]
                r, w, _ = select.select([c["sock"] for c in live], writers, [], 0.2)
                for c in live:
                    s = c["sock"]
                    if s in r:
                        try:
                            chunk = s.recv(65536)
                        except ConnectionResetError:
                            c["end"] = "reset"
                            continue
                        except BlockingIOError:
                            continue
                        if not chunk:
                            c["end"] = "closed"
                            continue
                        if c["sent_at_answer"] is None:
                            c["sent_at_answer"] = c["sent"]
                        c["answer"] += chunk
                    elif s in w and c["sent_at_answer"] is None:
                        self._send(c)
            for c in self.conns:
                if c["end"] is None:
                    c["end"] = "timeout"
        finally:
            for c in self.conns:
                c["sock"].close()
        return self.conns

    def _send(self, c):
        s = c["sock"]
        if c["sent"] < len(self.head):
            data = self.head[c["sent"]:]
        else:
            offset = (c["sent"] - len(self.head)) % len(self.block)
            data = memoryview(self.block)[offset:]
            data = data[:self.total - c["sent"]]
        try:
            c["sent"] += s.send(data)
        except BlockingIOError:
            pass
        except (BrokenPipeError, ConnectionResetError) as e:
            c["send_error"] = type(e).__name__


class ServeAttackTest(harness.HookauthTest):
    def setUp(self):
        super().setUp()
        self.fixture(lambda: self.add_basic("basic", USER, PASSWORD))

    def start(self, *extra, max_body=MAX_BODY, read_timeout=READ_TIMEOUT):
        env = {}
        if harness.SANITIZED:
            # ASan keeps freed memory in a 256 MiB quarantine by default, which a peak RSS bound would
            # measure instead of the listener's buffers.
            env["ASAN_OPTIONS"] = self.env.get("ASAN_OPTIONS", "") + ":quarantine_size_mb=16"
        args = ["--max-body", str(max_body)]
        if read_timeout is not None:
            args += ["--read-timeout", str(read_timeout)]
        s = self.serve("basic", *args, *extra, env=env)
        s.hwm_start = vm_hwm(s.proc.pid)
        return s

    def assert_memory_bounded(self, s, connections, per_connection=PER_CONNECTION):
        """The server's peak RSS grew by less than `connections` times the documented cost of a connection,
        plus the fixed allowance."""
        self.assertIsNone(s.proc.poll(), "the server ended: %r" % s.stderr_lines[-5:])
        growth = vm_hwm(s.proc.pid) - s.hwm_start
        bound = connections * per_connection * ASAN_FACTOR + FIXED_ALLOWANCE
        self.assertLess(growth, bound, "peak RSS grew by %.1f MiB (from %.1f MiB), bound %.1f MiB for %d connections"
                        % (growth / MIB, s.hwm_start / MIB, bound / MIB, connections))

    def logged(self, server, n, timeout=10):
        return self.wait_for(lambda: len(server.stdout_json()) >= n and server.stdout_json(), timeout=timeout,
                             what="%d log lines" % n)

    def valid_request(self, server, target="/valid", timeout=10):
        """A valid request with curl on a new connection: its status code ('000' when curl got no answer)."""
        p = subprocess.run(["curl", "-sS", "--max-time", str(timeout), "-o", "/dev/null", "-w", "%{http_code}",
                            "-u", USER + ":" + PASSWORD, server.url + target],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout + 20)
        return p.stdout.decode(), p.stderr.decode()

    def assert_flood_refused(self, conns, status, total, what):
        for i, c in enumerate(conns):
            desc = "%s, connection %d: sent %d bytes (%s), answer %r, ended %s" % (
                what, i, c["sent"], "answered after %s" % c["sent_at_answer"] if c["sent_at_answer"] is not None
                else "no answer", c["answer"][:200], c["end"])
            self.assertEqual(statuses(c["answer"]), [status], desc)
            # Answered after the limit, long before the flood could have been read: the server stopped
            # reading it.
            self.assertLess(c["sent_at_answer"], total // 2, desc)
            self.assertIn(c["end"], ("closed", "reset"), desc)

    # ---- floods ------------------------------------------------------------------------------------

    def test_header_flood_is_refused_at_64_kib(self):
        s = self.start()
        n, total = 8, 16 * MIB
        head = b"GET /flood HTTP/1.1\r\nHost: h\r\n" + AUTH
        conns = Flood(s.port, head, b"a:b\r\n", total, n).run(timeout=READ_TIMEOUT + MARGIN)
        self.assert_flood_refused(conns, 431, total, "header flood")
        lines = self.logged(s, n)
        self.assertEqual([(l["target"], l["status"], l["verdict"]) for l in lines], [("/flood", 431, "invalid")] * n)
        self.assertEqual(self.valid_request(s)[0], "200")
        self.assert_memory_bounded(s, n)

    def test_chunked_flood_is_refused_at_max_body(self):
        s = self.start()
        n, total = 6, 16 * MIB
        head = b"POST /chunks HTTP/1.1\r\nHost: h\r\n" + AUTH + b"Transfer-Encoding: chunked\r\n\r\n"
        piece = b"4000\r\n" + b"x" * 0x4000 + b"\r\n"  # 16 KiB chunks
        conns = Flood(s.port, head, piece, total, n).run(timeout=READ_TIMEOUT + MARGIN)
        self.assert_flood_refused(conns, 413, total, "chunked flood")
        lines = self.logged(s, n)
        self.assertEqual([(l["target"], l["status"]) for l in lines], [("/chunks", 413)] * n)
        self.assertEqual(self.valid_request(s)[0], "200")
        self.assert_memory_bounded(s, n)

    def test_body_flood_under_a_huge_content_length_is_not_read(self):
        # The client announces 1 GiB and sends it regardless: answered 413 long before.
        s = self.start()
        n, total = 4, 16 * MIB
        head = b"POST /big HTTP/1.1\r\nHost: h\r\n" + AUTH + b"Content-Length: 1073741824\r\n\r\n"
        conns = Flood(s.port, head, b"y" * 65536, total, n).run(timeout=READ_TIMEOUT + MARGIN)
        self.assert_flood_refused(conns, 413, total, "body flood")
        self.assertEqual([l["status"] for l in self.logged(s, n)], [413] * n)
        self.assert_memory_bounded(s, n)

    def test_oversize_content_length_is_answered_before_the_body_is_sent(self):
        s = self.start()
        for expect in (b"", b"Expect: 100-continue\r\n"):
            with self.subTest(expect=expect):
                with connect(s.port) as c:
                    c.sendall(b"POST /announced HTTP/1.1\r\nHost: h\r\n" + AUTH + expect +
                              b"Content-Length: %d\r\n\r\n" % (MAX_BODY + 1))
                    # Not a byte of the body is sent: a server waiting for it would answer 408 at the read
                    # timeout, or 100 Continue to the Expect.
                    end, answer = read_until_closed(c, READ_TIMEOUT + MARGIN)
                self.assertEqual(statuses(answer), [413], answer[:300])
                self.assertEqual(end, "closed", answer[:300])
        # Exactly --max-body is accepted.
        with connect(s.port) as c:
            c.sendall(b"POST /exact HTTP/1.1\r\nHost: h\r\nConnection: close\r\n" + AUTH +
                      b"Content-Length: %d\r\n\r\n" % MAX_BODY + b"z" * MAX_BODY)
            end, answer = read_until_closed(c, READ_TIMEOUT + MARGIN)
        self.assertEqual(statuses(answer), [200], answer[:300])
        lines = self.logged(s, 3)
        self.assertEqual([(l["target"], l["status"]) for l in lines],
                         [("/announced", 413), ("/announced", 413), ("/exact", 200)])
        self.assert_memory_bounded(s, 1)

    def test_head_limits(self):
        s = self.start()
        cases = [
            ("101 field lines", b"GET /fields HTTP/1.1\r\nHost: h\r\n" + AUTH +
             b"".join(b"X-F%d: v\r\n" % i for i in range(100)) + b"\r\n", 431, "/fields"),
            ("a head over 64 KiB", b"GET /head HTTP/1.1\r\nHost: h\r\n" + AUTH +
             b"".join(b"X-Pad-%d: %s\r\n" % (i, b"p" * 4000) for i in range(17)) + b"\r\n", 431, "/head"),
            ("a request line over 8 KiB", b"GET /" + b"l" * 8300 + b" HTTP/1.1\r\nHost: h\r\n" + AUTH + b"\r\n",
             414, None),
        ]
        for what, data, status, _ in cases:
            with self.subTest(what):
                with connect(s.port) as c:
                    c.sendall(data + b"GET /next HTTP/1.1\r\nHost: h\r\n" + AUTH + b"\r\n")
                    end, answer = read_until_closed(c, READ_TIMEOUT + MARGIN)
                self.assertEqual(statuses(answer), [status], answer[:300])
                self.assertIn(end, ("closed", "reset"))
        # Just inside every limit: 100 field lines (Host and Authorization among them) is served.
        with connect(s.port) as c:
            c.sendall(b"GET /ok HTTP/1.1\r\nHost: h\r\nConnection: close\r\n" + AUTH +
                      b"".join(b"X-F%d: v\r\n" % i for i in range(97)) + b"\r\n")
            end, answer = read_until_closed(c, READ_TIMEOUT + MARGIN)
        self.assertEqual(statuses(answer), [200], answer[:300])
        lines = self.logged(s, 4)
        self.assertEqual([l["status"] for l in lines], [431, 431, 414, 200])
        self.assertEqual([l["target"] for l in lines[:2]] + [lines[3]["target"]], ["/fields", "/head", "/ok"])
        self.assertNotIn("/next", [l["target"] for l in lines])
        self.assert_memory_bounded(s, 1)

    # ---- slow clients ------------------------------------------------------------------------------

    def trickle(self, port, heads, step, feed, deadline):
        """Connections that send head and then one byte of feed(i) every `step` seconds, until the server
        answers or ends them; each: (status codes, seconds from the first byte to the answer or None)."""
        socks = []
        for head in heads:
            c = connect(port)
            c.sendall(head)
            socks.append({"sock": c, "started": time.monotonic(), "answer": b"", "answered": None, "i": 0,
                          "ended": False})
        end = time.monotonic() + deadline
        try:
            while time.monotonic() < end and not all(x["ended"] for x in socks):
                r, _, _ = select.select([x["sock"] for x in socks if not x["ended"]], [], [], step)
                for x in socks:
                    if x["ended"]:
                        continue
                    if x["sock"] in r:
                        try:
                            chunk = x["sock"].recv(65536)
                        except ConnectionResetError:
                            chunk = b""
                        if not chunk:
                            x["ended"] = True
                            continue
                        if x["answered"] is None:
                            x["answered"] = time.monotonic() - x["started"]
                        x["answer"] += chunk
                    elif x["answered"] is None:
                        try:
                            x["sock"].sendall(feed(x["i"]))
                        except (BrokenPipeError, ConnectionResetError):
                            x["ended"] = True
                        x["i"] += 1
        finally:
            for x in socks:
                x["sock"].close()
        return [(statuses(x["answer"]), x["answered"]) for x in socks]

    def check_trickle(self, what, heads, feed, target):
        s = self.start()
        deadline = READ_TIMEOUT + MARGIN
        quick = {}
        # While they trickle, a valid request on another connection is answered.
        t = threading.Thread(target=lambda: quick.update(code=self.valid_request(s, "/quick", timeout=MARGIN)))
        t.start()
        results = self.trickle(s.port, heads, 0.1, feed, deadline)
        t.join(timeout=MARGIN + 30)
        self.assertEqual(quick.get("code", ("none",))[0], "200", quick)
        for i, (codes, after) in enumerate(results):
            # 408 once --read-timeout has passed, whatever keeps arriving; answered before the test's deadline.
            self.assertEqual(codes, [408], "%s %d: answered %s after %s s" % (what, i, codes, after))
        lines = self.logged(s, len(heads) + 1)
        self.assertEqual(sorted(l["status"] for l in lines if l["target"] == target), [408] * len(heads), lines)
        self.assert_memory_bounded(s, len(heads) + 1)

    def test_slow_head_gets_408_at_the_read_timeout(self):
        self.check_trickle("slow head", [b"GET /slow-head HTTP/1.1\r\nHost: h\r\n" + AUTH] * 10,
                           lambda i: SLOW_FIELD[i % len(SLOW_FIELD):][:1], "/slow-head")

    def test_slow_body_gets_408_at_the_read_timeout(self):
        self.check_trickle("slow body", [b"POST /slow-body HTTP/1.1\r\nHost: h\r\n" + AUTH +
                                         b"Content-Length: 60000\r\n\r\n"] * 10,
                           lambda i: b"b", "/slow-body")

    # ---- many connections --------------------------------------------------------------------------

    def test_a_thousand_idle_connections_do_not_delay_a_valid_request(self):
        # The default read timeout: idle connections end only after the 5 s keep-alive timeout.
        s = self.start(read_timeout=None)
        threads_at_start = int(proc_status(s.proc.pid)["Threads"])
        started = time.monotonic()
        idle = []
        self.addCleanup(lambda: [c.close() for c in idle])
        for _ in range(500):  # connected, nothing sent
            idle.append(connect(s.port, timeout=30))
        kept = []
        for i in range(500):  # one request answered, then kept alive
            c = connect(s.port, timeout=30)
            idle.append(c)
            c.sendall(b"GET /kept-%d HTTP/1.1\r\nHost: h\r\n" % i + AUTH + b"\r\n")
            kept.append(c)
        answers = {}
        for i, c in enumerate(kept):
            got = b""
            while b"valid\n" not in got:
                chunk = c.recv(65536)
                if not chunk:
                    break
                got += chunk
            answers[i] = statuses(got)
        self.assertEqual([i for i, a in answers.items() if a != [200]], [], "kept-alive requests not answered 200")
        threads = int(proc_status(s.proc.pid)["Threads"])
        code, err = self.valid_request(s, "/past-a-thousand", timeout=MARGIN)
        setup = time.monotonic() - started
        self.assertEqual(code, "200", err)
        # Connections cost memory, not threads.
        self.assertLess(threads, 100, "%d threads with 1,000 connections open (%d at start)"
                        % (threads, threads_at_start))
        # The 1,000 were still open when the request was answered (unless setting them up took longer
        # than the keep-alive timeout, as it may under ASan).
        closed = 0
        for c in idle:
            if select.select([c], [], [], 0)[0]:
                try:
                    closed += c.recv(1, socket.MSG_PEEK) == b""
                except ConnectionResetError:
                    closed += 1
        if setup < 4:
            self.assertEqual(closed, 0, "connections the server ended within %.1f s" % setup)
        self.assertIn("/past-a-thousand", [l["target"] for l in self.logged(s, 501)])
        self.assert_memory_bounded(s, 1001, PER_IDLE_CONNECTION)

    def test_connections_beyond_max_connections_wait_in_the_backlog(self):
        s = self.start("--max-connections", "4")
        slow = []
        self.addCleanup(lambda: [c.close() for c in slow])
        for _ in range(4):  # heads that never end: each holds its slot until its 408
            c = connect(s.port, timeout=READ_TIMEOUT + MARGIN)
            c.sendall(b"GET /holding HTTP/1.1\r\nHost: h\r\n")
            slow.append(c)
        time.sleep(0.3)  # the four are accepted and have begun their heads
        fifth = connect(s.port, timeout=READ_TIMEOUT + MARGIN)
        self.addCleanup(fifth.close)
        fifth.sendall(b"GET /fifth HTTP/1.1\r\nHost: h\r\nConnection: close\r\n" + AUTH + b"\r\n")
        end, answer = read_until_closed(fifth, READ_TIMEOUT + MARGIN)
        self.assertEqual(statuses(answer), [200], answer[:300])
        lines = self.logged(s, 5)
        # The fifth connection was accepted only when one of the four ended at its read timeout: a 408 is
        # logged before its 200.
        self.assertEqual(sorted(l["status"] for l in lines), [200, 408, 408, 408, 408], lines)
        self.assertEqual(lines[0]["status"], 408, lines)
        self.assertEqual([l["target"] for l in lines if l["status"] == 200], ["/fifth"], lines)
        self.assert_memory_bounded(s, 5)

    # ---- RFC 9112 framing --------------------------------------------------------------------------

    def test_empty_post_without_length_is_answered_at_once_and_the_next_request_follows(self):
        s = self.start()
        with connect(s.port, timeout=READ_TIMEOUT + MARGIN) as c:
            c.sendall(b"POST /first HTTP/1.1\r\nHost: h\r\n" + AUTH + b"\r\n")
            got = b""
            while b"valid\n" not in got:  # nothing more is sent before the first answer
                chunk = c.recv(65536)
                if not chunk:
                    break
                got += chunk
            self.assertEqual(statuses(got), [200], got[:300])
            c.sendall(b"GET /second HTTP/1.1\r\nHost: h\r\nConnection: close\r\n" + AUTH + b"\r\n")
            end, rest = read_until_closed(c, READ_TIMEOUT + MARGIN)
            self.assertEqual(statuses(rest), [200], rest[:300])
        # Pipelined in one write: answered in order.
        with connect(s.port) as c:
            c.sendall(b"POST /p1 HTTP/1.1\r\nHost: h\r\n" + AUTH + b"\r\n" +
                      b"PUT /p2 HTTP/1.1\r\nHost: h\r\n" + AUTH + b"\r\n" +
                      b"POST /p3 HTTP/1.1\r\nHost: h\r\n" + AUTH + b"Content-Length: 2\r\n\r\nhi" +
                      b"GET /p4 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n" + AUTH + b"\r\n")
            end, answer = read_until_closed(c, READ_TIMEOUT + MARGIN)
        self.assertEqual(statuses(answer), [200] * 4, answer[:600])
        lines = self.logged(s, 6)
        self.assertEqual([(l["method"], l["target"], l["status"]) for l in lines],
                         [("POST", "/first", 200), ("GET", "/second", 200), ("POST", "/p1", 200),
                          ("PUT", "/p2", 200), ("POST", "/p3", 200), ("GET", "/p4", 200)])
        self.assertEqual(len({l["peer"] for l in lines[:2]}), 1)
        self.assert_memory_bounded(s, 1)

    def test_ambiguous_framing_is_400_and_ends_the_connection(self):
        s = self.start()
        smuggled = b"GET /smuggled HTTP/1.1\r\nHost: h\r\n" + AUTH + b"\r\n"
        cases = [
            ("space before colon", b"POST /space HTTP/1.1\r\nHost: h\r\n" + AUTH +
             b"Content-Length : 5\r\n\r\nhello", "/space"),
            ("transfer coding not ending in chunked", b"POST /te HTTP/1.1\r\nHost: h\r\n" + AUTH +
             b"Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n", "/te"),
            ("two different Content-Lengths", b"POST /two HTTP/1.1\r\nHost: h\r\n" + AUTH +
             b"Content-Length: 0\r\nContent-Length: %d\r\n\r\n" % len(smuggled), "/two"),
            ("Content-Length and Transfer-Encoding", b"POST /clte HTTP/1.1\r\nHost: h\r\n" + AUTH +
             b"Content-Length: %d\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" % (5 + len(smuggled)), "/clte"),
            ("Transfer-Encoding and Content-Length", b"POST /tecl HTTP/1.1\r\nHost: h\r\n" + AUTH +
             b"Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n" + b"%x\r\n" % len(smuggled) + smuggled +
             b"\r\n0\r\n\r\n", "/tecl"),
            ("chunk data not followed by CRLF", b"POST /crlf HTTP/1.1\r\nHost: h\r\n" + AUTH +
             b"Transfer-Encoding: chunked\r\n\r\n5\r\nhelloXX\r\n0\r\n\r\n", "/crlf"),
        ]
        for what, data, _ in cases:
            with self.subTest(what):
                with connect(s.port) as c:
                    # What follows the bad request (a request of its own) must not be read as one.
                    c.sendall(data + smuggled + b"GET /next HTTP/1.1\r\nHost: h\r\nConnection: close\r\n" + AUTH +
                              b"\r\n")
                    end, answer = read_until_closed(c, READ_TIMEOUT + MARGIN)
                self.assertEqual(statuses(answer), [400], answer[:300])
                self.assertIn(end, ("closed", "reset"), answer[:300])
        lines = self.logged(s, len(cases))
        time.sleep(0.3)  # a request wrongly read from the rest would be logged by now
        lines = s.stdout_json()
        self.assertEqual([(l["target"], l["status"], l["verdict"]) for l in lines],
                         [(target, 400, "invalid") for _, _, target in cases])
        self.assertTrue(all(l["reason"] for l in lines), lines)
        self.assert_memory_bounded(s, 1)

    def test_bare_lf_line_ends_are_served(self):
        s = self.start()
        with connect(s.port) as c:
            c.sendall(b"GET /lf HTTP/1.1\nHost: h\n" + AUTH.replace(b"\r\n", b"\n") + b"\n" +
                      b"POST /lf-body HTTP/1.1\nHost: h\nContent-Length: 3\nConnection: close\n" +
                      AUTH.replace(b"\r\n", b"\n") + b"\nabc")
            end, answer = read_until_closed(c, READ_TIMEOUT + MARGIN)
        self.assertEqual(statuses(answer), [200, 200], answer[:300])
        self.assertEqual([(l["target"], l["verdict"]) for l in self.logged(s, 2)],
                         [("/lf", "valid"), ("/lf-body", "valid")])
        self.assert_memory_bounded(s, 1)


if __name__ == "__main__":
    harness.main()
