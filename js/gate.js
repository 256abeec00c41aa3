// The public API of the rolegate package, the same in every runtime. The entry files
// (node.js, browser.js, workerd.js, deno.js) initialise the wasm and re-export this.
import { WasmGate, WasmTrust } from "./engine.js";
import { engineOptions, plainBytes, plainOptions, valid } from "./plain.js";
import { describe, rolegateError, typeError } from "./errors.js";
import { suggest, warnUnknown } from "./suggest.js";

/** Unknown names remembered (of each kind), at most; past this a set starts over. */
const MAX_UNKNOWN_NAMES = 50000;
/**
 * No snapshot name is longer than 256 UTF-8 bytes (src/snapshot/limits.rs), and a string
 * has at least as many UTF-8 bytes as UTF-16 units: a longer one is unknown, and is not
 * remembered, so the sets of unknown names stay bounded in bytes too.
 */
const MAX_NAME_LENGTH = 256;
/** Slots of the permission-set cache, and the words its interned sets may hold in all. */
const MAX_CACHE_SLOTS = 65536;
const MAX_CACHE_WORDS = 1 << 18;
/** A cache slot's set number takes its low REF_BITS; the number 0 is an empty slot. */
const REF_BITS = 20;
const REF_MASK = (1 << REF_BITS) - 1;
const MAX_SET_REF = REF_MASK;
/**
 * The bytes up to which the cache keeps a set number per key (subjects × scopes), by
 * index: 2^22 keys at a byte a key (a gate's sets are mostly fewer than 128), the size of
 * a snapshot of about 100,000 subjects; a table that would widen past them is dropped.
 */
const MAX_DIRECT_BYTES = 1 << 22;
/**
 * The bit above every set number in a direct table's entries (1, 2 or 4 bytes, see
 * Core.allocateDirect), set with the number of a set that needs the clock (see Core.check):
 * the top bit of 1 and 2 bytes, the one past MAX_SET_REF of 4 (every entry a small integer).
 */
const TIMED_BY_BYTES = [0, 0x80, 0x8000, 0, MAX_SET_REF + 1];

/** The bytes a direct-table entry takes for set numbers below `count` (see Core.allocateDirect). */
const directWidth = (count) => (count <= 0x80 ? 1 : count <= 0x8000 ? 2 : 4);
/** What the cache's arrays are until they are needed (never written: they hold nothing). */
const NO_WORDS = new Uint32Array(0);
const NO_TIMES = new Float64Array(0);
const NO_INDEX = new Int32Array(0);
/**
 * Names the shared answers of a gate's bindings may hold in all, an epoch (see
 * Core.answersOf); past this a new set's bindings answer on their slow path.
 */
const MAX_ANSWER_NAMES = 1 << 16;
/** Answers looked in, an epoch, to give them the names as callers spell them (see Core.respell). */
const MAX_RESPELLS = 1 << 20;
/** Checks that may reuse one reading of the default clock within a synchronous run. */
const CLOCK_REUSES = 1024;
/** Past the last time a JS Date can hold: an expiry this late is none. */
const NEVER = 8.64e15;

function checkString(value, what) {
  if (typeof value !== "string") throw typeError(`${what} must be a string, got ${describe(value)}`);
}

function checkScope(scope) {
  if (scope !== undefined && scope !== null && typeof scope !== "string") {
    throw typeError(`scope must be a string, null or undefined, got ${describe(scope)}`);
  }
}

/** Gates whose current snapshot was built by `applyDelta` (not loaded from its own bytes). */
const builtByDelta = new WeakSet();

/** The key under which a gate answers what a delta built it to (see `Gate`, `deltaBuild`). */
const DELTA_BUILD = Symbol.for("rolegate.deltaBuild");

/** Whether `error` is an error thrown by rolegate for bad or refused input. */
export function isRolegateError(error) {
  return error instanceof Error && typeof error.code === "string";
}

/** The time in ms; a throw or anything but a number becomes NaN, which denies (expired). */
function readClock(clock) {
  let t;
  try {
    t = clock.call(undefined);
  } catch {
    return NaN;
  }
  return typeof t === "number" ? t : NaN;
}

/**
 * Listeners of a gate's events, each run so that a throw stays inside it: Node ends the
 * process on a throw from an EventTarget listener, and a refresh in the background must
 * not stop a service. The error goes to `console.error`.
 */
const guarded = new WeakMap();

function guardedListener(listener) {
  if (typeof listener !== "function" && typeof listener?.handleEvent !== "function") return listener;
  let wrapper = guarded.get(listener);
  if (!wrapper) {
    wrapper = function (event) {
      try {
        return typeof listener === "function" ? listener.call(this, event) : listener.handleEvent(event);
      } catch (error) {
        console.error(`rolegate: a \`${event.type}\` listener threw:`, error);
      }
    };
    guarded.set(listener, wrapper);
  }
  return wrapper;
}

/** Whether the words at `at` in `words` hold permission id `p`. */
function hasBit(words, at, p) {
  return ((words[at + (p >>> 5)] >>> (p & 31)) & 1) === 1;
}

