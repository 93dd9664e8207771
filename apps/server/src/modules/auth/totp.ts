import { generateSecret, generateURI, verify } from "otplib";

export const newTotpSecret = () => generateSecret();

export async function totpEnrolment(secret: string, issuer: string, label: string) {
  const otpauthUrl = generateURI({ issuer, label, secret });
  // qrcode is loaded by the first enrolment, not with the server.
  const { default: QRCode } = await import("qrcode");
  const qrDataUrl = await QRCode.toDataURL(otpauthUrl, { margin: 1, width: 220 });
  return { secret, otpauthUrl, qrDataUrl };
}

/**
 * Checks a code allowing one 30 s step of clock drift either way, and refuses a
 * step at or before `lastStep` so a code cannot be replayed.
 */
export async function checkTotp(
  secret: string,
  code: string,
  nowMs: number,
  lastStep: number | null,
): Promise<{ ok: true; step: number } | { ok: false }> {
  const r = await verify({
    secret,
    token: code,
    epoch: Math.floor(nowMs / 1000),
    epochTolerance: 30,
    ...(lastStep !== null ? { afterTimeStep: lastStep } : {}),
  });
  return r.valid ? { ok: true, step: (r as { timeStep: number }).timeStep } : { ok: false };
}
