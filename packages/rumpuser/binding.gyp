# The native part of @rump/rumpuser: one addon, synchronous calls only
# (native/rumpuser.cc). The package ships it prebuilt for linux-x64
# (prebuilds/, made by scripts/prebuild.mjs); elsewhere scripts/build-native.mjs
# builds it at install with the package manager's node-gyp, and when that
# fails the package runs in pure JS (src/native.ts says what is lost).
{
  'targets': [
    {
      'target_name': 'rumpuser',
      'sources': ['native/rumpuser.cc'],
      # Node-API 8 = Node 12.22+/14.17+/16+: one binary for every Node we support
      'defines': ['NAPI_VERSION=8', 'NODE_ADDON_API_DISABLE_CPP_EXCEPTIONS'],
      # node-addon-api's headers only (no gyp target of its own: depending on
      # one made gyp write its makefiles into a folder beside this package)
      'include_dirs': ["<!(node -p \"require('node-addon-api').include_dir\")"],
      'cflags': ['-fno-exceptions'],
      'cflags_cc': ['-Wall', '-Wextra', '-fno-exceptions'],
      'xcode_settings': {
        'MACOSX_DEPLOYMENT_TARGET': '10.15',
        'GCC_ENABLE_CPP_EXCEPTIONS': 'NO',
      },
    },
  ],
}
