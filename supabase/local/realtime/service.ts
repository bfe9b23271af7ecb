import type { Service, StackContext } from '../server.ts';
import { sendJson } from '../http.ts';
export async function createRealtimeService(_context: StackContext): Promise<Service> {
  return { async handle(_req, res) { sendJson(res, 501, { message: 'realtime: in progress' }); }, async close() {} };
}
