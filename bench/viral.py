#!/usr/bin/python3
"""A viral day: a petition shared by a television programme, against one node.

Pamphlet runs on the demo site in a fresh temporary data folder (SQLite, or
PostgreSQL with --postgres) and sends its mail to a real SMTP server on
127.0.0.1: an in-memory counting sink (aiosmtpd) in its own process. Then:
  baseline    one visitor fetches / and the petition's page alone (new
              connection each time, every 50 ms)
  signatures  --rate signatures a second (default 2,000) for --seconds
              (default 60), open loop, over keep-alive connections as a
              reverse proxy would hold them (X-Forwarded-For: every signer has
              an address of its own, IPv4, or its own /64 with --ipv6, so the
              per-network limits see separate people), each with a unique
              address; "Check your inbox" in a 200 answer counts as accepted
  pollers     --pollers (default 5,000) visitors watching the counter, each on
              its own keep-alive connection, GET /petitions/SLUG/tally every
              --poll-interval s (default 5), spread out
  visitor     the baseline's visitor goes on: the public pages' p99 under load
  confirm     every confirmation mail is followed as a browser does (GET the
              link's page, then POST its button) as soon as it arrives, on up
              to --confirm-connections (256) at once; for each, the time
              until a counter poll sent after the confirmation shows it
              (goal: at most 2 s) is measured
Offered is open loop: a signature waits for one of --sign-connections (256)
and is given up after 30 s of waiting, as a person would leave.
Stamps: the page hands out a signed time stamp; the guard refuses none for
being used twice (only a proof of work is single-use) and drops a form sent
less than 3 s after its stamp (answered as if taken!), so stamps are fetched
from /forms/challenge before the load and the signing waits until they are
at least 4 s old.
After the minute: waits (at most --drain-timeout s) for the mail backlog to
drain, then checks the store directly (sqlite3 on the data folder's file, or
psql) against what was accepted: one row per accepted address, verified rows
= confirmations counted = the counter; one confirmation mail per stored row
(a second mail with the same Message-ID is a duplicate, counted apart).
--kill-at S kills the server with SIGKILL S s into the signing and starts it
again on the same data folder and port, then carries on: every stored
signature must still get its mail, from the queue kept in the store (the
"missing" figure; a mail the server handed over just before the kill may go
out twice, with the same Message-ID, counted as a duplicate). While the mail
keeps up there is little queued at the kill; --smtp-delay 0.1 (a relay
taking 0.1 s a message) builds a backlog first; so does --mail-rate, which
paces these confirmations as it paces the newsletter.
Also printed: the signers' answer times, the pollers' answer times, the
server's CPU and that of every helper process and of everything else on the
machine (a build, PostgreSQL), what the server's threads were doing (sampled
from /proc), per-second and per-10-s timelines, the warnings in its log.
Exit status 1 on a missing or duplicated mail, a lost or double-counted
signature, a 5xx, a throttled signer (429), a counter lag over 2 s, or a mail
backlog still not drained after --drain-timeout.
Bounded: at most about baseline + seconds + drain-timeout + 3 minutes.

Usage: bench/viral.py [--binary PATH] [--rate 2000] [--seconds 60] [--pollers 5000]
                      [--poll-interval 5] [--baseline 5] [--kill-at S]
                      [--postgres URL] [--mail-connections N] [--mail-rate N]
                      [--sign-connections 256] [--confirm-connections 256]
                      [--smtp-delay 0] [--subscribe 0.2] [--ipv6] [--drain-timeout 180] [--port 0]
                      [--keep]                                 127.0.0.1 only.
Needs /usr/bin/python3 with aiosmtpd (Debian: python3-aiosmtpd). Without
--binary, target/release/pamphlet (or $CARGO_TARGET_DIR/release/pamphlet) is
used, built first with `cargo build --release` when missing.
--postgres URL uses that database instead of SQLite (psql must be installed
for the store checks); an empty database gets the demo site, a used one keeps
its site and earlier runs' signatures (this run's addresses carry a tag of
their own). A throwaway cluster, as scripts/test.sh starts one:
  pg=$(mktemp -d /tmp/viral-pg.XXXXXX); chown postgres "$pg"
  runuser -u postgres -- initdb -D "$pg/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8
  runuser -u postgres -- pg_ctl -D "$pg/data" -l "$pg/log" -w \\
      -o "-c listen_addresses=127.0.0.1 -p 55440 -k $pg -c max_connections=200" start
  bench/viral.py --postgres postgres://postgres@127.0.0.1:55440/postgres
  runuser -u postgres -- pg_ctl -D "$pg/data" -m immediate stop; rm -rf "$pg"
(runuser only as root; initdb refuses to run as root.)
"""
import argparse
import array
import asyncio
import bisect
import collections
import errno
import fcntl
import heapq
import http.client
import multiprocessing
import os
import random
import re
import resource
import selectors
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse

from common import HOST, Server, free_port, verdict, ms_summary, open_file_limits, pamphlet_binary, pct

try:
    from aiosmtpd.controller import Controller
except ImportError:
    sys.exit("viral.py needs aiosmtpd: run it with /usr/bin/python3 after `apt-get install python3-aiosmtpd`")

LAG_GOAL = 2.0  # seconds the counter may be behind a confirmation
REQUEST_TIMEOUT = 30.0
REUSE_IDLE = 15.0  # the server closes keep-alive connections idle for 20 s (src/app/serve.rs)
STAMP_MIN_AGE = 4.0  # the guard drops forms sent under 3 s after their stamp (src/stamps.rs)
now = time.monotonic


# --- figures


def s_summary(values):
    if not values:
        return "p50 -, p99 -, max -"
    v = sorted(values)
    p = lambda q: v[min(len(v) - 1, int(q * len(v)))]
    return f"p50 {p(0.5):.2f} s, p99 {p(0.99):.2f} s, max {v[-1]:.2f} s"


def counts_text(d):
    return ", ".join(f"{k}: {v}" for k, v in sorted(d.items(), key=lambda kv: str(kv[0]))) or "none"


# --- a small HTTP/1.1 client on non-blocking sockets, one selectors loop per process


def parse_response(buf):
    """(status, headers, body, bytes used) of the first whole response in `buf`, or None."""
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        return None
    lines = bytes(buf[:end]).decode("latin-1").split("\r\n")
    try:
        status = int(lines[0].split(" ", 2)[1])
    except (IndexError, ValueError):
        raise ValueError("not an HTTP answer")
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    start = end + 4
    if 100 <= status < 200:
        rest = parse_response(buf[start:])  # an interim answer
        return rest and (rest[0], rest[1], rest[2], start + rest[3])
    if status in (204, 304):
        return status, headers, b"", start
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body, p = bytearray(), start
        while True:
            eol = buf.find(b"\r\n", p)
            if eol < 0:
                return None
            size = int(bytes(buf[p:eol]).split(b";")[0], 16)
            if size == 0:
                trailer = buf.find(b"\r\n\r\n", eol)
                if buf[eol:eol + 4] == b"\r\n\r\n":
                    return status, headers, bytes(body), eol + 4
                if trailer < 0:
                    return None
                return status, headers, bytes(body), trailer + 4
            if len(buf) < eol + 2 + size + 2:
                return None
            body += buf[eol + 2:eol + 2 + size]
            p = eol + 2 + size + 2
    n = int(headers.get("content-length", "-1"))
    if n < 0:
        return None  # read to the close
    if len(buf) < start + n:
        return None
    return status, headers, bytes(buf[start:start + n]), start + n


