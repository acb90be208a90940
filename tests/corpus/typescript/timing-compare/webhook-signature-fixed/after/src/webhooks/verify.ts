import crypto from 'crypto';
import { Request, Response, NextFunction } from 'express';

const WEBHOOK_SECRET = process.env.WEBHOOK_SECRET ?? '';

export function verifySignature(req: Request, res: Response, next: NextFunction): void {
  const received = Buffer.from(req.get('x-hub-signature-256') ?? '');
  const expected = Buffer.from(
    'sha256=' + crypto.createHmac('sha256', WEBHOOK_SECRET).update(req.body).digest('hex'),
  );
  if (received.length === expected.length && crypto.timingSafeEqual(received, expected)) {
    next();
    return;
  }
  res.status(401).end();
}
