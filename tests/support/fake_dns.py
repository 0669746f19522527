#!/usr/bin/env python3
"""A fake DNS server on loopback for the tests (never the network): answers MX queries from
rules given on the command line, writes its UDP port to --port-file and serves until killed.

Rules, one argument each: DOMAIN=mx:HOST[,HOST...] (MX records, preference 10, 20...),
DOMAIN=nxdomain, DOMAIN=nodata (the name exists, no MX), DOMAIN=servfail, DOMAIN=drop (no
answer at all: the client times out). A name without a rule gets NXDOMAIN."""
import argparse
import os
import socket
import struct


def read_name(msg, off):
    labels = []
    while True:
        n = msg[off]
        off += 1
        if n == 0:
            return ".".join(labels).lower(), off
        labels.append(msg[off:off + n].decode("ascii", "replace"))
        off += n


def encode_name(name):
    out = b""
    for label in name.strip(".").split("."):
        out += bytes([len(label)]) + label.encode("ascii")
    return out + b"\0"


def answer(query, rules):
    qid, flags = struct.unpack("!HH", query[:4])
    name, off = read_name(query, 12)
    qtype, _qclass = struct.unpack("!HH", query[off:off + 4])
    question = query[12:off + 4]
    rule = rules.get(name.rstrip("."), "nxdomain")
    if rule == "drop":
        return None
    rcode, records = 0, []
    if rule == "nxdomain":
        rcode = 3
    elif rule == "servfail":
        rcode = 2
    elif rule.startswith("mx:") and qtype == 15:
        for i, host in enumerate(rule[3:].split(",")):
            rdata = struct.pack("!H", 10 * (i + 1)) + encode_name(host)
            # the question's name by pointer (offset 12), type MX, class IN, TTL 60
            records.append(struct.pack("!HHHIH", 0xC00C, 15, 1, 60, len(rdata)) + rdata)
    flags = 0x8000 | 0x0400 | (flags & 0x0100) | 0x0080 | rcode
    header = struct.pack("!HHHHHH", qid, flags, 1, len(records), 0, 0)
    return header + question + b"".join(records)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port-file", required=True)
    parser.add_argument("rules", nargs="*")
    args = parser.parse_args()
    rules = {}
    for r in args.rules:
        domain, _, what = r.partition("=")
        rules[domain.lower().rstrip(".")] = what
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(sock.getsockname()[1]))
    os.rename(args.port_file + ".tmp", args.port_file)
    while True:
        query, peer = sock.recvfrom(4096)
        try:
            reply = answer(query, rules)
        except (IndexError, struct.error):
            continue
        if reply is not None:
            sock.sendto(reply, peer)


if __name__ == "__main__":
    main()
