/** struct flock (fcntl F_GETLK/F_SETLK/F_SETLKW). */
export interface Flock {
  l_start: number;
  l_len: number;
  l_pid: number;
  /** F_RDLCK 1, F_UNLCK 2, F_WRLCK 3 */
  l_type: number;
  /** SEEK_SET 0, SEEK_CUR 1, SEEK_END 2 */
  l_whence: number;
}
