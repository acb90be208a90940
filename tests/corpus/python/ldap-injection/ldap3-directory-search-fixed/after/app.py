from flask import Flask, request
from ldap3 import Connection, Server
from ldap3.utils.conv import escape_filter_chars

app = Flask(__name__)
SERVER = Server("ldap://directory.internal")


@app.get("/directory")
def directory():
    conn = Connection(SERVER, auto_bind=True)
    person = escape_filter_chars(request.args["cn"])
    conn.search("ou=people,dc=example,dc=com", "(cn=" + person + ")", attributes=["mail"])
    return {"entries": [entry.entry_to_json() for entry in conn.entries]}
