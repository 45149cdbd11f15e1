# ossv's HNSW addon. Our C++ (src/native) sits over hnswlib's header-only core, which is NOT copied into
# this repository: the headers are taken from the installed hnswlib-node package (Apache-2.0), whose
# src/hnswlib/ ships them. hnswlib-node is a dependency of this package only as that header source;
# its own JS binding is not used by the engine. The compiler flags are node-gyp's defaults, as
# hnswlib-node's build uses, so both compile the same distance kernels and build the same graphs.
{
  "targets": [
    {
      "target_name": "ossv_hnsw",
      "sources": ["src/native/addon.cc", "src/native/graph-bytes.cc", "src/native/int8-graph.cc", "src/native/mapped-graph.cc", "src/native/vector-file.cc"],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!(node -p \"require('path').join(require('path').dirname(require.resolve('hnswlib-node/package.json')), 'src', 'hnswlib')\")"
      ],
      # NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS: a worker thread terminated while inside the addon (an
      # aborted graph build) makes the addon's next N-API call fail, and node-addon-api can no longer
      # throw that error into JavaScript. Without this define it throws a C++ exception out of the
      # callback instead, and std::terminate aborts the whole process (src/terminate.test.ts).
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED", "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"],
      # hnswlib reports errors by throwing; the addon catches them and throws JS errors instead.
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      # Warnings inside hnswlib's headers (not ours to fix) would only bury our own at install time.
      # -ffp-contract=off: no fused multiply-adds, whose single rounding would make scoreRows differ
      # from the engine's JavaScript kernel on CPUs that have them (arm64 by default).
      "cflags_cc": ["-Wno-type-limits", "-Wno-unused-function", "-ffp-contract=off"],
      "xcode_settings": {"GCC_ENABLE_CPP_EXCEPTIONS": "YES"},
      "msvs_settings": {"VCCLCompilerTool": {"ExceptionHandling": 1}}
    }
  ]
}
