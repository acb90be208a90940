import { Request, Response } from 'express';
import { knex } from '../db';

export async function listInvoices(req: Request, res: Response): Promise<void> {
  const customerId = req.params.customerId as string;
  const rows = await knex.raw(`SELECT id, total FROM invoices WHERE customer_id = '${customerId}'`);
  res.json(rows.rows);
}
