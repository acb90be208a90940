import { Request, Response } from 'express';

const ALLOWED_HOSTS = new Set(['images.example-cdn.com', 'avatars.githubusercontent.com']);

export async function imageProxy(req: Request, res: Response): Promise<void> {
  let src: URL;
  try {
    src = new URL(String(req.query.src));
  } catch {
    res.status(400).end();
    return;
  }
  if (src.protocol !== 'https:' || !ALLOWED_HOSTS.has(src.hostname)) {
    res.status(400).end();
    return;
  }
  const upstream = await fetch(src.href, { redirect: 'error' });
  res.type(upstream.headers.get('content-type') ?? 'application/octet-stream');
  res.send(Buffer.from(await upstream.arrayBuffer()));
}
