from flask import Flask, request
from lxml import etree

app = Flask(__name__)
USERS = etree.parse("users.xml")


@app.get("/users/lookup")
def lookup():
    name = request.args["name"]
    matches = USERS.xpath("//user[@name=$name]/email/text()", name=name)
    return {"emails": [str(match) for match in matches]}
