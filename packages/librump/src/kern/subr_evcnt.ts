/**
 * Event counters (evcnt(9), subr_evcnt.c) printed by rump_printevcnts. Plain numeric
 * fields on one object: bumping one is a single add on a hot path.
 */
export class Evcnts {
  syscalls = 0;
  vnodes_allocated = 0;
  vnodes_reclaimed = 0;
  namecache_hits = 0;
  namecache_neghits = 0;
  namecache_misses = 0;
  buf_hits = 0;
  buf_misses = 0;
  buf_reads = 0;
  buf_writes = 0;

  /** (group, name, value) rows, in print order */
  rows(): Array<[string, string, number]> {
    return [
      ["syscall", "calls", this.syscalls],
      ["vfs", "vnodes allocated", this.vnodes_allocated],
      ["vfs", "vnodes reclaimed", this.vnodes_reclaimed],
      ["namecache", "hits", this.namecache_hits],
      ["namecache", "negative hits", this.namecache_neghits],
      ["namecache", "misses", this.namecache_misses],
      ["bufcache", "hits", this.buf_hits],
      ["bufcache", "misses", this.buf_misses],
      ["bufcache", "reads", this.buf_reads],
      ["bufcache", "writes", this.buf_writes],
    ];
  }
}
