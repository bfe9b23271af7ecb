import type { Service, StackContext } from '../server.ts';
import { sendJson } from '../http.ts';
export function createRestService(_context: StackContext): Service {
  return { async handle(_req, res) { sendJson(res, 501, { message: 'rest: in progress' }); }, async close() {} };
}
