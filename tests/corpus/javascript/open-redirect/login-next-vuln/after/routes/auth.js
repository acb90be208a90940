const express = require('express');
const { authenticate } = require('../services/auth');

const router = express.Router();

router.post('/login', async (req, res) => {
  const user = await authenticate(req.body.email, req.body.password);
  if (!user) {
    return res.status(401).render('login', { error: 'Invalid credentials' });
  }
  req.session.userId = user.id;
  const next = req.query.next || '/dashboard';
  res.redirect(next);
});

module.exports = router;
