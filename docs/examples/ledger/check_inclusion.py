# python3 check_inclusion.py proof.json   (an admin's GET /api/admin/ledger/inclusion-proof/?stream=...)
import hashlib, json, sys

def h(*parts):
    return hashlib.sha256(b"".join(parts)).digest()

def root_from_path(index, size, leaf, path):  # RFC 9162, 2.1.3.2
    fn, sn, r = index, size - 1, h(b"\x00", leaf)
    for p in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = h(b"\x01", p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = h(b"\x01", r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None

proof = json.load(open(sys.argv[1]))
cp = proof["checkpoint"]
root = root_from_path(proof["leaf_index"], cp["streams"], proof["leaf"].encode(), [bytes.fromhex(x) for x in proof["audit_path"]])
ok = root is not None and root.hex() == cp["root"]
print(f"{proof['leaf']!r} is {'IN' if ok else 'NOT in'} the checkpoint at {cp['position']}")
sys.exit(0 if ok else 1)
