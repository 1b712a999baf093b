import { EINVAL } from "../../gen/constants.js";
import type { Out } from "../../sys/out.js";
import type { Vnode } from "../../sys/vnode.js";
import {
  _PC_CHOWN_RESTRICTED,
  _PC_LINK_MAX,
  _PC_MAX_CANON,
  _PC_MAX_INPUT,
  _PC_NAME_MAX,
  _PC_NO_TRUNC,
  _PC_PATH_MAX,
  _PC_PIPE_BUF,
  _PC_SYNC_IO,
  _PC_VDISABLE,
  LINK_MAX,
  PIPE_BUF,
} from "../../sys/consts.js";

/** VOP_PATHCONF of device and fifo nodes (spec_pathconf / fifo_pathconf). */
export function specfs_pathconf(_vp: Vnode, name: number, retval: Out<number>): number {
  switch (name) {
    case _PC_LINK_MAX:
      retval.v = LINK_MAX;
      return 0;
    case _PC_MAX_CANON:
      retval.v = 255;
      return 0;
    case _PC_MAX_INPUT:
      retval.v = 255;
      return 0;
    case _PC_NAME_MAX:
      retval.v = 255;
      return 0;
    case _PC_PATH_MAX:
      retval.v = 1024;
      return 0;
    case _PC_PIPE_BUF:
      retval.v = PIPE_BUF;
      return 0;
    case _PC_CHOWN_RESTRICTED:
    case _PC_NO_TRUNC:
    case _PC_SYNC_IO:
      retval.v = 1;
      return 0;
    case _PC_VDISABLE:
      retval.v = 0xff;
      return 0;
    default:
      return EINVAL;
  }
}
