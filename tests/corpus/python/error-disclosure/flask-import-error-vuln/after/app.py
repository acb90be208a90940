import csv
import io
import logging

from flask import Flask, jsonify, request

app = Flask(__name__)
logger = logging.getLogger(__name__)


@app.post("/import")
def import_rows():
    try:
        reader = csv.DictReader(io.StringIO(request.get_data(as_text=True)))
        rows = [dict(row) for row in reader]
    except Exception as exc:
        return jsonify({"error": str(exc)}), 500
    return jsonify({"rows": len(rows)})
