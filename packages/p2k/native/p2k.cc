// @rump/p2k native addon: libfuse3's low-level session on native threads,
// requests handed to the JavaScript thread that owns the rump kernel.
//
// Threads (DESIGN.md, "p2k: FUSE threads meet a synchronous kernel"):
//   - kThreads native threads each wait (epoll, one woken per request) on
//     the /dev/fuse descriptor (made non-blocking) and a stop pipe, read one request with
//     fuse_session_receive_buf and let libfuse decode it into one of the
//     Op* callbacks below. A callback never waits for the kernel: it copies
//     the request into a Req (names, write data, the caller's uid/gid/pid
//     and groups) and queues it to the JS thread through a thread-safe
//     function, then the thread goes back to reading. So no request blocks
//     another in here; only the kernel's own thread serialises them.
//   - On the JS thread CallJs gives the request a slot id, writes its
//     numbers into a shared Float64Array (the "header") and its data into a
//     shared scratch Uint8Array, and calls the JS dispatcher. The dispatcher
//     runs the kernel call to completion and answers with one of the Reply*
//     methods (fuse_reply_* from the JS thread), or parks the request (a
//     wait in NetBSD) and answers it later; a parked request can be
//     interrupted (FUSE_INTERRUPT), which arrives as an OP_INTERRUPT event.
//   - When the connection ends (unmount: read gives ENODEV) or Stop() is
//     called, the threads leave and the last one queues OP_END behind every
//     request still queued. Close() then joins the threads, answers any
//     request the dispatcher left unanswered, and destroys the session.
//
// Mounting is done here too (Mount): mount(2) with a /dev/fuse descriptor as
// root, otherwise fusermount3 through the _FUSE_COMMFD protocol, so that an
// unprivileged user can mount even where /dev/fuse is not world-accessible.
// The descriptor is handed to libfuse as "/dev/fd/N" (libfuse >= 3.3).
//
// Only numbers, latin1 strings (names are byte strings, as in the kernel)
// and the two shared buffers cross. Errors are -errno (host numbering) or
// [-errno, message] pairs; nothing here throws for an operating failure.
// Keep P2K_NATIVE_ABI and the Op/H_/R_ numbers in step with src/native.ts.

#define FUSE_USE_VERSION 31

#include <fuse_lowlevel.h>
#include <napi.h>

#include <atomic>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <sys/epoll.h>
#include <spawn.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define P2K_NATIVE_ABI 2

namespace {

// ---------------------------------------------------------------------------
// The protocol with src/native.ts

enum Op : int {
  OP_LOOKUP = 1,
  OP_FORGET = 2,
  OP_GETATTR = 3,
  OP_SETATTR = 4,
  OP_READLINK = 5,
  OP_MKNOD = 6,
  OP_MKDIR = 7,
  OP_UNLINK = 8,
  OP_RMDIR = 9,
  OP_SYMLINK = 10,
  OP_RENAME = 11,
  OP_LINK = 12,
  OP_OPEN = 13,
  OP_READ = 14,
  OP_WRITE = 15,
  OP_FLUSH = 16,
  OP_RELEASE = 17,
  OP_FSYNC = 18,
  OP_OPENDIR = 19,
  OP_READDIR = 20,
  OP_RELEASEDIR = 21,
  OP_FSYNCDIR = 22,
  OP_STATFS = 23,
  OP_SETXATTR = 24,
  OP_GETXATTR = 25,
  OP_LISTXATTR = 26,
  OP_REMOVEXATTR = 27,
  OP_ACCESS = 28,
  OP_CREATE = 29,
  OP_GETLK = 30,
  OP_SETLK = 31,
  OP_FLOCK = 32,
  OP_FORGET_MULTI = 33,
  OP_INIT = 40,
  OP_INTERRUPT = 41,
  OP_END = 42,
};

// Header slots (request → JS), in the shared Float64Array.
enum : int {
  H_OP = 0,
  H_ID = 1,
  H_INO = 2,
  H_UID = 3,
  H_GID = 4,
  H_PID = 5,
  H_UMASK = 6,
  H_NGROUPS = 7,
  H_FH = 8,
  H_HASFH = 9,
  H_OFF = 10,
  H_SIZE = 11,
  H_FLAGS = 12,
  H_MODE = 13,
  H_INO2 = 14,
  H_ARG = 15,
  H_A0 = 16,  // .. H_A0 + 11: op-specific (setattr, locks, owners)
  H_GROUPS = 32,
  kMaxGroups = 32,
  // Reply slots (JS → reply), after the header.
  R_BASE = 64,
  R_NODEID = R_BASE + 0,
  R_GEN = R_BASE + 1,
  R_ATTR_TIMEOUT = R_BASE + 2,
  R_ENTRY_TIMEOUT = R_BASE + 3,
  R_ST = R_BASE + 4,  // ino mode nlink uid gid rdev size blksize blocks atime atimens mtime mtimens ctime ctimens
  R_FH = R_BASE + 19,
  R_OPENFLAGS = R_BASE + 20,
  R_X = R_BASE + 21,  // statfs (11 values) or lock (type start len pid)
  kSharedSlots = 128,
};

// R_OPENFLAGS bits
constexpr int kOpenDirectIo = 1;
constexpr int kOpenKeepCache = 2;
constexpr int kOpenNonseekable = 4;

constexpr int kThreads = 2;

// ---------------------------------------------------------------------------
// One request on its way to the JS thread.

struct Req {
  fuse_req_t req = nullptr;  // null for forget (answered at once) and events
  int op = 0;
  uint64_t id = 0;  // OP_INTERRUPT: the interrupted request's id
  uint64_t ino = 0, ino2 = 0, fh = 0;
  bool hasFh = false;
  int64_t off = 0;
  uint64_t size = 0;
  int64_t flags = 0;
  uint32_t mode = 0;
  int64_t arg = 0;
  uint32_t uid = 0, gid = 0, pid = 0, umask = 0;
  int ngroups = 0;
  gid_t groups[kMaxGroups];
  double a[12] = {0};
  std::string name, name2;
  bool hasName = false, hasName2 = false;
  std::vector<char> data;  // write / setxattr payload, forget_multi pairs
};

class Session;

// What the thread-safe function needs after the Session object may be gone:
// the libfuse session lives until the function is finalised (after its
// queue has drained), so a request still queued at close can be answered.
struct Link {
  Session *s = nullptr;  // null once the session is closed
  struct fuse_session *se = nullptr;
  int fd = -1;              // /dev/fuse, when not yet handed to se
};

void CallJs(Napi::Env env, Napi::Function fn, Link *l, Req *r);
void FinalizeLink(Napi::Env env, void *, Link *l);
using Tsfn = Napi::TypedThreadSafeFunction<Link, Req, CallJs>;

// ---------------------------------------------------------------------------

class Session : public Napi::ObjectWrap<Session> {
 public:
  static Napi::Function Init(Napi::Env env);
  explicit Session(const Napi::CallbackInfo &info);
  ~Session() override;

