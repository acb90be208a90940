from flask import Flask, abort, request, session

app = Flask(__name__)
app.secret_key = __import__("os").environ["SECRET_KEY"]
SELF_SERVICE_ROLES = {"viewer", "commenter"}


@app.post("/preferences")
def preferences():
    role = request.form.get("role", "viewer")
    if role not in SELF_SERVICE_ROLES:
        abort(400)
    session["role"] = role
    return {"saved": True}
