import os
import uuid

from flask import Flask, request

app = Flask(__name__)
UPLOADS = "/srv/uploads"


@app.post("/avatar")
def upload_avatar():
    image = request.files["avatar"]
    name = uuid.uuid4().hex
    image.save(os.path.join(UPLOADS, name))
    return {"id": name}
