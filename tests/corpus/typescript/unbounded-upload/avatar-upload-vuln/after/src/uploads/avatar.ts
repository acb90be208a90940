import multer from 'multer';
import { Router } from 'express';

const upload = multer({ dest: 'uploads/avatars' });
export const avatarRouter = Router();

avatarRouter.post('/avatar', upload.single('avatar'), (req, res) => {
  res.status(201).json({ file: req.file?.filename });
});
