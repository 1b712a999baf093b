# The native part of @rump/rumpuser: one addon, synchronous calls only
# (native/rumpuser.cc). Built at install by scripts/build-native.mjs; when that
# fails the package runs in pure JS (src/native.ts says what is lost).
{
  'targets': [
    {
      'target_name': 'rumpuser',
      'sources': ['native/rumpuser.cc'],
      # Node-API 8 = Node 12.22+/14.17+/16+: one binary for every Node we support
      'defines': ['NAPI_VERSION=8'],
      # node-addon-api's headers, C++ exceptions off (errors are -errno numbers)
      'dependencies': [
        "<!(node -p \"require('node-addon-api').targets\"):node_addon_api",
      ],
      'cflags_cc': ['-Wall', '-Wextra'],
      'xcode_settings': {
        'MACOSX_DEPLOYMENT_TARGET': '10.15',
      },
    },
  ],
}
