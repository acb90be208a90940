const { exec } = require('child_process');

function registerDiagnostics(app) {
  app.post('/api/diagnostics/ping', (req, res) => {
    const host = req.body.host;
    exec('ping -c 3 ' + host, (error, stdout) => {
      if (error) {
        return res.status(500).json({ ok: false });
      }
      res.json({ ok: true, output: stdout });
    });
  });
}

module.exports = { registerDiagnostics };
