import shutil
import uuid

from fastapi import FastAPI, UploadFile

app = FastAPI()


@app.post("/documents")
async def upload(document: UploadFile):
    target = f"/srv/docs/{uuid.uuid4().hex}.bin"
    with open(target, "wb") as out:
        shutil.copyfileobj(document.file, out)
    return {"stored": target}
