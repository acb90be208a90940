import json
import ssl
import urllib.request

API = "https://status.internal.example/api/health"


def health():
    context = ssl._create_unverified_context()
    with urllib.request.urlopen(API, context=context, timeout=5) as response:
        return json.load(response)
