const express = require('express');
const { listProducts } = require('../services/products');

const router = express.Router();

router.get('/products', async (req, res) => {
  const products = await listProducts();
  const pattern = new RegExp(req.query.q, 'i');
  res.json(products.filter((product) => pattern.test(product.name)));
});

module.exports = router;
