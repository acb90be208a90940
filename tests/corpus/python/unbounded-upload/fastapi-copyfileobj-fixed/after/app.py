import shutil
import uuid

from fastapi import FastAPI, HTTPException, UploadFile

app = FastAPI()
MAX_BYTES = 5 * 1024 * 1024
TYPES = {"application/pdf"}


@app.post("/documents")
async def upload(document: UploadFile):
    if document.content_type not in TYPES:
        raise HTTPException(status_code=415)
    if document.size is None or document.size > MAX_BYTES:
        raise HTTPException(status_code=413)
    target = f"/srv/docs/{uuid.uuid4().hex}.pdf"
    with open(target, "wb") as out:
        shutil.copyfileobj(document.file, out)
    return {"stored": target}
