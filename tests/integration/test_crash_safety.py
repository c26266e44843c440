"""Crash safety (issue #9): SIGKILL hookauth at random moments of its store and state writes.

After each kill the file must parse as JSON and equal (as parsed content) either the version before
the command or the one the command writes; at most one stale temporary file may be left beside it
(the next writer removes the ones killed writers left, under the lock, before making its own); and
the lock must be free: this process takes it with flock(LOCK_EX | LOCK_NB) on the path the code uses.
Every twentieth kill (fifth in the sanitized build) is followed by the same kind of write run to
completion, which must succeed and leave no temporary file.

Store writes are `auth add` / `auth remove` of one authorization in a store of 200. State writes are
`webhook send` with a Digest profile whose nonce is shared in advance, to a closed loopback port: the
nonce count is reserved in state.json (beside 200 other sessions) before the request fails to connect.

The delays are uniform between 0 and the command's measured duration (the lower quartile of its last
eight complete runs: the calibration, then the follow-ups, so the delays follow the machine's load), so kills
land before, during and after the write. Eight workers, each on its own store, run at once. The seed is
printed; set HOOKAUTH_CRASH_SEED to replay a run (the interleaving with the machine's load is not
replayed, only the delays).
"""

import fcntl
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

# 1,000 kills; a tenth of them in the sanitized build, where each start costs ten times as much.
STORE_KILLS_PER_WORKER = harness.repeat(150, 15)
STATE_KILLS_PER_WORKER = harness.repeat(100, 10)
STORE_WORKERS = 4
STATE_WORKERS = 4
TOTAL_KILLS = STORE_KILLS_PER_WORKER * STORE_WORKERS + STATE_KILLS_PER_WORKER * STATE_WORKERS
FOLLOW_UP_EVERY = harness.repeat(20, 5)


def temporaries(directory, filename):
    """The mkstemp files atomic_replace makes for filename: '.' + filename + '.' + six characters."""
    prefix = "." + filename + "."
    return [n for n in os.listdir(directory) if n.startswith(prefix) and len(n) == len(prefix) + 6]


