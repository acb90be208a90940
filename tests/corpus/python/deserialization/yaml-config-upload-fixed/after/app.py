import yaml
from fastapi import FastAPI, UploadFile

app = FastAPI()


@app.post("/pipelines")
async def create_pipeline(spec: UploadFile):
    raw = await spec.read()
    config = yaml.safe_load(raw)
    return {"steps": len(config.get("steps", []))}
