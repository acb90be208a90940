from pathlib import Path

from fastapi import FastAPI, HTTPException

app = FastAPI()
DOCS = Path("/srv/docs")


@app.get("/docs/{name}")
async def read_doc(name: str):
    doc = (DOCS / name).resolve()
    if not doc.is_relative_to(DOCS) or not doc.exists():
        raise HTTPException(status_code=404)
    return {"content": doc.read_text()}
