from flask import Flask, request
from lxml import etree

app = Flask(__name__)
USERS = etree.parse("users.xml")


@app.get("/users/lookup")
def lookup():
    name = request.args["name"]
    matches = USERS.xpath(f"//user[@name='{name}']/email/text()")
    return {"emails": [str(match) for match in matches]}
