const crypto = require('crypto');
const { promisify } = require('util');
const db = require('../db');

const scrypt = promisify(crypto.scrypt);

async function registerUser(email, password) {
  const salt = crypto.randomBytes(16);
  const derived = await scrypt(password, salt, 64);
  const passwordHash = `${salt.toString('hex')}:${derived.toString('hex')}`;
  const avatarKey = crypto.createHash('md5').update(email.trim().toLowerCase()).digest('hex');
  await db.query(
    'INSERT INTO users (email, password_hash, avatar_key) VALUES ($1, $2, $3)',
    [email, passwordHash, avatarKey],
  );
}

module.exports = { registerUser };
