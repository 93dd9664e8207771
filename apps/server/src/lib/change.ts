/**
 * The fields of a change with each of `keys` it leaves out taken from the record as it is: in a
 * change, an absent list means "unchanged" and an empty list `[]` means "clear it".
 */
export function keepAbsent<C extends object, B extends object, K extends keyof B & keyof C>(
  change: C,
  before: B,
  keys: readonly K[],
): Omit<C, K> & { [k in K]-?: Exclude<C[k], undefined> | B[k] } {
  const out: Record<PropertyKey, unknown> = { ...(change as Record<PropertyKey, unknown>) };
  for (const k of keys) if (change[k] === undefined) out[k] = before[k];
  return out as Omit<C, K> & { [k in K]-?: Exclude<C[k], undefined> | B[k] };
}

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
