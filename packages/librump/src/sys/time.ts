/** struct timespec: seconds and nanoseconds (0 ≤ tv_nsec < 1e9). */
export interface Timespec {
  tv_sec: number;
  tv_nsec: number;
}

/** struct timeval: seconds and microseconds. */
export interface Timeval {
  tv_sec: number;
  tv_usec: number;
}

/** utimensat(2) special values of tv_nsec. */
export const UTIME_NOW = (1 << 30) - 1;
export const UTIME_OMIT = (1 << 30) - 2;
