// @rump/rumpuser native addon: the few host calls Node's fs module lacks.
//
// Shape (STYLE.md §6-7): a flat list of synchronous functions, registered once.
// Only numbers cross the boundary, and one path (utimens). Every function returns 0 (or a size) on
// success and -errno (host numbering) on failure; none throws for an
// operating failure. Arguments were validated in src/native.ts, so the checks
// here only keep a wrong type from turning into a JS exception.
//
// Keep RUMPUSER_NATIVE_ABI in step with NATIVE_ABI in src/native.ts: a stale
// build/Release/rumpuser.node is refused rather than called wrongly.

#include <napi.h>

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <string>

#ifndef _WIN32
#include <fcntl.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

#ifdef __linux__
#include <linux/fs.h>  // BLKGETSIZE64, BLKSSZGET
#endif

#define RUMPUSER_NATIVE_ABI 2

namespace {

// 2^53: larger byte counts are not exact in a JS number
constexpr uint64_t kMaxExact = 9007199254740992ULL;

// Argument i as an int64, or false when it is not a number.
bool ArgInt(const Napi::CallbackInfo &info, size_t i, int64_t *out) {
  if (i >= info.Length() || !info[i].IsNumber()) return false;
  double d = info[i].As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d)) return false;
  *out = static_cast<int64_t>(d);
  return true;
}

bool ArgFd(const Napi::CallbackInfo &info, size_t i, int *fd) {
  int64_t v;
  if (!ArgInt(info, i, &v) || v < 0 || v > INT32_MAX) return false;
  *fd = static_cast<int>(v);
  return true;
}

Napi::Value Ret(const Napi::CallbackInfo &info, double v) {
  return Napi::Number::New(info.Env(), v);
}

#ifndef _WIN32

// flock(fd, exclusive): non-blocking LOCK_SH / LOCK_EX. Conflict: -EWOULDBLOCK.
// On Linux a flock lock belongs to the open file description, so two open()s
// of one file in one process conflict with each other as two processes do.
Napi::Value Flock(const Napi::CallbackInfo &info) {
  int fd;
  if (!ArgFd(info, 0, &fd)) return Ret(info, -EINVAL);
  int op = (info.Length() > 1 && info[1].ToBoolean().Value()) ? LOCK_EX : LOCK_SH;
  int rv;
  do {
    rv = flock(fd, op | LOCK_NB);
  } while (rv == -1 && errno == EINTR);
  return Ret(info, rv == -1 ? -errno : 0);
}

// funlock(fd): drop this open file description's flock lock.
Napi::Value Funlock(const Napi::CallbackInfo &info) {
  int fd;
  if (!ArgFd(info, 0, &fd)) return Ret(info, -EINVAL);
  int rv;
  do {
    rv = flock(fd, LOCK_UN);
  } while (rv == -1 && errno == EINTR);
  return Ret(info, rv == -1 ? -errno : 0);
}

// Data (and the metadata needed to read it back) to stable storage.
int DataSync(int fd) {
  int rv;
  do {
#if defined(__APPLE__)
    // fsync on macOS leaves data in the drive's cache; F_FULLFSYNC does not
    rv = fcntl(fd, F_FULLFSYNC);
    if (rv == -1 && errno != EINTR && errno != EBADF) rv = fsync(fd);
#else
    rv = fdatasync(fd);
#endif
  } while (rv == -1 && errno == EINTR);
  return rv == -1 ? -errno : 0;
}

Napi::Value Fdatasync(const Napi::CallbackInfo &info) {
  int fd;
  if (!ArgFd(info, 0, &fd)) return Ret(info, -EINVAL);
  return Ret(info, DataSync(fd));
}

// syncRange(fd, off, len): bytes [off, off+len) (len 0 = to the end) on stable
// storage when this returns. NetBSD has that call (fsync_range with FDISKSYNC).
// Linux has none: sync_file_range never flushes the drive's cache nor the
// metadata that finds the data again, so it is no durability promise; there
// this is fdatasync(2) of the whole file, which is.
Napi::Value SyncRange(const Napi::CallbackInfo &info) {
  int fd;
  int64_t off, len;
  if (!ArgFd(info, 0, &fd) || !ArgInt(info, 1, &off) || !ArgInt(info, 2, &len) ||
      off < 0 || len < 0)
    return Ret(info, -EINVAL);
#if defined(__NetBSD__)
  int rv;
  do {
    rv = fsync_range(fd, FDATASYNC | FDISKSYNC, off, len);
  } while (rv == -1 && errno == EINTR);
  return Ret(info, rv == -1 ? -errno : 0);
#else
  return Ret(info, DataSync(fd));
#endif
}

