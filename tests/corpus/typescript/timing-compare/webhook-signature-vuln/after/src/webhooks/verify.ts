import crypto from 'crypto';
import { Request, Response, NextFunction } from 'express';

const WEBHOOK_SECRET = process.env.WEBHOOK_SECRET ?? '';

export function verifySignature(req: Request, res: Response, next: NextFunction): void {
  const signature = req.get('x-hub-signature-256') ?? '';
  const expectedSignature = 'sha256=' + crypto.createHmac('sha256', WEBHOOK_SECRET).update(req.body).digest('hex');
  if (signature === expectedSignature) {
    next();
    return;
  }
  res.status(401).end();
}
