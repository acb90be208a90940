from fastapi import FastAPI
from sqlalchemy import text

from .db import engine

app = FastAPI()


@app.get("/users/{user_id}")
def read_user(user_id: int):
    with engine.connect() as conn:
        stmt = text("SELECT id, email FROM users WHERE id = :id")
        row = conn.execute(stmt, {"id": user_id}).first()
    return {"id": row.id, "email": row.email}
