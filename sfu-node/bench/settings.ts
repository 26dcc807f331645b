/** The bench's knobs (environment, defaults as in sfu.bench.ts's header) and fixed settings. */
export const STEPS = (process.env.BENCH_SFU_STEPS ?? '50,100,200,400,800').split(',').map(Number);
export const WINDOW_SECONDS = Number(process.env.BENCH_SFU_WINDOW_SECONDS ?? 4);
export const SETTLE_SECONDS = Number(process.env.BENCH_SFU_SETTLE_SECONDS ?? 2);
export const JOINS = Number(process.env.BENCH_SFU_JOINS ?? 50);
export const JOIN_WARMUP = Number(process.env.BENCH_SFU_JOIN_WARMUP ?? 3);
export const DEBUG = Boolean(process.env.BENCH_SFU_DEBUG);
/** A side delivers N when every consumer got at least this share of the packets fed. */
export const DELIVERY = 0.99;
/** The receiving thread's UDP sockets. */
export const SOCKETS = 16;
export const MAX_PARTICIPANTS = 1000; // the command API's limit for a meeting
/** sfu-node's reconnect grace: the viewers' media goes this soon after they leave. */
export const GRACE_MS = 1000;
