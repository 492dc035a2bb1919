"""cc_grpc_proto: C++ code for a .proto file (messages, and a gRPC service when it has one).

Runs Debian's protoc with grpc_cpp_plugin (no @com_google_protobuf repository is reachable
offline) and wraps the generated files in one cc_library, shaped like gRPC's cc_grpc_library:

    cc_grpc_proto(name = "trainer_cc_proto", src = "trainer.proto", deps = [":job_cc_proto"])

`deps` are other cc_grpc_proto targets whose .proto files this one imports. Imports are
resolved from the workspace root, so import "proto/job.proto".
"""

def cc_grpc_proto(name, src, deps = [], grpc = True, visibility = None, testonly = False):
    base = src[:-len(".proto")]
    pkg = native.package_name()
    outs = [base + ".pb.h", base + ".pb.cc"]
    if grpc:
        outs += [base + ".grpc.pb.h", base + ".grpc.pb.cc"]
    proto_deps = [d + "_srcs" for d in deps]
    cmd = "protoc --proto_path=. --cpp_out=$(GENDIR) "
    if grpc:
        cmd += "--plugin=protoc-gen-grpc=$$(command -v grpc_cpp_plugin) --grpc_out=$(GENDIR) "
    cmd += "$(location %s)" % src
    native.filegroup(
        name = name + "_srcs",
        srcs = [src] + proto_deps,
        visibility = visibility,
        testonly = testonly,
    )
    native.genrule(
        name = name + "_gen",
        srcs = [src] + proto_deps,
        outs = outs,
        cmd = cmd,
        message = "protoc %s/%s" % (pkg, src),
        testonly = testonly,
    )
    native.cc_library(
        name = name,
        srcs = [o for o in outs if o.endswith(".cc")],
        hdrs = [o for o in outs if o.endswith(".h")],
        deps = deps + (["@system//:grpc"] if grpc else ["@system//:protobuf"]),
        visibility = visibility,
        testonly = testonly,
    )
