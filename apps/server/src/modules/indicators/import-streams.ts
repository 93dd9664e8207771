import { issue, type KeyedIssue } from "@crossline/schemas";

/**
 * Streaming readers for bulk imports: a file of any size passes through in chunks, never whole in memory.
 *
 * - `csvRecords`: RFC 4180 CSV (quoted fields, doubled quotes, CRLF or LF), record by record with the line
 *   number it starts on; a quoted field may span lines up to MAX_RECORD characters.
 * - `stixBundleObjects`: the elements of a STIX bundle's top-level `objects` array, one JSON text at a time,
 *   found by a small tokenizer that tracks strings and nesting (no JSON library holds the whole bundle).
 */

const MAX_RECORD = 64 * 1024;

export type CsvRecord = { line: number; fields: string[] } | { line: number; error: string };

/** Splits one record's text into fields; null when a quote is still open (the record goes on next line). */
function splitCsv(text: string): string[] | null {
  if (!text.includes('"')) return text.split(",");
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (text[i] === '"') {
      let v = "";
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) return null;
        v += text.slice(i, q);
        if (text[q + 1] === '"') {
          v += '"';
          i = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      out.push(v);
      if (i >= text.length) return out;
      if (text[i] !== ",") {
        // Text after a closing quote: keep it (lenient, like most spreadsheets), up to the next comma.
        const c = text.indexOf(",", i);
        out[out.length - 1] += c < 0 ? text.slice(i) : text.slice(i, c);
        if (c < 0) return out;
        i = c;
      }
      i++;
      if (i === text.length) {
        out.push("");
        return out;
      }
    } else {
      const c = text.indexOf(",", i);
      if (c < 0) {
        out.push(text.slice(i));
        return out;
      }
      out.push(text.slice(i, c));
      i = c + 1;
      if (i === text.length) {
        out.push("");
        return out;
      }
    }
  }
}

export async function* csvRecords(chunks: AsyncIterable<string | Buffer>): AsyncGenerator<CsvRecord> {
  const decoder = new TextDecoder("utf-8", { fatal: false });
  let rest = "";
  let line = 0;
  let pending: { start: number; text: string } | null = null;
  function* take(raw: string): Generator<CsvRecord> {
    line++;
    const text0 = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (pending) {
      pending.text += `\n${text0}`;
    } else if (text0.trim() === "") {
      return;
    }
    const cur = pending ?? { start: line, text: text0 };
    const fields = splitCsv(cur.text);
    if (fields) {
      pending = null;
      yield { line: cur.start, fields };
    } else if (cur.text.length > MAX_RECORD) {
      pending = null;
      yield { line: cur.start, error: "a quoted field is not closed" };
    } else {
      pending = cur;
    }
  }
  for await (const chunk of chunks) {
    rest += typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
    let nl = rest.indexOf("\n");
    let from = 0;
    while (nl >= 0) {
      yield* take(rest.slice(from, nl));
      from = nl + 1;
      nl = rest.indexOf("\n", from);
    }
    rest = rest.slice(from);
  }
  rest += decoder.decode();
  if (rest.length) yield* take(rest);
  if (pending) yield { line: (pending as { start: number }).start, error: "a quoted field is not closed" };
}

export type BundleItem =
  | { index: number; text: string }
  /** A syntax fault: a fixed text, or a message key with parameters where it has parameters. */
  | { error: string | KeyedIssue; index: number | null }
  | { bundle: { type: unknown; id: unknown } };

/**
 * Yields each element of the top-level `objects` array as its JSON text, then `{ bundle }` with the bundle's
 * own `type` and `id` (they may come after the objects). A syntax error ends the stream with `{ error }`.
 */
