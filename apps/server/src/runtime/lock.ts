import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import path from "node:path";

/**
 * PGlite lets one process open a data directory. This lock file says which
 * process has it and at which URL it serves, so CLI commands can talk to it.
 */
export interface LockInfo {
  pid: number;
  url: string | null;
  startedAt: string;
}

export const lockPath = (dataDir: string) => path.join(dataDir, "node.lock");
export const controlTokenPath = (dataDir: string) => path.join(dataDir, "control.token");

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The live holder of the data directory, if any (a stale lock of a dead process is ignored). */
export function readLock(dataDir: string): LockInfo | null {
  try {
    const info = JSON.parse(readFileSync(lockPath(dataDir), "utf8")) as LockInfo;
    return alive(info.pid) && info.pid !== process.pid ? info : null;
  } catch {
    return null;
  }
}

export class DataDirBusyError extends Error {
  constructor(readonly holder: LockInfo) {
    super(
      `The data directory is in use by Crossline process ${holder.pid}${holder.url ? ` serving ${holder.url}` : ""}.`,
    );
  }
}

/** Takes the lock or throws DataDirBusyError. Returns a function that updates the URL, and one that releases. */
export function acquireLock(dataDir: string) {
  mkdirSync(dataDir, { recursive: true });
  const holder = readLock(dataDir);
  if (holder) throw new DataDirBusyError(holder);
  rmSync(lockPath(dataDir), { force: true });
  const write = (url: string | null) => {
    const fd = openSync(lockPath(dataDir), "w", 0o600);
    writeSync(
      fd,
      JSON.stringify({ pid: process.pid, url, startedAt: new Date().toISOString() } satisfies LockInfo),
    );
    closeSync(fd);
  };
  // "wx" fails if another process created the file between our check and now.
  closeSync(openSync(lockPath(dataDir), "wx", 0o600));
  write(null);
  return {
    setUrl: write,
    release: () => {
      const current = (() => {
        try {
          return JSON.parse(readFileSync(lockPath(dataDir), "utf8")) as LockInfo;
        } catch {
          return null;
        }
      })();
      if (current?.pid === process.pid) rmSync(lockPath(dataDir), { force: true });
    },
  };
}