/** The state a gate and its bindings share: the wasm engine and the name → id maps. */
class Core {
  constructor(wasm, clock, target, defaultClock) {
    // Every field is made here, those a check reads first, with the types they keep:
    // V8 keeps in the object itself only as many fields as the constructor assigns (about),
    // and the rest one load further, in a separate array (a cache miss more a check when a
    // random stream goes through many gates). The values are index()'s to come.
    this.closed = false;
    this.permissionIds = this.scopeIds = this.subjectIds = null;
    this.direct = null;
    this.scopeCount = this.width = this.timed = 0;
    this.sets = this.slots = NO_WORDS;
    this.untils = NO_TIMES;
    this.mask = this.shift = this.size = 0;
    this.timeless = false;
    this.reuses = 0;
    this.lastTime = NaN;
    this.forgetQueued = false;
    this.forgetTime = () => {
      this.reuses = 0;
      this.forgetQueued = false;
    };
    this.engine = wasm;
    this.clock = clock;
    this.defaultClock = defaultClock;
    this.target = target;
    this.epoch = this.permissionCount = this.keyCount = this.slotLimit = this.setLimit = 0;
    this.catalog = this.scopeList = null;
    this.evictions = this.setCount = 0;
    this.setIndex = NO_INDEX;
    this.scratch = NO_WORDS;
    this.denyFrom = -Infinity;
    this.expiredSignalled = false;
    this.answers = new Map();
    this.answerNames = 0;
    this.denyAll = COLD;
    this.spelled = null;
    this.respells = 0;
    this.bytes = 0;
    this.index();
  }

  now() {
    return readClock(this.clock);
  }

  /**
   * The time for a check. With the default clock, one reading serves the checks of the
   * same synchronous run (it is dropped at the next microtask) up to CLOCK_REUSES of
   * them, so a page or a request that checks many times reads the clock about once
   * (`Date.now()` costs several times a cached check). Time seen by a check is then at
   * most one run of JS old (workerd's clock does not move within one anyway). A clock
   * passed in `options.clock` is read on every check: it may move, or fail.
   */
  checkTime() {
    if (this.reuses > 0) {
      this.reuses--;
      return this.lastTime;
    }
    if (!this.defaultClock) return readClock(this.clock);
    this.lastTime = readClock(this.clock);
    this.reuses = CLOCK_REUSES;
    if (!this.forgetQueued) {
      this.forgetQueued = true;
      queueMicrotask(this.forgetTime);
    }
    return this.lastTime;
  }

  /** Frees the engine's memory at once; afterwards checks deny and everything else throws `CLOSED`. */
  close() {
    if (this.closed) return;
    this.closed = true;
    this.denyFrom = -Infinity;
    this.settle();
    this.resize(0);
    this.epoch++;
    const engine = this.engine;
    this.engine = null;
    engine.free();
  }

  /** The wasm engine, or a `CLOSED` error once the gate is closed. */
  get wasm() {
    if (this.engine === null) throw rolegateError("CLOSED", "the gate is closed: create a new one with `Gate.load`");
    return this.engine;
  }

  /**
   * Empties the maps and the cache after a load or update (a new epoch). Names get their
   * ids from the engine the first time they are asked and are remembered from then on,
   * known or not, so a load builds no table of names and a gate holds only the names its
   * callers use; the whole catalog and scope list are read only when asked for.
   */
  index() {
    this.epoch++;
    const wasm = this.wasm;
    this.permissionIds = new Names(this, "permissionId", (id, name) => this.respell(id, name));
    this.scopeIds = new Names(this, "scopeId");
    this.subjectIds = new Names(this, "subjectId");
    this.catalog = null;
    this.scopeList = null;
    // A two-way cache of permission sets by (subject id, scope id): a bucket holds the
    // last two keys fetched there (one engine call that passes numbers only), so a caller
    // costs one engine call and every later check of it a bit test. The sets themselves
    // are interned (few distinct role combinations serve many callers), so a slot is a key
    // and a set number: 8 bytes, where a random stream's cost is the memory it touches.
    // The cache starts small (nothing is allocated by a load) and doubles while keys keep
    // evicting each other, up to MAX_CACHE_SLOTS and to twice the keys there are.
    this.permissionCount = wasm.permissionCount;
    this.width = Math.max(1, Math.ceil(this.permissionCount / 32));
    this.scopeCount = wasm.scopeCount;
    let limit = 16;
    this.keyCount = wasm.subjectCount * Math.max(1, this.scopeCount);
    while (limit < MAX_CACHE_SLOTS && limit < this.keyCount * 2) limit *= 2;
    this.slotLimit = limit;
    this.setLimit = Math.min(MAX_SET_REF, Math.floor(MAX_CACHE_WORDS / this.width));
    this.resize(0);
    this.denyFrom = wasm.denyFrom;
    this.expiredSignalled = false;
    this.settle();
  }

