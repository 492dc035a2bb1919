"""system_libs: a repository of cc_library targets for Debian's system libraries.

Each target carries the link flags that `pkg-config --libs` prints for its modules (gRPC needs
the whole abseil closure, which only pkg-config knows), plus extra flags for libraries that ship
no .pc file (Gloo, the CUDA runtime). Headers live in /usr/include, which the compiler searches
already; a library with headers elsewhere names that folder in `include_dirs`, and the rule links
it into the repository so Bazel's sandbox can see it.

    system_libs(
        name = "system",
        modules = {"grpc": ["grpc++", "protobuf"]},
        linkopts = {"gloo": ["-lgloo"]},
        include_dirs = {"cuda": "/usr/local/cuda/include"},
    )

gives @system//:grpc, @system//:gloo and @system//:cuda.
"""

def _pkg_config(rctx, flag, modules):
    if not modules:
        return []
    result = rctx.execute(["pkg-config", flag] + modules)
    if result.return_code != 0:
        fail("system_libs: pkg-config %s %s failed: %s (run tools/setup.sh to install the -dev packages)" %
             (flag, " ".join(modules), result.stderr.strip()))
    return [f for f in result.stdout.strip().split(" ") if f]

def _system_libs_impl(rctx):
    names = {}
    for name in rctx.attr.modules:
        names[name] = True
    for name in rctx.attr.linkopts:
        names[name] = True
    for name in rctx.attr.include_dirs:
        names[name] = True

    build = ['package(default_visibility = ["//visibility:public"])', ""]
    for name in sorted(names.keys()):
        modules = rctx.attr.modules.get(name, [])
        linkopts = _pkg_config(rctx, "--libs", modules) + rctx.attr.linkopts.get(name, [])
        cflags = _pkg_config(rctx, "--cflags", modules)
        defines = [f[2:] for f in cflags if f.startswith("-D")]
        include_dirs = [f[2:] for f in cflags if f.startswith("-I") and f[2:].rstrip("/") != "/usr/include"]
        if name in rctx.attr.include_dirs:
            include_dirs.append(rctx.attr.include_dirs[name])
        links = []
        for i, include_dir in enumerate(include_dirs):
            link = "%s_include%d" % (name, i)
            rctx.symlink(include_dir, link)
            links.append(link)
        # Every file: C++ and CUDA headers include extensionless ones (<nv/target>, <cuda/std/...>).
        hdrs = "glob(%s)" % repr([l + "/**" for l in links])
        includes = repr(links)
        build.append("cc_library(")
        build.append('    name = "%s",' % name)
        build.append("    hdrs = %s," % hdrs)
        build.append("    includes = %s," % includes)
        build.append("    defines = %s," % repr(defines))
        build.append("    linkopts = %s," % repr(linkopts))
        build.append(")")
        build.append("")
    rctx.file("WORKSPACE", 'workspace(name = "%s")\n' % rctx.name)
    rctx.file("BUILD", "\n".join(build))

system_libs = repository_rule(
    implementation = _system_libs_impl,
    attrs = {
        "modules": attr.string_list_dict(doc = "target name -> pkg-config modules"),
        "linkopts": attr.string_list_dict(doc = "target name -> extra link flags (libraries without a .pc file)"),
        "include_dirs": attr.string_dict(doc = "target name -> header folder outside /usr/include"),
    },
    local = True,
    doc = "cc_library targets over system libraries found with pkg-config.",
)
