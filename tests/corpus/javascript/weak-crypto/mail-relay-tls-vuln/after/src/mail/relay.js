const tls = require("tls");

function connectRelay(host, port) {
  return tls.connect({
    host,
    port,
    minVersion: "TLSv1",
    servername: host,
  });
}

module.exports = { connectRelay };