  /**
   * Resizes the cache to `size` slots (0: unallocated until the first fill), keeping what
   * it holds when it grows; a resize to 0 (a load, an update, a close) drops every set.
   * A slot is two words: the key + 1's low 32 bits, then its high bits (a key is below
   * 2^44: MAX_SUBJECTS × MAX_SCOPES) above the number of its set (20 bits; 0 is an empty
   * slot). A bucket's two slots are 16 bytes side by side: one cache line.
   */
  resize(size) {
    const old = size > 0 ? this.slots : null;
    const buckets = size >> 1;
    this.mask = Math.max(0, buckets - 1);
    this.shift = buckets > 1 ? 32 - Math.log2(buckets) : 31;
    this.size = size;
    this.slots = size > 0 ? new Uint32Array(size * 2) : NO_WORDS;
    if (size === 0) this.forgetSets();
    // Evictions since the last resize; past a quarter of the size, the cache doubles.
    this.evictions = 0;
    if (old === null) return;
    // Doubling splits bucket i into 2i and 2i + 1 (the hash's top bits): two slots at most each.
    for (let o = 0; o < old.length; o += 2) {
      if (old[o + 1] === 0) continue;
      let at = this.bucketOf(old[o], old[o + 1] >>> REF_BITS) << 2;
      if (this.slots[at + 1] !== 0) at += 2;
      this.slots[at] = old[o];
      this.slots[at + 1] = old[o + 1];
    }
  }

  /** The bucket of a key + 1 given as its low 32 bits and its high bits. */
  bucketOf(lo, hi) {
    return ((Math.imul(lo, 0x9e3779b1) ^ Math.imul(hi, 0x85ebca6b)) >>> this.shift) & this.mask;
  }

  /** Drops the interned sets (set 0 is none, so set numbers start at 1) and the keys' numbers. */
  forgetSets() {
    this.direct = null;
    this.timed = TIMED_BY_BYTES[1];
    // Allocated at the first set (Core.intern): a gate never asked holds none of it.
    this.sets = NO_WORDS;
    this.untils = NO_TIMES;
    this.setCount = 1;
    this.setIndex = NO_INDEX;
    // Answers are by set number: they go with the numbers.
    this.forgetAnswers();
  }

  /**
   * Sets `timeless`: whether nothing can expire while the default clock runs (the
   * snapshot has no expiry and the clock is `Date.now`; a caller's clock is always read,
   * since it may move, or fail). The bindings' answers of the last epoch stop serving.
   */
  settle() {
    this.timeless = this.defaultClock && this.denyFrom > NEVER && !this.closed;
    this.forgetAnswers();
    this.denyAll.expire();
    this.denyAll = this.closed ? COLD : new Answers(new Uint32Array(this.width), true);
    this.spelled = null;
    this.respells = MAX_RESPELLS;
  }

  /**
   * The answers bindings share on interned set `ref` (see Binding), made the first time a
   * binding needs them and kept until the sets are dropped (forgetSets) or the snapshot
   * changes (settle), when they stop serving at once; COLD where nothing may skip the
   * clock or the gate's answers would hold more than MAX_ANSWER_NAMES names.
   */
  answersOf(ref) {
    const held = this.answers.get(ref);
    if (held !== undefined) return held;
    if (!this.timeless || !(this.untils[ref] > NEVER)) return COLD;
    const words = this.wordsOf(ref);
    let count = 0;
    for (const word of words) for (let w = word; w !== 0; w &= w - 1) count++;
    if (this.answerNames + count > MAX_ANSWER_NAMES) return COLD;
    this.answerNames += count;
    const answers = new Answers(words, true);
    const spelled = this.spellings();
    for (let id = 0; id < spelled.length; id++) if (hasBit(words, 0, id)) answers.add(spelled[id]);
    this.answers.set(ref, answers);
    return answers;
  }

  /** A copy of interned set `ref`'s words (the core's arrays move as they grow). */
  wordsOf(ref) {
    return this.sets.slice(ref * this.width, (ref + 1) * this.width);
  }

  /**
   * The names answers hold, by id: as a caller spelled them once the name map has seen
   * them (see respell), the catalog's internalized copies before. A string compares by
   * identity with itself and with an internalized string of its text (a literal is one),
   * and by content with any other: a tenth of a lookup's time.
   */
  spellings() {
    if (this.spelled !== null) return this.spelled;
    const spelled = this.permissionNames().map(internalized);
    for (const [name, id] of this.permissionIds) spelled[id] = name;
    return (this.spelled = spelled);
  }

  /**
   * The name map has learned `name` for permission id `id` (once an epoch: it then knows
   * the text): answers hold that string from now on. Which of two equal strings a Set
   * holds is not visible to `===`, only to the time a lookup takes, so it is swapped in
   * whatever the old one was.
   */
  respell(id, name) {
    const spelled = this.spelled;
    if (spelled === null) return;
    const old = spelled[id];
    spelled[id] = name;
    // Answers made later take it anyway; those made already, while the epoch's budget for
    // this lasts (a name learned costs a look in each: bounded however many are learned).
    if (this.respells < this.answers.size) return;
    this.respells -= this.answers.size;
    for (const answers of this.answers.values()) if (answers.delete(old)) answers.add(name);
  }

  /** Stops every shared answer serving, and forgets them. */
  forgetAnswers() {
    for (const answers of this.answers.values()) answers.expire();
    this.answers = new Map();
    this.answerNames = 0;
  }

