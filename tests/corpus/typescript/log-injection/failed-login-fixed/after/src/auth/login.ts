import { Request, Response } from 'express';
import { logger } from '../logger';
import { checkCredentials } from './credentials';

export async function login(req: Request, res: Response): Promise<void> {
  const username: string = req.body.username;
  if (!(await checkCredentials(username, req.body.password))) {
    logger.warn({ username: JSON.stringify(username) }, 'Failed login');
    res.status(401).json({ error: 'invalid credentials' });
    return;
  }
  res.json({ ok: true });
}
