/** `cells[3].policy.maxLr` from a path of keys (zod's issue path). */
export function formatJsonPath(path: readonly PropertyKey[]): string {
  return path
    .map((key) => (typeof key === 'number' ? `[${key}]` : /^[A-Za-z_$][\w$]*$/.test(String(key)) ? `.${String(key)}` : `[${JSON.stringify(String(key))}]`))
    .join('')
    .replace(/^\./, '');
}
