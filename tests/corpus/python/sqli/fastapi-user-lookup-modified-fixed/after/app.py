from fastapi import FastAPI
from sqlalchemy import text

from .db import engine

app = FastAPI()


@app.get("/users/{username}")
def read_user(username: str):
    with engine.connect() as conn:
        stmt = text("SELECT id, email FROM users WHERE username = :name")
        row = conn.execute(stmt, {"name": username}).first()
    return {"id": row.id, "email": row.email}
