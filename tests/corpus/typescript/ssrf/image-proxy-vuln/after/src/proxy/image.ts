import { Request, Response } from 'express';

export async function imageProxy(req: Request, res: Response): Promise<void> {
  const src = req.query.src as string;
  const upstream = await fetch(src);
  res.type(upstream.headers.get('content-type') ?? 'application/octet-stream');
  res.send(Buffer.from(await upstream.arrayBuffer()));
}
