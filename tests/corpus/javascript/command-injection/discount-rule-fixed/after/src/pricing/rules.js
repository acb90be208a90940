const express = require("express");

const router = express.Router();
const RULES = {
  none: (total) => total,
  tenPercent: (total) => total * 0.9,
  fiveOff: (total) => Math.max(total - 5, 0),
};

router.post("/pricing/preview", (req, res) => {
  const rule = RULES[req.body.rule];
  if (typeof rule !== "function" || !Object.hasOwn(RULES, req.body.rule)) {
    return res.status(400).json({ error: "unknown rule" });
  }
  res.json({ total: rule(Number(req.body.total)) });
});

module.exports = router;
