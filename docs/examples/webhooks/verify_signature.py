"""Check a Photo-z Server webhook delivery: HMAC-SHA256 of "<X-Pz-Timestamp>.<body>" under the
webhook's secret, sent as X-Pz-Signature: sha256=<hex>."""
import hashlib
import hmac
import time


def verify(secret: str, headers: dict, body: bytes, window_s: int = 300) -> bool:
    timestamp = headers.get("X-Pz-Timestamp", "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > window_s:
        return False
    expected = "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, headers.get("X-Pz-Signature", ""))


if __name__ == "__main__":
    secret = "0" * 64
    body = b'{"type":"ProductPublished"}'
    ts = str(int(time.time()))
    sig = "sha256=" + hmac.new(secret.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
    assert verify(secret, {"X-Pz-Timestamp": ts, "X-Pz-Signature": sig}, body)
    assert not verify(secret, {"X-Pz-Timestamp": ts, "X-Pz-Signature": sig}, body + b" ")
    print("signature check ok")
