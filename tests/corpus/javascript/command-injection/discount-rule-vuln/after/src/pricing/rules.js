const express = require("express");
const { VM } = require("vm2");

const router = express.Router();

router.post("/pricing/preview", (req, res) => {
  const vm = new VM({ timeout: 100, sandbox: { total: req.body.total } });
  const discounted = vm.run(req.body.rule);
  res.json({ total: discounted });
});

module.exports = router;
