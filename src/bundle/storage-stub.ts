/**
 * Stands in for `@supabase/storage-js` in the script-tag bundles only (see rollup.config.mjs):
 * the call widgets never use Supabase Storage, and leaving it out keeps the bundle within its
 * size budget. supabase-js builds a StorageClient eagerly, so this one constructs quietly and
 * explains itself the moment anything uses it. The npm package uses the real supabase-js.
 */
const MESSAGE =
  'Supabase Storage is not included in the call-widgets script-tag bundle. Give the widgets your own client instead: CallWidgets.configure({ client: yourSupabaseClient }).';

export class StorageApiError extends Error {}

export class StorageClient {
  constructor() {
    return new Proxy(this, {
      get(_target, property) {
        // Promise checks and inspection must not throw.
        if (property === 'then' || typeof property === 'symbol') return undefined;
        throw new Error(MESSAGE);
      },
    });
  }
}
