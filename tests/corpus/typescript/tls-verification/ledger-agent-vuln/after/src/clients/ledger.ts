import https from 'https';
import axios from 'axios';

const agent = new https.Agent({ rejectUnauthorized: false, keepAlive: true });

export const ledger = axios.create({
  baseURL: 'https://ledger.internal.example.com',
  httpsAgent: agent,
  timeout: 5000,
});
