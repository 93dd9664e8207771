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