  void Post(Req *r);
  void Deliver(Napi::Env env, Napi::Function fn, Req *r);

  double *shared_ = nullptr;
  uint8_t *scratch_ = nullptr;
  size_t scratchLen_ = 0;
  std::atomic<uint32_t> maxWrite_{0};
  std::atomic<uint32_t> maxRead_{0};
  // set once POSIX locks have been granted: only then can a flush (close)
  // have locks to release, so until then flush is answered here
  std::atomic<bool> posixLocks_{false};
  bool closed_ = false;

 private:
  Napi::Value Start(const Napi::CallbackInfo &info);
  Napi::Value Stop(const Napi::CallbackInfo &info);
  Napi::Value Close(const Napi::CallbackInfo &info);
  Napi::Value Info(const Napi::CallbackInfo &info);
  Napi::Value ReplyErr(const Napi::CallbackInfo &info);
  Napi::Value ReplyEntry(const Napi::CallbackInfo &info);
  Napi::Value ReplyCreate(const Napi::CallbackInfo &info);
  Napi::Value ReplyAttr(const Napi::CallbackInfo &info);
  Napi::Value ReplyOpen(const Napi::CallbackInfo &info);
  Napi::Value ReplyWrite(const Napi::CallbackInfo &info);
  Napi::Value ReplyBuf(const Napi::CallbackInfo &info);
  Napi::Value ReplyReadlink(const Napi::CallbackInfo &info);
  Napi::Value ReplyStatfs(const Napi::CallbackInfo &info);
  Napi::Value ReplyLock(const Napi::CallbackInfo &info);
  Napi::Value ReplyXattr(const Napi::CallbackInfo &info);
  Napi::Value Park(const Napi::CallbackInfo &info);
  Napi::Value UsePosixLocks(const Napi::CallbackInfo &info);

  void Run();
  void Shutdown();
  Req *Take(const Napi::CallbackInfo &info);
  Req *Peek(double id);
  void FillStat(struct stat *st);
  void FillEntry(struct fuse_entry_param *e);
  void FillOpen(struct fuse_file_info *fi);

  struct fuse_session *se_ = nullptr;
  int fd_ = -1;
  Link *link_ = nullptr;
  int stop_[2] = {-1, -1};
  std::vector<std::thread> threads_;
  std::atomic<int> running_{0};
  bool started_ = false;
  Tsfn tsfn_;
  bool tsfnLive_ = false;
  Napi::ObjectReference sharedRef_, scratchRef_;

  // JS-thread state: requests given to the dispatcher and not yet answered
  std::vector<Req *> slots_;
  std::vector<uint32_t> gens_;
  std::vector<uint32_t> free_;
};

// ---------------------------------------------------------------------------
// libfuse callbacks (FUSE threads)

Session *Of(fuse_req_t req) { return static_cast<Session *>(fuse_req_userdata(req)); }

// A request with the caller's identity; the supplementary groups are read
// (from /proc, by libfuse) only where the kernel checks permissions and only
// for callers other than root, whom no permission check concerns.
Req *NewReq(fuse_req_t req, int op, fuse_ino_t ino, bool creds) {
  Req *r = new Req();
  r->req = req;
  r->op = op;
  r->ino = ino;
  const struct fuse_ctx *c = fuse_req_ctx(req);
  r->uid = c->uid;
  r->gid = c->gid;
  r->pid = c->pid;
  r->umask = c->umask;
  if (creds && c->uid != 0) {
    int n = fuse_req_getgroups(req, kMaxGroups, r->groups);
    r->ngroups = n < 0 ? 0 : (n > kMaxGroups ? kMaxGroups : n);
  }
  return r;
}

void SetFi(Req *r, struct fuse_file_info *fi) {
  if (fi == nullptr) return;
  r->hasFh = true;
  r->fh = fi->fh;
  r->flags = fi->flags;
}

void SetName(Req *r, const char *name) {
  r->name = name;
  r->hasName = true;
}

void SetOwner(Req *r, int at, uint64_t owner) {
  r->a[at] = static_cast<double>(owner & 0xffffffffu);
  r->a[at + 1] = static_cast<double>(owner >> 32);
}

void Post(fuse_req_t req, Req *r) { Of(req)->Post(r); }

void OpInit(void *userdata, struct fuse_conn_info *conn) {
  Session *s = static_cast<Session *>(userdata);
  // 1 MiB (libfuse's largest buffer) when the kernel allows big requests
  s->maxWrite_ = conn->max_write;
  s->maxRead_ = conn->max_read;
  // no writeback cache: every write reaches the kernel before write(2) returns
  conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
}

void OpLookup(fuse_req_t req, fuse_ino_t parent, const char *name) {
  Req *r = NewReq(req, OP_LOOKUP, parent, true);
  SetName(r, name);
  Post(req, r);
}

void OpForget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup) {
  Req *r = NewReq(req, OP_FORGET, ino, false);
  r->size = nlookup;
  r->req = nullptr;
  Session *s = Of(req);
  fuse_reply_none(req);
  s->Post(r);
}

void OpForgetMulti(fuse_req_t req, size_t count, struct fuse_forget_data *forgets) {
  Req *r = NewReq(req, OP_FORGET_MULTI, 0, false);
  r->size = count;
  r->data.resize(count * 2 * sizeof(double));
  double *p = reinterpret_cast<double *>(r->data.data());
  for (size_t i = 0; i < count; i++) {
    p[2 * i] = static_cast<double>(forgets[i].ino);
    p[2 * i + 1] = static_cast<double>(forgets[i].nlookup);
  }
  r->req = nullptr;
  Session *s = Of(req);
  fuse_reply_none(req);
  s->Post(r);
}

void OpGetattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) {
  Req *r = NewReq(req, OP_GETATTR, ino, false);
  SetFi(r, fi);
  Post(req, r);
}

void OpSetattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
               struct fuse_file_info *fi) {
  Req *r = NewReq(req, OP_SETATTR, ino, true);
  SetFi(r, fi);
  r->arg = to_set;
  r->a[0] = attr->st_mode;
  r->a[1] = attr->st_uid;
  r->a[2] = attr->st_gid;
  r->a[3] = static_cast<double>(attr->st_size);
  r->a[4] = static_cast<double>(attr->st_atim.tv_sec);
  r->a[5] = static_cast<double>(attr->st_atim.tv_nsec);
  r->a[6] = static_cast<double>(attr->st_mtim.tv_sec);
  r->a[7] = static_cast<double>(attr->st_mtim.tv_nsec);
  Post(req, r);
}

void OpReadlink(fuse_req_t req, fuse_ino_t ino) { Post(req, NewReq(req, OP_READLINK, ino, true)); }

void OpMknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev) {
  Req *r = NewReq(req, OP_MKNOD, parent, true);
  SetName(r, name);
  r->mode = mode;
  r->arg = static_cast<int64_t>(rdev);
  Post(req, r);
}

void OpMkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode) {
  Req *r = NewReq(req, OP_MKDIR, parent, true);
  SetName(r, name);
  r->mode = mode;
  Post(req, r);
}

void OpUnlink(fuse_req_t req, fuse_ino_t parent, const char *name) {
  Req *r = NewReq(req, OP_UNLINK, parent, true);
  SetName(r, name);
  Post(req, r);
}

void OpRmdir(fuse_req_t req, fuse_ino_t parent, const char *name) {
  Req *r = NewReq(req, OP_RMDIR, parent, true);
  SetName(r, name);
  Post(req, r);
}

void OpSymlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name) {
  Req *r = NewReq(req, OP_SYMLINK, parent, true);
  SetName(r, name);
  r->name2 = link;
  r->hasName2 = true;
  Post(req, r);
}

void OpRename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
              const char *newname, unsigned int flags) {
  Req *r = NewReq(req, OP_RENAME, parent, true);
  SetName(r, name);
  r->ino2 = newparent;
  r->name2 = newname;
  r->hasName2 = true;
  r->arg = flags;
  Post(req, r);
}

void OpLink(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname) {
  Req *r = NewReq(req, OP_LINK, ino, true);
  r->ino2 = newparent;
  SetName(r, newname);
  Post(req, r);
}

void OpOpen(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) {
  Req *r = NewReq(req, OP_OPEN, ino, true);
  SetFi(r, fi);
  Post(req, r);
}

void OpRead(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi) {
  Req *r = NewReq(req, OP_READ, ino, false);
  SetFi(r, fi);
  r->size = size;
  r->off = off;
  Post(req, r);
}

void OpWrite(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
             struct fuse_file_info *fi) {
  Req *r = NewReq(req, OP_WRITE, ino, false);
  SetFi(r, fi);
  r->size = size;
  r->off = off;
  r->a[0] = fi->writepage;
  // the receive buffer is the thread's and is reused for the next request
  r->data.assign(buf, buf + size);
  Post(req, r);
}

void OpFlush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) {
  // close(2) waits for this answer: without POSIX locks there is nothing to do
  if (!Of(req)->posixLocks_.load(std::memory_order_acquire)) {
    fuse_reply_err(req, 0);
    return;
  }
  Req *r = NewReq(req, OP_FLUSH, ino, false);
  SetFi(r, fi);
  SetOwner(r, 0, fi->lock_owner);
  Post(req, r);
}

void OpRelease(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) {
  Req *r = NewReq(req, OP_RELEASE, ino, false);
  SetFi(r, fi);
  r->arg = fi->flock_release;
  SetOwner(r, 0, fi->lock_owner);
  Post(req, r);
}

void OpFsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi) {
  Req *r = NewReq(req, OP_FSYNC, ino, false);
  SetFi(r, fi);
  r->arg = datasync;
  Post(req, r);
}

void OpOpendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) {
  Req *r = NewReq(req, OP_OPENDIR, ino, true);
  SetFi(r, fi);
  Post(req, r);
}

void OpReaddir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
               struct fuse_file_info *fi) {
  Req *r = NewReq(req, OP_READDIR, ino, false);
  SetFi(r, fi);
  r->size = size;
  r->off = off;
  Post(req, r);
}

void OpReleasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) {
  Req *r = NewReq(req, OP_RELEASEDIR, ino, false);
  SetFi(r, fi);
  Post(req, r);
}

void OpFsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi) {
  Req *r = NewReq(req, OP_FSYNCDIR, ino, false);
  SetFi(r, fi);
  r->arg = datasync;
  Post(req, r);
}

void OpStatfs(fuse_req_t req, fuse_ino_t ino) { Post(req, NewReq(req, OP_STATFS, ino, false)); }

void OpSetxattr(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value, size_t size,
                int flags) {
  Req *r = NewReq(req, OP_SETXATTR, ino, true);
  SetName(r, name);
  r->data.assign(value, value + size);
  r->size = size;
  r->arg = flags;
  Post(req, r);
}

void OpGetxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size) {
  Req *r = NewReq(req, OP_GETXATTR, ino, true);
  SetName(r, name);
  r->size = size;
  Post(req, r);
}

void OpListxattr(fuse_req_t req, fuse_ino_t ino, size_t size) {
  Req *r = NewReq(req, OP_LISTXATTR, ino, true);
  r->size = size;
  Post(req, r);
}

void OpRemovexattr(fuse_req_t req, fuse_ino_t ino, const char *name) {
  Req *r = NewReq(req, OP_REMOVEXATTR, ino, true);
  SetName(r, name);
  Post(req, r);
}

void OpAccess(fuse_req_t req, fuse_ino_t ino, int mask) {
  Req *r = NewReq(req, OP_ACCESS, ino, true);
  r->arg = mask;
  Post(req, r);
}

void OpCreate(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
              struct fuse_file_info *fi) {
  Req *r = NewReq(req, OP_CREATE, parent, true);
  SetFi(r, fi);
  SetName(r, name);
  r->mode = mode;
  Post(req, r);
}

