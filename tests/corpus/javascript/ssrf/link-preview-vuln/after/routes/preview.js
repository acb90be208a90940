const express = require('express');
const axios = require('axios');

const router = express.Router();

router.post('/preview', async (req, res) => {
  const target = req.body.url;
  const response = await axios.get(target, { timeout: 5000 });
  const title = /<title>([^<]*)<\/title>/i.exec(response.data);
  res.json({ title: title ? title[1] : null });
});

module.exports = router;
