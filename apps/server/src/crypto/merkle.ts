import { sha256 } from "./hash.js";

/**
 * A Merkle tree hash over a list of leaves and the inclusion proof of one leaf, as RFC 9162 (Certificate
 * Transparency 2.0, section 2.1) defines them: a leaf hashes as SHA-256(0x00 ‖ data), an inner node as
 * SHA-256(0x01 ‖ left ‖ right), and a list of n > 1 leaves splits at the largest power of two below n. The batch
 * receipt (docs/federation.md §3.1) signs the root of the tree over its items; each item's proof is its index,
 * the tree size and the audit path, checked with `verifyInclusion` (RFC 9162 §2.1.3.2).
 */

const LEAF = Buffer.from([0]);
const NODE = Buffer.from([1]);

export const leafHash = (data: Uint8Array | string): Buffer => sha256(LEAF, data);
const nodeHash = (left: Buffer, right: Buffer): Buffer => sha256(NODE, left, right);

/** The largest power of two smaller than n (n > 1). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH of leaf hashes [lo, hi). */
function rootOf(leaves: Buffer[], lo: number, hi: number): Buffer {
  const n = hi - lo;
  if (n === 1) return leaves[lo];
  const k = split(n);
  return nodeHash(rootOf(leaves, lo, lo + k), rootOf(leaves, lo + k, hi));
}

/** The tree over `leaves` (leaf hashes): its root and every leaf's audit path, in one pass (O(n log n)). */
export function merkleTree(leaves: Buffer[]): { root: Buffer; paths: Buffer[][] } {
  if (!leaves.length) throw new Error("a Merkle tree needs at least one leaf");
  const paths: Buffer[][] = leaves.map(() => []);
  // Builds [lo, hi) and appends the sibling subtree's hash to the path of every leaf below it, deepest first.
  const build = (lo: number, hi: number): Buffer => {
    const n = hi - lo;
    if (n === 1) return leaves[lo];
    const k = split(n);
    const left = build(lo, lo + k);
    const right = build(lo + k, hi);
    for (let i = lo; i < lo + k; i++) paths[i].push(right);
    for (let i = lo + k; i < hi; i++) paths[i].push(left);
    return nodeHash(left, right);
  };
  const root = build(0, leaves.length);
  return { root, paths };
}

/** The root of the tree over `leaves` (leaf hashes). */
export function merkleRoot(leaves: Buffer[]): Buffer {
  if (!leaves.length) throw new Error("a Merkle tree needs at least one leaf");
  return rootOf(leaves, 0, leaves.length);
}

/**
 * RFC 9162 §2.1.3.2: whether `leaf` (a leaf hash) is at `index` of a tree of `size` leaves whose root is `root`,
 * by the audit `path`.
 */
export function verifyInclusion(
  leaf: Buffer,
  index: number,
  size: number,
  path: Buffer[],
  root: Buffer,
): boolean {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of path) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.equals(root);
}
