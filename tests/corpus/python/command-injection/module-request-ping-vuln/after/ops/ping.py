import subprocess

import flask

app = flask.Flask(__name__)


@app.get("/ops/ping")
def ping():
    host = flask.request.args.get("host", "localhost")
    output = subprocess.run(f"ping -c 1 {host}", shell=True, capture_output=True, text=True)
    return flask.jsonify({"output": output.stdout})
