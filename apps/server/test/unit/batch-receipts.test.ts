import { execFileSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { compactVerify, importJWK, type JWK } from "jose";
import { describe, expect, it } from "vitest";
import {
  type BatchItem,
  batchItemData,
  itemReceipt,
  signBatchReceipt,
  signReceipt,
  verifyBatchReceipt,
} from "../../src/crypto/envelope.js";
import { generateSigningKey } from "../../src/crypto/keys.js";
import { leafHash, merkleRoot, merkleTree, verifyInclusion } from "../../src/crypto/merkle.js";
import { evidenceOfAnswer, judgeReceipt } from "../../src/modules/federation/federation.receipts.js";
import { verifyKeptReceipt } from "../support/receipts.js";

// The Certificate Transparency reference leaves and tree heads (RFC 6962 / RFC 9162 test vectors, as
// transparency-dev/merkle publishes them in testonly/constants.go).
const CT_DATA = [
  "",
  "00",
  "10",
  "2021",
  "3031",
  "40414243",
  "5051525354555657",
  "606162636465666768696a6b6c6d6e6f",
].map((h) => Buffer.from(h, "hex"));
const CT_ROOTS = [
  "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
  "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
  "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
  "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
  "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
  "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
  "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];
const CT_INCLUSION = [
  {
    index: 0,
    path: [
      "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
  },
  {
    index: 5,
    path: [
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
  },
];

describe("the Merkle tree of a batch receipt (RFC 9162 §2.1)", () => {
  const leaves = CT_DATA.map((d) => leafHash(d));

  it("gives the reference tree heads and audit paths", () => {
    for (let n = 1; n <= leaves.length; n++) {
      expect(merkleRoot(leaves.slice(0, n)).toString("hex"), `size ${n}`).toBe(CT_ROOTS[n - 1]);
      expect(merkleTree(leaves.slice(0, n)).root.toString("hex")).toBe(CT_ROOTS[n - 1]);
    }
    const { paths } = merkleTree(leaves);
    for (const v of CT_INCLUSION) {
      expect(paths[v.index].map((h) => h.toString("hex"))).toEqual(v.path);
      const path = v.path.map((h) => Buffer.from(h, "hex"));
      expect(verifyInclusion(leaves[v.index], v.index, 8, path, Buffer.from(CT_ROOTS[7], "hex"))).toBe(true);
    }
  });

  it("every leaf's path verifies in trees of 1 to 40 leaves, and a wrong leaf, index or path does not", () => {
    const many = Array.from({ length: 40 }, (_, i) => leafHash(`item ${i}`));
    for (let n = 1; n <= many.length; n++) {
      const { root, paths } = merkleTree(many.slice(0, n));
      for (let i = 0; i < n; i++) {
        expect(verifyInclusion(many[i], i, n, paths[i], root), `${i} of ${n}`).toBe(true);
        expect(verifyInclusion(many[(i + 1) % 40], i, n, paths[i], root)).toBe(false);
        if (n > 1) {
          expect(verifyInclusion(many[i], (i + 1) % n, n, paths[i], root)).toBe(false);
          expect(verifyInclusion(many[i], i, n, paths[i].slice(1), root)).toBe(false);
          const bent = paths[i].map((h, k) => (k === 0 ? leafHash("another") : h));
          expect(verifyInclusion(many[i], i, n, bent, root)).toBe(false);
        }
      }
      expect(verifyInclusion(many[0], n, n, paths[0], root)).toBe(false);
      expect(verifyInclusion(many[0], -1, n, paths[0], root)).toBe(false);
    }
  });
});

const usSig = generateSigningKey();
const keys = [usSig.publicJwk];
const signer = { kid: usSig.kid, privateJwk: usSig.privateJwk };
const common = { sender: "US-DOJ", recipient: "CN-MPS", receivedAt: "2026-12-04T10:00:00.000Z" };
const msgId = (i: number) => `0190a0b0-0000-7000-8000-${String(i).padStart(12, "0")}`;
const items: BatchItem[] = Array.from({ length: 5 }, (_, i) => ({
  msgId: msgId(i + 1),
  seq: i + 1,
  status: i === 3 ? "rejected" : "accepted",
  ...(i === 3 ? { reason: "SCHEMA_INVALID" } : {}),
  envelopeSha256: String(i).repeat(64),
}));

describe("batch receipts (docs/federation.md §3.1)", () => {
  it("one EdDSA signature over the root, which jose verifies as a plain JWS; each item proves its own receipt", async () => {
    const { jws, paths } = await signBatchReceipt(common, items, signer);
    // the reference library reads it without knowing anything of Crossline
    const { payload, protectedHeader } = await compactVerify(
      jws,
      await importJWK(usSig.publicJwk as JWK, "EdDSA"),
    );
    expect(protectedHeader).toEqual({ alg: "EdDSA", kid: usSig.kid, typ: "crossline-batch-receipt+jws" });
    const claims = JSON.parse(new TextDecoder().decode(payload));
    expect(claims).toEqual({ ...common, count: 5, root: expect.stringMatching(/^[0-9a-f]{64}$/) });
    // the root is the RFC 9162 tree over the items' sorted-key JSON
    expect(claims.root).toBe(merkleRoot(items.map((i) => leafHash(batchItemData(i)))).toString("hex"));
    expect(batchItemData(items[3])).toBe(
      `{"envelopeSha256":"${"3".repeat(64)}","msgId":"${msgId(4)}","reason":"SCHEMA_INVALID","seq":4,"status":"rejected"}`,
    );
    const batch = await verifyBatchReceipt(jws, keys);
    items.forEach((item, i) => {
      expect(itemReceipt(batch, item, i, paths[i])).toEqual({
        ...common,
        msgId: item.msgId,
        seq: item.seq,
        status: item.status,
        ...(item.reason ? { reason: item.reason } : {}),
        envelopeSha256: item.envelopeSha256,
      });
    });
    // an item claimed at another index, or with another status, is not in the signed tree
    expect(() => itemReceipt(batch, items[1], 2, paths[1])).toThrow(/not in the signed batch receipt/);
    expect(() =>
      itemReceipt(batch, { ...items[3], status: "accepted", reason: undefined }, 3, paths[3]),
    ).toThrow(/not in the signed batch receipt/);
  });

  it("a kept proof verifies alone, as a third party would check it; so does a receipt per envelope", async () => {
    const { jws, paths } = await signBatchReceipt(common, items, signer);
    const kept = JSON.stringify({ batchReceipt: jws, index: 2, path: paths[2], item: items[2] });
    expect(await verifyKeptReceipt(kept, keys)).toMatchObject({
      msgId: msgId(3),
      seq: 3,
      status: "accepted",
    });
    const tampered = JSON.stringify({
      batchReceipt: jws,
      index: 2,
      path: paths[2],
      item: { ...items[2], seq: 9 },
    });
    await expect(verifyKeptReceipt(tampered, keys)).rejects.toThrow(/not in the signed batch receipt/);
    const single = await signReceipt({ ...common, ...items[0] }, signer);
    expect(await verifyKeptReceipt(single, keys)).toMatchObject({ msgId: msgId(1), status: "accepted" });
    // The same proofs checked by jwcrypto and hashlib alone (a third party's tools), and a tampered one refused.
    const script = path.join(
      path.dirname(fileURLToPath(import.meta.url)),
      "../support/py/verify_batch_receipt.py",
    );
    const proofs = items.map((item, i) =>
      JSON.stringify({ batchReceipt: jws, index: i, path: paths[i], item }),
    );
    const checked = JSON.parse(
      execFileSync("/usr/bin/python3", [script], {
        input: JSON.stringify({ keys, proofs: [...proofs, tampered] }),
      })
        .toString()
        .trim(),
    ) as { verified: boolean; included: boolean; receipt: Record<string, unknown> | null }[];
    expect(checked.map((c) => [c.verified, c.included])).toEqual([
      ...items.map(() => [true, true]),
      [true, false],
    ]);
    for (const [i, c] of checked.slice(0, items.length).entries()) {
      expect(c.receipt).toEqual({ ...common, ...items[i] });
      expect(c.receipt).toEqual(await verifyKeptReceipt(proofs[i], keys));
    }
    // another node's key proves nothing
    await expect(verifyKeptReceipt(kept, [generateSigningKey().publicJwk])).rejects.toMatchObject({
      code: "UNKNOWN_KEY",
    });
  });
});

describe("what the sender makes of an answer with a batch receipt", () => {
  const sent = items.map((i) => ({ msgId: i.msgId, seq: i.seq, envelopeSha256: i.envelopeSha256 }));
  const answerFor = async (over: (p: string[][]) => string[][] = (p) => p) => {
    const { jws, paths } = await signBatchReceipt(common, items, signer);
    const bent = over(paths);
    return {
      batchReceipt: jws,
      results: items.map((i, k) => ({
        status: i.status,
        ...(i.reason ? { reason: i.reason } : {}),
        proof: { index: k, path: bent[k] },
      })),
    };
  };

  it("delivers what was accepted, rejects what was refused for good, each row keeping its own proof", async () => {
    const answer = await answerFor();
    const evidence = await evidenceOfAnswer(sent, "CN-MPS", "US-DOJ", answer, keys);
    const verdicts = evidence.map(judgeReceipt);
    expect(verdicts.map((v) => v.status)).toEqual([
      "delivered",
      "delivered",
      "delivered",
      "rejected",
      "delivered",
    ]);
    expect(verdicts[3].reason).toBe("SCHEMA_INVALID");
    for (const [k, v] of verdicts.entries()) {
      const claims = await verifyKeptReceipt(v.receipt ?? "", keys);
      expect(claims).toMatchObject({
        msgId: sent[k].msgId,
        seq: sent[k].seq,
        envelopeSha256: sent[k].envelopeSha256,
      });
    }
  });

  it("an item that does not match the envelope sent at its index is retried, the others are not", async () => {
    const answer = await answerFor((p) => [p[0], p[2], p[1], p[3], p[4]]);
    const verdicts = (await evidenceOfAnswer(sent, "CN-MPS", "US-DOJ", answer, keys)).map(judgeReceipt);
    expect(verdicts.map((v) => v.status)).toEqual([
      "delivered",
      "pending",
      "pending",
      "rejected",
      "delivered",
    ]);
    expect(verdicts[1].error).toMatch(/receipt does not verify: .*not in the signed batch receipt/);
    // an answer claiming a status the receipt does not sign is not believed either
    const lying = await answerFor();
    lying.results[3] = { ...lying.results[3], status: "accepted", reason: undefined } as never;
    const v3 = (await evidenceOfAnswer(sent, "CN-MPS", "US-DOJ", lying, keys)).map(judgeReceipt)[3];
    expect(v3.status).toBe("pending");
  });

  it("a batch receipt whose signature does not verify leaves the whole batch to be retried", async () => {
    const answer = await answerFor();
    const [h, p, s] = answer.batchReceipt.split(".");
    const forged = { ...answer, batchReceipt: [h, p, `${s[0] === "A" ? "B" : "A"}${s.slice(1)}`].join(".") };
    const verdicts = (await evidenceOfAnswer(sent, "CN-MPS", "US-DOJ", forged, keys)).map(judgeReceipt);
    expect(
      verdicts.every((v) => v.status === "pending" && /BAD_SIGNATURE|signature/.test(v.error ?? "")),
    ).toBe(true);
    // signed by a key that is not the peer's: the same
    const other = generateSigningKey();
    const { jws } = await signBatchReceipt(common, items, { kid: other.kid, privateJwk: other.privateJwk });
    const stranger = (
      await evidenceOfAnswer(sent, "CN-MPS", "US-DOJ", { ...answer, batchReceipt: jws }, keys)
    ).map(judgeReceipt);
    expect(stranger.every((v) => v.status === "pending")).toBe(true);
  });
});
