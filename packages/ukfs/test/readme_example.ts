/* The README's example, run by readme.test.ts. */
export const log: string[] = [];

// #region example
import { openTmpfs, ukfs_mkdir, ukfs_read, ukfs_stat, RumpError } from "@rump/ukfs";

// A memory file system in a kernel of its own; `using` closes it at the end of the scope.
{
  using fs = openTmpfs();
  fs.mkdir("/docs/notes", { recursive: true });
  fs.writeFile("/docs/notes/hello.txt", "hello, rump\n");
  log.push(fs.readFile("/docs/notes/hello.txt", "utf8").trim()); // hello, rump
  log.push(fs.readdir("/docs").join(",")); // notes
  for (const e of fs.walk("/")) log.push(`${e.dirent.isDirectory() ? "d" : "-"} ${e.path}`);

  // the same handle through the C names of ukfs(3)
  ukfs_mkdir(fs, "/c-style", 0o755);
  const buf = new Uint8Array(5);
  ukfs_read(fs, "/docs/notes/hello.txt", 0, buf);
  log.push(new TextDecoder().decode(buf)); // hello
  log.push((ukfs_stat(fs, "/c-style").st_mode & 0o777).toString(8)); // 755

  try {
    fs.readFile("/missing");
  } catch (e) {
    if (e instanceof RumpError) log.push(e.message); // ENOENT: no such file or directory, open '/missing'
  }
}
// #endregion
