# The native part of @rump/p2k: libfuse3's low-level session on native
# threads (native/p2k.cc). Built from source at install (scripts/build-native.mjs,
# with the package manager's node-gyp and @rump/rumpuser's build helper) where
# libfuse3's headers are there; otherwise the package still installs, and
# p2k_init / mount() say what to install and which command builds it.
{
  'targets': [
    {
      'target_name': 'p2k',
      'sources': ['native/p2k.cc'],
      'defines': ['NAPI_VERSION=8', 'NODE_ADDON_API_DISABLE_CPP_EXCEPTIONS'],
      # node-addon-api's headers only (no gyp target of its own: depending on
      # one made gyp write its makefiles into a folder beside this package)
      'include_dirs': ["<!(node -p \"require('node-addon-api').include_dir\")"],
      'cflags': ['<!@(pkg-config --cflags fuse3)', '-fno-exceptions'],
      'cflags_cc': ['-Wall', '-Wextra', '-Wno-missing-field-initializers', '-fno-exceptions'],
      'libraries': ['<!@(pkg-config --libs fuse3)'],
    },
  ],
}
