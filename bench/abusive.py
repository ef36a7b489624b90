#!/usr/bin/env python3
"""Abusive clients against Pamphlet: a flood of connections and malformed requests.

Pamphlet runs on the demo site (a fresh temporary data folder) under the
open-file limit of the documented service unit (LimitNOFILE=65536, or the
machine's hard limit if lower). Then:
  baseline   a normal visitor fetches / on a new connection every 20 ms, alone
  flood      N connections (default 2,000) opened at once, each sending
             `GET /` with `Connection: close` and reading the whole answer,
             kept in flight for --flood-seconds (0: a single wave), driven by
             one selectors loop; the normal visitor (its own process) goes on
  malformed  one connection per case, each with a 10 s timeout: bad request
             lines, bad encodings, oversized heads, broken and smuggling
             framings, huge declared bodies, many ranges, odd request targets
Each line gives figures; a 5xx, a hang (no whole answer within the timeout), a
crash, an answered smuggled request, a flood error (reset, refused, timeout,
truncated answer, a status other than 200/503) or an RSS jump over 50 MB makes
the exit status 1, so a CI step can use it. Bounded to about 3 minutes.

Usage: bench/abusive.py [--binary PATH] [--seconds 5] [--connections 2000]
                        [--flood-seconds 5] [--nofile N] [--port 0]
                        [--skip-flood] [--skip-malformed]      127.0.0.1 only.
Without --binary, target/release/pamphlet is used, built first with
`cargo build --release` when missing.
"""
import argparse
import errno
import http.client
import multiprocessing
import os
import re
import selectors
import shutil
import socket
import sys
import tempfile
import time

from common import HOST, Server, free_port, verdict, ms_summary, open_file_limits, pamphlet_binary, pct, process_files