export async function* stixBundleObjects(
  chunks: AsyncIterable<string | Buffer>,
  maxObjectChars = 16 * 1024 * 1024,
): AsyncGenerator<BundleItem> {
  const decoder = new TextDecoder("utf-8", { fatal: false });
  let depth = 0;
  let inString = false;
  let escaped = false;
  // The top-level key being read, its value's start, and whether we are inside `objects`.
  let keyBuf: string | null = null;
  let lastKey: string | null = null;
  let expectValueFor: string | null = null;
  let inObjects = false;
  let objStart = -1;
  let objParts: string[] = [];
  let objChars = 0;
  let index = 0;
  let scalarBuf: string | null = null;
  const top: Record<string, unknown> = {};
  let started = false;

  for await (const chunk of chunks) {
    const s = typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
    if (objStart >= 0) objStart = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s[i];
      if (inString) {
        if (escaped) escaped = false;
        else if (c === "\\") escaped = true;
        else if (c === '"') inString = false;
        if (keyBuf !== null) {
          if (inString) keyBuf += c;
        } else if (scalarBuf !== null) scalarBuf += c;
        continue;
      }
      if (c === " " || c === "\n" || c === "\r" || c === "\t") continue;
      if (!started) {
        if (c !== "{") {
          yield { error: "the file is not a JSON object (a STIX bundle starts with {)", index: null };
          return;
        }
        started = true;
        depth = 1;
        continue;
      }
      if (depth === 2 && inObjects && c !== "{" && c !== "," && c !== "]") {
        // An element of `objects` that is not an object (an array, a string, a number, true, false or null):
        // reported, not skipped.
        yield { error: issue("import.objectNotObject", { index }), index };
        return;
      }
      if (c === '"') {
        inString = true;
        if (depth === 1 && expectValueFor === null) keyBuf = "";
        else if (depth === 1 && expectValueFor !== null) scalarBuf = '"';
        continue;
      }
      if (keyBuf !== null) {
        // the key just closed; it is followed by ':'
        lastKey = JSON.parse(`"${keyBuf}"`) as string;
        keyBuf = null;
      }
      if (depth === 1 && c === ":") {
        expectValueFor = lastKey;
        continue;
      }
      if (depth === 1 && (c === "," || c === "}")) {
        if (scalarBuf !== null && expectValueFor !== null) {
          try {
            top[expectValueFor] = JSON.parse(scalarBuf);
          } catch {
            yield { error: issue("import.notValidJson", { member: expectValueFor }), index: null };
            return;
          }
        }
        scalarBuf = null;
        expectValueFor = null;
        if (c === "}") {
          depth = 0;
          yield { bundle: { type: top.type, id: top.id } };
          return;
        }
        continue;
      }
      if (depth === 1 && scalarBuf !== null) {
        scalarBuf += c;
        continue;
      }
      if (c === "{" || c === "[") {
        if (depth === 1) {
          if (expectValueFor === "objects" && c === "[") inObjects = true;
          expectValueFor = expectValueFor === "objects" ? null : expectValueFor;
        } else if (depth === 2 && inObjects) {
          objStart = i;
          objParts = [];
          objChars = 0;
        }
        depth++;
        continue;
      }
      if (c === "}" || c === "]") {
        depth--;
        if (depth === 2 && inObjects && objStart >= 0) {
          objParts.push(s.slice(objStart, i + 1));
          yield { index, text: objParts.join("") };
          index++;
          objStart = -1;
          objParts = [];
        } else if (depth === 1 && inObjects) {
          inObjects = false;
        }
        if (depth === 1) expectValueFor = null;
        if (depth < 1) {
          yield { error: "unbalanced brackets", index: null };
          return;
        }
        continue;
      }
      if (depth === 1 && expectValueFor !== null) scalarBuf = c;
    }
    if (objStart >= 0) {
      const part = s.slice(objStart);
      objParts.push(part);
      objChars += part.length;
      if (objChars > maxObjectChars) {
        yield { error: issue("import.objectTooLarge", { index, max: maxObjectChars }), index };
        return;
      }
    }
  }
  yield { error: started ? "the file ends inside the bundle" : "the file is empty", index: null };
}