  /**
   * Whether subject id `s` holds permission id `p` on scope id `sc`, now. Keys start in a
   * hashed cache (setOf) that grows with the callers seen; once it would weigh as much as
   * a table of every key (1, 2 or 4 bytes a key as set numbers need, up to
   * MAX_DIRECT_BYTES), or is full and its keys keep evicting each other (a random stream
   * over more keys), the gate keeps each key's set number at its index instead
   * (`direct`), which saves a hash and two compares a check (a sixth of a check at 200
   * subjects). There a number below `timed` (the entries' top bit) is a set that needs no
   * clock (nothing in it nor the snapshot expires, and the clock is the default: see
   * settle), so a hit is one load; one above is a set that serves while the clock is
   * before its until. What is in `direct` is dropped with the sets (forgetSets).
   */
  check(s, p, sc) {
    const direct = this.direct;
    if (direct !== null) {
      const held = direct[s * this.scopeCount + sc];
      if (held !== 0) {
        const timed = this.timed;
        if (held < timed) return hasBit(this.sets, held * this.width, p);
        // A set's until is never past the snapshot's expiry (the engine's fill starts from it).
        const ref = held - timed;
        if (this.checkTime() < this.untils[ref]) return hasBit(this.sets, ref * this.width, p);
      }
    }
    const ref = this.setOf(s, sc);
    return ref !== 0 && hasBit(this.sets, ref * this.width, p);
  }

  /**
   * The number of subject id `s`'s set on scope id `sc` that serves now, from the cache,
   * or fetched from the engine and cached (the direct table, else the hashed cache's two
   * ways a bucket); 0 when the snapshot no longer serves. What `check` does past a direct
   * hit, and what a binding's first check does, so that bindings made per request share
   * the sets the gate has fetched.
   */
  setOf(s, sc) {
    const key = s * this.scopeCount + sc + 1;
    if (this.direct !== null) {
      const held = this.direct[key - 1];
      const timed = this.timed;
      if (held !== 0 && held < timed) return held;
      const now = this.checkTime();
      if (!this.live(now)) return 0;
      if (held !== 0 && now < this.untils[held - timed]) return held - timed;
      const set = this.intern(s, sc, now);
      // Interning may have dropped the sets, and the table with them.
      if (this.direct !== null) this.putDirect(key - 1, set);
      return set;
    }
    const lo = key >>> 0;
    const hi = (key / 4294967296) | 0;
    // Two ways per bucket: the key's set is in the first or the second slot, or nowhere.
    let b = this.bucketOf(lo, hi) << 2;
    let ref = 0;
    if (this.holds(this.slots, b, lo, hi)) ref = this.slots[b + 1] & REF_MASK;
    else if (this.holds(this.slots, b + 2, lo, hi)) ref = this.slots[b + 3] & REF_MASK;
    if (ref !== 0 && this.timeless && this.untils[ref] > NEVER) return ref;
    const now = this.checkTime();
    if (!this.live(now)) return 0;
    if (ref !== 0 && now < this.untils[ref]) return ref;
    const set = this.intern(s, sc, now);
    // Interning may have emptied the cache; it starts small and doubles while keys keep
    // evicting each other (up to slotLimit). Where the doubled slots (8 bytes each) would
    // weigh as much as a direct table (a byte a key while sets are few: see allocateDirect;
    // at 100 tenants of 1,000 subjects on 25 scopes, 25 KB against 32 KB of slots, and checks
    // 12-16% faster on the table), the gate takes the table instead; and so it does when
    // keys keep evicting each other at slotLimit, which a gate of more keys than that
    // reaches under a random stream of callers: every check there went to the engine (at
    // 100,000 subjects on 25 scopes, 2.3x the time of one on the table).
    let size = this.size;
    let full = false;
    if (size === 0) size = Math.min(256, this.slotLimit);
    else if (this.slots[b + 3] !== 0 && ++this.evictions > size >> 2) {
      if (size < this.slotLimit) size *= 2;
      else full = true;
    }
    if (this.directBytes() <= MAX_DIRECT_BYTES && (full || (size !== this.size && this.directBytes() <= 8 * size))) {
      this.takeDirect();
      this.putDirect(key - 1, set);
      return set;
    }
    if (size !== this.size) this.resize(size);
    b = this.bucketOf(lo, hi) << 2;
    // The newest key takes the first way; the one there moves to the second (the older
    // one there, if any, is evicted).
    const slots = this.slots;
    if (slots[b + 1] !== 0 && !this.holds(slots, b, lo, hi)) {
      slots[b + 2] = slots[b];
      slots[b + 3] = slots[b + 1];
    }
    slots[b] = lo;
    slots[b + 1] = (hi << REF_BITS) | set;
    return set;
  }

  /**
   * Puts interned set `set` at `index` of the direct table, marked when it needs the clock
   * (see check); a table too narrow for its number is widened first (its entries keep
   * their sets and marks), or dropped where the wider one would weigh past
   * MAX_DIRECT_BYTES (the hashed cache serves again, from empty).
   */
  putDirect(index, set) {
    if (set >= this.timed) {
      if (this.keyCount * directWidth(set + 1) > MAX_DIRECT_BYTES) {
        this.direct = null;
        return;
      }
      const [old, oldTimed] = [this.direct, this.timed];
      const direct = this.allocateDirect(set + 1);
      for (let i = 0; i < old.length; i++) direct[i] = old[i] < oldTimed ? old[i] : old[i] - oldTimed + this.timed;
      this.direct = direct;
    }
    this.direct[index] = this.timeless && this.untils[set] > NEVER ? set : set + this.timed;
  }

