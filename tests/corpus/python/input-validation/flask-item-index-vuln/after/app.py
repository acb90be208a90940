from flask import Flask, jsonify, request

app = Flask(__name__)
PLANS = ["free", "team", "enterprise"]


@app.route("/plans/pick")
def pick_plan():
    index = int(request.args.get("i", "0"))
    return jsonify({"plan": PLANS[index]})