void SetLock(Req *r, struct fuse_file_info *fi, const struct flock *lock) {
  SetFi(r, fi);
  r->a[0] = lock->l_type;
  r->a[1] = lock->l_whence;
  r->a[2] = static_cast<double>(lock->l_start);
  r->a[3] = static_cast<double>(lock->l_len);
  r->a[4] = lock->l_pid;
  SetOwner(r, 5, fi->lock_owner);
}

void OpGetlk(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, struct flock *lock) {
  Req *r = NewReq(req, OP_GETLK, ino, false);
  SetLock(r, fi, lock);
  Post(req, r);
}

void OpSetlk(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, struct flock *lock,
             int sleep) {
  Req *r = NewReq(req, OP_SETLK, ino, false);
  SetLock(r, fi, lock);
  r->arg = sleep;
  Post(req, r);
}

void OpFlock(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, int op) {
  Req *r = NewReq(req, OP_FLOCK, ino, false);
  SetFi(r, fi);
  r->arg = op;
  SetOwner(r, 5, fi->lock_owner);
  Post(req, r);
}

const struct fuse_lowlevel_ops kOps = [] {
  struct fuse_lowlevel_ops o;
  std::memset(&o, 0, sizeof o);
  o.init = OpInit;
  o.lookup = OpLookup;
  o.forget = OpForget;
  o.forget_multi = OpForgetMulti;
  o.getattr = OpGetattr;
  o.setattr = OpSetattr;
  o.readlink = OpReadlink;
  o.mknod = OpMknod;
  o.mkdir = OpMkdir;
  o.unlink = OpUnlink;
  o.rmdir = OpRmdir;
  o.symlink = OpSymlink;
  o.rename = OpRename;
  o.link = OpLink;
  o.open = OpOpen;
  o.read = OpRead;
  o.write = OpWrite;
  o.flush = OpFlush;
  o.release = OpRelease;
  o.fsync = OpFsync;
  o.opendir = OpOpendir;
  o.readdir = OpReaddir;
  o.releasedir = OpReleasedir;
  o.fsyncdir = OpFsyncdir;
  o.statfs = OpStatfs;
  o.setxattr = OpSetxattr;
  o.getxattr = OpGetxattr;
  o.listxattr = OpListxattr;
  o.removexattr = OpRemovexattr;
  o.access = OpAccess;
  o.create = OpCreate;
  o.getlk = OpGetlk;
  o.setlk = OpSetlk;
  o.flock = OpFlock;
  return o;
}();

void OnInterrupt(fuse_req_t req, void *data) {
  Req *r = new Req();
  r->op = OP_INTERRUPT;
  r->id = reinterpret_cast<uintptr_t>(data);
  Of(req)->Post(r);
}

// ---------------------------------------------------------------------------
// Session

void DestroyLink(Link *l) {
  if (l->se != nullptr) fuse_session_destroy(l->se);
  if (l->fd != -1) close(l->fd);
  delete l;
}

void FinalizeLink(Napi::Env, void *, Link *l) { DestroyLink(l); }

Napi::Function Session::Init(Napi::Env env) {
  return DefineClass(env, "Session",
                     {
                         InstanceMethod("start", &Session::Start),
                         InstanceMethod("stop", &Session::Stop),
                         InstanceMethod("close", &Session::Close),
                         InstanceMethod("info", &Session::Info),
                         InstanceMethod("replyErr", &Session::ReplyErr),
                         InstanceMethod("replyEntry", &Session::ReplyEntry),
                         InstanceMethod("replyCreate", &Session::ReplyCreate),
                         InstanceMethod("replyAttr", &Session::ReplyAttr),
                         InstanceMethod("replyOpen", &Session::ReplyOpen),
                         InstanceMethod("replyWrite", &Session::ReplyWrite),
                         InstanceMethod("replyBuf", &Session::ReplyBuf),
                         InstanceMethod("replyReadlink", &Session::ReplyReadlink),
                         InstanceMethod("replyStatfs", &Session::ReplyStatfs),
                         InstanceMethod("replyLock", &Session::ReplyLock),
                         InstanceMethod("replyXattr", &Session::ReplyXattr),
                         InstanceMethod("park", &Session::Park),
                         InstanceMethod("usePosixLocks", &Session::UsePosixLocks),
                     });
}

// new Session(fd, dispatch, shared: Float64Array(128), scratch: Uint8Array, debug)
// Takes ownership of fd. On failure the object is made closed and info()
// says why (src/native.ts checks it).
Session::Session(const Napi::CallbackInfo &info) : Napi::ObjectWrap<Session>(info) {
  Napi::Env env = info.Env();
  closed_ = true;
  if (info.Length() < 5 || !info[0].IsNumber() || !info[1].IsFunction() ||
      !info[2].IsTypedArray() || !info[3].IsTypedArray())
    return;
  fd_ = info[0].As<Napi::Number>().Int32Value();
  link_ = new Link();
  link_->fd = fd_;
  Napi::TypedArray sh = info[2].As<Napi::TypedArray>();
  Napi::TypedArray sc = info[3].As<Napi::TypedArray>();
  if (sh.TypedArrayType() != napi_float64_array || sh.ElementLength() < kSharedSlots) return;
  if (sc.TypedArrayType() != napi_uint8_array) return;
  shared_ = sh.As<Napi::Float64Array>().Data();
  scratch_ = sc.As<Napi::Uint8Array>().Data();
  scratchLen_ = sc.ElementLength();
  sharedRef_ = Napi::Persistent(sh.As<Napi::Object>());
  scratchRef_ = Napi::Persistent(sc.As<Napi::Object>());

  struct fuse_args args = FUSE_ARGS_INIT(0, nullptr);
  fuse_opt_add_arg(&args, "p2k");
  if (info[4].ToBoolean().Value()) fuse_opt_add_arg(&args, "-odebug");
  se_ = fuse_session_new(&args, &kOps, sizeof kOps, this);
  fuse_opt_free_args(&args);
  if (se_ == nullptr) return;
  link_->se = se_;
  // a non-blocking descriptor: the threads poll it together with the stop pipe
  int fl = fcntl(fd_, F_GETFL);
  if (fl == -1 || fcntl(fd_, F_SETFL, fl | O_NONBLOCK) == -1) return;
  char devfd[32];
  std::snprintf(devfd, sizeof devfd, "/dev/fd/%d", fd_);
  if (fuse_session_mount(se_, devfd) != 0) return;
  link_->fd = -1;  // fuse_session_destroy closes it now
  if (pipe2(stop_, O_CLOEXEC) != 0) return;
  link_->s = this;
  tsfn_ = Tsfn::New(env, info[1].As<Napi::Function>(), "p2k", 0, 1, link_, FinalizeLink,
                    static_cast<void *>(nullptr));
  tsfnLive_ = true;
  closed_ = false;
}

