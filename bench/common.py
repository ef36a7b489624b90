"""What the load scripts in bench/ share: the binary, open-file limits, a
server started and waited for, a process's files and memory, percentiles.
127.0.0.1 only."""
import http.client
import os
import resource
import socket
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HOST = "127.0.0.1"
SERVICE_NOFILE = 65536  # LimitNOFILE of the documented service unit (docs/DEPLOYMENT.md)


def pamphlet_binary(given=None):
    """The binary to run: `given`, or the release build (built first when missing)."""
    binary = given
    if not binary:
        target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
        binary = os.path.join(target, "release", "pamphlet")
        if not os.path.exists(binary):
            subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    if not os.access(binary, os.X_OK):
        sys.exit(f"no pamphlet binary at {binary}")
    return binary


def open_file_limits(requested=None):
    """(the servers' limit, this script's): the service unit's unless asked
    otherwise, at most the hard limit; this script is raised to the hard limit,
    since it holds the clients' sockets itself."""
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    hard = 1 << 20 if hard == resource.RLIM_INFINITY else hard
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return min(requested or SERVICE_NOFILE, hard), hard


def limit_files(n):
    """A `preexec_fn` giving a server the open-file limit `n`."""
    def apply():
        resource.setrlimit(resource.RLIMIT_NOFILE, (n, n))
    return apply


def wait_up(port, seconds=60, path="/"):
    """Whether `path` answered 200 on `port` within `seconds`."""
    end = time.time() + seconds
    while time.time() < end:
        try:
            c = http.client.HTTPConnection(HOST, port, timeout=1)
            c.request("GET", path)
            if c.getresponse().status == 200:
                return True
        except OSError:
            pass
        time.sleep(0.05)
    return False


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def process_files(pid):
    """Open files and RSS (MB) of a process and its children (nginx's workers)."""
    files, rss = 0, 0
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            pids = [pid] + [int(child) for child in f.read().split()]
        for p in pids:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        rss += int(line.split()[1]) // 1024
            files += len(os.listdir(f"/proc/{p}/fd"))
    except OSError:
        return 0, 0
    return files, rss


def pct(values, q):
    v = sorted(values)
    return v[min(len(v) - 1, int(q * len(v)))] if v else None


def ms_summary(seconds):
    """Latencies given in seconds, as p50/p99/max in ms."""
    if not seconds:
        return "p50 -, p99 -, max -"
    return f"p50 {pct(seconds, 0.5) * 1000:.1f} ms, p99 {pct(seconds, 0.99) * 1000:.1f} ms, max {max(seconds) * 1000:.1f} ms"


class Server:
    """`pamphlet serve` on 127.0.0.1:`port` with its log in `work`, started
    again (a restart, after a kill) with the same arguments; `args(n)` gives
    the arguments after `serve --addr` for the n-th start."""

    def __init__(self, binary, work, port, nofile, args, ready="/"):
        self.binary, self.work, self.port, self.nofile, self.args, self.ready = binary, work, port, nofile, args, ready
        self.starts, self.logs = 0, []
        self.start()

    def start(self):
        self.starts += 1
        log = os.path.join(self.work, f"server-{self.starts}.log")
        self.logs.append(log)
        self.log = open(log, "wb")
        self.proc = subprocess.Popen([self.binary, "serve", "--addr", f"{HOST}:{self.port}", *self.args(self.starts)],
                                     env={**os.environ, "PAMPHLET_LOG": "warn"}, preexec_fn=limit_files(self.nofile),
                                     stdout=self.log, stderr=subprocess.STDOUT)
        if not wait_up(self.port, path=self.ready):
            sys.exit(f"pamphlet did not answer on port {self.port} within 60 s; see {log}")

    def alive(self):
        return self.proc.poll() is None

    def rss(self):
        return process_files(self.proc.pid)[1]

    def kill(self):
        self.proc.kill()
        self.proc.wait()
        self.log.close()

    def stop(self):
        if self.alive():
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if not self.log.closed:
            self.log.close()

    def log_lines(self):
        lines = []
        for path in self.logs:
            with open(path, "rb") as f:
                lines += [line.decode("utf-8", "replace").rstrip() for line in f if line.strip()]
        return lines


def verdict(failures, ok):
    """Prints the problems and exits 1, or prints `ok`."""
    if failures:
        print(f"FAIL: {len(failures)} problems")
        for f in failures:
            print(f"  {f}")
        sys.exit(1)
    print(f"OK: {ok}")
