#!/usr/bin/env python3
"""Slow and idle clients against a normal visitor: Pamphlet beside nginx.

Each server runs under the open-file limit of the documented service unit
(LimitNOFILE=65536, or the machine's hard limit if lower). A normal client
fetches the home page on a new connection every 20 ms: 10 s alone, then while
N attack sockets are held open, then 10 s after they are let go. Modes:
  slowloris  a request head, one byte every ~3 s, never finished
  idle       connect and send nothing
  slowbody   a whole POST head with Content-Length: 100000, one body byte every ~3 s
Then a stop: SIGTERM to Pamphlet with a half-sent head and an unfinished body
connected, timed until it exits.

Usage: bench/slowloris.py [--sockets 1100] [--hold 40] [--mode slowloris|idle|slowbody|all]
                          [--nofile N] [--no-peer] [--binary PATH]      127.0.0.1 only.
Without --binary, target/release/pamphlet is used, built first when missing.
"""
import argparse
import http.client
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

from common import HOST, Server, free_port, limit_files, open_file_limits, pamphlet_binary, pct, process_files, wait_up

HEAD = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow\r\nAccept: */*\r\n"
BODY_HEAD = (b"POST /contact/send HTTP/1.1\r\nHost: 127.0.0.1\r\n"
             b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\n")


class Visitor(threading.Thread):
    """A normal client: one request per new connection, 5 s timeout."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port, self.phase, self.results, self.stop = port, "baseline", {}, False

    def run(self):
        while not self.stop:
            phase, start, ok = self.phase, time.perf_counter(), False
            try:
                c = http.client.HTTPConnection(HOST, self.port, timeout=5)
                c.request("GET", "/")
                r = c.getresponse()
                r.read()
                ok = r.status == 200
                c.close()
            except OSError:
                pass
            self.results.setdefault(phase, []).append((ok, time.perf_counter() - start))
            time.sleep(0.02)


def summary(samples):
    if not samples:
        return "no requests"
    ok = [took for good, took in samples if good]
    share = 100 * len(ok) / len(samples)
    if not ok:
        return f"0/{len(samples)} ok (0%)"
    return f"{len(ok)}/{len(samples)} ok ({share:.1f}%), p50 {pct(ok, 0.5) * 1000:.1f} ms, p99 {pct(ok, 0.99) * 1000:.1f} ms"


def attack(port, mode, sockets, hold, pid):
    """Holds the attack sockets; returns (opened, closed by the server, peak files, peak RSS)."""
    conns, poller = {}, select.poll()
    for _ in range(sockets):
        s = socket.socket()
        s.settimeout(3)
        try:
            s.connect((HOST, port))
        except OSError:
            s.close()
            continue
        s.setblocking(False)
        try:
            if mode == "slowbody":
                s.send(BODY_HEAD)
            elif mode == "slowloris":
                s.send(HEAD[:1])
        except OSError:
            s.close()
            continue
        conns[s.fileno()] = [s, 1]
        poller.register(s, select.POLLIN | select.POLLHUP | select.POLLERR)
    opened, closed, peak_files, peak_rss = len(conns), 0, 0, 0
    end = time.time() + hold
    while time.time() < end:
        # A server that gives up on a socket closes it (maybe after a 408): readable or hung up.
        for fd, _ in poller.poll(0):
            s, _ = conns.pop(fd)
            poller.unregister(fd)
            s.close()
            closed += 1
        if mode != "idle":
            for fd, entry in list(conns.items()):
                s, sent = entry
                data = HEAD[sent:sent + 1] if mode == "slowloris" and sent < len(HEAD) else b"a"
                try:
                    s.send(data)
                    entry[1] += 1
                except OSError:
                    conns.pop(fd)
                    poller.unregister(fd)
                    s.close()
                    closed += 1
        files, rss = process_files(pid)
        peak_files, peak_rss = max(peak_files, files), max(peak_rss, rss)
        time.sleep(3)
    for s, _ in conns.values():
        s.close()
    return opened, closed, peak_files, peak_rss


def run(name, port, pid, mode, sockets, hold):
    visitor = Visitor(port)
    visitor.start()
    time.sleep(10)
    visitor.phase = "attack"
    opened, closed, files, rss = attack(port, mode, sockets, hold, pid)
    visitor.phase = "after"
    time.sleep(10)
    visitor.stop = True
    visitor.join(10)
    r = visitor.results
    print(f"{name:9} {mode:9} baseline: {summary(r.get('baseline', []))}")
    print(f"{'':19} during {opened} sockets: {summary(r.get('attack', []))}")
    print(f"{'':19} after: {summary(r.get('after', []))}")
    print(f"{'':19} sockets the server closed: {closed} of {opened}; peak open files {files}, RSS {rss} MB")
    return r.get("attack", [])


def start_nginx(work, port, nofile, page):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.path.exists(nginx):
        print("nginx is not installed: apt-get install nginx (or pass --no-peer)", file=sys.stderr)
        sys.exit(1)
    www = os.path.join(work, "www")
    os.makedirs(www)
    os.makedirs(os.path.join(work, "tmp"))
    with open(os.path.join(www, "index.html"), "wb") as f:
        f.write(page)
    conf = os.path.join(work, "nginx.conf")
    tmp = os.path.join(work, "tmp")
    with open(conf, "w") as f:
        f.write(f"""worker_processes 2; daemon off; pid {work}/nginx.pid; error_log {work}/nginx-error.log crit;
worker_rlimit_nofile {nofile};
events {{ worker_connections {nofile // 2}; }}
http {{ access_log off; client_body_temp_path {tmp}; proxy_temp_path {tmp}; fastcgi_temp_path {tmp};
  uwsgi_temp_path {tmp}; scgi_temp_path {tmp}; types {{ text/html html; }}
  server {{ listen 127.0.0.1:{port}; root {www}; location /contact/send {{ return 200; }} }} }}
""")
    args = [nginx, "-c", conf, "-p", work]
    if os.getuid() == 0:
        args += ["-g", "user root;"]
    proc = subprocess.Popen(args, preexec_fn=limit_files(nofile))
    if not wait_up(port):
        sys.exit(f"nginx did not answer on port {port}; see {work}/nginx-error.log")
    return proc


def stop_with_stuck_clients(binary, work, port, nofile):
    server = Server(binary, work, port, nofile, lambda n: ["--data", os.path.join(work, "stop-data")])
    half = socket.create_connection((HOST, port))
    half.send(HEAD[:20])
    body = socket.create_connection((HOST, port))
    body.send(BODY_HEAD + b"name=a")
    time.sleep(1)
    start = time.perf_counter()
    server.proc.send_signal(signal.SIGTERM)
    try:
        code = server.proc.wait(60)
        print(f"stop      SIGTERM with a half-sent head and an unfinished body connected: "
              f"exited {code} after {time.perf_counter() - start:.1f} s (bound: 10 s)")
    except subprocess.TimeoutExpired:
        print("stop      SIGTERM with stuck clients: still running after 60 s")
    server.stop()
    half.close()
    body.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sockets", type=int, default=1100)
    ap.add_argument("--hold", type=int, default=40)
    ap.add_argument("--mode", default="slowloris", choices=["slowloris", "idle", "slowbody", "all"])
    ap.add_argument("--nofile", type=int, help="the servers' open-file limit (default: the documented 65536)")
    ap.add_argument("--binary", help="the pamphlet binary (default: target/release/pamphlet, built if missing)")
    ap.add_argument("--no-peer", action="store_true", help="Pamphlet only, no nginx")
    a = ap.parse_args()

    nofile, hard = open_file_limits(a.nofile)
    if a.sockets + 100 > hard:
        sys.exit(f"the hard open-file limit here is {hard}: too low for {a.sockets} sockets")
    binary = pamphlet_binary(a.binary)
    modes = ["slowloris", "idle", "slowbody"] if a.mode == "all" else [a.mode]
    work = tempfile.mkdtemp()
    print(f"open-file limit of each server: {nofile}; {a.sockets} attack sockets held {a.hold} s")
    try:
        p_port, n_port = free_port(), free_port()
        pamphlet = Server(binary, work, p_port, nofile, lambda n: ["--data", os.path.join(work, "data")])
        page = http.client.HTTPConnection(HOST, p_port)
        page.request("GET", "/")
        body = page.getresponse().read()
        nginx = None if a.no_peer else start_nginx(work, n_port, nofile, body)
        for mode in modes:
            mine = run("pamphlet", p_port, pamphlet.proc.pid, mode, a.sockets, a.hold)
            if nginx:
                peer = run("nginx", n_port, nginx.pid, mode, a.sockets, a.hold)
                ratio = lambda s: sum(ok for ok, _ in s) / max(1, len(s))
                print(f"{'':19} success during the attack, pamphlet / nginx: "
                      f"{ratio(mine) / max(ratio(peer), 1e-9):.2f}")
        pamphlet.stop()
        if nginx:
            nginx.terminate()
            nginx.wait(30)
        stop_with_stuck_clients(binary, work, p_port, nofile)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
