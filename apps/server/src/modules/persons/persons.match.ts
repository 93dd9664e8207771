import type { PersonName } from "@crossline/schemas";

/*
 * How a subject is recognised as a person already recorded. The same expressions are written in SQL in
 * the migration that moved the requests' subjects (drizzle/*_persons.sql), so a subject migrated then and
 * one drafted now get the same key: ASCII-only lower-casing (PostgreSQL's lower() depends on the database's
 * locale, JavaScript's does not) and runs of ASCII white space collapsed.
 */

const ASCII_WS = /[ \t\n\r]+/g;

export function normaliseName(s: string): string {
  return s
    .trim()
    .replace(ASCII_WS, " ")
    .replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/**
 * The main name (its original script) and the date of birth; null without a date of birth, because a
 * name alone (Zhang Wei, John Smith) is far too common to merge two people on.
 */
export function matchKeyOf(p: { names: PersonName[]; dateOfBirth?: string | null }): string | null {
  if (!p.dateOfBirth || p.names.length === 0) return null;
  return `${normaliseName(p.names[0].original)}|${p.dateOfBirth}`;
}

/** Every name form, normalised, one per line: what the list's search looks in. */
export function searchTextOf(p: { names: PersonName[]; aliases?: PersonName[] }): string {
  const all = [...p.names, ...(p.aliases ?? [])];
  return all
    .flatMap((n) => [n.original, n.romanised].filter((x): x is string => !!x))
    .map(normaliseName)
    .join("\n");
}

/** The same name (both forms) regardless of spacing and ASCII case. */
export function sameName(a: PersonName, b: PersonName): boolean {
  return (
    normaliseName(a.original) === normaliseName(b.original) &&
    normaliseName(a.romanised ?? "") === normaliseName(b.romanised ?? "")
  );
}
