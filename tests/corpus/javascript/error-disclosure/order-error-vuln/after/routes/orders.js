const express = require('express');
const { createOrder } = require('../services/orders');

const router = express.Router();

router.post('/orders', async (req, res) => {
  try {
    const order = await createOrder(req.user.id, req.body.items);
    res.status(201).json(order);
  } catch (err) {
    res.status(500).json({ error: err.message, stack: err.stack });
  }
});

module.exports = router;
