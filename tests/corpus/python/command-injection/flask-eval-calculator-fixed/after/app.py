import ast

from flask import Flask, request

app = Flask(__name__)


@app.get("/calc")
def calculate():
    expression = request.args.get("expr", "0")
    result = ast.literal_eval(expression)
    return {"result": result}