class Loop:
    def __init__(self):
        self.sel = selectors.DefaultSelector()
        self.timers = []
        self.inflight = set()
        self.last_sweep = now()
        self.seq = 0

    def call_at(self, t, fn):
        self.seq += 1
        heapq.heappush(self.timers, (t, self.seq, fn))

    def step(self, timeout):
        t = now()
        if self.timers:
            timeout = max(0.0, min(timeout, self.timers[0][0] - t))
        for key, mask in self.sel.select(timeout):
            key.data.on_event(mask)
        t = now()
        while self.timers and self.timers[0][0] <= t:
            heapq.heappop(self.timers)[2]()
        if t - self.last_sweep > 0.5:
            self.last_sweep = t
            for c in [c for c in self.inflight if t - c.sent_at > REQUEST_TIMEOUT]:
                c.fail("timeout")


class Conn:
    """One keep-alive connection, one request at a time. `done(status, body, error, t_sent, t_done, fresh)`
    is called once per request; `fresh` says whether the connection was new for it."""

    def __init__(self, loop, port, on_free=None, on_closed=None):
        self.loop, self.port, self.on_free, self.on_closed = loop, port, on_free, on_closed
        self.sock, self.state = None, "closed"
        self.buf, self.out, self.done = bytearray(), b"", None
        self.sent_at, self.idle_since, self.fresh = 0.0, 0.0, False

    def request(self, data, done):
        self.done, self.out, self.sent_at = done, data, now()
        self.buf.clear()
        self.loop.inflight.add(self)
        if self.state == "open" and self.sent_at - self.idle_since > REUSE_IDLE:
            self._close()
        if self.state == "closed":
            self.fresh = True
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            err = s.connect_ex((HOST, self.port))
            if err not in (0, errno.EINPROGRESS):
                s.close()
                self.sock = None
                self.fail("refused" if err == errno.ECONNREFUSED else errno.errorcode.get(err, str(err)))
                return
            self.sock, self.state = s, "connecting"
            self.loop.sel.register(s, selectors.EVENT_WRITE, self)
        else:
            self.fresh = False
            self._write()

    def on_event(self, mask):
        if self.state == "connecting":
            err = self.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err:
                self.fail("refused" if err == errno.ECONNREFUSED else "reset" if err == errno.ECONNRESET else errno.errorcode.get(err, str(err)))
                return
            self.state = "open"
            self._write()
            return
        if mask & selectors.EVENT_WRITE:
            self._write()
        if mask & selectors.EVENT_READ and self.state == "open":
            self._read()

    def _write(self):
        try:
            n = self.sock.send(self.out)
        except BlockingIOError:
            n = 0
        except OSError as e:
            self.fail("reset" if e.errno in (errno.ECONNRESET, errno.EPIPE) else errno.errorcode.get(e.errno, str(e)))
            return
        self.out = self.out[n:]
        self.loop.sel.modify(self.sock, selectors.EVENT_READ | (selectors.EVENT_WRITE if self.out else 0), self)

    def _read(self):
        try:
            data = self.sock.recv(262144)
        except BlockingIOError:
            return
        except OSError as e:
            self.fail("reset" if e.errno == errno.ECONNRESET else errno.errorcode.get(e.errno, str(e)))
            return
        if not data:
            if self.done is None:
                self._close()
                return
            r = None
            if self.buf:  # an answer without a length ends with the connection
                try:
                    end = self.buf.find(b"\r\n\r\n")
                    if end >= 0 and b"content-length" not in self.buf[:end].lower() and b"chunked" not in self.buf[:end].lower():
                        status = int(bytes(self.buf[:end]).split(b" ", 2)[1])
                        r = (status, {}, bytes(self.buf[end + 4:]), len(self.buf))
                except (ValueError, IndexError):
                    r = None
            if r:
                self._finish(r[0], r[2], close=True)
            else:
                self.fail("truncated" if self.buf else "closed")
            return
        if self.done is None:
            return  # nothing asked: ignore
        self.buf += data
        try:
            r = parse_response(self.buf)
        except ValueError:
            self.fail("bad answer")
            return
        if r:
            status, headers, body, used = r
            self._finish(status, body, close=headers.get("connection", "").lower() == "close")

    def _finish(self, status, body, close):
        done, t_sent = self.done, self.sent_at
        self.done = None
        self.loop.inflight.discard(self)
        self.idle_since = now()
        self.buf.clear()
        if close:
            self._close()
        done(status, body, None, t_sent, self.idle_since, self.fresh)
        if self.done is None:
            if self.state == "closed":
                if self.on_closed:
                    self.on_closed(self)
            elif self.on_free:
                self.on_free(self)

    def fail(self, why):
        done, t_sent = self.done, self.sent_at
        self.done = None
        self.loop.inflight.discard(self)
        self._close()
        if done:
            done(None, None, why, t_sent, now(), self.fresh)
        if self.done is None and self.on_closed:
            self.on_closed(self)

    def _close(self):
        if self.sock is not None:
            try:
                self.loop.sel.unregister(self.sock)
            except (KeyError, ValueError):
                pass
            self.sock.close()
        self.sock, self.state = None, "closed"


class Pool:
    """Up to `size` keep-alive connections; requests wait in a queue for a free one."""

    def __init__(self, loop, port, size, max_wait=None):
        self.loop, self.port, self.size, self.max_wait = loop, port, size, max_wait
        self.idle, self.conns, self.queue = [], 0, collections.deque()
        self.peak, self.paused_until, self.abandoned = 0, 0.0, 0

    def submit(self, data, done, queued=None):
        if self.idle:
            self.idle.pop().request(data, done)
        elif self.conns < self.size and now() >= self.paused_until:
            self.conns += 1
            self.peak = max(self.peak, self.conns)
            Conn(self.loop, self.port, self._free, self._closed).request(data, done)
        else:
            self.queue.append((data, done, queued or now()))

    def _next(self):
        """The oldest request still waiting; those waiting longer than `max_wait` are given up (a person leaves)."""
        while self.queue:
            data, done, queued = self.queue.popleft()
            if self.max_wait is None or now() - queued <= self.max_wait:
                return data, done, queued
            self.abandoned += 1
        return None

    def _free(self, conn):
        waiting = self._next()
        if waiting:
            conn.request(waiting[0], waiting[1])
        else:
            self.idle.append(conn)

    def _closed(self, conn):
        self.conns -= 1
        if conn in self.idle:
            self.idle.remove(conn)
        if self.queue:
            # The server may be down (a kill): open the next connection a little later.
            self.paused_until = now() + 0.1
            self.loop.call_at(self.paused_until, self._drain_queue)

    def _drain_queue(self):
        while self.conns < self.size and now() >= self.paused_until:
            waiting = self._next()
            if not waiting:
                break
            self.submit(*waiting)