BUDGET = 170  # seconds for the whole run; cases not started by then are skipped
CASE_TIMEOUT = 10
MEMORY_JUMP_MB = 50
FLOOD_REQUEST = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: flood\r\nAccept: */*\r\nConnection: close\r\n\r\n"
SMUGGLED = b"GET /smuggled-canary HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


def listen_drops():
    """The kernel's ListenOverflows and ListenDrops (all sockets): SYNs dropped with a full accept queue."""
    try:
        with open("/proc/net/netstat") as f:
            rows = [line.split() for line in f if line.startswith("TcpExt:")]
        values = dict(zip(rows[0][1:], rows[1][1:]))
        return int(values.get("ListenOverflows", 0)), int(values.get("ListenDrops", 0))
    except (OSError, IndexError, ValueError):
        return 0, 0


# --- the normal visitor, in its own process so the flood's loop does not slow it down


def visitor(port, stop, out):
    samples = []
    while not stop.is_set():
        start, t0, ok = time.time(), time.perf_counter(), False
        try:
            c = http.client.HTTPConnection(HOST, port, timeout=5)
            c.request("GET", "/")
            r = c.getresponse()
            r.read()
            ok = r.status == 200
            c.close()
        except (OSError, http.client.HTTPException):
            pass
        samples.append((start, ok, time.perf_counter() - t0))
        time.sleep(0.02)
    out.send(samples)
    out.close()


def visitor_summary(samples):
    ok = [took for _, good, took in samples if good]
    failed = len(samples) - len(ok)
    return f"{len(samples)} requests, {ms_summary(ok)}, {failed} failed", ok, failed


# --- the flood


class Flood:
    """`connections` sockets in flight at once in one selectors loop."""

    def __init__(self, port, connections, seconds, timeout=30):
        self.port, self.connections, self.seconds, self.timeout = port, connections, seconds, timeout
        self.sel = selectors.DefaultSelector()
        self.live = {}
        self.opened = 0
        self.statuses = {}
        self.errors = {"reset": 0, "refused": 0, "timeout": 0, "truncated": 0, "other": 0}
        self.latencies, self.connects = [], []

    def open_one(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        err = s.connect_ex((HOST, self.port))
        self.opened += 1
        if err not in (0, errno.EINPROGRESS):
            self.errors["refused" if err == errno.ECONNREFUSED else "other"] += 1
            s.close()
            return
        c = {"sock": s, "start": time.perf_counter(), "state": "connecting", "buf": bytearray(), "got": 0}
        self.live[s.fileno()] = c
        self.sel.register(s, selectors.EVENT_WRITE, c)

    def finish(self, c, error=None):
        self.sel.unregister(c["sock"])
        del self.live[c["sock"].fileno()]
        c["sock"].close()
        if error:
            self.errors[error] += 1
            return
        head = bytes(c["buf"])
        end = head.find(b"\r\n\r\n")
        m = re.match(rb"HTTP/1\.[01] (\d{3})", head)
        if not m or end < 0:
            self.errors["truncated" if head else "reset"] += 1
            return
        code = int(m.group(1))
        length = re.search(rb"(?im)^content-length:\s*(\d+)", head[:end])
        if length and c["got"] - (end + 4) < int(length.group(1)):
            self.errors["truncated"] += 1
            return
        self.statuses[code] = self.statuses.get(code, 0) + 1
        self.latencies.append(time.perf_counter() - c["start"])

    def run(self):
        t0 = time.perf_counter()
        for _ in range(self.connections):
            self.open_one()
        first_wave = time.perf_counter() - t0
        refill_until = t0 + self.seconds
        last_sweep = t0
        while self.live:
            now = time.perf_counter()
            if now < refill_until:
                while len(self.live) < self.connections:
                    self.open_one()
            for key, mask in self.sel.select(0.2):
                c = key.data
                s = c["sock"]
                if c["state"] == "connecting":
                    err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                    if err:
                        self.finish(c, "refused" if err == errno.ECONNREFUSED else "reset" if err == errno.ECONNRESET else "other")
                        continue
                    self.connects.append(time.perf_counter() - c["start"])
                    try:
                        s.send(FLOOD_REQUEST)  # small: one send fits in the socket buffer
                    except OSError as e:
                        self.finish(c, "reset" if e.errno in (errno.ECONNRESET, errno.EPIPE) else "other")
                        continue
                    c["state"] = "reading"
                    self.sel.modify(s, selectors.EVENT_READ, c)
                else:
                    try:
                        data = s.recv(65536)
                    except ConnectionResetError:
                        self.finish(c, "reset")
                        continue
                    except OSError:
                        self.finish(c, "other")
                        continue
                    if not data:
                        self.finish(c)
                        continue
                    if len(c["buf"]) < 8192:
                        c["buf"] += data[:8192]
                    c["got"] += len(data)
            now = time.perf_counter()
            if now - last_sweep > 0.5:
                last_sweep = now
                for c in [c for c in self.live.values() if now - c["start"] > self.timeout]:
                    self.finish(c, "timeout")
        self.sel.close()
        return first_wave, time.perf_counter() - t0


# --- malformed requests


def parse_responses(data, closed, no_body=False):
    """The whole responses in `data` as (code, status line), and whether an unfinished one follows."""
    out, pos = [], 0
    while pos < len(data):
        end = data.find(b"\r\n\r\n", pos)
        if end < 0:
            return out, True
        lines = data[pos:end].split(b"\r\n")
        status = lines[0].decode("latin-1")
        m = re.match(r"HTTP/\d\.\d (\d{3})", status)
        if not m:
            out.append((None, status[:60]))
            return out, False
        code = int(m.group(1))
        headers = {}
        for h in lines[1:]:
            k, _, v = h.partition(b":")
            headers[k.strip().lower()] = v.strip()
        body = end + 4
        if 100 <= code < 200 and code != 101:
            pos = body  # an interim answer (100 Continue)
            continue
        if code in (101, 204, 304) or (no_body and 200 <= code < 300):
            out.append((code, status))
            pos = body
            continue
        if b"chunked" in headers.get(b"transfer-encoding", b"").lower():
            p = body
            while True:
                eol = data.find(b"\r\n", p)
                if eol < 0:
                    return out, True
                try:
                    size = int(data[p:eol].split(b";")[0], 16)
                except ValueError:
                    out.append((code, status + " (bad chunked answer)"))
                    return out, False
                if size == 0:
                    trailer = data.find(b"\r\n\r\n", eol)
                    if data[eol:eol + 4] == b"\r\n\r\n" or trailer >= 0:
                        pos = (eol + 4) if data[eol:eol + 4] == b"\r\n\r\n" else trailer + 4
                        break
                    return out, True
                p = eol + 2 + size + 2
                if p > len(data):
                    return out, True
            out.append((code, status))
        elif b"content-length" in headers:
            n = int(headers[b"content-length"])
            if len(data) < body + n:
                return out, True
            out.append((code, status))
            pos = body + n
        else:
            if not closed:
                return out, True
            out.append((code, status))
            pos = len(data)
    return out, False


def exchange(port, payload, timeout, linger=0.0, half_close=False, no_body=False):
    """Sends `payload` on a new connection while reading; returns what came back."""
    t0 = time.perf_counter()
    r = {"responses": [], "closed": False, "reset": False, "timeout": False, "send_error": None, "data": b""}
    try:
        s = socket.create_connection((HOST, port), timeout=min(5, timeout))
    except OSError as e:
        r["send_error"] = f"connect: {e.strerror or e}"
        r["elapsed"] = (time.perf_counter() - t0) * 1000
        return r
    s.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE)
    view, sent, data = memoryview(payload), 0, bytearray()
    deadline, linger_until = t0 + timeout, None
    while True:
        now = time.perf_counter()
        if linger_until and now >= linger_until:
            break
        if now >= deadline:
            r["timeout"] = True
            break
        events = sel.select(min(deadline, linger_until or deadline) - now)
        for _, mask in events:
            if mask & selectors.EVENT_WRITE:
                try:
                    sent += s.send(view[sent:sent + 65536])
                except BlockingIOError:
                    pass
                except OSError as e:  # the server gave up on the request: read what it said
                    r["send_error"] = errno.errorcode.get(e.errno, str(e))
                    sent = len(payload)
                if sent >= len(payload):
                    if half_close and not r["send_error"]:
                        try:
                            s.shutdown(socket.SHUT_WR)
                        except OSError:
                            pass
                    sel.modify(s, selectors.EVENT_READ)
            if mask & selectors.EVENT_READ:
                try:
                    chunk = s.recv(65536)
                except BlockingIOError:
                    continue
                except OSError:
                    r["reset"] = True
                    chunk = b""
                if not chunk:
                    r["closed"] = True
                else:
                    data += chunk
        if r["closed"]:
            break
        responses, unfinished = parse_responses(bytes(data), False, no_body)
        if responses and not unfinished and linger_until is None:
            if not linger:
                break
            linger_until = time.perf_counter() + linger
    sel.close()
    s.close()
    r["data"] = bytes(data)
    r["responses"], unfinished = parse_responses(r["data"], r["closed"], no_body)
    if unfinished and not r["closed"]:
        r["timeout"] = True  # part of an answer, never finished
    elif r["responses"] or r["closed"] or r["reset"]:
        r["timeout"] = False  # lingered for a second answer: the first one is whole
    r["elapsed"] = (time.perf_counter() - t0) * 1000
    return r


def request(method_target, headers=(), body=b"", version=b"HTTP/1.1", host=True, close=True):
    head = method_target + b" " + version + b"\r\n" if version else method_target + b"\r\n"
    if host:
        head += b"Host: 127.0.0.1\r\n"
    head += b"User-Agent: abusive\r\n"
    for h in headers:
        head += h + b"\r\n"
    if close:
        head += b"Connection: close\r\n"
    return head + b"\r\n" + body


FORM = b"Content-Type: application/x-www-form-urlencoded"


def chunked(data):
    return b"%x\r\n%s\r\n0\r\n\r\n" % (len(data), data)


def cases(static, upload):
    many_ranges = b"Range: bytes=" + b",".join(b"%d-%d" % (2 * i, 2 * i) for i in range(1000))
    two_ranges = (b"Range: bytes=0-10", b"Range: bytes=20-30")
    form = b"name=Abuse&email=abuse%40example.org&message=hello"
    cl_te_body = b"0\r\n\r\n" + SMUGGLED
    te_cl_body = chunked(SMUGGLED)
    c = [
        # (name, payload, expected, options)
        ("bad request line", b"GARBAGE\r\n\r\n", "4xx", {}),
        ("request line without a version", b"GET /\r\nHost: 127.0.0.1\r\n\r\n", "4xx", {}),
        ("unknown version HTTP/9.9", request(b"GET /", version=b"HTTP/9.9"), "4xx", {}),
        ("invalid UTF-8 in the path", request(b"GET /\xff\xfe"), "4xx", {}),
        ("bad percent-encoding /%zz", request(b"GET /%zz"), "4xx", {}),
        ("bad percent-encoding /%", request(b"GET /%"), "4xx", {}),
        ("overlong UTF-8 /news/%c0%af/", request(b"GET /news/%c0%af/"), "4xx", {}),
        ("path of 100 KB", request(b"GET /" + b"a" * 100_000), "4xx", {}),
        ("one header of 1 MB", request(b"GET /", [b"X-Big: " + b"a" * 1_000_000]), "4xx", {}),
        ("10,000 small headers", request(b"GET /", [b"X-H%d: v" % i for i in range(10_000)]), "4xx", {}),
        ("header without a colon", request(b"GET /", [b"NoColonHere"]), "4xx", {}),
        ("NUL in a header value", request(b"GET /", [b"X-Nul: a\x00b"]), "4xx", {}),
        ("chunk size zz", request(b"POST /contact/send", [FORM, b"Transfer-Encoding: chunked"],
                                  b"zz\r\nhello\r\n0\r\n\r\n"), "4xx", {}),
        ("chunk size overflow ffffffffffffffffff", request(b"POST /contact/send", [FORM, b"Transfer-Encoding: chunked"],
                                                           b"ffffffffffffffffff\r\nhello\r\n0\r\n\r\n"), "4xx", {}),
        ("Content-Length shorter than the body", request(b"POST /contact/send", [FORM, b"Content-Length: 5"], form,
                                                         close=False), "any", {"linger": 2}),
        ("Content-Length longer, then half-close", request(b"POST /contact/send", [FORM, b"Content-Length: 1000"], form),
         "4xx", {"half_close": True}),
        ("two different Content-Length", request(b"POST /contact/send", [FORM, b"Content-Length: 5", b"Content-Length: 6"],
                                                 b"name=x"), "4xx", {}),
        ("Content-Length: -1", request(b"POST /contact/send", [FORM, b"Content-Length: -1"], b"name=x"), "4xx", {}),
        ("CL.TE smuggling", request(b"POST /contact/send", [FORM, b"Content-Length: %d" % len(cl_te_body),
                                                            b"Transfer-Encoding: chunked"], cl_te_body, close=False),
         "4xx", {"linger": 2, "smuggle": True}),
        ("TE.CL smuggling", request(b"POST /contact/send", [FORM, b"Transfer-Encoding: chunked", b"Content-Length: 4"],
                                    te_cl_body, close=False), "4xx", {"linger": 2, "smuggle": True}),
        ("Transfer-Encoding: chunked, identity", request(b"POST /contact/send", [FORM, b"Transfer-Encoding: chunked, identity"],
                                                         chunked(form)), "4xx", {}),
        ("Content-Length 99999999999 on /admin/library",
         request(b"POST /admin/library", [b"Content-Type: multipart/form-data; boundary=x", b"Content-Length: 99999999999"]),
         "4xx", {"quick": True}),
        ("Content-Length 99999999999 on /contact/send",
         request(b"POST /contact/send", [FORM, b"Content-Length: 99999999999"]), "4xx", {"quick": True}),
        ("two Range headers on /", request(b"GET /", two_ranges), "range", {}),
        ("1,000 ranges on /", request(b"GET /", [many_ranges]), "range", {}),
    ]
    for path in (static, upload):
        if path:
            c += [(f"two Range headers on {path}", request(b"GET " + path.encode(), two_ranges), "range", {}),
                  (f"1,000 ranges on {path}", request(b"GET " + path.encode(), [many_ranges]), "range", {})]
    c += [
        ("OPTIONS *", request(b"OPTIONS *"), "ok-or-4xx", {}),
        ("CONNECT 127.0.0.1:80", request(b"CONNECT 127.0.0.1:80"), "4xx", {"no_body": True}),
        ("absolute-form GET http://evil.example/", request(b"GET http://evil.example/"), "any", {"reflect": b"evil.example"}),
        ("HTTP/1.0 without Host", request(b"GET /", version=b"HTTP/1.0", host=False), "ok", {}),
    ]
    return c


def expected(kind, code):
    if kind == "any":
        return True
    if kind == "4xx":
        return 400 <= code < 500
    if kind == "range":
        return code in (200, 206, 416)
    if kind == "ok":
        return 200 <= code < 400
    return 200 <= code < 500  # ok-or-4xx


def run_malformed(server, static, upload, deadline):
    failures, fivexx, hangs, smuggled, crashes = [], 0, 0, 0, 0
    rss_before = server.rss()
    width = 46
    all_cases = cases(static, upload)
    for name, payload, kind, opt in all_cases:
        left = deadline - time.time()
        if left < 1:
            print(f"malformed  {name:{width}} skipped (time budget)")
            failures.append(f"skipped: {name}")
            continue
        before = server.rss()
        r = exchange(server.port, payload, min(CASE_TIMEOUT, left), opt.get("linger", 0), opt.get("half_close", False),
                     opt.get("no_body", False))
        crashed = not server.alive()
        after = server.rss() if not crashed else 0
        bad, notes = [], []
        codes = [code for code, _ in r["responses"]]
        if r["responses"]:
            text = r["responses"][0][1]
            if len(r["responses"]) > 1:
                text += " + " + ", ".join(line for _, line in r["responses"][1:])
        elif r["timeout"]:
            text = "timeout" + (f" (after {len(r['data'])} bytes)" if r["data"] else "")
        else:
            text = "closed without answer" + (" (reset)" if r["reset"] else "")
        if r["send_error"]:
            text += f" [send: {r['send_error']}]"
        if any(code and code >= 500 for code in codes):
            fivexx += 1
            bad.append("5XX")
        if r["timeout"]:
            hangs += 1
            bad.append("HANG")
        if opt.get("smuggle") and (len(codes) > 1 or SMUGGLED.split(b" ")[1] in r["data"]):
            smuggled += 1
            bad.append("SMUGGLED REQUEST ANSWERED")
        if crashed:
            crashes += 1
            bad.append(f"CRASH (exit {server.proc.returncode})")
        if opt.get("quick") and r["elapsed"] > 2000 and not r["timeout"]:
            bad.append("SLOW")
        delta = after - before
        if not crashed and delta > MEMORY_JUMP_MB:
            bad.append(f"MEMORY +{delta} MB")
        if codes and codes[0] is not None and not expected(kind, codes[0]) and not bad:
            notes.append(f"note: expected {kind}")
        if opt.get("reflect") and opt["reflect"] in r["data"]:
            notes.append(f"note: the answer names {opt['reflect'].decode()}")
        if bad:
            failures.append(f"{', '.join(bad)}: {name}")
        flags = bad + notes
        print(f"malformed  {name:{width}} {text}  ({r['elapsed']:.0f} ms, RSS {after} MB)"
              + (f"  <-- {'; '.join(flags)}" if flags else ""), flush=True)
        if crashed:
            server.log.close()
            server.start()
            rss_before = None  # a new process: no before/after comparison
    rss_after = server.rss()
    if rss_before is not None and rss_after - rss_before > MEMORY_JUMP_MB:
        failures.append(f"memory: RSS {rss_before} -> {rss_after} MB over the malformed cases")
    before_text = "n/a (restarted)" if rss_before is None else str(rss_before)
    print(f"malformed: {len(all_cases)} cases, {fivexx} 5xx, {hangs} hangs, {smuggled} smuggled answered, "
          f"{crashes} crashes, RSS {before_text} \u2192 {rss_after} MB")
    # Still serving after all that?
    try:
        c = http.client.HTTPConnection(HOST, server.port, timeout=5)
        c.request("GET", "/")
        status = c.getresponse().status
    except (OSError, http.client.HTTPException) as e:
        status = f"error {e}"
    print(f"after the malformed cases: GET / answers {status}")
    if status != 200:
        failures.append(f"GET / after the malformed cases: {status}")
    return failures


def find_paths(port):
    """A theme file under /static/ and an upload under /uploads/ that the server serves."""
    c = http.client.HTTPConnection(HOST, port, timeout=5)
    c.request("GET", "/")
    page = c.getresponse().read().decode("utf-8", "replace")
    found = []
    for pattern, fallback in ((r'/static/[^"\'\s>?#]+', None), (r'/uploads/[^"\'\s>?#,]+', "/uploads/buckingham.svg")):
        candidates = re.findall(pattern, page) + ([fallback] if fallback else [])
        path = None
        for candidate in candidates:
            try:
                c = http.client.HTTPConnection(HOST, port, timeout=5)
                c.request("GET", candidate)
                r = c.getresponse()
                r.read()
                if r.status == 200:
                    path = candidate
                    break
            except (OSError, http.client.HTTPException):
                pass
        found.append(path)
    return len(page.encode()), found[0], found[1]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", help="the pamphlet binary (default: target/release/pamphlet, built if missing)")
    ap.add_argument("--seconds", type=float, default=5, help="the visitor's baseline, alone (default 5)")
    ap.add_argument("--connections", type=int, default=2000, help="connections of the flood in flight at once")
    ap.add_argument("--flood-seconds", type=float, default=5, help="how long the flood is kept up (0: one wave)")
    ap.add_argument("--nofile", type=int, help="the server's open-file limit (default: the documented 65536)")
    ap.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    ap.add_argument("--skip-flood", action="store_true")
    ap.add_argument("--skip-malformed", action="store_true")
    a = ap.parse_args()
    deadline = time.time() + BUDGET

    nofile, hard = open_file_limits(a.nofile)
    if a.connections + 100 > hard:
        sys.exit(f"the hard open-file limit here is {hard}: too low for {a.connections} connections")
    binary = pamphlet_binary(a.binary)

    work = tempfile.mkdtemp(prefix="abusive-")
    failures = []
    server = None
    try:
        port = a.port or free_port()
        server = Server(binary, work, port, nofile, lambda n: ["--data", os.path.join(work, f"data-{n}")])
        size, static, upload = find_paths(port)
        print(f"pamphlet {binary} on {HOST}:{port}, open-file limit {nofile} (this script {hard}), "
              f"home page {size} bytes, static {static}, upload {upload}", flush=True)

        ctx = multiprocessing.get_context("fork")
        stop, (receive, send) = ctx.Event(), ctx.Pipe(duplex=False)
        proc = ctx.Process(target=visitor, args=(port, stop, send), daemon=True)
        proc.start()
        t_base = time.time()
        time.sleep(a.seconds)
        t_flood = time.time()
        flood = None
        if not a.skip_flood:
            files0, rss0 = process_files(server.proc.pid)
            drops0 = listen_drops()
            flood = Flood(port, a.connections, a.flood_seconds)
            first_wave, took = flood.run()
            files1, rss1 = process_files(server.proc.pid)
            drops1 = listen_drops()
        t_end = time.time()
        stop.set()
        samples = receive.recv() if receive.poll(15) else []
        proc.join(5)

        base = [s for s in samples if t_base <= s[0] < t_flood]
        text, base_ok, base_failed = visitor_summary(base)
        print(f"baseline   visitor alone {a.seconds:g} s: {text}", flush=True)
        if base_failed:
            failures.append(f"baseline: {base_failed} failed requests")
        if flood:
            st = flood.statuses
            other = sum(n for code, n in st.items() if code not in (200, 503))
            errors = sum(flood.errors.values()) + other
            answered = sum(st.values())
            slow_connects = sum(1 for took in flood.connects if took >= 0.9)
            wave = "one wave" if not a.flood_seconds else f"kept in flight {a.flood_seconds:g} s"
            print(f"flood      {a.connections} connections opened at once ({first_wave * 1000:.0f} ms), {wave}, "
                  f"{took:.1f} s in all: {flood.opened} opened, {answered} answered "
                  f"(200: {st.get(200, 0)}, 503: {st.get(503, 0)}, other: {other}"
                  + (f" {dict((k, v) for k, v in st.items() if k not in (200, 503))}" if other else "") + "), "
                  f"errors {errors} (reset {flood.errors['reset']}, refused {flood.errors['refused']}, "
                  f"timeout {flood.errors['timeout']}, truncated {flood.errors['truncated']}, other {flood.errors['other']})")
            print(f"flood      answers: {ms_summary(flood.latencies)}; connect: {ms_summary(flood.connects)}, "
                  f"{slow_connects} connects took >= 0.9 s (a SYN retried); kernel ListenOverflows "
                  f"+{drops1[0] - drops0[0]}, ListenDrops +{drops1[1] - drops0[1]}; "
                  f"server open files {files0} -> {files1}, RSS {rss0} -> {rss1} MB")
            during = [s for s in samples if t_flood <= s[0] < t_end]
            text, ok, failed = visitor_summary(during)
            b99, d99 = pct(base_ok, 0.99), pct(ok, 0.99)
            ratio = f"x{d99 / b99:.1f}" if b99 and d99 else "n/a"
            print(f"flood      visitor during the flood: {text}; p99 {(d99 or 0) * 1000:.1f} ms vs baseline "
                  f"{(b99 or 0) * 1000:.1f} ms: {ratio}", flush=True)
            if errors:
                failures.append(f"flood: {errors} errors")
            if failed:
                failures.append(f"flood: the visitor failed {failed} requests")
            if rss1 - rss0 > MEMORY_JUMP_MB:
                failures.append(f"flood: RSS {rss0} -> {rss1} MB")
            if not server.alive():
                failures.append(f"flood: the server exited ({server.proc.returncode})")
                server.log.close()
                server.start()

        if not a.skip_malformed:
            failures += run_malformed(server, static, upload, deadline)

        server.stop()
        lines = server.log_lines()
        accept = [l for l in lines if "cannot accept" in l]
        print(f"server log (warn and above): {len(lines)} lines, {len(accept)} about failed accepts")
        for line in lines[:8]:
            print(f"  {line[:300]}")
        if len(lines) > 8:
            print(f"  ... {len(lines) - 8} more")
    finally:
        if server:
            server.stop()
        shutil.rmtree(work, ignore_errors=True)

    verdict(failures, "no 5xx, hang, crash, smuggled answer, flood error or memory jump")


if __name__ == "__main__":
    main()
