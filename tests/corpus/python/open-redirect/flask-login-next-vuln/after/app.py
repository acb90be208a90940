from flask import Flask, redirect, request, session

from .auth import check_credentials

app = Flask(__name__)


@app.post("/login")
def login():
    user = check_credentials(request.form["username"], request.form["password"])
    if user is None:
        return redirect("/login?failed=1")
    session["user_id"] = user.id
    next_url = request.args.get("next", "/")
    return redirect(next_url)
