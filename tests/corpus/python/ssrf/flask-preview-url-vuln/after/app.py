import requests
from flask import Flask, jsonify, request

app = Flask(__name__)


def fetch(url):
    return requests.get(url, timeout=5)


@app.post("/preview")
def preview():
    target = request.json.get("url")
    page = fetch(target)
    return jsonify({"status": page.status_code, "length": len(page.content)})
