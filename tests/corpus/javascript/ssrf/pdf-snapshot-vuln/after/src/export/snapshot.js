const express = require("express");
const puppeteer = require("puppeteer");

const router = express.Router();

router.get("/export/snapshot", async (req, res) => {
  const browser = await puppeteer.launch();
  try {
    const page = await browser.newPage();
    await page.goto(req.query.target, { waitUntil: "networkidle0" });
    res.type("application/pdf").send(await page.pdf());
  } finally {
    await browser.close();
  }
});

module.exports = router;
