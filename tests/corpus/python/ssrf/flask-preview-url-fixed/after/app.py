from urllib.parse import urlparse

import requests
from flask import Flask, abort, jsonify, request

app = Flask(__name__)
ALLOWED_HOSTS = {"images.example.com", "cdn.example.com"}


def fetch(url):
    return requests.get(url, timeout=5)


@app.post("/preview")
def preview():
    target = request.json.get("url")
    parsed = urlparse(target)
    if parsed.scheme != "https" or parsed.hostname not in ALLOWED_HOSTS:
        abort(400)
    page = fetch(target)
    return jsonify({"status": page.status_code, "length": len(page.content)})
