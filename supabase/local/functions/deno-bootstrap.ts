// Runs inside Deno. Loads one edge function written the Supabase way (`Deno.serve(handler)`) and
// makes it listen on loopback at a port the local stack can reach, announcing it on stdout.
const serve = Deno.serve;
const marker = Deno.env.get('LOCAL_STACK_LISTEN_MARKER') ?? '';

type Handler = (request: Request, info: unknown) => Response | Promise<Response>;

// deno-lint-ignore no-explicit-any
(Deno as any).serve = (first: Handler | Record<string, unknown>, second?: Handler) => {
  const options = typeof first === 'function' ? {} : first;
  const handler = typeof first === 'function' ? first : (second ?? (first.handler as Handler));
  return serve(
    {
      ...options,
      port: 0,
      hostname: '127.0.0.1',
      onListen: ({ port }: { port: number }) => console.log(`${marker} ${port}`),
    },
    handler,
  );
};

// The stack holds our stdin open and never writes to it. Its end means the stack is gone, even
// killed outright with no chance to stop us: then we go too, instead of lingering as an orphan.
(async () => {
  for await (const _ of Deno.stdin.readable) {
    // Nothing is ever sent; read until the end.
  }
  Deno.exit(0);
})();

await import(Deno.args[0]);