Session::~Session() {
  // normally close() ran; a session dropped without it must not leave threads
  Shutdown();
  for (int i = 0; i < 2; i++)
    if (stop_[i] != -1) close(stop_[i]);
}

void Session::Post(Req *r) {
  if (tsfn_.NonBlockingCall(r) != napi_ok) {
    if (r->req != nullptr) fuse_reply_err(r->req, ENODEV);
    delete r;
  }
}

void Session::Run() {
  struct fuse_buf buf;
  std::memset(&buf, 0, sizeof buf);
  // each thread waits in an epoll of its own; EPOLLEXCLUSIVE wakes one
  // thread per request instead of all of them
  int ep = epoll_create1(EPOLL_CLOEXEC);
  bool ok = ep != -1;
  if (ok) {
    struct epoll_event ev;
    std::memset(&ev, 0, sizeof ev);
    ev.events = EPOLLIN | EPOLLEXCLUSIVE;
    ev.data.fd = fd_;
    ok = epoll_ctl(ep, EPOLL_CTL_ADD, fd_, &ev) == 0;
    ev.events = EPOLLIN;
    ev.data.fd = stop_[0];
    ok = ok && epoll_ctl(ep, EPOLL_CTL_ADD, stop_[0], &ev) == 0;
  }
  while (ok && !fuse_session_exited(se_)) {
    struct epoll_event evs[2];
    int n = epoll_wait(ep, evs, 2, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    bool stop = false, ready = false;
    for (int i = 0; i < n; i++) {
      if (evs[i].data.fd == stop_[0]) stop = true;
      else ready = true;
    }
    if (stop) break;
    if (!ready) continue;
    // another thread may have taken the request: EAGAIN, wait again
    int res = fuse_session_receive_buf(se_, &buf);
    if (res == -EINTR || res == -EAGAIN) continue;
    if (res <= 0) break;  // 0: unmounted (ENODEV), the session has exited
    fuse_session_process_buf(se_, &buf);
  }
  if (ep != -1) close(ep);
  std::free(buf.mem);
  if (running_.fetch_sub(1) == 1) {
    Req *r = new Req();
    r->op = OP_END;
    Post(r);
  }
}

// start(): start the threads that read requests.
Napi::Value Session::Start(const Napi::CallbackInfo &info) {
  if (closed_ || started_) return Napi::Number::New(info.Env(), -EINVAL);
  started_ = true;
  running_ = kThreads;
  for (int i = 0; i < kThreads; i++) threads_.emplace_back(&Session::Run, this);
  return Napi::Number::New(info.Env(), 0);
}

// stop(): make the threads leave (OP_END follows). The mount stays until
// unmounted; requests then fail with ENOTCONN, so use it after an unmount
// or to abandon a broken one.
Napi::Value Session::Stop(const Napi::CallbackInfo &info) {
  if (stop_[1] != -1) (void)!write(stop_[1], "x", 1);
  return info.Env().Undefined();
}

void Session::Shutdown() {
  closed_ = true;
  if (stop_[1] != -1) (void)!write(stop_[1], "x", 1);
  for (auto &t : threads_) t.join();
  threads_.clear();
  // whatever the dispatcher left unanswered
  for (Req *r : slots_) {
    if (r == nullptr) continue;
    if (r->req != nullptr) fuse_reply_err(r->req, EIO);
    delete r;
  }
  slots_.clear();
  free_.clear();
  Link *l = link_;
  link_ = nullptr;
  se_ = nullptr;
  fd_ = -1;
  if (l == nullptr) return;
  l->s = nullptr;
  if (tsfnLive_) {
    // the function's finaliser destroys the libfuse session (closing
    // /dev/fuse) once its queue has drained
    tsfnLive_ = false;
    tsfn_.Release();
  } else {
    DestroyLink(l);
  }
}

// close(): join the threads, answer what is left (EIO), destroy the session
// (closing /dev/fuse, which ends the connection if it was not over yet).
Napi::Value Session::Close(const Napi::CallbackInfo &info) {
  Shutdown();
  return info.Env().Undefined();
}

// info(): { ok, maxWrite, maxRead }
Napi::Value Session::Info(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("ok", Napi::Boolean::New(env, !closed_ && tsfnLive_));
  o.Set("maxWrite", Napi::Number::New(env, maxWrite_.load()));
  o.Set("maxRead", Napi::Number::New(env, maxRead_.load()));
  return o;
}

void CallJs(Napi::Env env, Napi::Function fn, Link *l, Req *r) {
  Session *s = l == nullptr ? nullptr : l->s;
  if (env == nullptr || s == nullptr || s->closed_) {
    // closed: nobody will answer (the libfuse session is still alive)
    if (r->req != nullptr) fuse_reply_err(r->req, ENODEV);
    delete r;
    return;
  }
  s->Deliver(env, fn, r);
}

napi_value Latin1(Napi::Env env, const std::string &s) {
  napi_value v;
  napi_create_string_latin1(env, s.data(), s.size(), &v);
  return v;
}

void Session::Deliver(Napi::Env env, Napi::Function fn, Req *r) {
  double *h = shared_;
  if (r->op == OP_END || r->op == OP_INTERRUPT) {
    double id = static_cast<double>(r->id);
    int op = r->op;
    delete r;
    fn.Call({Napi::Number::New(env, op), Napi::Number::New(env, id)});
    return;
  }
  double id = 0;
  if (r->req != nullptr) {
    uint32_t slot;
    if (!free_.empty()) {
      slot = free_.back();
      free_.pop_back();
    } else {
      slot = static_cast<uint32_t>(slots_.size());
      slots_.push_back(nullptr);
      gens_.push_back(0);
    }
    slots_[slot] = r;
    uint32_t gen = ++gens_[slot];
    id = static_cast<double>(gen) * 4294967296.0 + slot;
  }
  h[H_OP] = r->op;
  h[H_ID] = id;
  h[H_INO] = static_cast<double>(r->ino);
  h[H_UID] = r->uid;
  h[H_GID] = r->gid;
  h[H_PID] = r->pid;
  h[H_UMASK] = r->umask;
  h[H_NGROUPS] = r->ngroups;
  for (int i = 0; i < r->ngroups; i++) h[H_GROUPS + i] = r->groups[i];
  h[H_FH] = static_cast<double>(r->fh);
  h[H_HASFH] = r->hasFh ? 1 : 0;
  h[H_OFF] = static_cast<double>(r->off);
  h[H_SIZE] = static_cast<double>(r->size);
  h[H_FLAGS] = static_cast<double>(r->flags);
  h[H_MODE] = r->mode;
  h[H_INO2] = static_cast<double>(r->ino2);
  h[H_ARG] = static_cast<double>(r->arg);
  for (int i = 0; i < 12; i++) h[H_A0 + i] = r->a[i];
  if (!r->data.empty()) {
    size_t n = r->data.size() < scratchLen_ ? r->data.size() : scratchLen_;
    std::memcpy(scratch_, r->data.data(), n);
    r->data.clear();
    r->data.shrink_to_fit();
  }
  Napi::Value a = r->hasName ? Napi::Value(env, Latin1(env, r->name)) : env.Undefined();
  Napi::Value b = r->hasName2 ? Napi::Value(env, Latin1(env, r->name2)) : env.Undefined();
  int op = r->op;
  if (r->req == nullptr) delete r;  // forget: already answered
  fn.Call({Napi::Number::New(env, op), Napi::Number::New(env, id), a, b});
}

Req *Session::Peek(double id) {
  if (!(id >= 0) || id > 9007199254740991.0) return nullptr;
  uint64_t v = static_cast<uint64_t>(id);
  uint32_t slot = static_cast<uint32_t>(v & 0xffffffffu);
  uint32_t gen = static_cast<uint32_t>(v >> 32);
  if (slot >= slots_.size() || gens_[slot] != gen) return nullptr;
  return slots_[slot];
}

// The request `id` (argument 0), removed from the table; null if unknown.
Req *Session::Take(const Napi::CallbackInfo &info) {
  if (info.Length() < 1 || !info[0].IsNumber()) return nullptr;
  double id = info[0].As<Napi::Number>().DoubleValue();
  Req *r = Peek(id);
  if (r == nullptr) return nullptr;
  uint32_t slot = static_cast<uint32_t>(static_cast<uint64_t>(id) & 0xffffffffu);
  slots_[slot] = nullptr;
  free_.push_back(slot);
  return r;
}

int64_t ArgInt(const Napi::CallbackInfo &info, size_t i) {
  if (i >= info.Length() || !info[i].IsNumber()) return 0;
  double d = info[i].As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d)) return 0;
  return static_cast<int64_t>(d);
}

