import httpx
from fastapi import FastAPI

app = FastAPI()


@app.post("/integrations/test")
async def test_webhook(callback_url: str):
    async with httpx.AsyncClient(timeout=5) as client:
        response = await client.post(callback_url, json={"ping": True})
    return {"status": response.status_code}
