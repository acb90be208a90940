import sqlite3

from flask import Flask, request

app = Flask(__name__)


@app.route("/report")
def report():
    day = request.args["day"]
    db = sqlite3.connect("app.db")
    return {"rows": db.execute(f"SELECT * FROM sales WHERE day = '{day}'").fetchall()}


@app.route("/health")
def health():
    return {"ok": True}
