const express = require('express');
const { listProducts } = require('../services/products');

const router = express.Router();

function escapeRegExp(text) {
  return String(text).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

router.get('/products', async (req, res) => {
  const products = await listProducts();
  const pattern = new RegExp(escapeRegExp(req.query.q).slice(0, 100), 'i');
  res.json(products.filter((product) => pattern.test(product.name)));
});

module.exports = router;
