"""A real SMTP server for the tests (aiosmtpd): every message it accepts is
written to DIR as one .json file (envelope recipients, decoded headers,
plain-text and HTML parts, and the raw message), named so that files sort
in arrival order.

    /usr/bin/python3 smtp_sink.py DIR [--refuse ADDRESS]... [--defer ADDRESS]... [--no-pipelining]

Prints the port it listens on (127.0.0.1), then serves until killed.
--refuse answers 550 to that recipient; --defer answers 451 to that
recipient the first time and accepts it after. The server offers
PIPELINING (RFC 2920; aiosmtpd reads pipelined commands in order but does
not say so itself) unless --no-pipelining.
"""

import argparse
import asyncio
import email
import email.policy
import itertools
import json
import os
import socket

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, folder, refuse, defer, pipelining):
        self.folder = folder
        self.refuse = {a.lower() for a in refuse}
        self.defer = {a.lower() for a in defer}
        self.pipelining = pipelining
        self.counter = itertools.count()

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if self.pipelining:
            responses.insert(-1, "250-PIPELINING")
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        address = address.lower()
        if address in self.refuse:
            return "550 5.1.1 No such mailbox here"
        if address in self.defer:
            self.defer.discard(address)
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        n = next(self.counter)
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        parts = {}
        for part in message.walk():
            if part.get_content_maintype() == "text":
                parts[part.get_content_type()] = part.get_content()
        record = {
            "to": envelope.rcpt_tos,
            "headers": [[k, str(v)] for k, v in message.items()],
            "text": parts.get("text/plain", ""),
            "html": parts.get("text/html", ""),
            "raw": envelope.original_content.decode("utf-8", "replace"),
        }
        name = os.path.join(self.folder, f"{n:08d}.json")
        with open(name + ".part", "w") as f:
            json.dump(record, f)
        # Whole files only: a reader never sees half a message.
        os.rename(name + ".part", name)
        return "250 Message accepted"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("folder")
    parser.add_argument("--refuse", action="append", default=[])
    parser.add_argument("--defer", action="append", default=[])
    parser.add_argument("--no-pipelining", action="store_true")
    args = parser.parse_args()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(Sink(args.folder, args.refuse, args.defer, not args.no_pipelining), hostname="127.0.0.1", port=port,
                            decode_data=False, data_size_limit=10 * 1024 * 1024)
    controller.start()
    print(port, flush=True)
    try:
        asyncio.run(asyncio.Event().wait())
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
