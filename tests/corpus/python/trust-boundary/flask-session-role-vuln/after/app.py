from flask import Flask, request, session

app = Flask(__name__)
app.secret_key = __import__("os").environ["SECRET_KEY"]


@app.post("/preferences")
def preferences():
    session["role"] = request.form.get("role", "viewer")
    return {"saved": True}
