/** Initials for an avatar without a picture: "Anna Petrova" → "AP", "boris@crm.test" → "BC". */
export function initials(name: string): string {
  const letters = name
    .split(/[\s@._-]+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((part) => part[0]!.toUpperCase());
  return letters.join('') || '?';
}