def typical(times):
    """The duration the delays are drawn up to: the lower quartile of the last eight complete runs. A
    run stalled by the machine's load would stretch the median, and more commands would end before
    their kill."""
    recent = sorted(times[-8:])
    return recent[len(recent) // 4]


def lock_is_free(lock_path):
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


class Tally:
    def __init__(self):
        self.mutex = threading.Lock()
        self.kills = {"store": 0, "state": 0}
        self.mid_write = {"store": 0, "state": 0}  # a temporary file was present after the kill
        self.new_version = {"store": 0, "state": 0}  # the kill came after the rename
        self.finished_first = {"store": 0, "state": 0}  # the command ended before the kill: not counted

    def add(self, kind, field, n=1):
        with self.mutex:
            getattr(self, field)[kind] += n


class CrashSafetyTest(harness.HookauthTest):

    def setUp(self):
        super().setUp()
        seed = os.environ.get("HOOKAUTH_CRASH_SEED")
        self.seed = int(seed) if seed else random.SystemRandom().randrange(1 << 32)
        print("\ncrash safety: seed %d (HOOKAUTH_CRASH_SEED=%d replays it)" % (self.seed, self.seed), flush=True)

    # --- running and killing ---

    def env_for(self, directory):
        env = dict(self.env)
        env["HOOKAUTH_STORE"] = os.path.join(directory, "store.json")
        # LeakSanitizer off, in the measured runs too, so that they time the same process the kills interrupt.
        return harness.without_leak_check(env)

    def run_to_end(self, argv, env):
        started = time.monotonic()
        p = subprocess.run([harness.binary()] + argv, env=env, cwd=self.tmp, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        return p, time.monotonic() - started

    def kill_at_random(self, argv, env, rng, duration):
        """Starts hookauth, SIGKILLs it after a delay uniform in [0, duration]; True when the kill landed."""
        p = subprocess.Popen([harness.binary()] + argv, env=env, cwd=self.tmp, stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0, duration))
        p.send_signal(signal.SIGKILL)
        rc = p.wait(timeout=60)
        return rc == -signal.SIGKILL

    def measure(self, argv_pair, env):
        """The durations of the two commands run alternately to completion, which leaves the file as it
        was."""
        times = []
        for _ in range(3):
            for argv, rc in argv_pair:
                p, took = self.run_to_end(argv, env)
                self.assertEqual(p.returncode, rc, (argv, p.stderr))
                times.append(took)
        return times

    # --- the checks after a kill ---

    def check_after_kill(self, path, lock_path, versions, kind, tally, errors):
        """The file's parsed content, which must be one of versions; stale temporaries and the lock."""
        directory, filename = os.path.split(path)
        with open(path, "rb") as f:
            raw = f.read()
        try:
            content = json.loads(raw)
        except ValueError as e:
            errors.append("%s: %s does not parse after a kill: %s (%d bytes)" % (kind, filename, e, len(raw)))
            return None
        if content not in versions:
            errors.append("%s: %s after a kill is neither the old nor the new version" % (kind, filename))
            return None
        left = temporaries(directory, filename)
        if left:
            tally.add(kind, "mid_write")
        if len(left) > 1:
            errors.append("%s: %d temporary files accumulated beside %s: %s" % (kind, len(left), filename, left))
        if not lock_is_free(lock_path):
            errors.append("%s: %s is still locked after the writer was killed" % (kind, lock_path))
        return content

    def read_finished(self, path, expected, kind, errors):
        """The file after a command that ended before its kill: the new version."""
        with open(path, "rb") as f:
            content = json.loads(f.read())
        if content != expected:
            errors.append("%s: a command that finished did not write the new version" % kind)
            return None
        return content

    def check_follow_up(self, argv, rc, env, path, expected, kind, errors, times):
        p, took = self.run_to_end(argv, env)
        times.append(took)  # the delays follow the machine's load
        if p.returncode != rc:
            errors.append("%s: the command after a kill exited %d: %r" % (kind, p.returncode, p.stderr[-300:]))
            return None
        directory, filename = os.path.split(path)
        left = temporaries(directory, filename)
        if left:
            errors.append("%s: a completed write left temporary files %s" % (kind, left))
        with open(path, "rb") as f:
            content = json.loads(f.read())
        if expected is not None and content != expected:
            errors.append("%s: the completed write did not produce the expected %s" % (kind, filename))
        return content

    # --- the workers ---

    def store_worker(self, index, tally, errors):
        rng = random.Random("%d-store-%d" % (self.seed, index))
        directory = os.path.join(self.tmp, "store-%d" % index)
        env = self.env_for(directory)
        path = os.path.join(directory, "store.json")
        # 200 authorizations of several types, written directly in the store's own format.
        auths = []
        for i in range(200):
            kind = i % 4
            if kind == 0:
                a = {"name": "partner-%03d" % i, "type": "basic", "username": "user%d" % i,
                     "password": {"env": "PARTNER_%d_PASSWORD" % i}}
            elif kind == 1:
                a = {"name": "partner-%03d" % i, "type": "api-key", "key": "X-API-Key",
                     "value": {"file": "/etc/hookauth/partner-%d.key" % i}, "in": "header"}
            elif kind == 2:
                a = {"name": "partner-%03d" % i, "type": "aws-sigv4", "access-key": "AKID%016d" % i,
                     "secret-key": {"env": "AWS_SECRET_%d" % i}, "region": "eu-west-1", "service": "execute-api"}
            else:
                a = {"name": "partner-%03d" % i, "type": "digest", "username": "acme%d" % i,
                     "password": {"env": "DIGEST_%d" % i}, "algorithm": "SHA-256", "qop": "auth"}
            auths.append(a)
        os.makedirs(directory, mode=0o700)
        with open(path, "w") as f:
            json.dump({"version": 1, "authorizations": auths}, f, indent=2)
        os.chmod(path, 0o600)
        # The content hookauth writes for the store without and with the extra one.
        add = ["auth", "add", "extra", "--type", "basic", "--username", "extra", "--password", "env:EXTRA_PW"]
        remove = ["auth", "remove", "extra"]
        p, _ = self.run_to_end(add, env)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(path, "rb") as f:
            with_extra = json.loads(f.read())
        p, _ = self.run_to_end(remove, env)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(path, "rb") as f:
            without_extra = json.loads(f.read())
        self.assertEqual(len(without_extra["authorizations"]), 200)
        self.assertEqual(len(with_extra["authorizations"]), 201)
        times = self.measure([(add, 0), (remove, 0)], env)
        lock_path = path + ".lock"
        current = without_extra
        kills = 0
        while kills < STORE_KILLS_PER_WORKER and len(errors) < 5:
            adding = current == without_extra
            argv, new = (add, with_extra) if adding else (remove, without_extra)
            if not self.kill_at_random(argv, env, rng, typical(times)):
                tally.add("store", "finished_first")
                current = self.read_finished(path, new, "store", errors)
                if current is None:
                    break
                continue
            kills += 1
            tally.add("store", "kills")
            after = self.check_after_kill(path, lock_path, [current, new], "store", tally, errors)
            if after is None:
                break
            if after == new:
                tally.add("store", "new_version")
            current = after
            if kills % FOLLOW_UP_EVERY == 0:
                adding = current == without_extra
                argv, new = (add, with_extra) if adding else (remove, without_extra)
                current = self.check_follow_up(argv, 0, env, path, new, "store", errors, times)
                if current is None:
                    break

    def state_worker(self, index, port, tally, errors):
        rng = random.Random("%d-state-%d" % (self.seed, index))
        directory = os.path.join(self.tmp, "state-%d" % index)
        env = self.env_for(directory)
        path = os.path.join(directory, "state.json")
        p, _ = self.run_to_end(["auth", "add", "shared", "--type", "digest", "--username", "acme", "--password",
                                "env:DIGEST_PW", "--realm", "hooks@example", "--nonce", "5f2b0c9e", "--qop", "auth",
                                "--algorithm", "SHA-256"], env)
        self.assertEqual(p.returncode, 0, p.stderr)
        url = "http://127.0.0.1:%d/hook" % port
        send = ["webhook", "send", "--auth", "shared", "--retries", "0", "-d", '{"event":"crash-test"}', url]
        env = dict(env, DIGEST_PW="digest-password-not-printed")
        # 200 remembered sessions of other authorizations and origins, in the state file's own format.
        sessions = {}
        for i in range(200):
            sessions["partner-%03d http://10.0.%d.%d:8080" % (i, i // 250, i % 250)] = {
                "algorithm": "SHA-256", "has_opaque": True, "nc": i + 1, "nonce": "%032x" % (i * 7919),
                "opaque": "%016x" % i, "qops": ["auth"], "realm": "realm-%d" % i, "userhash": False}
        with open(path, "w") as f:
            json.dump({"digest": sessions}, f, indent=2)
        os.chmod(path, 0o600)
        p, _ = self.run_to_end(send, env)  # the first send remembers the shared nonce
        self.assertEqual(p.returncode, 3, p.stderr)
        with open(path, "rb") as f:
            current = json.loads(f.read())
        key = "shared http://127.0.0.1:%d" % port
        self.assertEqual(current["digest"][key]["nc"], 1, current["digest"].get(key))
        self.assertEqual(len(current["digest"]), 201)

        def next_version(state):
            new = json.loads(json.dumps(state))
            new["digest"][key]["nc"] += 1
            return new

        times = []
        for _ in range(5):
            p, took = self.run_to_end(send, env)
            self.assertEqual(p.returncode, 3, p.stderr)
            times.append(took)
        with open(path, "rb") as f:
            current = json.loads(f.read())
        lock_path = path + ".lock"
        kills = 0
        while kills < STATE_KILLS_PER_WORKER and len(errors) < 5:
            new = next_version(current)
            if not self.kill_at_random(send, env, rng, typical(times)):
                tally.add("state", "finished_first")
                current = self.read_finished(path, new, "state", errors)
                if current is None:
                    break
                continue
            kills += 1
            tally.add("state", "kills")
            after = self.check_after_kill(path, lock_path, [current, new], "state", tally, errors)
            if after is None:
                break
            if after == new:
                tally.add("state", "new_version")
            current = after
            if kills % FOLLOW_UP_EVERY == 0:
                # A send that fails to connect (exit 3) after reserving its count, and a dry run that
                # reads the next count without taking it: both must find the state usable.
                current = self.check_follow_up(send, 3, env, path, next_version(current), "state", errors, times)
                if current is None:
                    break
                p, _ = self.run_to_end(["webhook", "send", "--auth", "shared", "--dry-run", "--reveal", "-d", "{}",
                                        url], env)
                expected = "nc=%08x" % (current["digest"][key]["nc"] + 1)
                if p.returncode != 0 or expected not in p.stdout.decode():
                    errors.append("state: the dry run after a kill did not show %s: exit %d" %
                                  (expected, p.returncode))
                    break

    def test_a_thousand_kills_leave_old_or_new_files_and_no_lock(self):
        tally, errors = Tally(), []
        port = self.closed_port()
        threads = []

        def guarded(target, *args):
            try:
                target(*args)
            except BaseException as e:  # a failed setUp assertion in a worker fails the test
                errors.append("%s: %r" % (target.__name__, e))

        for i in range(STORE_WORKERS):
            threads.append(threading.Thread(target=guarded, args=(self.store_worker, i, tally, errors)))
        for i in range(STATE_WORKERS):
            threads.append(threading.Thread(target=guarded, args=(self.state_worker, i, port, tally, errors)))
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        print("crash safety: %d kills in %.1f s (seed %d)" % (sum(tally.kills.values()), time.monotonic() - started,
                                                             self.seed))
        for kind in ("store", "state"):
            print("  %s: %d kills, %d with a temporary file present (mid-write), %d after the rename, "
                  "%d commands finished before their kill (not counted)" %
                  (kind, tally.kills[kind], tally.mid_write[kind], tally.new_version[kind],
                   tally.finished_first[kind]), flush=True)
        self.assertEqual(errors, [], "seed %d" % self.seed)
        self.assertEqual(tally.kills["store"], STORE_KILLS_PER_WORKER * STORE_WORKERS)
        self.assertEqual(tally.kills["state"], STATE_KILLS_PER_WORKER * STATE_WORKERS)
        self.assertEqual(sum(tally.kills.values()), TOTAL_KILLS)
        self.assertEqual(TOTAL_KILLS, harness.repeat(1000, 100))


if __name__ == "__main__":
    harness.main()