#define TAKE_OR_FAIL()                                          \
  Req *r = Take(info);                                          \
  if (r == nullptr) return Napi::Number::New(info.Env(), -ENOENT); \
  fuse_req_t req = r->req;                                      \
  delete r

void Session::FillStat(struct stat *st) {
  const double *s = shared_ + R_ST;
  std::memset(st, 0, sizeof *st);
  st->st_ino = static_cast<ino_t>(s[0]);
  st->st_mode = static_cast<mode_t>(s[1]);
  st->st_nlink = static_cast<nlink_t>(s[2]);
  st->st_uid = static_cast<uid_t>(s[3]);
  st->st_gid = static_cast<gid_t>(s[4]);
  st->st_rdev = static_cast<dev_t>(s[5]);
  st->st_size = static_cast<off_t>(s[6]);
  st->st_blksize = static_cast<blksize_t>(s[7]);
  st->st_blocks = static_cast<blkcnt_t>(s[8]);
  st->st_atim.tv_sec = static_cast<time_t>(s[9]);
  st->st_atim.tv_nsec = static_cast<long>(s[10]);
  st->st_mtim.tv_sec = static_cast<time_t>(s[11]);
  st->st_mtim.tv_nsec = static_cast<long>(s[12]);
  st->st_ctim.tv_sec = static_cast<time_t>(s[13]);
  st->st_ctim.tv_nsec = static_cast<long>(s[14]);
}

void Session::FillEntry(struct fuse_entry_param *e) {
  std::memset(e, 0, sizeof *e);
  e->ino = static_cast<fuse_ino_t>(shared_[R_NODEID]);
  e->generation = static_cast<uint64_t>(shared_[R_GEN]);
  e->attr_timeout = shared_[R_ATTR_TIMEOUT];
  e->entry_timeout = shared_[R_ENTRY_TIMEOUT];
  FillStat(&e->attr);
}

void Session::FillOpen(struct fuse_file_info *fi) {
  std::memset(fi, 0, sizeof *fi);
  fi->fh = static_cast<uint64_t>(shared_[R_FH]);
  int f = static_cast<int>(shared_[R_OPENFLAGS]);
  fi->direct_io = (f & kOpenDirectIo) != 0;
  fi->keep_cache = (f & kOpenKeepCache) != 0;
  fi->nonseekable = (f & kOpenNonseekable) != 0;
}

// replyErr(id, hostErrno)
Napi::Value Session::ReplyErr(const Napi::CallbackInfo &info) {
  int e = static_cast<int>(ArgInt(info, 1));
  TAKE_OR_FAIL();
  return Napi::Number::New(info.Env(), fuse_reply_err(req, e));
}

// replyEntry(id): nodeid, generation, timeouts and stat from the reply slots
Napi::Value Session::ReplyEntry(const Napi::CallbackInfo &info) {
  TAKE_OR_FAIL();
  struct fuse_entry_param e;
  FillEntry(&e);
  return Napi::Number::New(info.Env(), fuse_reply_entry(req, &e));
}

// replyCreate(id): an entry and an open file (R_FH, R_OPENFLAGS)
Napi::Value Session::ReplyCreate(const Napi::CallbackInfo &info) {
  TAKE_OR_FAIL();
  struct fuse_entry_param e;
  FillEntry(&e);
  struct fuse_file_info fi;
  FillOpen(&fi);
  return Napi::Number::New(info.Env(), fuse_reply_create(req, &e, &fi));
}

// replyAttr(id): stat and R_ATTR_TIMEOUT
Napi::Value Session::ReplyAttr(const Napi::CallbackInfo &info) {
  TAKE_OR_FAIL();
  struct stat st;
  FillStat(&st);
  return Napi::Number::New(info.Env(), fuse_reply_attr(req, &st, shared_[R_ATTR_TIMEOUT]));
}