  /**
   * A direct table as narrow as set numbers below `count` allow: a byte a key while the gate
   * has under 128 sets (most: sets are distinct role combinations), then two, then four. At
   * 100 tenants of 1,000 subjects, 8 MB of tables that every random check reads were 2 MB.
   */
  allocateDirect(count) {
    const bytes = directWidth(count);
    this.timed = TIMED_BY_BYTES[bytes];
    return bytes === 1 ? new Uint8Array(this.keyCount) : bytes === 2 ? new Uint16Array(this.keyCount) : new Uint32Array(this.keyCount);
  }

  /** What a direct table of the sets so far would weigh (see allocateDirect). */
  directBytes() {
    return this.keyCount * directWidth(this.setCount);
  }

  /** Moves the hashed cache's keys into a direct table, which serves from now on. */
  takeDirect() {
    this.direct = this.allocateDirect(this.setCount);
    for (let o = 0; o < this.slots.length; o += 2) {
      const word = this.slots[o + 1];
      if (word !== 0) this.putDirect((word >>> REF_BITS) * 4294967296 + this.slots[o] - 1, word & REF_MASK);
    }
    [this.slots, this.size, this.mask, this.shift, this.evictions] = [NO_WORDS, 0, 0, 31, 0];
  }

  /** Whether the slot at `at` in `slots` holds the key + 1 of low bits `lo` and high bits `hi`. */
  holds(slots, at, lo, hi) {
    return slots[at] === lo && slots[at + 1] >>> REF_BITS === hi;
  }

  /**
   * The number of subject `s`'s set on scope `sc` (with until when it holds) among the
   * interned ones, adding it when new. Past `setLimit` sets, the cache starts over.
   */
  intern(s, sc, now) {
    const width = this.width;
    if (this.setIndex === NO_INDEX) this.allocateSets();
    const words = this.scratch;
    const until = this.fetch(s, sc, now, words, 0);
    const h = this.hashSet(words, 0, until);
    const mask = this.setIndex.length - 1;
    for (let at = h & mask; this.setIndex[at] !== 0; at = (at + 1) & mask) {
      const ref = this.setIndex[at];
      let same = this.untils[ref] === until;
      for (let i = 0; i < width && same; i++) same = this.sets[ref * width + i] === words[i];
      if (same) return ref;
    }
    if (this.setCount >= this.setLimit) {
      this.slots.fill(0);
      this.forgetSets();
      this.allocateSets();
    }
    const ref = this.setCount++;
    if (ref * width >= this.sets.length) {
      const [sets, untils] = [new Uint32Array(this.sets.length * 2), new Float64Array(this.untils.length * 2)];
      sets.set(this.sets);
      untils.set(this.untils);
      [this.sets, this.untils] = [sets, untils];
    }
    this.sets.set(words, ref * width);
    this.untils[ref] = until;
    // The index stays at most half full: past that it doubles, every set placed again.
    if (this.setCount * 2 > this.setIndex.length) {
      this.setIndex = new Int32Array(this.setIndex.length * 2);
      for (let r = 1; r < this.setCount; r++) this.place(r);
    } else {
      this.place(ref);
    }
    return ref;
  }

  /** Room for the first sets (and the words of one read from the engine). */
  allocateSets() {
    [this.sets, this.untils, this.setIndex] = [new Uint32Array(this.width * 16), new Float64Array(16), new Int32Array(32)];
    if (this.scratch?.length !== this.width) this.scratch = new Uint32Array(this.width);
  }

  /** Puts interned set `ref` in the index. */
  place(ref) {
    const mask = this.setIndex.length - 1;
    let at = this.hashSet(this.sets, ref * this.width, this.untils[ref]) & mask;
    while (this.setIndex[at] !== 0) at = (at + 1) & mask;
    this.setIndex[at] = ref;
  }

  /** A hash of the set at `at` in `words` with its until. */
  hashSet(words, at, until) {
    let h = Math.imul((until / 4294967296) | 0, 0x85ebca6b) ^ (until | 0);
    for (let i = 0; i < this.width; i++) h = Math.imul(h ^ words[at + i], 0x9e3779b1);
    return (h ^ (h >>> 15)) >>> 0;
  }

  /** Writes subject `s`'s set on scope `sc` into `words` at `at`; returns when it may change. */
  fetch(s, sc, now, words, at) {
    const engine = this.wasm;
    const until = engine.permissionWords(s, sc, now);
    for (let i = 0; i < this.width; i++) words[at + i] = engine.word(i);
    return until;
  }

  subjectId(subject) {
    return this.subjectIds.id(subject);
  }

  scopeId(scope) {
    if (scope === undefined || scope === null) return this.scopeCount > 0 ? 0 : -1;
    return this.scopeIds.id(scope);
  }

  /** The catalog's names in id order, read from the engine once an epoch. */
  permissionNames() {
    return (this.catalog ??= this.wasm.permissionNames());
  }

  /** The scope ids in id order (root first), read from the engine once an epoch. */
  scopeNames() {
    return (this.scopeList ??= this.wasm.scopeIds());
  }

  /** Whether the snapshot still serves at `now`; signals `expired` once when it stops. */
  live(now) {
    if (now < this.denyFrom) return true;
    if (this.closed) return false;
    if (!this.expiredSignalled) {
      this.expiredSignalled = true;
      this.target.dispatchEvent(new Event("expired"));
    }
    return false;
  }
}

