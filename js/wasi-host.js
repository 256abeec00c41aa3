// The few WASI preview1 calls the rolegate CLI makes (files, standard streams, args,
// environment, clocks, randomness, exit), over node:fs's synchronous calls. Node 20's own
// node:wasi corrupts its heap once the program's memory has grown by some megabytes
// (seen here: any input over a few MB crashed it), so `npx rolegate` brings its own.
// `/` is the one preopened directory; the program resolves relative paths against the
// working directory it is told (ROLEGATE_CWD), as a native program would.
import { closeSync, constants, fstatSync, openSync, readSync, statSync, lstatSync, writeSync } from "node:fs";
import { randomFillSync } from "node:crypto";

const ERRNO = { EACCES: 2, EAGAIN: 6, EBADF: 8, EEXIST: 20, EINVAL: 28, EIO: 29, EISDIR: 31, ELOOP: 32, EMFILE: 33, ENAMETOOLONG: 37, ENOENT: 44, ENOSPC: 51, ENOTDIR: 54, EPERM: 63, EPIPE: 64, EROFS: 69 };
const [SUCCESS, BADF] = [0, ERRNO.EBADF];
const PREOPEN = 3;
const RIGHT_READ = 1n << 1n;
const RIGHT_WRITE = 1n << 6n;
const [O_CREAT, O_DIRECTORY, O_EXCL, O_TRUNC] = [1, 2, 4, 8];
const FDFLAG_APPEND = 1;

/** The proc_exit of the program, thrown to unwind it. */
class Exit {
  constructor(code) {
    this.code = code;
  }
}

const errno = (error) => ERRNO[error?.code] ?? ERRNO.EIO;

function filetype(stats) {
  if (stats.isBlockDevice()) return 1;
  if (stats.isCharacterDevice()) return 2;
  if (stats.isDirectory()) return 3;
  if (stats.isFile()) return 4;
  if (stats.isSocket()) return 6;
  if (stats.isSymbolicLink()) return 7;
  return 0;
}

