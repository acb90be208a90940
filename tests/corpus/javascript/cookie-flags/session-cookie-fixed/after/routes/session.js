const crypto = require('crypto');
const { saveSession } = require('../store');

module.exports = function sessionRoutes(app) {
  app.post('/session', async (req, res) => {
    const token = crypto.randomBytes(32).toString('hex');
    await saveSession(token, req.body.userId);
    res.cookie('sid', token, { maxAge: 86400000, httpOnly: true, secure: true, sameSite: 'lax' });
    res.json({ ok: true });
  });
};
