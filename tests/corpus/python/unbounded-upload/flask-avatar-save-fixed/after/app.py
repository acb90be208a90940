import os
import uuid

from flask import Flask, abort, request

app = Flask(__name__)
app.config["MAX_CONTENT_LENGTH"] = 2 * 1024 * 1024
UPLOADS = "/srv/uploads"
ALLOWED = {".png", ".jpg", ".jpeg"}


@app.post("/avatar")
def upload_avatar():
    image = request.files["avatar"]
    extension = os.path.splitext(image.filename or "")[1].lower()
    if extension not in ALLOWED:
        abort(415)
    name = uuid.uuid4().hex + extension
    image.save(os.path.join(UPLOADS, name))
    return {"id": name}
