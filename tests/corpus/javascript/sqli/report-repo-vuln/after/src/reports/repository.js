const { pool } = require("../db");

async function reportsForTeam(team) {
  const result = await pool.query(`SELECT id, title FROM reports WHERE team = '${team}'`);
  return result.rows;
}

module.exports = { reportsForTeam };
