const express = require('express');
const axios = require('axios');

const router = express.Router();
const ALLOWED_HOSTS = new Set(['github.com', 'gitlab.com', 'docs.example.com']);

router.post('/preview', async (req, res) => {
  let target;
  try {
    target = new URL(req.body.url);
  } catch (error) {
    return res.status(400).json({ error: 'invalid url' });
  }
  if (target.protocol !== 'https:' || !ALLOWED_HOSTS.has(target.hostname)) {
    return res.status(400).json({ error: 'host not allowed' });
  }
  const response = await axios.get(target.href, { timeout: 5000, maxRedirects: 0 });
  const title = /<title>([^<]*)<\/title>/i.exec(response.data);
  res.json({ title: title ? title[1] : null });
});

module.exports = router;
