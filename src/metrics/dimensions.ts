/** A metric's dimensions, as CloudWatch names them: name/value pairs, a series identified by the exact set. */
export type Dimension = readonly [name: string, value: string];

/** The canonical form (sorted by name, JSON) the registry and the store key series by. */
export function dimsKey(dims: readonly Dimension[]): string {
  return JSON.stringify([...dims].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
}

export function dimsFromKey(key: string): Dimension[] {
  return JSON.parse(key) as Dimension[];
}
