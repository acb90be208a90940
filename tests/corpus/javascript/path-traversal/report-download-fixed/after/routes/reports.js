const path = require('path');
const fs = require('fs');

const REPORT_DIR = path.resolve(__dirname, '..', 'reports');

module.exports = function reports(app) {
  app.get('/reports/:file', (req, res) => {
    const filePath = path.resolve(REPORT_DIR, req.params.file);
    if (!filePath.startsWith(REPORT_DIR + path.sep)) {
      return res.sendStatus(403);
    }
    fs.createReadStream(filePath)
      .on('error', () => res.sendStatus(404))
      .pipe(res);
  });
};
