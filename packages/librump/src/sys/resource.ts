/** struct rlimit (getrlimit/setrlimit): soft and hard limit; RLIM_INFINITY for none. */
export interface Rlimit {
  rlim_cur: number;
  rlim_max: number;
}

/** RLIMIT_* slots per process (sys/resource.h RLIM_NLIMITS). */
export const RLIM_NLIMITS = 12;
export const RLIM_INFINITY = Number.MAX_SAFE_INTEGER;
