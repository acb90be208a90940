import ipaddress
import subprocess

import flask

app = flask.Flask(__name__)


@app.get("/ops/ping")
def ping():
    try:
        host = str(ipaddress.ip_address(flask.request.args.get("host", "127.0.0.1")))
    except ValueError:
        flask.abort(400)
    output = subprocess.run(["ping", "-c", "1", host], capture_output=True, text=True)
    return flask.jsonify({"output": output.stdout})