// blkSize(fd): size in bytes of the block device open on fd; -ENOTTY when fd
// is not a block device.
Napi::Value BlkSize(const Napi::CallbackInfo &info) {
  int fd;
  if (!ArgFd(info, 0, &fd)) return Ret(info, -EINVAL);
#ifdef __linux__
  uint64_t size = 0;
  if (ioctl(fd, BLKGETSIZE64, &size) == -1) return Ret(info, -errno);
  if (size > kMaxExact) return Ret(info, -EFBIG);
  return Ret(info, static_cast<double>(size));
#else
  return Ret(info, -ENOTSUP);
#endif
}

// blkSectorSize(fd): logical sector size of the block device open on fd.
Napi::Value BlkSectorSize(const Napi::CallbackInfo &info) {
  int fd;
  if (!ArgFd(info, 0, &fd)) return Ret(info, -EINVAL);
#ifdef __linux__
  int ssz = 0;
  if (ioctl(fd, BLKSSZGET, &ssz) == -1) return Ret(info, -errno);
  return Ret(info, ssz);
#else
  return Ret(info, -ENOTSUP);
#endif
}

// utimens(path, asec, ansec, msec, mnsec, nofollow): utimensat(2) with the
// nanoseconds Node's utimes cannot carry (it passes seconds as a double, which
// at today's times is ~240 ns coarse). nofollow sets the times of a symbolic
// link itself.
Napi::Value Utimens(const Napi::CallbackInfo &info) {
  int64_t as, an, ms, mn;
  if (info.Length() < 6 || !info[0].IsString() || !ArgInt(info, 1, &as) ||
      !ArgInt(info, 2, &an) || !ArgInt(info, 3, &ms) || !ArgInt(info, 4, &mn) || an < 0 ||
      an > 999999999 || mn < 0 || mn > 999999999)
    return Ret(info, -EINVAL);
  std::string path = info[0].As<Napi::String>().Utf8Value();
  struct timespec ts[2];
  ts[0].tv_sec = static_cast<time_t>(as);
  ts[0].tv_nsec = static_cast<long>(an);
  ts[1].tv_sec = static_cast<time_t>(ms);
  ts[1].tv_nsec = static_cast<long>(mn);
  int flags = info[5].ToBoolean().Value() ? AT_SYMLINK_NOFOLLOW : 0;
  int rv = utimensat(AT_FDCWD, path.c_str(), ts, flags);
  return Ret(info, rv == -1 ? -errno : 0);
}

#else  // _WIN32: nothing here yet; src/native.ts treats -ENOSYS as "not available"

Napi::Value Unsupported(const Napi::CallbackInfo &info) { return Ret(info, -ENOSYS); }
#define Flock Unsupported
#define Funlock Unsupported
#define Fdatasync Unsupported
#define SyncRange Unsupported
#define BlkSize Unsupported
#define BlkSectorSize Unsupported
#define Utimens Unsupported

#endif

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("abi", Napi::Number::New(env, RUMPUSER_NATIVE_ABI));
  exports.Set("flock", Napi::Function::New(env, Flock, "flock"));
  exports.Set("funlock", Napi::Function::New(env, Funlock, "funlock"));
  exports.Set("fdatasync", Napi::Function::New(env, Fdatasync, "fdatasync"));
  exports.Set("syncRange", Napi::Function::New(env, SyncRange, "syncRange"));
  exports.Set("blkSize", Napi::Function::New(env, BlkSize, "blkSize"));
  exports.Set("blkSectorSize", Napi::Function::New(env, BlkSectorSize, "blkSectorSize"));
  exports.Set("utimens", Napi::Function::New(env, Utimens, "utimens"));
  return exports;
}

}  // namespace

NODE_API_MODULE(rumpuser, Init)
