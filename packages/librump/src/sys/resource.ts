/** struct rlimit (getrlimit/setrlimit): soft and hard limit; RLIM_INFINITY for none. */
export interface Rlimit {
  rlim_cur: number;
  rlim_max: number;
}
