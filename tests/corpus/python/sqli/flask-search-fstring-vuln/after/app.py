import sqlite3

from flask import Flask, jsonify, request

app = Flask(__name__)


def get_db():
    return sqlite3.connect("shop.db")


@app.route("/products")
def search_products():
    term = request.args.get("q", "")
    db = get_db()
    cursor = db.cursor()
    query = f"SELECT id, name FROM products WHERE name LIKE '%{term}%'"
    rows = cursor.execute(query).fetchall()
    return jsonify([{"id": r[0], "name": r[1]} for r in rows])
