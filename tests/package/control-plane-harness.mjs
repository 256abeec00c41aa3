// Shared by the control-plane tests: the example staged with the packed tarball, a
// PostgreSQL server of the distribution's packages, and the service started on a port
// it picks (127.0.0.1 only).
import { execFileSync, spawn } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, root, tarball, work } from "./harness.mjs";

/** The example staged with the tarball as its rolegate; dependencies kept between runs. */
export function stageControlPlane() {
  // Test files may run at once: one stages at a time (a lock left by a killed run for
  // over ten minutes is taken over).
  const lock = join(work, "control-plane.lock");
  mkdirSync(work, { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if (error.code !== "EEXIST") throw error;
      if (Date.now() - statSync(lock).mtimeMs > 600000) rmSync(lock, { recursive: true, force: true });
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    return stage();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function stage() {
  const dir = join(work, "control-plane");
  const source = join(root, "examples", "control-plane");
  const lock = readFileSync(join(source, "package-lock.json"), "utf8");
  const stamp = join(dir, "node_modules", ".installed-lock");
  if (!(existsSync(stamp) && readFileSync(stamp, "utf8") === lock)) {
    rmSync(dir, { recursive: true, force: true });
    cpSync(source, dir, { recursive: true, filter: (src) => !/node_modules|\.data/.test(src) });
    execFileSync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: dir, stdio: "inherit" });
    writeFileSync(stamp, lock);
  }
  cpSync(source, dir, { recursive: true, filter: (src) => !/node_modules|\.data|package(-lock)?\.json$/.test(src) });
  // This run's package, installed over the one the lockfile names.
  execFileSync("npm", ["install", "--no-save", "--no-audit", "--no-fund", "--loglevel=error", tarball()], { cwd: dir, stdio: "inherit" });
  return dir;
}

/** A PostgreSQL server of the distribution's packages on 127.0.0.1, in a scratch directory. */
export async function startPostgres() {
  const versions = existsSync("/usr/lib/postgresql") ? readdirSync("/usr/lib/postgresql").sort() : [];
  if (versions.length === 0) throw new Error("no PostgreSQL server: run scripts/setup.sh");
  const bin = join("/usr/lib/postgresql", versions.at(-1), "bin");
  const data = mkdtempSync(join(tmpdir(), "rolegate-pg-"));
  chmodSync(data, 0o777);
  const asRoot = process.getuid?.() === 0;
  const run = (cmd, args) => execFileSync(asRoot ? "runuser" : join(bin, cmd), asRoot ? ["-u", "postgres", "--", join(bin, cmd), ...args] : args, { stdio: "pipe" });
  run("initdb", ["-D", join(data, "db"), "-U", "rolegate", "--auth=trust", "-E", "UTF8"]);
  const port = await freePort();
  run("pg_ctl", ["-D", join(data, "db"), "-l", join(data, "log"), "-w", "-o", `-c listen_addresses=127.0.0.1 -p ${port} -k ${data}`, "start"]);
  run("createdb", ["-h", "127.0.0.1", "-p", String(port), "-U", "rolegate", "controlplane"]);
  return {
    url: `postgres://rolegate@127.0.0.1:${port}/controlplane`,
    stop() {
      run("pg_ctl", ["-D", join(data, "db"), "-m", "fast", "-w", "stop"]);
      rmSync(data, { recursive: true, force: true });
    },
  };
}

/**
 * Starts the control plane; resolves to `{ url, stop }` once it listens. Its data go to a
 * scratch directory that `stop` removes, or to `env.DATA_DIR`, which is left as it is.
 */
export async function startControlPlane(dir, env = {}) {
  const owned = env.DATA_DIR === undefined;
  const dataDir = env.DATA_DIR ?? mkdtempSync(join(tmpdir(), "rolegate-cp-"));
  const child = spawn(process.execPath, ["server.mjs"], { cwd: dir, env: { ...process.env, DATA_DIR: dataDir, PORT: "0", SEED: join(root, "examples", "policies", "acme.json"), ...env }, stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.on("exit", (code) => reject(new Error(`the control plane exited with ${code}: ${out}`)));
  });
  return {
    url,
    dataDir,
    stop: () =>
      new Promise((resolve) => {
        child.once("exit", resolve);
        child.kill("SIGTERM");
      }).then(() => owned && rmSync(dataDir, { recursive: true, force: true })),
  };
}

