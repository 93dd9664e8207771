import { describe, expect, it } from "vitest";
import {
  CreateAssetBody,
  fromMinor,
  issueText,
  precisionIssue,
  precisionOf,
  STAGE_RANK,
  toMinor,
} from "../src/index.js";

describe("asset amounts: ISO 4217 minor units and crypto precision", () => {
  it("knows the minor units of ISO 4217 (not CLDR's display digits) and of crypto-assets", () => {
    expect(precisionOf("CNY")).toBe(2);
    expect(precisionOf("USD")).toBe(2);
    expect(precisionOf("JPY")).toBe(0);
    expect(precisionOf("KWD")).toBe(3);
    expect(precisionOf("CLF")).toBe(4);
    // CLDR shows IDR and HUF without decimals; ISO 4217 gives them 2.
    expect(precisionOf("IDR")).toBe(2);
    expect(precisionOf("HUF")).toBe(2);
    expect(precisionOf("BTC")).toBe(8);
    expect(precisionOf("ETH")).toBe(18);
    expect(precisionOf("XYZ")).toBeUndefined();
  });

  it("converts exactly between decimal amounts and minor units, beyond 2^53", () => {
    expect(toMinor("12.5", 2)).toBe("1250");
    expect(toMinor("0.05", 2)).toBe("5");
    expect(toMinor("0", 2)).toBe("0");
    expect(toMinor("100", 0)).toBe("100");
    expect(toMinor("123456789.123456789012345678", 18)).toBe("123456789123456789012345678");
    expect(fromMinor("1250", 2)).toBe("12.50");
    expect(fromMinor("5", 2)).toBe("0.05");
    expect(fromMinor("1", 18)).toBe("0.000000000000000001");
    expect(fromMinor("100", 0)).toBe("100");
  });

  it("names the precision an amount exceeds", () => {
    const cny = precisionIssue("10.123", "CNY");
    expect(cny?.issue).toBe("CNY has 2 decimal places: 10.123 has 3");
    // A message key with its parameters: Chinese fills its own template.
    expect(cny && issueText(cny, "zh-CN")).toBe("CNY 最多有 2 位小数：10.123 有 3 位");
    expect(precisionIssue("10.12", "CNY")).toBeNull();
    expect(precisionIssue("0.000000001", "BTC")?.issue).toContain("BTC has 8 decimal places");
    expect(precisionIssue("10.5", "JPY")?.issue).toBe("JPY has 0 decimal places: 10.5 has 1");
  });

  it("checks the value against its currency in the body schema, naming the field", () => {
    const body = {
      kind: "cash",
      description: { lang: "en", text: "x" },
      jurisdiction: "CN",
      currency: "cny",
      value: "1.001",
      fugitiveIds: ["0190a0c0-0000-7000-8000-000000000000"],
      identifiedOn: "2016-01-01",
      identifiedBy: "x",
      legalBasis: { instrument: "uncac" },
    };
    const r = CreateAssetBody.safeParse(body);
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path.join("."))).toEqual(["value"]);
    expect(CreateAssetBody.safeParse({ ...body, value: "1.00" }).data?.currency).toBe("CNY");
  });

  it("orders the stages; a release ranks with a return", () => {
    expect(STAGE_RANK.identified < STAGE_RANK.traced).toBe(true);
    expect(STAGE_RANK.frozen < STAGE_RANK.seized).toBe(true);
    expect(STAGE_RANK.confiscated < STAGE_RANK.returned).toBe(true);
    expect(STAGE_RANK.released).toBe(STAGE_RANK.returned);
  });
});