// replyOpen(id): R_FH, R_OPENFLAGS
Napi::Value Session::ReplyOpen(const Napi::CallbackInfo &info) {
  TAKE_OR_FAIL();
  struct fuse_file_info fi;
  FillOpen(&fi);
  return Napi::Number::New(info.Env(), fuse_reply_open(req, &fi));
}

// replyWrite(id, count)
Napi::Value Session::ReplyWrite(const Napi::CallbackInfo &info) {
  int64_t n = ArgInt(info, 1);
  TAKE_OR_FAIL();
  return Napi::Number::New(info.Env(), fuse_reply_write(req, static_cast<size_t>(n)));
}

// replyBuf(id, len): scratch[0, len)
Napi::Value Session::ReplyBuf(const Napi::CallbackInfo &info) {
  int64_t n = ArgInt(info, 1);
  if (n < 0 || static_cast<uint64_t>(n) > scratchLen_) n = 0;
  TAKE_OR_FAIL();
  return Napi::Number::New(info.Env(),
                           fuse_reply_buf(req, reinterpret_cast<const char *>(scratch_),
                                          static_cast<size_t>(n)));
}

// replyReadlink(id, len): the target is scratch[0, len)
Napi::Value Session::ReplyReadlink(const Napi::CallbackInfo &info) {
  int64_t n = ArgInt(info, 1);
  if (n < 0 || static_cast<uint64_t>(n) > scratchLen_) n = 0;
  TAKE_OR_FAIL();
  std::string target(reinterpret_cast<const char *>(scratch_), static_cast<size_t>(n));
  return Napi::Number::New(info.Env(), fuse_reply_readlink(req, target.c_str()));
}

// replyStatfs(id): R_X = bsize frsize blocks bfree bavail files ffree favail fsid flag namemax
Napi::Value Session::ReplyStatfs(const Napi::CallbackInfo &info) {
  TAKE_OR_FAIL();
  const double *x = shared_ + R_X;
  struct statvfs sv;
  std::memset(&sv, 0, sizeof sv);
  sv.f_bsize = static_cast<unsigned long>(x[0]);
  sv.f_frsize = static_cast<unsigned long>(x[1]);
  sv.f_blocks = static_cast<fsblkcnt_t>(x[2]);
  sv.f_bfree = static_cast<fsblkcnt_t>(x[3]);
  sv.f_bavail = static_cast<fsblkcnt_t>(x[4]);
  sv.f_files = static_cast<fsfilcnt_t>(x[5]);
  sv.f_ffree = static_cast<fsfilcnt_t>(x[6]);
  sv.f_favail = static_cast<fsfilcnt_t>(x[7]);
  sv.f_fsid = static_cast<unsigned long>(x[8]);
  sv.f_flag = static_cast<unsigned long>(x[9]);
  sv.f_namemax = static_cast<unsigned long>(x[10]);
  return Napi::Number::New(info.Env(), fuse_reply_statfs(req, &sv));
}

// replyLock(id): R_X = type start len pid (host F_RDLCK/F_WRLCK/F_UNLCK)
Napi::Value Session::ReplyLock(const Napi::CallbackInfo &info) {
  TAKE_OR_FAIL();
  const double *x = shared_ + R_X;
  struct flock fl;
  std::memset(&fl, 0, sizeof fl);
  fl.l_type = static_cast<short>(x[0]);
  fl.l_whence = SEEK_SET;
  fl.l_start = static_cast<off_t>(x[1]);
  fl.l_len = static_cast<off_t>(x[2]);
  fl.l_pid = static_cast<pid_t>(x[3]);
  return Napi::Number::New(info.Env(), fuse_reply_lock(req, &fl));
}

// replyXattr(id, size)
Napi::Value Session::ReplyXattr(const Napi::CallbackInfo &info) {
  int64_t n = ArgInt(info, 1);
  TAKE_OR_FAIL();
  return Napi::Number::New(info.Env(), fuse_reply_xattr(req, static_cast<size_t>(n)));
}

// park(id): the request waits (answered later); FUSE_INTERRUPT of it
// arrives as OP_INTERRUPT with its id. 0, or -ENOENT for an unknown id.
Napi::Value Session::Park(const Napi::CallbackInfo &info) {
  if (info.Length() < 1 || !info[0].IsNumber()) return Napi::Number::New(info.Env(), -EINVAL);
  double id = info[0].As<Napi::Number>().DoubleValue();
  Req *r = Peek(id);
  if (r == nullptr || r->req == nullptr) return Napi::Number::New(info.Env(), -ENOENT);
  fuse_req_interrupt_func(r->req, OnInterrupt,
                          reinterpret_cast<void *>(static_cast<uintptr_t>(id)));
  return Napi::Number::New(info.Env(), 0);
}

// usePosixLocks(): a POSIX lock was granted; from now on flushes (which
// release a process's locks at close) go to the dispatcher.
Napi::Value Session::UsePosixLocks(const Napi::CallbackInfo &info) {
  posixLocks_.store(true, std::memory_order_release);
  return info.Env().Undefined();
}

// ---------------------------------------------------------------------------
// Mounting and unmounting

Napi::Value Result(Napi::Env env, int rv, const std::string &msg) {
  Napi::Array a = Napi::Array::New(env, 2);
  a.Set(0u, Napi::Number::New(env, rv));
  a.Set(1u, Napi::String::New(env, msg));
  return a;
}

std::string ArgStr(const Napi::CallbackInfo &info, size_t i) {
  if (i >= info.Length() || !info[i].IsString()) return std::string();
  return info[i].As<Napi::String>().Utf8Value();
}

