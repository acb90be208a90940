const express = require("express");
const puppeteer = require("puppeteer");

const router = express.Router();
const DASHBOARDS = new Map([
  ["sales", "https://dashboards.example.com/sales"],
  ["ops", "https://dashboards.example.com/ops"],
]);

router.get("/export/snapshot", async (req, res) => {
  const target = DASHBOARDS.get(String(req.query.dashboard));
  if (target === undefined) {
    return res.status(400).json({ error: "unknown dashboard" });
  }
  const browser = await puppeteer.launch();
  try {
    const page = await browser.newPage();
    await page.goto(target, { waitUntil: "networkidle0" });
    res.type("application/pdf").send(await page.pdf());
  } finally {
    await browser.close();
  }
});

module.exports = router;
