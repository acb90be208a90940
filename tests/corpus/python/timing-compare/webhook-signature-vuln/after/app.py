import hashlib
import hmac
import os

from flask import Flask, abort, request

app = Flask(__name__)
SECRET = os.environ["WEBHOOK_SECRET"].encode()


@app.post("/hooks/payment")
def payment_hook():
    expected = hmac.new(SECRET, request.get_data(), hashlib.sha256).hexdigest()
    signature = request.headers.get("X-Signature", "")
    if signature != expected:
        abort(401)
    return {"ok": True}