// Run fusermount3 with `args`; stderr is collected into *msg. With commfd,
// the mount's descriptor is received over a socket (_FUSE_COMMFD) into
// *fdOut. Returns the exit status, or -errno when it could not run.
int RunFusermount(const std::vector<std::string> &args, bool commfd, int *fdOut,
                  std::string *msg) {
  int sv[2] = {-1, -1};
  int ep[2] = {-1, -1};
  if (commfd && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return -errno;
  if (pipe2(ep, O_CLOEXEC) != 0) {
    int e = errno;
    if (sv[0] != -1) close(sv[0]), close(sv[1]);
    return -e;
  }
  std::vector<std::string> envs;
  for (char **e = environ; *e != nullptr; e++)
    if (std::strncmp(*e, "_FUSE_COMMFD=", 13) != 0) envs.emplace_back(*e);
  if (commfd) envs.emplace_back("_FUSE_COMMFD=3");
  std::vector<char *> envp;
  for (auto &s : envs) envp.push_back(const_cast<char *>(s.c_str()));
  envp.push_back(nullptr);
  std::vector<char *> argv;
  argv.push_back(const_cast<char *>("fusermount3"));
  for (auto &s : args) argv.push_back(const_cast<char *>(s.c_str()));
  argv.push_back(nullptr);

  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, ep[1], 1);
  posix_spawn_file_actions_adddup2(&fa, ep[1], 2);
  if (commfd) posix_spawn_file_actions_adddup2(&fa, sv[1], 3);
  pid_t pid;
  int rc = posix_spawnp(&pid, "fusermount3", &fa, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  close(ep[1]);
  if (commfd) close(sv[1]);
  if (rc != 0) {
    close(ep[0]);
    if (commfd) close(sv[0]);
    return -rc;
  }
  if (commfd) {
    char b;
    struct iovec iov = {&b, 1};
    char cbuf[CMSG_SPACE(sizeof(int))];
    struct msghdr m;
    std::memset(&m, 0, sizeof m);
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = cbuf;
    m.msg_controllen = sizeof cbuf;
    ssize_t n;
    do n = recvmsg(sv[0], &m, MSG_CMSG_CLOEXEC);
    while (n == -1 && errno == EINTR);
    struct cmsghdr *c = n > 0 ? CMSG_FIRSTHDR(&m) : nullptr;
    if (c != nullptr && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
      std::memcpy(fdOut, CMSG_DATA(c), sizeof(int));
    close(sv[0]);
  }
  char buf[512];
  ssize_t n;
  while ((n = read(ep[0], buf, sizeof buf)) != 0) {
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    msg->append(buf, static_cast<size_t>(n));
  }
  close(ep[0]);
  int status;
  while (waitpid(pid, &status, 0) == -1)
    if (errno != EINTR) return -errno;
  while (!msg->empty() && (msg->back() == '\n' || msg->back() == ' ')) msg->pop_back();
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// mount(mountpoint, fsname, type, msflags, kernelOpts, fusermountOpts)
//   → [fd, ""] or [-errno, message]
// As root: open /dev/fuse and mount(2) with fd=,rootmode=,user_id=,group_id=
// plus kernelOpts. Otherwise (or when mount(2) is not permitted):
// fusermount3 -o fusermountOpts -- mountpoint, which passes the descriptor back.
Napi::Value Mount(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string mnt = ArgStr(info, 0), fsname = ArgStr(info, 1), type = ArgStr(info, 2);
  unsigned long flags = static_cast<unsigned long>(ArgInt(info, 3));
  std::string kopts = ArgStr(info, 4), fopts = ArgStr(info, 5);
  struct stat st;
  if (stat(mnt.c_str(), &st) != 0) return Result(env, -errno, "cannot stat the mount point");
  if (geteuid() == 0) {
    int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
    if (fd == -1) {
      int e = errno;
      return Result(env, -e,
                    e == ENOENT || e == ENODEV
                        ? "/dev/fuse is missing (no FUSE in this kernel or container; try modprobe fuse)"
                        : std::string("cannot open /dev/fuse: ") + std::strerror(e));
    }
    char data[1024];
    std::snprintf(data, sizeof data, "fd=%d,rootmode=%o,user_id=%u,group_id=%u%s%s", fd,
                  st.st_mode & S_IFMT, getuid(), getgid(), kopts.empty() ? "" : ",",
                  kopts.c_str());
    if (mount(fsname.c_str(), mnt.c_str(), type.c_str(), flags, data) == 0)
      return Result(env, fd, "");
    int e = errno;
    close(fd);
    if (e != EPERM) return Result(env, -e, std::string("mount(2): ") + std::strerror(e));
    // a root without CAP_SYS_ADMIN (a user namespace): fusermount3 may still work
  }
  int fd = -1;
  std::string msg;
  int rc = RunFusermount({"-o", fopts, "--", mnt}, true, &fd, &msg);
  if (rc < 0)
    return Result(env, rc,
                  rc == -ENOENT ? "fusermount3 is not installed (Debian/Ubuntu: apt install fuse3)"
                                : std::string("cannot run fusermount3: ") + std::strerror(-rc));
  if (fd == -1)
    return Result(env, -EPERM, msg.empty() ? "fusermount3 failed" : msg);
  return Result(env, fd, "");
}

// unmount(mountpoint, lazy) → [0, ""] or [-errno, message]
Napi::Value Unmount(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string mnt = ArgStr(info, 0);
  bool lazy = info.Length() > 1 && info[1].ToBoolean().Value();
  if (geteuid() == 0) {
    if (umount2(mnt.c_str(), (lazy ? MNT_DETACH : 0) | UMOUNT_NOFOLLOW) == 0)
      return Result(env, 0, "");
    int e = errno;
    if (e != EPERM) return Result(env, -e, std::strerror(e));
  }
  std::vector<std::string> args = {"-u", "-q"};
  if (lazy) args.push_back("-z");
  args.push_back("--");
  args.push_back(mnt);
  std::string msg;
  int rc = RunFusermount(args, false, nullptr, &msg);
  if (rc < 0)
    return Result(env, rc,
                  rc == -ENOENT ? "fusermount3 is not installed (Debian/Ubuntu: apt install fuse3)"
                                : std::strerror(-rc));
  if (rc == 0) return Result(env, 0, "");
  int e = EINVAL;
  if (msg.find("busy") != std::string::npos) e = EBUSY;
  else if (msg.find("ermission") != std::string::npos || msg.find("not permitted") != std::string::npos)
    e = EPERM;
  return Result(env, -e, msg.empty() ? "fusermount3 -u failed" : msg);
}

Napi::Object InitAll(Napi::Env env, Napi::Object exports) {
  exports.Set("abi", Napi::Number::New(env, P2K_NATIVE_ABI));
  exports.Set("fuseVersion", Napi::Number::New(env, fuse_version()));
  exports.Set("Session", Session::Init(env));
  exports.Set("mount", Napi::Function::New(env, Mount, "mount"));
  exports.Set("unmount", Napi::Function::New(env, Unmount, "unmount"));
  return exports;
}

}  // namespace

NODE_API_MODULE(p2k, InitAll)