/** Runs the WASI command `module` with `args` and `env`; returns its exit code. */
export function runCommand(module, args, env) {
  let memory = null;
  const fds = new Map([
    [0, 0],
    [1, 1],
    [2, 2],
  ]);
  let nextFd = PREOPEN + 1;
  const view = () => new DataView(memory.buffer);
  const bytes = (ptr, len) => new Uint8Array(memory.buffer, ptr, len);
  const text = (ptr, len) => new TextDecoder().decode(bytes(ptr, len));
  const encoder = new TextEncoder();

  function writeStrings(strings, ptrs, buf) {
    const v = view();
    for (const s of strings) {
      v.setUint32(ptrs, buf, true);
      ptrs += 4;
      const encoded = encoder.encode(s);
      bytes(buf, encoded.length + 1).set([...encoded, 0]);
      buf += encoded.length + 1;
    }
    return SUCCESS;
  }
  function writeSizes(strings, countPtr, sizePtr) {
    const v = view();
    v.setUint32(countPtr, strings.length, true);
    v.setUint32(sizePtr, strings.reduce((n, s) => n + encoder.encode(s).length + 1, 0), true);
    return SUCCESS;
  }
  function writeFilestat(ptr, stats) {
    const v = view();
    v.setBigUint64(ptr, BigInt(stats.dev), true);
    v.setBigUint64(ptr + 8, BigInt(stats.ino), true);
    v.setUint8(ptr + 16, filetype(stats));
    v.setBigUint64(ptr + 24, BigInt(stats.nlink), true);
    v.setBigUint64(ptr + 32, BigInt(stats.size), true);
    for (const [at, ms] of [[40, stats.atimeMs], [48, stats.mtimeMs], [56, stats.ctimeMs]]) v.setBigUint64(ptr + at, BigInt(Math.trunc(ms)) * 1000000n, true);
    return SUCCESS;
  }
  const real = (fd) => fds.get(fd);
  /** The `i`th (buffer, length) of the iovec array at `iovs`. */
  const iovec = (iovs, i) => {
    const v = view();
    return [v.getUint32(iovs + i * 8, true), v.getUint32(iovs + i * 8 + 4, true)];
  };
  // Every call answers an errno rather than throwing into the program.
  const guarded = (call) =>
    (...argv) => {
      try {
        return call(...argv);
      } catch (error) {
        if (error instanceof Exit) throw error;
        return errno(error);
      }
    };
  // Reads and writes retry while a non-blocking stream is not ready.
  function retrying(io) {
    for (;;) {
      try {
        return io();
      } catch (error) {
        if (error?.code !== "EAGAIN") throw error;
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
      }
    }
  }

  const wasi = {
    args_sizes_get: (countPtr, sizePtr) => writeSizes(args, countPtr, sizePtr),
    args_get: (ptrs, buf) => writeStrings(args, ptrs, buf),
    environ_sizes_get: (countPtr, sizePtr) => writeSizes(env, countPtr, sizePtr),
    environ_get: (ptrs, buf) => writeStrings(env, ptrs, buf),
    clock_time_get: guarded((id, _precision, ptr) => {
      const ns = id === 0 ? BigInt(Date.now()) * 1000000n : process.hrtime.bigint();
      view().setBigUint64(ptr, ns, true);
      return SUCCESS;
    }),
    random_get: guarded((ptr, len) => {
      randomFillSync(bytes(ptr, len));
      return SUCCESS;
    }),
    fd_prestat_get: (fd, ptr) => {
      if (fd !== PREOPEN) return BADF;
      view().setUint8(ptr, 0);
      view().setUint32(ptr + 4, 1, true);
      return SUCCESS;
    },
    fd_prestat_dir_name: (fd, ptr, len) => {
      if (fd !== PREOPEN || len < 1) return BADF;
      bytes(ptr, 1)[0] = 0x2f; // "/"
      return SUCCESS;
    },
    fd_fdstat_get: guarded((fd, ptr) => {
      let type = 3;
      if (fd !== PREOPEN) {
        if (!fds.has(fd)) return BADF;
        type = filetype(fstatSync(real(fd)));
      }
      const v = view();
      v.setUint8(ptr, type);
      v.setUint16(ptr + 2, 0, true);
      v.setBigUint64(ptr + 8, 0xffffffffffffffffn, true);
      v.setBigUint64(ptr + 16, 0xffffffffffffffffn, true);
      return SUCCESS;
    }),
    fd_filestat_get: guarded((fd, ptr) => {
      if (fd === PREOPEN) return writeFilestat(ptr, statSync("/"));
      if (!fds.has(fd)) return BADF;
      return writeFilestat(ptr, fstatSync(real(fd)));
    }),
    path_filestat_get: guarded((fd, flags, pathPtr, pathLen, ptr) => {
      if (fd !== PREOPEN) return BADF;
      const path = "/" + text(pathPtr, pathLen);
      return writeFilestat(ptr, flags & 1 ? statSync(path) : lstatSync(path));
    }),
    path_open: guarded((fd, _dirflags, pathPtr, pathLen, oflags, rights, _inheriting, fdflags, fdPtr) => {
      if (fd !== PREOPEN) return BADF;
      const path = "/" + text(pathPtr, pathLen);
      const [read, write] = [(rights & RIGHT_READ) !== 0n, (rights & RIGHT_WRITE) !== 0n];
      let flags = write ? (read ? constants.O_RDWR : constants.O_WRONLY) : constants.O_RDONLY;
      if (oflags & O_CREAT) flags |= constants.O_CREAT;
      if (oflags & O_EXCL) flags |= constants.O_EXCL;
      if (oflags & O_TRUNC) flags |= constants.O_TRUNC;
      if (oflags & O_DIRECTORY) flags |= constants.O_DIRECTORY;
      if (fdflags & FDFLAG_APPEND) flags |= constants.O_APPEND;
      const opened = openSync(path, flags, 0o666);
      const mine = nextFd++;
      fds.set(mine, opened);
      view().setUint32(fdPtr, mine, true);
      return SUCCESS;
    }),
    fd_read: guarded((fd, iovs, count, nreadPtr) => {
      if (!fds.has(fd)) return BADF;
      let total = 0;
      for (let i = 0; i < count; i++) {
        const [buf, len] = iovec(iovs, i);
        const n = retrying(() => readSync(real(fd), bytes(buf, len), 0, len, null));
        total += n;
        if (n < len) break;
      }
      view().setUint32(nreadPtr, total, true);
      return SUCCESS;
    }),
    fd_write: guarded((fd, iovs, count, nwrittenPtr) => {
      if (!fds.has(fd)) return BADF;
      let total = 0;
      for (let i = 0; i < count; i++) {
        const [buf, len] = iovec(iovs, i);
        for (let done = 0; done < len; ) done += retrying(() => writeSync(real(fd), bytes(buf + done, len - done)));
        total += len;
      }
      view().setUint32(nwrittenPtr, total, true);
      return SUCCESS;
    }),
    fd_close: guarded((fd) => {
      if (!fds.has(fd) || fd <= 2) return fd <= 2 && fds.has(fd) ? SUCCESS : BADF;
      closeSync(real(fd));
      fds.delete(fd);
      return SUCCESS;
    }),
    proc_exit: (code) => {
      throw new Exit(code);
    },
  };
  // Anything else the program might ask for is not supported.
  const imports = new Proxy(wasi, { get: (target, name) => target[name] ?? (() => 52) });
  const instance = new WebAssembly.Instance(module, { wasi_snapshot_preview1: imports });
  memory = instance.exports.memory;
  try {
    instance.exports._start();
    return 0;
  } catch (error) {
    if (error instanceof Exit) return error.code;
    throw error;
  } finally {
    for (const [fd, opened] of fds) if (fd > 2) closeSync(opened);
  }
}

