# The native part of @rump/p2k: libfuse3's low-level session on native
# threads (native/p2k.cc). Built at install by scripts/build-native.mjs; when
# libfuse3's headers are missing the package still installs, and p2k_init /
# mount() say what to install.
{
  'targets': [
    {
      'target_name': 'p2k',
      'sources': ['native/p2k.cc'],
      'defines': ['NAPI_VERSION=8'],
      'dependencies': [
        "<!(node -p \"require('node-addon-api').targets\"):node_addon_api",
      ],
      'cflags': ['<!@(pkg-config --cflags fuse3)'],
      'cflags_cc': ['-Wall', '-Wextra', '-Wno-missing-field-initializers'],
      'libraries': ['<!@(pkg-config --libs fuse3)'],
    },
  ],
}
