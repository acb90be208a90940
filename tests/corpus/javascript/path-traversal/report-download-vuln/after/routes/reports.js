const path = require('path');
const fs = require('fs');

const REPORT_DIR = path.join(__dirname, '..', 'reports');

module.exports = function reports(app) {
  app.get('/reports/:file', (req, res) => {
    const filePath = path.join(REPORT_DIR, req.params.file);
    fs.createReadStream(filePath)
      .on('error', () => res.sendStatus(404))
      .pipe(res);
  });
};
