import yaml
from fastapi import FastAPI, UploadFile

app = FastAPI()


@app.post("/pipelines")
async def create_pipeline(spec: UploadFile):
    raw = await spec.read()
    config = yaml.load(raw, Loader=yaml.Loader)
    return {"steps": len(config.get("steps", []))}
