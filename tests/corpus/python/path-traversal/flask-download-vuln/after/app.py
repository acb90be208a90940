import os

from flask import Flask, abort, request, send_file

app = Flask(__name__)
REPORTS = "/srv/reports"


@app.route("/download")
def download():
    name = request.args.get("file")
    if not name:
        abort(400)
    path = os.path.join(REPORTS, name)
    return send_file(path)
