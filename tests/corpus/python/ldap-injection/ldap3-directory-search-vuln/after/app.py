from flask import Flask, request
from ldap3 import Connection, Server

app = Flask(__name__)
SERVER = Server("ldap://directory.internal")


@app.get("/directory")
def directory():
    conn = Connection(SERVER, auto_bind=True)
    person = request.args["cn"]
    conn.search("ou=people,dc=example,dc=com", "(cn=" + person + ")", attributes=["mail"])
    return {"entries": [entry.entry_to_json() for entry in conn.entries]}
