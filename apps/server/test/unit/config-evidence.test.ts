import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";

/** How long an unsent evidence file waits before the fugitives worker removes it (docs/fugitives.md). */
describe("config: fugitiveEvidenceUnsentHours", () => {
  const env = {
    CROSSLINE_DATA_DIR: "/nonexistent-crossline-test",
    CROSSLINE_MASTER_KEY: Buffer.alloc(32, 7).toString("base64url"),
  };
  it("is 24 hours unless set, and set from CROSSLINE_FUGITIVE_EVIDENCE_UNSENT_HOURS", () => {
    expect(loadConfig(env).fugitiveEvidenceUnsentHours).toBe(24);
    expect(
      loadConfig({ ...env, CROSSLINE_FUGITIVE_EVIDENCE_UNSENT_HOURS: "72" }).fugitiveEvidenceUnsentHours,
    ).toBe(72);
  });
  it("refuses an age of zero or above 90 days, naming the setting", () => {
    for (const v of ["0", "2161", "soon"])
      expect(() => loadConfig({ ...env, CROSSLINE_FUGITIVE_EVIDENCE_UNSENT_HOURS: v })).toThrow(
        /CROSSLINE_FUGITIVE_EVIDENCE_UNSENT_HOURS/,
      );
    expect(() => loadConfig({ ...env, CROSSLINE_FUGITIVE_EVIDENCE_UNSENT_HOURS: "0" })).toThrow(ConfigError);
    // Only that setting is wrong: the same environment without it loads.
    expect(loadConfig(env).masterKey).toBeDefined();
  });
});
