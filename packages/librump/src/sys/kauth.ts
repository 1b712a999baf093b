/**
 * Credentials (kauth_cred_t). Shared by reference between processes and open
 * files; `cr_refcnt` counts holders (rump_pub_cred_put drops one).
 */
export class Kauth_cred {
  cr_refcnt = 1;
  constructor(
    public cr_uid: number,
    public cr_euid: number,
    public cr_svuid: number,
    public cr_gid: number,
    public cr_egid: number,
    public cr_svgid: number,
    /** supplementary groups, at most NGROUPS_MAX (16) */
    public cr_groups: number[],
  ) {}

  static root(): Kauth_cred {
    return new Kauth_cred(0, 0, 0, 0, 0, 0, []);
  }

  clone(): Kauth_cred {
    return new Kauth_cred(
      this.cr_uid,
      this.cr_euid,
      this.cr_svuid,
      this.cr_gid,
      this.cr_egid,
      this.cr_svgid,
      this.cr_groups.slice(),
    );
  }

  /** kauth_cred_ismember_gid: effective gid or a supplementary group. */
  ismember_gid(gid: number): boolean {
    return this.cr_egid === gid || this.cr_groups.includes(gid);
  }
}
