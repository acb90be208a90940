import json
import ssl
import urllib.request

API = "https://status.internal.example/api/health"


def health():
    context = ssl.create_default_context(cafile="/etc/ssl/internal-ca.pem")
    with urllib.request.urlopen(API, context=context, timeout=5) as response:
        return json.load(response)
