/** The analyzer's programmatic entry (it ships no types): `cli` returns the manifest it builds. */
declare module '@custom-elements-manifest/analyzer/cli.js' {
  export function cli(options: { argv: string[]; cwd: string; noWrite: boolean }): Promise<{ modules: { path: string }[] }>;
}
