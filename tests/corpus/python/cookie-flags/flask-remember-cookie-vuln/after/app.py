from flask import Flask, make_response, request

from .auth import issue_token

app = Flask(__name__)


@app.post("/login")
def login():
    token = issue_token(request.form["username"], request.form["password"])
    response = make_response({"ok": True})
    response.set_cookie("remember", token, max_age=86400)
    return response
