const { execFile } = require('child_process');
const net = require('net');

function registerDiagnostics(app) {
  app.post('/api/diagnostics/ping', (req, res) => {
    const host = req.body.host;
    if (!net.isIP(host)) {
      return res.status(400).json({ ok: false });
    }
    execFile('ping', ['-c', '3', host], (error, stdout) => {
      if (error) {
        return res.status(500).json({ ok: false });
      }
      res.json({ ok: true, output: stdout });
    });
  });
}

module.exports = { registerDiagnostics };
