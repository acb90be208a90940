import path from 'path';
import { Router, Request, Response } from 'express';

const UPLOADS = path.resolve(process.cwd(), 'uploads');
export const attachments = Router();

attachments.get('/attachments', (req: Request, res: Response) => {
  const name = String(req.query.name ?? '');
  res.sendFile(path.join(UPLOADS, name));
});
