const express = require('express');
const { authenticate } = require('../services/auth');

const router = express.Router();

function safeNext(value) {
  if (typeof value === 'string' && value.startsWith('/') && !value.startsWith('//')) {
    return value;
  }
  return '/dashboard';
}

router.post('/login', async (req, res) => {
  const user = await authenticate(req.body.email, req.body.password);
  if (!user) {
    return res.status(401).render('login', { error: 'Invalid credentials' });
  }
  req.session.userId = user.id;
  res.redirect(safeNext(req.query.next));
});

module.exports = router;
