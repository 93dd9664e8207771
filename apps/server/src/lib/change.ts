/**
 * A change merged into the record it changes (PATCH): a field left out keeps the record's value, `null` clears
 * it (the field is dropped: the schema allows null only where the record may be without it), any other value
 * replaces the record's whole (a list included: `[]` clears it).
 */
export function mergeChange<T extends object>(change: { [K in keyof T]?: T[K] | null }, before: T): T {
  const out = { ...before } as Record<string, unknown>;
  for (const [k, v] of Object.entries(change)) {
    if (v === undefined) continue;
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out as T;
}
