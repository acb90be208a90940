import path from 'path';
import { Router, Request, Response } from 'express';

const UPLOADS = path.resolve(process.cwd(), 'uploads');
export const attachments = Router();

attachments.get('/attachments', (req: Request, res: Response) => {
  const name = path.basename(String(req.query.name ?? ''));
  res.sendFile(name, { root: UPLOADS, dotfiles: 'deny' });
});
