/**
 * The worker's one remembered thing: the access token the page handed it (never a refresh token),
 * in IndexedDB, which outlives the worker between pushes. Expired tokens are kept until replaced
 * or cleared, but never used (`usableAuth`).
 */
import type { WorkerAuthMessage } from './messages.ts';

const DB = 'call-widgets-sw';
const STORE = 'auth';
const KEY = 'current';

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function run<T>(mode: IDBTransactionMode, work: (store: IDBObjectStore) => IDBRequest): Promise<T> {
  const db = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const request = work(db.transaction(STORE, mode).objectStore(STORE));
      request.onsuccess = () => resolve(request.result as T);
      request.onerror = () => reject(request.error);
    });
  } finally {
    db.close();
  }
}

export function saveAuth(auth: WorkerAuthMessage): Promise<unknown> {
  return run('readwrite', (store) => store.put(auth, KEY));
}

export function clearAuth(): Promise<unknown> {
  return run('readwrite', (store) => store.delete(KEY));
}

export async function readAuth(): Promise<WorkerAuthMessage | null> {
  return ((await run<WorkerAuthMessage | undefined>('readonly', (store) => store.get(KEY))) ?? null);
}

/** The stored token when it is good for at least another 30 s (the request must arrive in time). */
export function usableAuth(auth: WorkerAuthMessage | null, now = Date.now()): WorkerAuthMessage | null {
  return auth && auth.expiresAt * 1000 > now + 30_000 ? auth : null;
}