/**
 * Ids by name, asked of the engine (`wasm[lookup](name)`) once per name and remembered:
 * known names in the map itself (at most as many as the snapshot holds), unknown ones in a set
 * that starts over past MAX_UNKNOWN_NAMES, since callers repeat both. Once the gate is
 * closed every name it does not know is unknown.
 */
class Names extends Map {
  /** `learned(id, name)`, if given, is told each name the map learns. */
  constructor(core, lookup, learned = null) {
    super();
    this.core = core;
    this.lookup = lookup;
    this.learned = learned;
    this.unknown = null;
  }

  /** The id of `name` (a string), or -1 when the snapshot has no such name. */
  id(name) {
    const id = this.get(name);
    return id === undefined ? this.miss(name) : id;
  }

  miss(name) {
    if (name.length > MAX_NAME_LENGTH || this.unknown?.has(name) || this.core.closed) return -1;
    // A string that is not valid Unicode would reach the engine as U+FFFD: unknown.
    const id = name.isWellFormed() ? this.core.wasm[this.lookup](name) : -1;
    if (id >= 0) {
      this.set(name, id);
      this.learned?.(id, name);
    } else {
      this.unknown ??= new Set();
      if (this.unknown.size >= MAX_UNKNOWN_NAMES) this.unknown.clear();
      this.unknown.add(name);
    }
    return id;
  }
}

/**
 * What a binding answers from while the set it is on serves: the names the set allows (a
 * Set of them) and its words, shared by every binding on that set in the gate's epoch
 * (Core.answersOf), so that binding costs no copy. Once the snapshot changes, the gate
 * closes or the sets are dropped, the gate expires them: empty, zero words, not live, so
 * that every binding on them goes to its slow path and finds its set again.
 */
class Answers extends Set {
  constructor(words, live) {
    super();
    this.words = words;
    this.live = live;
  }

  expire() {
    this.live = false;
    this.clear();
    this.words.fill(0);
  }
}

/** The answers of a binding that answers on its slow path: none, never live. */
const COLD = new Answers(NO_WORDS, false);

/** `name`'s internalized string (V8 keeps one per text, for property keys): see Core.spellings. */
function internalized(name) {
  return Object.keys({ [name]: 0 })[0];
}

/**
 * A binding's answers and their words, read by `can` and `canId` on every check: under
 * symbols rather than in private fields (V8 in Node 20 loads a private field in an inlined
 * method for a few ns more).
 */
const ANSWERS = Symbol("answers");
const WORDS = Symbol("words");

/**
 * One subject on one scope, for hot paths: the subject's permissions there are computed
 * when it is bound (again after an update, or when a grant in them expires), so a check is
 * a set lookup or a bit test.
 *
 * While nothing can expire (see Core.settle), a binding answers from the answers every
 * binding on its set shares (Answers): `can(name)` is true when the name is among those the
 * set allows, false when it is not and they still serve; `canId(id)` is a bit test. Only
 * what those do not settle (a name or id that is not one, answers that stopped serving,
 * a set that needs the clock) takes the slow path. The binding is bound at once (in
 * `Gate.bind`), so a page's loop over handles sees one shape from its first check and
 * never the slow path (that it had seen cold handles first cost 1.2-1.3x `Set.has`).
 */
class Binding {
  [ANSWERS] = COLD;
  [WORDS] = NO_WORDS;
  #core;
  #subject;
  #scope;
  #words = null;
  #until = -Infinity;
  #epoch = -1;

  constructor(core, subject, scope) {
    this.#core = core;
    this.#subject = subject;
    this.#scope = scope ?? null;
    this.#refresh(core.checkTime());
  }

  get subject() {
    return this.#subject;
  }

  get scope() {
    return this.#scope;
  }

  can(permission) {
    // While the answers serve, a string is allowed exactly when it is among their names.
    if (typeof permission === "string") {
      const answers = this[ANSWERS];
      if (answers.live) return answers.has(permission);
    }
    return this.#answer(true, permission);
  }

  /** `can` with an id from `Gate.permissionId` (ids change when the snapshot updates). */
  canId(id) {
    // An id is a number first: `id | 0` of anything else would call into it.
    if (typeof id !== "number") return this.#answer(false, id);
    if ((id | 0) === id && id >= 0 && hasBit(this[WORDS], 0, id)) return true;
    if (this[ANSWERS].live) return false;
    return this.#answer(false, id);
  }

  /**
   * The slow path of `can` (`byName`, and `key` a name) and of `canId` (`key` an id):
   * checks the argument, finds the set again once the snapshot has changed or a
   * grant in it has expired, and answers from it. One method on purpose: V8 inlines no
   * function past 460 bytes of bytecode, so `can` and `canId` stay small enough to inline
   * into their callers.
   */
  #answer(byName, key) {
    const core = this.#core;
    let id = key;
    if (byName) {
      checkString(key, "permission");
      id = core.permissionIds.id(key);
    } else if (typeof key !== "number") {
      throw typeError(`a permission id must be a number, got ${describe(key)}`);
    }
    if (!(id >= 0 && id < core.permissionCount && (id | 0) === id)) return false;
    if (!this[ANSWERS].live) {
      const now = core.checkTime();
      if (this.#epoch !== core.epoch || !(now < this.#until)) this.#refresh(now);
    }
    if (this[ANSWERS].live) return hasBit(this[WORDS], 0, id);
    return this.#words !== null && hasBit(this.#words, 0, id);
  }

