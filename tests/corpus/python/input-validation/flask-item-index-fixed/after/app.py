from flask import Flask, abort, jsonify, request

app = Flask(__name__)
PLANS = ["free", "team", "enterprise"]


@app.route("/plans/pick")
def pick_plan():
    index = int(request.args.get("i", "0"))
    if index < 0 or index >= len(PLANS):
        abort(404)
    return jsonify({"plan": PLANS[index]})
