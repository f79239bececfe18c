#!/usr/bin/env python3
"""Independent computation of the proof-of-work test vectors (specs/proof-of-work.md §5.2-5.3)
with Python's hashlib and hmac, written from the spec, not from the Rust code. Run:
    python3 pow_vectors.py > pow_vectors.txt
"""
import base64, hashlib, hmac, struct

def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()

def scope(target, action):
    h = hashlib.sha256()
    for part in (target, action):
        part = part.encode()
        h.update(struct.pack(">I", len(part)) + part)
    return h.digest()

key = bytes(range(32))
sc = scope("ai-rules", "vote")
challenge = bytes([1]) + struct.pack(">QQ", 1800000000, 1800000900) + bytes([12]) + sc + bytes([0x42] * 16)
assert len(challenge) == 66
tag = hmac.new(key, challenge, hashlib.sha256).digest()
vote = hashlib.sha256(b"vote\nai-rules\n7\nagree").digest()
stmt = hashlib.sha256("statement\nai-rules\nAudit <b>everything</b>".encode()).digest()

def lzb(d):
    n = 0
    for b in d:
        if b == 0:
            n += 8
        else:
            return n + (8 - b.bit_length())
    return n

nonce = 0
while True:
    w = hashlib.sha256(b"pow/v1\n" + challenge + vote + struct.pack("<Q", nonce)).digest()
    if lzb(w) >= 12:
        break
    nonce += 1
print("scope = " + sc.hex())
print("wire = " + b64u(challenge) + "." + b64u(tag))
print("vote_payload = " + vote.hex())
print("statement_payload = " + stmt.hex())
print("nonce = %d" % nonce)
print("work_hash = " + w.hex())
