const express = require('express');
const logger = require('../logger');
const { createOrder } = require('../services/orders');

const router = express.Router();

router.post('/orders', async (req, res) => {
  try {
    const order = await createOrder(req.user.id, req.body.items);
    res.status(201).json(order);
  } catch (err) {
    logger.error({ err }, 'order creation failed');
    res.status(500).json({ error: 'Could not create the order' });
  }
});

module.exports = router;