  /**
   * Finds the binding's set at `now`: the shared answers of it where they may serve (see
   * Core.answersOf), else its words and until for the slow path; none once the snapshot no
   * longer serves.
   */
  #refresh(now) {
    const core = this.#core;
    [this[ANSWERS], this[WORDS], this.#words, this.#until, this.#epoch] = [COLD, NO_WORDS, null, -Infinity, core.epoch];
    if (!core.live(now)) return;
    const s = core.subjectId(this.#subject);
    const sc = core.scopeId(this.#scope ?? undefined);
    // An unknown subject or scope is denied everything, until the snapshot changes.
    const ref = s < 0 || sc < 0 ? -1 : core.setOf(s, sc);
    if (ref === 0) return;
    const answers = ref < 0 ? core.denyAll : core.answersOf(ref);
    if (answers.live) {
      [this[ANSWERS], this[WORDS]] = [answers, answers.words];
      return;
    }
    this.#words = core.wordsOf(ref);
    this.#until = core.untils[ref];
  }

  get [Symbol.toStringTag]() {
    return "Binding";
  }

  [Symbol.for("nodejs.util.inspect.custom")]() {
    return { subject: this.#subject, scope: this.#scope };
  }
}

/** The engine of `raw` snapshot bytes, verified with what `engineOptions` checked. */
function load(raw, { keys, load }, now) {
  const trust = new WasmTrust(...load);
  try {
    for (const [id, key] of keys) trust.key(id, key);
    return new WasmGate(raw, trust, now);
  } finally {
    trust.free();
  }
}

/**
 * A loaded, verified role snapshot answering permission checks. Emits `updated` after
 * a successful `update` and `expired` (once per snapshot) when a check finds the
 * snapshot past its expiry: from then on every check denies until `update`.
 */
export class Gate extends EventTarget {
  #core;

  /**
   * Verifies and loads snapshot bytes. Throws a `TypeError` for wrong argument types and
   * an `Error` with a `code` (`BAD_SIGNATURE`, `EXPIRED`, ...) for a refused snapshot.
   */
  constructor(bytes, options) {
    super();
    const plain = plainOptions(options);
    const clock = plain.clock ?? Date.now;
    if (typeof clock !== "function") throw typeError("option `clock` must be a function returning milliseconds");
    const raw = plainBytes(bytes);
    this.#core = new Core(load(raw, engineOptions(plain), readClock(clock)), clock, this, plain.clock === undefined);
    this.#core.bytes = raw.byteLength;
  }

  /** Listeners run so that a throw stays inside them (see `guardedListener`). */
  addEventListener(type, listener, options) {
    super.addEventListener(type, guardedListener(listener), options);
  }

  removeEventListener(type, listener, options) {
    super.removeEventListener(type, guardedListener(listener), options);
  }

  /** Whether `subject` holds `permission` on `scope` (the tenant root when omitted). */
  can(subject, permission, scope) {
    checkString(subject, "subject");
    checkString(permission, "permission");
    checkScope(scope);
    const core = this.#core;
    if (core.closed) return false;
    let p = core.permissionIds.get(permission);
    if (p === undefined) {
      p = core.permissionIds.miss(permission);
      if (p < 0) {
        warnUnknown(permission, core.permissionNames(), "gate.can");
        return false;
      }
    }
    // Names in the maps came from the engine (valid Unicode); only a name a map does not
    // know yet goes to the engine, and the map refuses it if ill-formed.
    const s = core.subjectId(subject);
    if (s < 0) return false;
    const sc = core.scopeId(scope ?? undefined);
    return sc >= 0 && core.check(s, p, sc);
  }

  /** The decision with its reason: `{allowed, reason, message, role, grantScope, grantExpiresAt, revision}`. */
  explain(subject, permission, scope) {
    checkString(subject, "subject");
    checkString(permission, "permission");
    checkScope(scope);
    const now = this.#core.now();
    this.#core.live(now);
    const decision = this.#core.wasm.explain(valid(subject), valid(permission), valid(scope) ?? undefined, now);
    // A near name for what was unknown, as the CLI gives it.
    const known = { unknown_permission: () => [permission, this.#core.permissionNames()], unknown_scope: () => [scope, this.#core.scopeNames()] }[decision.reason]?.();
    decision.suggestion = known ? suggest(known[0], known[1]) : null;
    if (decision.suggestion) decision.message += ` (did you mean \`${decision.suggestion}\`?)`;
    return decision;
  }

  /** The permissions `subject` holds on `scope`, in catalog order. */
  permissions(subject, scope) {
    checkString(subject, "subject");
    checkScope(scope);
    const now = this.#core.now();
    if (!this.#core.live(now)) return [];
    return this.#core.wasm.permissions(valid(subject), valid(scope) ?? undefined, now);
  }

  /** The subjects holding `permission` on `scope`. */
  whoCan(permission, scope) {
    checkString(permission, "permission");
    checkScope(scope);
    const now = this.#core.now();
    if (!this.#core.live(now)) return [];
    return this.#core.wasm.whoCan(valid(permission), valid(scope) ?? undefined, now);
  }

  /** The id of a permission for `Binding.canId`, or -1 when unknown. Ids change on update. */
  permissionId(permission) {
    checkString(permission, "permission");
    return this.#core.permissionIds.id(permission);
  }

  /** A handle for one subject on one scope, for checking many permissions fast. */
  bind(subject, scope) {
    checkString(subject, "subject");
    checkScope(scope);
    return new Binding(this.#core, valid(subject), valid(scope));
  }

  /**
   * Swaps in a newer snapshot atomically. A refused snapshot (bad signature, another
   * tenant, a lower revision, expired, ...) throws and the current one keeps serving.
   */
  update(bytes) {
    const raw = plainBytes(bytes);
    this.#core.wasm.update(raw, this.#core.now(), false);
    builtByDelta.delete(this);
    this.#core.bytes = raw.byteLength;
    this.#core.index();
    this.dispatchEvent(new Event("updated"));
  }

  /**
   * Applies a signed delta (`rolegate build --delta-from OLD`) on top of the snapshot
   * serving: its signature is verified before anything in it is read, it must be built
   * on exactly this gate's revision and bytes (`DELTA_BASE` otherwise: fetch the full
   * snapshot), and what it builds must hash to the SHA-512 it carries (`DELTA_MISMATCH`)
   * and pass every check a full snapshot does. The gate then holds exactly what loading
   * the full new snapshot gives. A refused delta throws and the current one keeps serving.
   */
  applyDelta(bytes) {
    const raw = plainBytes(bytes, "delta bytes");
    this.#core.wasm.update(raw, this.#core.now(), true);
    builtByDelta.add(this);
    this.#core.index();
    this.dispatchEvent(new Event("updated"));
  }

  /**
   * Frees this gate's wasm memory now, instead of when the garbage collector gets to it
   * (which, for gates replaced in a loop, can be much later). Checks then deny; other
   * calls throw a `RolegateError` with code `CLOSED`. Also `using gate = ...` (Symbol.dispose).
   */
  close() {
    this.#core.close();
  }

  [Symbol.dispose ?? Symbol.for("Symbol.dispose")]() {
    this.close();
  }

  /**
   * `{revision, issuedAt}` (seconds) when `applyDelta` built what the gate holds, else
   * null: the sources then skip the full snapshot of that very build (its bytes are what
   * the gate already holds) rather than download and load it again.
   */
  get [DELTA_BUILD]() {
    if (!builtByDelta.has(this) || this.closed) return null;
    return { revision: this.revision, issuedAt: Math.floor(Number(this.issuedAt) / 1000) };
  }

  /** Whether `close()` was called. */
  get closed() {
    return this.#core.closed;
  }

  /** `"active"`, `"inactive"` (a deactivated user or revoked key) or `"unknown"`. */
  subjectStatus(subject) {
    checkString(subject, "subject");
    return ["unknown", "inactive", "active"][this.#core.wasm.subjectStatus(valid(subject)) + 1];
  }

  /** The API-key subject whose token this is (looked up by SHA-256), or null. */
  subjectForToken(token) {
    checkString(token, "token");
    return this.#core.wasm.subjectForToken(valid(token)) ?? null;
  }

  /** The API-key subject for a token's SHA-256 (32 bytes, e.g. from WebCrypto), or null. */
  subjectForTokenHash(hash) {
    if (!(hash instanceof Uint8Array)) throw typeError(`a token hash must be a Uint8Array, got ${describe(hash)}`);
    return this.#core.wasm.subjectForTokenHash(plainBytes(hash, "a token hash")) ?? null;
  }

  get tenant() {
    return this.#core.wasm.tenant;
  }

  get revision() {
    return this.#core.wasm.revision;
  }

  get issuedAt() {
    return new Date(this.#core.wasm.issuedAt);
  }

  get expiresAt() {
    const t = this.#core.wasm.expiresAt;
    return t === undefined ? null : new Date(t);
  }

  /** Whether the snapshot is past its expiry (checks deny). */
  get expired() {
    return !(this.#core.now() < this.#core.denyFrom);
  }

  get keyId() {
    return this.#core.wasm.keyId ?? null;
  }

  /** The subject the snapshot was sliced for, or null for a whole-tenant snapshot. */
  get sliceSubject() {
    return this.#core.wasm.sliceSubject ?? null;
  }

  /** The snapshot's scope ids, root first (for routing by scope; a copy). */
  get scopes() {
    return [...this.#core.scopeNames()];
  }

  /**
   * About how many bytes this gate holds (0 once closed): the snapshot's bytes and the
   * engine's indexes in wasm memory (counted at 1.7x the bytes; measured at 1.2-1.8x), the check cache
   * as it grows, and the name maps. What a tenant source counts against its cap.
   */
  get memoryBytes() {
    const core = this.#core;
    if (core.closed) return 0;
    const names = core.permissionIds.size + core.scopeIds.size + core.subjectIds.size;
    const cache = core.slots.byteLength + core.sets.byteLength + core.untils.byteLength + core.setIndex.byteLength + (core.direct?.byteLength ?? 0) + core.answerNames * 16;
    return Math.ceil(core.bytes * 1.7) + cache + names * 64;
  }
}
