import logging

from flask import Flask, request

app = Flask(__name__)
logger = logging.getLogger("auth")


@app.post("/login")
def login():
    username = request.form.get("username", "")
    logger.warning("failed login for %r", username)
    return {"ok": False}, 401
