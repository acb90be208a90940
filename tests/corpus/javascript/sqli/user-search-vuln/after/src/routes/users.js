const express = require('express');
const { pool } = require('../db');

const router = express.Router();

router.get('/users/search', async (req, res) => {
  const name = req.query.name;
  const sql = `SELECT id, email FROM users WHERE name LIKE '%${name}%' ORDER BY id`;
  const result = await pool.query(sql);
  res.json(result.rows);
});

module.exports = router;
