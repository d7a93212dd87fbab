#!/usr/bin/env python3
"""Rewrite a state directory as the ftpcfg before ruleset files wrote it.

Usage: state-v5.py STATE_DIR

Every record (the record file, and the copy each journal and generation
keeps) of version 6 names its ruleset by the seal of a file rs.HEX; the
version before (5) held the ruleset inline, where the hash now is.  Each
such record is rewritten as version 5 with that file's ruleset inline, the
journals and generations that hold one are sealed again around it, and the
rs.* files are removed: what an upgrade from that ftpcfg finds.

A sealed file: magic (8 bytes), version (u32), payload length (u64), the
payload, then the SHA-256 of all that.  A ruleset file's payload: the
directory's identity (16 bytes), then the ruleset.
"""
import hashlib
import os
import struct
import sys

HEAD = 20
SHA = 32
RECORD = b"FTPCFGR\n"
JOURNAL = b"FTPCFGJ\n"


def unseal(data):
    magic, version, n = struct.unpack("<8sIQ", data[:HEAD])
    if n != len(data) - HEAD - SHA or hashlib.sha256(data[:-SHA]).digest() != data[-SHA:]:
        sys.exit("state-v5: a file does not unseal")
    return magic, version, data[HEAD:-SHA]


def seal(magic, version, payload):
    head = struct.pack("<8sIQ", magic, version, len(payload))
    return head + payload + hashlib.sha256(head + payload).digest()


CONVERTED = []


def record_v5(state, data):
    """A version 6 record image as version 5; anything else as it is."""
    magic, version, payload = unseal(data)
    if magic != RECORD or version != 6:
        return data
    CONVERTED.append(len(payload))
    name = "rs." + payload[-SHA:].hex()
    with open(os.path.join(state, name), "rb") as f:
        _, _, rs = unseal(f.read())
    return seal(RECORD, 5, payload[:-SHA] + rs[16:])


def blob_rewritten(data, magic, rewrite):
    """@data with the one sealed blob of @magic it holds (u64 length before
    it) replaced by rewrite(blob); the same when it holds none."""
    at = data.find(magic)
    if at < 8:
        return data
    (n,) = struct.unpack("<Q", data[at - 8:at])
    new = rewrite(data[at:at + n])
    return data[:at - 8] + struct.pack("<Q", len(new)) + new + data[at + n:]


def journal_v5(state, data):
    magic, version, payload = unseal(data)
    payload = blob_rewritten(payload, RECORD, lambda b: record_v5(state, b))
    return seal(magic, version, payload)


def main():
    state = sys.argv[1]
    names = sorted(os.listdir(state))
    out = {}
    for name in names:
        path = os.path.join(state, name)
        with open(path, "rb") as f:
            data = f.read()
        if name == "record":
            out[name] = record_v5(state, data)
        elif name in ("journal", "last"):
            out[name] = journal_v5(state, data)
        elif name.startswith("gen."):
            magic, version, payload = unseal(data)
            payload = blob_rewritten(payload, JOURNAL, lambda b: journal_v5(state, b))
            out[name] = seal(magic, version, payload)
    for name, data in out.items():
        with open(os.path.join(state, name), "wb") as f:
            f.write(data)
    for name in names:
        if name.startswith("rs."):
            os.unlink(os.path.join(state, name))
    print(f"state-v5: {len(out)} files rewritten, {len(CONVERTED)} records")


if __name__ == "__main__":
    main()
