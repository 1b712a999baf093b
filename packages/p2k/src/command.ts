/**
 * A mount command's life (rump_ffs, rump_ext2fs, rump_tmpfs, `fsu mount`):
 * detach like fuse2fs unless told to stay in the foreground, serve until
 * unmounted, and turn every way of ending into a clean one.
 *
 * Detaching: a Node process cannot fork, so the command starts a copy of
 * itself in the foreground, in a session of its own, with a pipe on fd 3
 * (P2K_READY_FD). That copy opens the image, mounts, and writes "ok" — or
 * the error — to the pipe; the first process prints the error or nothing
 * and exits 0 only once the mount is in place. The copy's stdin and stdout
 * are /dev/null; its stderr too, unless it is a terminal.
 *
 * Signals: SIGINT, SIGTERM or SIGHUP unmount (lazily when the mount is
 * busy: it finishes when its last user lets go); a second one stops
 * serving at once (requests in flight fail) and still releases the file
 * system cleanly; a third exits. `fusermount3 -u` / umount end it the same
 * clean way. A kernel panic takes the mount down and is reported.
 */
import { spawn } from "node:child_process";
import { closeSync, writeSync } from "node:fs";
import { EBUSY, EIO, RumpError } from "@rump/syscalls";
import { p2kAddon } from "./native.js";
import { P2kMountError, type P2kMount } from "./serve.js";

export interface MountCommand {
  /** message prefix: "rump_ffs", "fsu mount" */
  prog: string;
  /** stay in the foreground */
  foreground: boolean;
  /** the arguments (after node's) that run this command again in the foreground */
  respawnArgs: readonly string[];
  /** cheap checks made before detaching, so that their errors come at once (mount point, image) */
  check?(): void;
  /** mount (in the process that serves) */
  start(): P2kMount;
  /** wait for the end (default: the mount's `closed`); a panic rejects */
  wait?(m: P2kMount): Promise<unknown>;
  /** where messages go (default stderr) */
  log?: (line: string) => void;
}

const READY_ENV = "P2K_READY_FD";

interface WireError {
  errno: number;
  syscall: string;
  path?: string;
  reason?: string;
  message: string;
}

function toWire(e: unknown): WireError {
  if (e instanceof RumpError)
    return {
      errno: e.errno,
      syscall: e.syscall,
      ...(e.path !== undefined ? { path: e.path } : {}),
      reason: (e as { reason?: string }).reason ?? "",
      message: e.message,
    };
  return { errno: EIO, syscall: "mount", message: e instanceof Error ? e.message : String(e) };
}

function fromWire(w: WireError): Error {
  if (w.reason !== undefined) return new P2kMountError(w.errno, w.syscall, w.path ?? "", w.reason);
  return new Error(w.message);
}

/** In a detached copy: tell the first process how the mount went. */
function report(fd: number, line: string): void {
  try {
    writeSync(fd, line + "\n");
    closeSync(fd);
  } catch {
    // the first process is gone; nobody to tell
  }
}

/** Start the detached copy and wait for its verdict. */
function detach(c: MountCommand): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, ...c.respawnArgs], {
      detached: true,
      stdio: ["ignore", "ignore", process.stderr.isTTY ? "inherit" : "ignore", "pipe"],
      env: { ...process.env, [READY_ENV]: "3" },
    });
    let text = "";
    let settled = false;
    const pipe = child.stdio[3] as NodeJS.ReadableStream;
    pipe.setEncoding("utf8");
    pipe.on("data", (d: string) => {
      text += d;
      const nl = text.indexOf("\n");
      if (nl < 0 || settled) return;
      settled = true;
      const line = text.slice(0, nl);
      if (line === "ok") {
        child.unref();
        (pipe as unknown as { destroy(): void }).destroy();
        resolve();
      } else {
        let err: Error;
        try {
          err = fromWire(JSON.parse(line.replace(/^err /, "")) as WireError);
        } catch {
          err = new Error(line);
        }
        reject(err);
      }
    });
    child.on("error", (e) => {
      if (!settled) {
        settled = true;
        reject(e);
      }
    });
    child.on("exit", (code, signal) => {
      if (!settled) {
        settled = true;
        reject(
          new P2kMountError(
            EIO,
            "mount",
            "",
            `the serving process ended (${signal ?? `exit ${code}`}) before mounting`,
          ),
        );
      }
    });
  });
}

/**
 * Run a mount command: detach (unless foreground), mount, serve until
 * unmounted. Resolves when the file system is released cleanly; rejects
 * with the mount's error, or with EIO naming the panic.
 */
export async function runMountCommand(c: MountCommand): Promise<void> {
  const readyFd = process.env[READY_ENV] === undefined ? -1 : Number(process.env[READY_ENV]);
  if (readyFd < 0) {
    p2kAddon("mount");
    c.check?.();
  }
  if (!c.foreground && readyFd < 0) return detach(c);
  const log = c.log ?? ((l: string) => void process.stderr.write(l + "\n"));
  let m: P2kMount;
  try {
    m = c.start();
  } catch (e) {
    if (readyFd >= 0) report(readyFd, "err " + JSON.stringify(toWire(e)));
    throw e;
  }
  if (readyFd >= 0) {
    report(readyFd, "ok");
    delete process.env[READY_ENV];
    // a daemon keeps no directory busy (everything it uses is an absolute path by now)
    process.chdir("/");
  }
  // the mount owns the signals now (fsu's own Ctrl-C handling would end the process)
  const saved = new Map<NodeJS.Signals, NodeJS.SignalsListener[]>();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    signals++;
    if (signals === 1) {
      m.unmount().catch((e: unknown) => {
        if (e instanceof RumpError && e.errno === EBUSY) {
          log(
            `${c.prog}: ${m.mountpoint} is busy: detached; serving until its last user lets go (${sig} again to stop now)`,
          );
          m.unmount({ lazy: true }).catch((e2: unknown) =>
            log(`${c.prog}: ${(e2 as Error).message}`),
          );
        } else {
          log(`${c.prog}: ${(e as Error).message}; stopping`);
          m.abandon();
        }
      });
    } else if (signals === 2) {
      log(`${c.prog}: stopping now; requests in flight fail`);
      m.abandon();
    } else process.exit(130);
  };
  const sigs: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
  for (const s of sigs) {
    saved.set(s, process.listeners(s) as NodeJS.SignalsListener[]);
    process.removeAllListeners(s);
    process.on(s, onSignal);
  }
  try {
    await (c.wait
      ? c.wait(m)
      : m.closed.then((end) => {
          if (end.panic !== null) throw end.panic;
        }));
  } catch (e) {
    if (e instanceof Error && e.name === "RumpPanic")
      throw new P2kMountError(
        EIO,
        "serve",
        m.mountpoint,
        `kernel ${e.message}; ${m.mountpoint} was unmounted (check the image with fsck before using it again)`,
      );
    throw e;
  } finally {
    for (const s of sigs) {
      process.removeListener(s, onSignal);
      for (const l of saved.get(s) ?? []) process.on(s, l);
    }
  }
}
