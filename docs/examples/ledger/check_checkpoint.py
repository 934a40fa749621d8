# python3 check_checkpoint.py key.json checkpoint.json   (Debian: apt install python3-cryptography)
import base64, hashlib, json, sys
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_pem_public_key

key = json.load(open(sys.argv[1]))
cp = json.load(open(sys.argv[2]))

public_key = load_pem_public_key(key["public_key_pem"].encode())
key_id = hashlib.sha256(public_key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)).hexdigest()
if key_id != key["key_id"] or key_id != cp["key_id"]:
    sys.exit("the checkpoint names another key")

note = "\n".join(["pz-ledger-checkpoint/1", f"position {cp['position']}", f"streams {cp['streams']}",
                  f"root {cp['root']}", f"time {cp['time']}", f"key {cp['key_id']}", ""])
try:
    public_key.verify(base64.b64decode(cp["signature"]), note.encode())  # Ed25519: raises if it does not hold
except InvalidSignature:
    sys.exit("BAD SIGNATURE")
print(f"signature OK: {cp['streams']} streams at {cp['position']}, root {cp['root']}")
