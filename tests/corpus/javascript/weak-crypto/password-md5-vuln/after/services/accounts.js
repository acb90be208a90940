const crypto = require('crypto');
const db = require('../db');

async function registerUser(email, password) {
  const passwordHash = crypto.createHash('md5').update(password).digest('hex');
  await db.query('INSERT INTO users (email, password_hash) VALUES ($1, $2)', [email, passwordHash]);
}

module.exports = { registerUser };
