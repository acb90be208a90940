import multer from 'multer';
import { Router } from 'express';

const ALLOWED_TYPES = new Set(['image/png', 'image/jpeg']);

const upload = multer({
  dest: 'uploads/avatars',
  limits: { fileSize: 2 * 1024 * 1024, files: 1 },
  fileFilter: (_req, file, cb) => cb(null, ALLOWED_TYPES.has(file.mimetype)),
});
export const avatarRouter = Router();

avatarRouter.post('/avatar', upload.single('avatar'), (req, res) => {
  res.status(201).json({ file: req.file?.filename });
});