def get(path, extra=b""):
    return b"GET " + path.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: viral\r\nAccept: */*\r\n" + extra + b"\r\n"


def post(path, body, extra=b""):
    return (b"POST " + path.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: viral\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " + str(len(body)).encode() + b"\r\n"
            + extra + b"\r\n" + body)


def signer_ip(i, ipv6):
    if ipv6:
        return f"2001:db8:{(i >> 16) & 0xffff:x}:{i & 0xffff:x}::1"  # a /64 each
    i += 1
    return f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"


def signer_email(i, tag):
    return f"s{i}-{tag}@viral.example.org"


EMAIL_INDEX = re.compile(r"^s(\d+)-")


# --- the signers


def signers(port, slug, stamps, a, tag, t_start, out):
    resource.setrlimit(resource.RLIMIT_NOFILE, (resource.getrlimit(resource.RLIMIT_NOFILE)[1],) * 2)
    loop = Loop()
    pool = Pool(loop, port, a.sign_connections, max_wait=REQUEST_TIMEOUT)
    n = int(a.rate * a.seconds)
    t_end = t_start + a.seconds
    status = array.array("h", [0]) * n  # 0 not sent, -1 error, else the HTTP status
    accepted = bytearray(n)
    t_sent = array.array("d", [0.0]) * n
    t_done = array.array("d", [0.0]) * n
    errors = collections.Counter()
    path = f"/petitions/{slug}/sign"
    rng = random.Random(7)
    subscribe = [rng.random() < a.subscribe for _ in range(64)]

    def make(i):
        fields = {"email": signer_email(i, tag), "name": f"Viral Signer{i}", "country": "GB", "postcode": "",
                  "comment": "", "show_name": "yes", "website": "", "stamp": stamps[i % len(stamps)], "proof": ""}
        if subscribe[i % 64]:
            fields["subscribe"] = "yes"
        body = urllib.parse.urlencode(fields).encode()
        return post(path, body, b"X-Forwarded-For: " + signer_ip(i, a.ipv6).encode() + b"\r\nSec-Fetch-Site: same-origin\r\n")

    def answer(i):
        def done(st, body, err, ts, td, fresh):
            t_sent[i], t_done[i] = ts, td
            if err:
                status[i] = -1
                errors[err] += 1
            else:
                status[i] = st
                if st == 200 and b"Check your inbox" in body:
                    accepted[i] = 1
        return done

    i = 0
    while True:
        t = now()
        if t < t_end:
            due = min(n, int((t - t_start) * a.rate) + 1)
            while i < due:
                pool.submit(make(i), answer(i))
                i += 1
        elif pool.queue:
            pool.queue.clear()  # the signing is over: what still waits for a connection is never sent
        if t >= t_end and not loop.inflight and not pool.queue:
            break
        if t > t_end + REQUEST_TIMEOUT + 5:
            break
        loop.step(0.002 if t < t_end else 0.2)
    scheduled = i
    out.send({"status": status, "accepted": accepted, "t_sent": t_sent, "t_done": t_done, "errors": dict(errors),
              "scheduled": scheduled, "n": n, "peak_connections": pool.peak, "abandoned": pool.abandoned})
    out.close()


# --- the counter's watchers


def pollers(port, slug, a, t_start, stop, out):
    resource.setrlimit(resource.RLIMIT_NOFILE, (resource.getrlimit(resource.RLIMIT_NOFILE)[1],) * 2)
    loop = Loop()
    path = f"/petitions/{slug}/tally"
    request = get(path)
    conns = [Conn(loop, port) for _ in range(a.pollers)]
    sent, done_at, counts = array.array("d"), array.array("d"), array.array("l")
    statuses, errors = collections.Counter(), collections.Counter()
    skipped = 0
    peak_open = 0
    heap = [(t_start + a.poll_interval * k / a.pollers, k) for k in range(a.pollers)]
    heapq.heapify(heap)
    count_re = re.compile(rb'"count":\s*(-?\d+)')

    def poll(k, retry=False):
        def done(st, body, err, ts, td, fresh):
            if err and not fresh and not retry and err in ("closed", "reset"):
                poll(k, retry=True)  # a keep-alive connection the server had closed: a browser retries too
                return
            if err:
                errors[err] += 1
                return
            statuses[st] += 1
            m = count_re.search(body) if st == 200 else None
            if m:
                sent.append(ts)
                done_at.append(td)
                counts.append(int(m.group(1)))
        conns[k].request(request, done)

    last_check = 0.0
    while True:
        t = now()
        while heap and heap[0][0] <= t:
            at, k = heapq.heappop(heap)
            if conns[k].done is not None:
                skipped += 1  # the last poll is still waiting for its answer
            else:
                poll(k)
            heapq.heappush(heap, (at + a.poll_interval, k))
        if t - last_check > 0.5:
            last_check = t
            peak_open = max(peak_open, sum(1 for c in conns if c.state == "open"))
            if stop.is_set():
                break
        loop.step(max(0.0, min(0.05, heap[0][0] - now())) if heap else 0.05)
    end = now() + 5
    while loop.inflight and now() < end:
        loop.step(0.1)
    out.send({"sent": sent, "done": done_at, "counts": counts, "statuses": dict(statuses), "errors": dict(errors),
              "skipped": skipped, "peak_open": peak_open})
    out.close()


# --- the visitor of the public pages, on a new connection each time


def visitor(port, page, stop, out):
    samples = []
    paths = ["/", page]
    n = 0
    count_re = re.compile(rb"<strong data-count>([\d,]+)</strong>")
    while not stop.is_set():
        path = paths[n % 2]
        n += 1
        start, t0, ok, count, connect = now(), time.perf_counter(), False, None, None
        try:
            c = http.client.HTTPConnection(HOST, port, timeout=10)
            c.connect()
            connect = time.perf_counter() - t0
            c.request("GET", path)
            r = c.getresponse()
            body = r.read()
            ok = r.status == 200
            status = r.status
            c.close()
            if path == page:
                m = count_re.search(body)
                count = int(m.group(1).replace(b",", b"")) if m else None
        except (OSError, http.client.HTTPException):
            status = None
        samples.append((start, path, ok, time.perf_counter() - t0, status, count, now(), connect))
        time.sleep(0.05)
    out.send(samples)
    out.close()


# --- the SMTP sink and the confirmer


class Sink:
    """Counts what it takes; hands every confirmation link to the confirmer through a pipe."""

    LINK = re.compile(rb"/signatures/confirm/([A-Za-z0-9_-]+)")
    MESSAGE_ID = re.compile(rb"(?im)^message-id:[ \t]*(?:\r?\n[ \t]+)?<?([^>\r\n]+)>?")

    def __init__(self, pipe_fd, received, links, last, delay=0.0):
        self.fd, self.received, self.links, self.last, self.delay = pipe_fd, received, links, last, delay
        self.records = []

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        responses.insert(-1, "250-PIPELINING")
        return responses

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)  # a slow relay: the server's mail backlog grows
        t = now()
        raw = envelope.original_content
        m = self.MESSAGE_ID.search(raw)
        msgid = m.group(1).decode("latin-1").strip() if m else ""
        token = self.token(raw)
        rcpt = ",".join(envelope.rcpt_tos).lower()
        self.records.append((t, msgid, rcpt, token or ""))
        self.received.value += 1
        self.last.value = t
        if token:
            self.links.value += 1
            line = f"{t:.6f} {token} {rcpt}\n".encode()
            while line:
                line = line[os.write(self.fd, line):]
        return "250 Message accepted"

    def token(self, raw):
        m = self.LINK.search(raw)
        if m and not raw[m.end():m.end() + 1] == b"=":
            return m.group(1).decode()
        # Quoted-printable (lettre's choice for these letters): join the soft line breaks.
        joined = raw.replace(b"=\r\n", b"").replace(b"=\n", b"")
        m = self.LINK.search(joined)
        if m and not joined[m.end():m.end() + 1] == b"=":
            return m.group(1).decode()
        # Base64 or anything else: decode the parts.
        import email
        for part in email.message_from_bytes(raw).walk():
            if part.get_content_maintype() == "text":
                payload = part.get_payload(decode=True) or b""
                m = self.LINK.search(payload)
                if m:
                    return m.group(1).decode()
        return None


def sink(port_out, pipe_fd, received, links, last, stop, out, delay=0.0):
    handler = Sink(pipe_fd, received, links, last, delay)
    with socket.socket() as s:
        s.bind((HOST, 0))
        port = s.getsockname()[1]
    controller = Controller(handler, hostname=HOST, port=port, decode_data=False, data_size_limit=10 * 1024 * 1024)
    controller.start()
    port_out.send(port)
    stop.wait(3600)
    controller.stop()
    out.send(handler.records)
    out.close()


def confirmer(port, pipe_fd, a, finished, stop, out):
    """GET then POST every confirmation link, as soon as it arrives, with retries while the server is down."""
    resource.setrlimit(resource.RLIMIT_NOFILE, (resource.getrlimit(resource.RLIMIT_NOFILE)[1],) * 2)
    loop = Loop()
    pool = Pool(loop, port, a.confirm_connections)
    os.set_blocking(pipe_fd, False)
    results = []  # (t_mail, email, outcome, t_post_sent, t_counted, get_status, post_status, tries)
    statuses = collections.Counter()
    errors = collections.Counter()
    pending = bytearray()

    class Reader:
        def on_event(self, mask):
            nonlocal pending
            try:
                data = os.read(pipe_fd, 1 << 20)
            except BlockingIOError:
                return
            pending += data
            *lines, rest = pending.split(b"\n")
            pending = bytearray(rest)
            for line in lines:
                t_mail, token, rcpt = line.decode().split(" ", 2)
                start(float(t_mail), token, rcpt)

    loop.sel.register(pipe_fd, selectors.EVENT_READ, Reader())

    def start(t_mail, token, rcpt):
        m = EMAIL_INDEX.match(rcpt)
        xff = b"X-Forwarded-For: " + signer_ip(int(m.group(1)) if m else 0, a.ipv6).encode() + b"\r\n"
        path = f"/signatures/confirm/{token}"
        state = {"tries": 0, "get": None}

        def finish(outcome, post_sent=0.0, counted=0.0, post_status=None):
            results.append((t_mail, rcpt, outcome, post_sent, counted, state["get"], post_status, state["tries"]))
            finished.value += 1

        def retry(step):
            state["tries"] += 1
            if state["tries"] > 8:
                finish("gave up")
            else:
                loop.call_at(now() + 0.5, step)

        def do_get():
            def done(st, body, err, ts, td, fresh):
                if err:
                    errors["GET " + err] += 1
                    retry(do_get)
                    return
                statuses[f"GET {st}"] += 1
                state["get"] = st
                if st == 200 and b"Confirm" in body:
                    do_post()
                elif st >= 500:
                    retry(do_get)
                else:
                    finish(f"GET {st}")
            pool.submit(get(path, xff), done)

        def do_post():
            def done(st, body, err, ts, td, fresh):
                if err:
                    errors["POST " + err] += 1
                    state["post_failed"] = True
                    retry(do_post)  # a person presses again
                    return
                statuses[f"POST {st}"] += 1
                if st == 200 and b"now counts" in body:
                    finish("counted", ts, td, st)
                elif st == 410 and state.get("post_failed"):
                    finish("410 after a lost answer", ts, td, st)  # the lost try may have counted
                elif st >= 500:
                    retry(do_post)
                else:
                    finish(f"POST {st}", ts, td, st)
            pool.submit(post(path, b"", xff + b"Origin: http://127.0.0.1\r\nSec-Fetch-Site: same-origin\r\n"), done)

        do_get()

    end = None
    while True:
        loop.step(0.05)
        if stop.is_set() and end is None:
            end = now() + 3
        if end and (now() > end or (not loop.inflight and not pool.queue and not loop.timers)):
            break
    out.send({"results": results, "statuses": dict(statuses), "errors": dict(errors), "peak_connections": pool.peak})
    out.close()


# --- the server


class PamphletServer(Server):
    """The server on one data folder, sending to the sink; its CPU counted across restarts."""

    def __init__(self, binary, work, port, smtp_port, a):
        self.data, self.cpu_before = os.path.join(work, "data"), 0.0
        args = ["--data", self.data, "--trust-proxy", HOST, "--smtp", f"smtp://{HOST}:{smtp_port}"]
        args += ["--database", a.postgres] if a.postgres else []
        args += ["--mail-connections", str(a.mail_connections)] if a.mail_connections else []
        args += ["--mail-rate", str(a.mail_rate)] if a.mail_rate else []
        super().__init__(binary, work, port, a.nofile, lambda n: args, ready="/healthz")

    def kill(self):
        self.cpu_before += cpu_seconds(self.proc.pid)
        super().kill()

    def cpu(self):
        return self.cpu_before + (cpu_seconds(self.proc.pid) if self.alive() else 0.0)


TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK
    except (OSError, IndexError, ValueError):
        return 0.0


def all_cpu():
    """CPU seconds of every process on the machine, by pid: (name, seconds)."""
    out = {}
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/stat") as f:
                    text = f.read()
                name = text[text.index("(") + 1:text.rindex(")")]
                fields = text.rsplit(")", 1)[1].split()
                out[int(pid)] = (name, (int(fields[11]) + int(fields[12])) / TICK)
            except (OSError, ValueError, IndexError):
                pass
    return out


SYSCALLS = {"35": "nanosleep", "230": "nanosleep", "202": "futex", "232": "epoll", "281": "epoll", "7": "poll",
            "0": "read", "1": "write", "17": "pread", "18": "pwrite", "74": "fsync", "75": "fsync"}  # x86_64


def thread_states(pid, into):
    """Adds what each of the server's threads is doing now to `into`: {(thread name, state): samples}.
    A thread asleep in nanosleep inside the store's worker is SQLite's busy handler waiting for the write lock."""
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                text = f.read()
            name = text[text.index("(") + 1:text.rindex(")")]
            state = text.rsplit(")", 1)[1].split()[0]
            if state == "S" or state == "D":
                with open(f"/proc/{pid}/task/{tid}/syscall") as f:
                    state = SYSCALLS.get(f.read().split()[0], "other wait")
            else:
                state = "running" if state == "R" else state
        except (OSError, ValueError, IndexError):
            continue
        group = "store workers" if name.startswith("sqlx-sqlite") else "request threads" if name.startswith("tokio-rt") else None
        if group:
            into[(group, state)] += 1


def machine_busy():
    """Busy and all ticks of the machine, and its user, system and softirq ticks."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]
    return sum(v) - idle, sum(v), v[0] + v[1], v[2], v[6]


def fetch(port, path):
    c = http.client.HTTPConnection(HOST, port, timeout=10)
    c.request("GET", path)
    r = c.getresponse()
    return r.status, r.read().decode("utf-8", "replace")


def find_petition(port):
    """The page carrying a petition's form: (page path, slug)."""
    status, home = fetch(port, "/")
    m = re.search(r'action="/petitions/([^/"]+)/sign"', home)
    if m:
        return "/", m.group(1)
    seen = set()
    for href in re.findall(r'href="(/[^"#?]*)"', home):
        if href in seen or href.startswith(("/static/", "/uploads/", "/admin")) or href.endswith((".xml", ".css", ".js")):
            continue
        seen.add(href)
        if len(seen) > 40:
            break
        try:
            status, page = fetch(port, href)
        except (OSError, http.client.HTTPException):
            continue
        m = re.search(r'action="/petitions/([^/"]+)/sign"', page)
        if status == 200 and m:
            return href, m.group(1)
    sys.exit("no page of the site carries a petition's signing form")


def tally(port, slug):
    status, body = fetch(port, f"/petitions/{slug}/tally")
    m = re.search(r'"count":\s*(\d+)', body)
    return int(m.group(1)) if status == 200 and m else None


def store_rows(a, data, tag, slug):
    """{email: status} of this run's signatures, read from the store itself."""
    where = f"email LIKE '%-{tag}@viral.example.org'"
    sql = (f"SELECT s.email, s.status FROM signatures s JOIN petitions p ON p.id = s.petition_id "
           f"WHERE p.slug = '{slug}' AND s.{where}")
    if a.postgres:
        r = subprocess.run(["psql", "-X", "-At", "-F", "|", "-d", a.postgres, "-c", sql], capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            raise RuntimeError(f"psql: {r.stderr.strip()}")
        return dict(line.split("|", 1) for line in r.stdout.splitlines() if "|" in line)
    db = sqlite3.connect(f"file:{os.path.join(data, 'pamphlet.db')}?mode=ro", uri=True, timeout=30)
    try:
        return dict(db.execute(sql).fetchall())
    finally:
        db.close()


def counter_lag(confirm_times, polls, base):
    """For the k-th confirmation counted (at t_k, in order), the time until a poll sent after t_k answered a count of at least k."""
    sent, done, counts = polls
    order = sorted(range(len(sent)), key=sent.__getitem__)
    s = [sent[j] for j in order]
    lags = []
    for k, t in enumerate(sorted(confirm_times), 1):
        j = bisect.bisect_left(s, t)
        lag = None
        while j < len(s) and s[j] - t < 120:
            p = order[j]
            if counts[p] - base >= k:
                lag = done[p] - t
                break
            j += 1
        lags.append((t, lag))
    return lags


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", help="the pamphlet binary (default: target/release/pamphlet, built if missing)")
    ap.add_argument("--rate", type=float, default=2000, help="signatures offered a second (default 2000)")
    ap.add_argument("--seconds", type=float, default=60, help="how long the signing lasts (default 60)")
    ap.add_argument("--pollers", type=int, default=5000, help="visitors polling the counter (default 5000)")
    ap.add_argument("--poll-interval", type=float, default=5, help="seconds between one poller's polls (default 5)")
    ap.add_argument("--baseline", type=float, default=5, help="seconds of the visitor alone before the load (default 5)")
    ap.add_argument("--kill-at", type=float, help="SIGKILL the server this many seconds into the signing, then restart it")
    ap.add_argument("--postgres", metavar="URL", help="the store on PostgreSQL (postgres://USER@HOST:PORT/DB) instead of SQLite")
    ap.add_argument("--mail-connections", type=int, help="the server's --mail-connections (default: the server's, 4)")
    ap.add_argument("--mail-rate", type=int, help="the server's --mail-rate (default: the server's, unlimited)")
    ap.add_argument("--smtp-delay", type=float, default=0.0,
                    help="seconds the sink takes to accept each message, a slow relay (default 0)")
    ap.add_argument("--sign-connections", type=int, default=256, help="keep-alive connections the signers share (default 256)")
    ap.add_argument("--confirm-connections", type=int, default=256,
                    help="keep-alive connections of the confirmer (default 256: confirmations keep up with the mail as far as the server lets them)")
    ap.add_argument("--subscribe", type=float, default=0.2, help="share of signers who tick the newsletter box (default 0.2)")
    ap.add_argument("--ipv6", action="store_true", help="signers come from IPv6 addresses, a /64 each")
    ap.add_argument("--drain-timeout", type=float, default=180, help="the longest wait for the mail backlog (default 180 s)")
    ap.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    ap.add_argument("--nofile", type=int, help="the server's open-file limit (default 65536, or the hard limit)")
    ap.add_argument("--keep", action="store_true", help="keep the data folder and logs (printed)")
    a = ap.parse_args()

    a.nofile, _ = open_file_limits(a.nofile)
    if a.pollers + a.sign_connections + 200 > a.nofile:
        sys.exit(f"the open-file limit ({a.nofile}) is too low for {a.pollers} pollers")
    if a.kill_at is not None and not 0 < a.kill_at < a.seconds:
        sys.exit("--kill-at must fall within the signing (0 < S < --seconds)")

    binary = pamphlet_binary(a.binary)

    ctx = multiprocessing.get_context("fork")
    work = tempfile.mkdtemp(prefix="viral-")
    tag = f"{int(time.time()) % 100000:05d}{random.randrange(1000):03d}"
    failures = []
    server, procs, stops = None, [], []
    sink_stop = ctx.Event()
    try:
        # The sink first, then the server that sends to it.
        pipe_r, pipe_w = os.pipe()
        try:
            fcntl.fcntl(pipe_w, 1031, 1 << 20)  # F_SETPIPE_SZ: room for a burst of links
        except OSError:
            pass
        received, links, finished = ctx.Value("q", 0, lock=False), ctx.Value("q", 0, lock=False), ctx.Value("q", 0, lock=False)
        last_mail = ctx.Value("d", 0.0, lock=False)
        port_r, port_w = ctx.Pipe(duplex=False)
        sink_r, sink_w = ctx.Pipe(duplex=False)
        sink_proc = ctx.Process(target=sink, args=(port_w, pipe_w, received, links, last_mail, sink_stop, sink_w, a.smtp_delay), daemon=True)
        sink_proc.start()
        procs.append(("sink", sink_proc))
        if not port_r.poll(20):
            sys.exit("the SMTP sink did not start")
        smtp_port = port_r.recv()

        port = a.port or free_port()
        server = PamphletServer(binary, work, port, smtp_port, a)
        page, slug = find_petition(port)
        base_count = tally(port, slug)
        if base_count is None:
            sys.exit(f"/petitions/{slug}/tally does not answer a count")
        if a.postgres:
            store = "PostgreSQL " + re.sub(r"//([^:@/]+):[^@/]*@", r"//\1:***@", a.postgres)
        else:
            store = "SQLite " + os.path.join(server.data, "pamphlet.db")
        print(f"pamphlet {binary} on {HOST}:{port}, store {store}, mail to the sink on {HOST}:{smtp_port} "
              f"(mail connections {a.mail_connections or 'default 4'}, rate {a.mail_rate or 'unlimited'}"
              f"{f', the sink takes {a.smtp_delay:g} s a message' if a.smtp_delay else ''}), "
              f"petition {slug} on {page}, counter at {base_count}, {os.cpu_count()} cores", flush=True)

        # Confirmer: follows every link the sink hands over.
        conf_stop, conf_r = helper(ctx, procs, stops, "confirmer", confirmer, port, pipe_r, a, finished)

        # Stamps, as the page and forms.js get them.
        status, html = fetch(port, page)
        stamps = re.findall(r'name="stamp" value="([^"]+)"', html)[:1]
        for _ in range(63):
            c = http.client.HTTPConnection(HOST, port, timeout=10)
            c.request("GET", "/forms/challenge")
            m = re.search(r'"stamp":"([^"]+)"', c.getresponse().read().decode())
            if m:
                stamps.append(m.group(1))
        newest = max(int(s.split(".")[0]) for s in stamps)
        from_page = "1 from the page, " if 'name="stamp"' in html else ""
        print(f"stamps     {len(stamps)} stamps ({from_page}the rest from "
              f"/forms/challenge), each reused by many signers: the guard records only a proof of work, and signers send "
              f"none (16 bits of SHA-256 each is too much for this generator); the signing starts once the newest stamp is "
              f">= {STAMP_MIN_AGE:g} s old (forms sent within 3 s are dropped)", flush=True)

        # The visitor, alone first.
        vis_stop, vis_r = helper(ctx, procs, stops, "visitor", visitor, port, page)
        t_base = now()
        wait = max(a.baseline, newest + STAMP_MIN_AGE + 1 - time.time())
        time.sleep(wait)

        # The load: pollers (starting together with the signers), signers.
        t_load = now() + 1.0
        poll_stop, poll_r = helper(ctx, procs, stops, "pollers", pollers, port, slug, a, t_load)
        _, sign_r = helper(ctx, procs, stops, "signers", signers, port, slug, stamps, a, tag, t_load, stoppable=False)
        pids = {name: p.pid for name, p in procs}
        while now() < t_load:
            time.sleep(0.01)
        cpu0 = {name: cpu_seconds(pid) for name, pid in pids.items()}
        server_cpu0 = server.cpu()
        busy0, all0 = machine_busy(), all_cpu()
        t_load_end = t_load + a.seconds
        kill = None
        states = collections.Counter()
        while now() < t_load_end:
            if a.kill_at is not None and kill is None and now() >= t_load + a.kill_at:
                t_kill = now()
                old = server.proc.pid
                server.kill()
                server.start()
                kill = (t_kill - t_load, old, now() - t_kill, now())
                print(f"kill       SIGKILL to the server (pid {old}) {t_kill - t_load:.1f} s into the signing; "
                      f"back after {kill[2]:.2f} s (pid {server.proc.pid})", flush=True)
            time.sleep(0.25)
            thread_states(server.proc.pid, states)
        cpu1 = {name: cpu_seconds(pid) for name, pid in pids.items()}
        server_cpu1 = server.cpu()
        busy1, all1 = machine_busy(), all_cpu()
        vis_stop.set()

        # The signers finish what is in flight.
        sign = sign_r.recv() if sign_r.poll(REQUEST_TIMEOUT + 15) else None
        if sign is None:
            sys.exit("the signers did not report back")
        accepted_n = sum(sign["accepted"])

        # The mail backlog: until every accepted signature has its mail, nothing comes for 20 s, or the timeout.
        drain_deadline = t_load_end + a.drain_timeout
        while now() < drain_deadline:
            quiet = now() - max(last_mail.value, t_load_end)
            if links.value >= accepted_n and quiet > 2:
                break
            if quiet > 20:
                break
            time.sleep(0.2)
        drained = links.value >= accepted_n
        t_drain_check = now()
        # Then the confirmations still going, and a few seconds of polls after the last one.
        end = now() + 90
        while now() < end:
            if finished.value >= links.value and now() - last_mail.value > 1:
                break
            time.sleep(0.2)
        time.sleep(LAG_GOAL + 1.5)
        conf_stop.set()
        poll_stop.set()
        conf = conf_r.recv() if conf_r.poll(30) else {"results": [], "statuses": {}, "errors": {"no report": 1}, "peak_connections": 0}
        polls = poll_r.recv() if poll_r.poll(30) else None
        samples = vis_r.recv() if vis_r.poll(30) else []
        try:
            final_count = tally(port, slug)
        except (OSError, http.client.HTTPException):
            final_count = None
        server.stop()
        sink_stop.set()
        mails = sink_r.recv() if sink_r.poll(30) else []
        rows = store_rows(a, server.data, tag, slug)

        # --- figures
        print(f"baseline   visitor alone {t_load - t_base:.0f} s: " + visitor_text(samples, t_base, t_load, page), flush=True)
        n, st, acc = sign["n"], sign["status"], sign["accepted"]
        scheduled = sign["scheduled"]
        codes = collections.Counter(s for s in st[:scheduled] if s > 0)
        errors_n = sum(1 for s in st[:scheduled] if s == -1)
        unsent = sum(1 for s in st[:scheduled] if s == 0)
        answered = sum(codes.values())
        why = (f" ({sign['abandoned']} given up after waiting {REQUEST_TIMEOUT:g} s for one of the {a.sign_connections} "
               f"connections, {unsent - sign['abandoned']} still waiting at the end)") if unsent else ""
        print(f"signatures {n} offered at {a.rate:g}/s for {a.seconds:g} s: {scheduled - unsent} sent, {answered} answered "
              f"({counts_text(codes)}), {errors_n} errors ({counts_text(sign['errors'])}), {unsent} never sent{why}; "
              f"peak connections {sign['peak_connections']}")
        t_sent, t_done = sign["t_sent"], sign["t_done"]
        acc_times = [t_done[i] for i in range(scheduled) if acc[i]]
        per_second = collections.Counter(int(t - t_load) for t in acc_times)
        secs = [per_second.get(s, 0) for s in range(int(a.seconds))]
        last_answer = max(acc_times) if acc_times else t_load
        print(f"signatures accepted (\"Check your inbox\"): {accepted_n} = {accepted_n / a.seconds:.0f}/s over the "
              f"{a.seconds:g} s (last answer {last_answer - t_load:.1f} s after the start); per second of the signing: "
              f"min {min(secs) if secs else 0}, median {sorted(secs)[len(secs) // 2] if secs else 0}, max {max(secs) if secs else 0}")
        lat_send = [t_done[i] - t_sent[i] for i in range(scheduled) if st[i] > 0]
        lat_sched = [t_done[i] - (t_load + i / a.rate) for i in range(scheduled) if st[i] > 0]
        print(f"signatures answer time from sending: {ms_summary(lat_send)}; from the offered moment (with waiting for a "
              f"free connection): {ms_summary(lat_sched)}")
        if polls:
            plat = [d - s for s, d in zip(polls["sent"], polls["done"])]
            print(f"pollers    {a.pollers} watching the counter, a poll each every {a.poll_interval:g} s: {len(plat)} counts "
                  f"read, {ms_summary(plat)}; statuses {counts_text(polls['statuses'])}; errors {counts_text(polls['errors'])}; "
                  f"{polls['skipped']} polls skipped (the last still waiting); peak open connections {polls['peak_open']}")
        during = visitor_text(samples, t_load, t_load_end, page)
        print(f"visitor    during the signing: {during}")
        p99_base = {p: pct([s[3] for s in samples if t_base <= s[0] < t_load and s[1] == p and s[2]], 0.99) for p in ("/", page)}
        p99_load = {p: pct([s[3] for s in samples if t_load <= s[0] < t_load_end and s[1] == p and s[2]], 0.99) for p in ("/", page)}
        print("visitor    public pages' p99 under load: " + "; ".join(
            f"{p} {fmt_ms(p99_load[p])} vs {fmt_ms(p99_base[p])} alone" for p in ("/", page)))

        # Confirmations and the counter's lag.
        results = conf["results"]
        outcomes = collections.Counter(r[2] for r in results)
        counted = [r for r in results if r[2] == "counted"]
        print(f"confirm    {len(results)} links followed (GET the page, POST its button): {counts_text(outcomes)}; "
              f"statuses {counts_text(conf['statuses'])}; errors {counts_text(conf['errors'])}; "
              f"POST answered {ms_summary([r[4] - r[3] for r in counted])}; mail to counted {s_summary([r[4] - r[0] for r in counted])}")
        lag_fail = False
        if polls:
            lags = counter_lag([r[4] for r in counted], (polls["sent"], polls["done"], polls["counts"]), base_count)
            # Polls fail while the server is down: confirmations counted just before the kill are not judged.
            outage = (t_load + kill[0] - 1.0, kill[3]) if kill else None
            judged = [l for t, l in lags if not (outage and outage[0] <= t <= outage[1])]
            never = sum(1 for l in judged if l is None)
            values = [max(0.0, l) for l in judged if l is not None]
            worst = max(values) if values else 0.0
            lag_fail = never > 0 or worst > LAG_GOAL
            extra = f" ({len(lags) - len(judged)} around the kill left out)" if kill else ""
            done_times = sorted(r[4] for r in counted)
            stale = sum(1 for sp, cp in zip(polls["sent"], polls["counts"])
                        if cp - base_count < bisect.bisect_right(done_times, sp))
            why = "so the lag is the polls' own answer time" if not stale else "stale counts"
            print(f"counter    lag after a confirmation until a poll shows it (tally JSON): {s_summary(values)} over "
                  f"{len(values)} confirmations{extra}, {never} never shown; goal <= {LAG_GOAL:g} s: "
                  f"{'MISSED' if lag_fail else 'met'}; {stale} polls answered less than the confirmations counted "
                  f"before they were sent ({why})")
            page_polls = [(s[0], s[6], s[5]) for s in samples if s[1] == page and s[5] is not None]
            if page_polls:
                plags = counter_lag([r[4] for r in counted if r[4] < t_load_end - 3],
                                    ([p[0] for p in page_polls], [p[1] for p in page_polls], [p[2] for p in page_polls]), base_count)
                pv = [max(0.0, l) for _, l in plags if l is not None]
                print(f"counter    the petition page's own count (HTML, refreshed by the recount every 2 s) during the signing: "
                      f"{s_summary(pv)}, {sum(1 for _, l in plags if l is None)} not shown before the visitor stopped")
            # A poll sent after another was answered must not show less (one node, one store).
            by_sent = sorted(range(len(polls["sent"])), key=polls["sent"].__getitem__)
            by_done = sorted(range(len(polls["sent"])), key=polls["done"].__getitem__)
            backwards, high, d = 0, -1, 0
            for j in by_sent:
                while d < len(by_done) and polls["done"][by_done[d]] < polls["sent"][j]:
                    high = max(high, polls["counts"][by_done[d]])
                    d += 1
                if polls["counts"][j] < high:
                    backwards += 1
            print(f"counter    {backwards} polls showed less than one answered before they were sent; highest count read {max(polls['counts']) - base_count if polls['counts'] else '-'} "
                  f"(above the start), after the run {final_count - base_count if final_count is not None else '-'}")

        # Mail.
        confirm_mails = [m for m in mails if m[3]]
        other = len(mails) - len(confirm_mails)
        ids = collections.Counter(m[1] for m in confirm_mails)
        dup_ids = sum(c - 1 for c in ids.values() if c > 1)
        per_rcpt = collections.Counter(m[2] for m in confirm_mails)
        multiple = sum(1 for r, c in per_rcpt.items() if c > 1 and ids_of(confirm_mails, r) > 1)
        missing = [e for e in rows if per_rcpt.get(e, 0) == 0]
        accepted_set = {signer_email(i, tag) for i in range(sign["scheduled"]) if sign["accepted"][i]}
        missing_accepted = sum(1 for e in missing if e in accepted_set)
        unknown = [r for r in per_rcpt if r not in rows]
        mail_times = [m[0] for m in confirm_mails]
        drain = max(0.0, max(mail_times) - t_load_end) if mail_times else None
        rate_mail = collections.Counter(int(t - t_load) for t in mail_times)
        print(f"mail       {len(mails)} received ({len(confirm_mails)} confirmations, {other} other), {len(ids)} distinct "
              f"Message-IDs, {dup_ids} duplicates (a Message-ID again), {multiple} addresses with two different "
              f"confirmation mails, {len(missing)} missing (stored signatures without a mail: {missing_accepted} accepted, "
              f"{len(missing) - missing_accepted} whose answer was lost), {len(unknown)} for addresses "
              f"not in the store; peak {max(rate_mail.values()) if rate_mail else 0} mails in one second")
        at_end = sum(1 for t in mail_times if t <= t_load_end)
        print(f"mail       backlog drain: the last confirmation mail came {fmt_s(drain)} after the end of the signing "
              f"({at_end} of {len(confirm_mails)} had come by then, {len(confirm_mails) - at_end} after)"
              + ("" if drained else f"; NOT DRAINED: {accepted_n - links.value} accepted signatures still without a "
                                    f"mail when the wait ended ({t_drain_check - t_load_end:.0f} s after the signing)"))

        # The store itself.
        accepted_emails = {signer_email(i, tag) for i in range(scheduled) if acc[i]}
        answered_not_accepted = {signer_email(i, tag) for i in range(scheduled) if st[i] > 0 and not acc[i]}
        lost = [e for e in accepted_emails if e not in rows]
        extra_rows = [e for e in rows if e not in accepted_emails]
        extra_answered = [e for e in extra_rows if e in answered_not_accepted]
        verified = sum(1 for s in rows.values() if s == "verified")
        counted_emails = {r[1] for r in counted}
        verified_not_counted = [e for e, s in rows.items() if s == "verified" and e not in counted_emails]
        counted_not_verified = [e for e in counted_emails if rows.get(e) != "verified"]
        print(f"store      {len(rows)} signature rows for {len(accepted_emails)} addresses accepted: {len(lost)} lost "
              f"(accepted, no row), {len(extra_rows)} rows without an accepting answer ({len(extra_answered)} of them "
              f"answered otherwise, the rest in flight at a kill or timed out); {verified} verified for {len(counted)} "
              f"confirmations counted ({len(verified_not_counted)} verified without a \"now counts\" answer, "
              f"{len(counted_not_verified)} counted but not verified); counter {final_count - base_count if final_count is not None else '-'}"
              f" above its start")

        step = 10 if a.seconds >= 30 else 5
        buckets = range(0, int(a.seconds + 20), step)
        signed_at = collections.Counter(int((t - t_load) // step) for t in acc_times)
        mailed_at = collections.Counter(int((t - t_load) // step) for t in mail_times)
        counted_at = collections.Counter(int((r[4] - t_load) // step) for r in counted)
        print(f"timeline   signatures accepted in each second of the signing: {' '.join(str(x) for x in secs)}")
        print(f"timeline   per {step} s from the start (accepted/mailed/counted): " + ", ".join(
            f"{b}s {signed_at[b // step]}/{mailed_at[b // step]}/{counted_at[b // step]}" for b in buckets))
        cpu_line(cpu0, cpu1, server_cpu0, server_cpu1, busy0, busy1, a.seconds)
        for group in ("request threads", "store workers"):
            total = sum(c for (g, _), c in states.items() if g == group)
            if total:
                parts = sorted(((c, st) for (g, st), c in states.items() if g == group), reverse=True)
                print(f"threads    server's {group}, sampled every 0.25 s: " + ", ".join(f"{st} {c * 100 / total:.0f}%" for c, st in parts)
                      + (" (nanosleep: SQLite's busy handler waiting for the write lock)" if group == "store workers" and not a.postgres else ""))
        ours = set(pids.values()) | {os.getpid(), server.proc.pid} | ({kill[1]} if kill else set())
        by_name = collections.defaultdict(lambda: [0.0, 0])
        for pid, (name, sec) in all1.items():
            if pid not in ours:
                used = sec - all0.get(pid, (name, 0.0))[1]  # a process started meanwhile counts whole
                if used > 0:
                    by_name[name][0] += used
                    by_name[name][1] += 1
        others = sorted(by_name.items(), key=lambda kv: -kv[1][0])
        busy_others = [f"{name} {sec / a.seconds:.2f} ({n} processes)" for name, (sec, n) in others[:5] if sec / a.seconds >= 0.02]
        print(f"cpu        other processes during the signing (the PostgreSQL server's among them), in cores: "
              f"{', '.join(busy_others) or 'none above 0.02'}")
        lines = server.log_lines()
        lines = [re.sub(r"\x1b\[[0-9;]*m", "", l) for l in lines]
        warn = [l for l in lines if re.match(r"^\S+\s+(WARN|ERROR)\b", l)]
        print(f"server log (warn and above): {len(warn)} lines")
        shown = collections.OrderedDict()
        for l in warn:
            key = re.sub(r"^\S+\s+", "", l)[:200]
            shown[key] = shown.get(key, 0) + 1
        for key, c in list(shown.items())[:8]:
            print(f"  {c} x {key}")

        # The verdict.
        fivexx = sum(c for s, c in codes.items() if s >= 500)
        fivexx += sum(c for s, c in (polls or {}).get("statuses", {}).items() if s >= 500)
        fivexx += sum(c for s, c in conf["statuses"].items() if int(s.split()[1]) >= 500)
        fivexx += sum(1 for s in samples if s[4] and s[4] >= 500)
        if fivexx:
            where = {"signers": sum(c for s, c in codes.items() if s >= 500),
                     "pollers": sum(c for s, c in (polls or {}).get("statuses", {}).items() if s >= 500),
                     "confirmer": sum(c for s, c in conf["statuses"].items() if int(s.split()[1]) >= 500),
                     "visitor": sum(1 for s in samples if s[4] and s[4] >= 500)}
            failures.append(f"{fivexx} answers 5xx ({counts_text({k: v for k, v in where.items() if v})})")
        if codes.get(429):
            failures.append(f"{codes[429]} signers throttled (429), each with an address and a network of its own")
        if lost:
            failures.append(f"{len(lost)} accepted signatures lost (no row in the store), e.g. {lost[0]}")
        if missing:
            failures.append(f"{len(missing)} stored signatures never got a confirmation mail")
        if dup_ids or multiple:
            failures.append(f"{dup_ids} duplicate mails (same Message-ID), {multiple} addresses mailed twice")
        if counted_not_verified or len(verified_not_counted) > outcomes.get("410 after a lost answer", 0):
            failures.append(f"verified rows ({verified}) do not match the confirmations counted ({len(counted)})")
        if final_count is None or final_count - base_count != verified:
            failures.append(f"the counter ({final_count} - {base_count}) is not the verified rows ({verified})")
        if lag_fail:
            failures.append(f"the counter was more than {LAG_GOAL:g} s behind a confirmation")
        if not drained:
            failures.append("the mail backlog did not drain")
        if a.keep:
            print(f"kept       {work}")
    finally:
        for e in stops + [sink_stop]:
            e.set()
        if server:
            server.stop()
        for name, p in procs:
            p.join(5)
            if p.is_alive():
                p.kill()
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)

    verdict(failures, "every accepted signature stored once, one mail each, counted once, the counter within 2 s, no 5xx")


def helper(ctx, procs, stops, name, target, *args, stoppable=True):
    """`target(*args, [stop,] report)` in a process of its own, named in `procs`;
    returns its stop event (also kept in `stops`) and the end its report arrives on."""
    stop = ctx.Event()
    receive, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=target, args=(*args, *([stop] if stoppable else []), send), daemon=True)
    proc.start()
    procs.append((name, proc))
    stops.append(stop)
    return stop, receive


def ids_of(mails, rcpt):
    return len({m[1] for m in mails if m[2] == rcpt})


def fmt_ms(v):
    return "-" if v is None else f"{v * 1000:.1f} ms"


def fmt_s(v):
    return "-" if v is None else f"{v:.1f} s"


def visitor_text(samples, t0, t1, page):
    parts = []
    for path in ("/", page):
        s = [x for x in samples if t0 <= x[0] < t1 and x[1] == path]
        ok = [x[3] for x in s if x[2]]
        failed = collections.Counter(str(x[4] or "no answer") for x in s if not x[2])
        parts.append(f"{path} {len(s)} requests, {ms_summary(ok)}, {len(s) - len(ok)} failed"
                     + (f" ({counts_text(failed)})" if failed else ""))
    connects = [x[7] for x in samples if t0 <= x[0] < t1 and x[7] is not None]
    return "; ".join(parts) + f"; connecting {ms_summary(connects)}"


def cpu_line(cpu0, cpu1, s0, s1, busy0, busy1, seconds):
    parts = [f"server {(s1 - s0) / seconds:.2f}"]
    for name in cpu0:
        parts.append(f"{name} {(cpu1[name] - cpu0[name]) / seconds:.2f}")
    total = max(1, busy1[1] - busy0[1])
    share = lambda k: (busy1[k] - busy0[k]) * 100 / total
    print(f"cpu        during the signing, in cores: {', '.join(parts)}; the machine {share(0):.0f}% busy "
          f"({os.cpu_count()} cores; user {share(2):.0f}%, system {share(3):.0f}%, softirq {share(4):.0f}%)")


if __name__ == "__main__":
    main()
