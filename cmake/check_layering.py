#!/usr/bin/env python3
"""The layering check: a module may include only the modules it links.

CMakeLists.txt gives each module (src/<name>/, built as uplift_<name>) its dependencies with
uplift_module(NAME DEPS...) and writes them, closed transitively, to a manifest (one line per
module; see write_layering_manifest in CMakeLists.txt):

    module <TAB> name <TAB> modules it may include, space-separated <TAB> external link targets
    header <TAB> include prefix <TAB> library <TAB> the link targets that provide it

This script reads every .h/.cpp under src/<name>/ and fails, naming file and line, when one
includes another module's header ("store/store.h", or a relative "../store/store.h") that the
module does not link, or an outside-world header (<Poco/...>, <sqlite3.h>, ...) whose library
the module does not link. The build runs it before compiling each module (a stamp file the
library depends on), so a stray include fails the build; tests/layering runs it too.

Usage: check_layering.py --src SRC --manifest FILE [--module NAME ...] [--stamp FILE]
Exit status: 0 when every checked module keeps to its layer, 1 with one line per violation,
2 for a usage error (unknown module, unreadable manifest).
"""
import argparse
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^">]+)[">]')
# A using-directive at namespace scope (our sources do not indent namespace bodies, so column 0).
USING_DIRECTIVE = re.compile(r'^using\s+namespace\s+([\w:]+)\s*;')
SOURCE_SUFFIXES = ('.h', '.hpp', '.cpp', '.cc')


def read_manifest(path):
    modules, headers = {}, []
    with open(path, encoding='utf-8') as f:
        for number, line in enumerate(f, 1):
            line = line.rstrip('\n')
            if not line or line.startswith('#'):
                continue
            parts = line.split('\t')
            if parts[0] == 'module' and len(parts) == 4:
                modules[parts[1]] = (set(parts[2].split()), set(parts[3].split()))
            elif parts[0] == 'header' and len(parts) == 4:
                headers.append((parts[1], parts[2], set(parts[3].split())))
            else:
                raise ValueError(f'{path}:{number}: not a manifest line: {line!r}')
    return modules, headers


def module_of(src, path):
    """The module (first folder under src) a path lies in, or None outside src."""
    rel = os.path.relpath(os.path.normpath(path), src)
    if rel.startswith('..'):
        return None
    return rel.split(os.sep)[0] if os.sep in rel else None


def check_module(src, name, may_use, links, headers, all_modules):
    """Yields one message per stray include in src/<name>/."""
    root = os.path.join(src, name)
    shown = ', '.join(sorted(may_use))
    for folder, _, files in sorted(os.walk(root)):
        for file in sorted(files):
            if not file.endswith(SOURCE_SUFFIXES):
                continue
            path = os.path.join(folder, file)
            shown_path = os.path.relpath(path, os.path.dirname(src))
            with open(path, encoding='utf-8', errors='replace') as f:
                for number, line in enumerate(f, 1):
                    where = f'{shown_path}:{number}'
                    d = USING_DIRECTIVE.match(line)
                    if d:
                        yield (f'{where}: `using namespace {d.group(1)}` at namespace scope: the unity build '
                               f'would carry it into the next files of {name} (name each: `using {d.group(1)}::x;`)')
                        continue
                    m = INCLUDE.match(line)
                    if not m:
                        continue
                    bracket, target = m.groups()
                    # A quoted include that resolves next to the file is checked where it lands.
                    used = None
                    beside = os.path.join(folder, target)
                    if bracket == '"' and os.path.exists(beside):
                        used = module_of(src, beside)
                    elif '/' in target and target.split('/')[0] in all_modules:
                        used = target.split('/')[0]
                    if used is not None:
                        if used != name and used not in may_use:
                            yield f'{where}: {name} may not include {target} ({name} may use: {shown})'
                        continue
                    for prefix, library, providers in headers:
                        if target.startswith(prefix) and not providers & links:
                            yield (f'{where}: {name} may not include <{target}> ({library}: {name} '
                                   f'links none of {", ".join(sorted(providers)) or "its targets"})')


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--src', required=True, help='the source root (src/)')
    ap.add_argument('--manifest', required=True)
    ap.add_argument('--module', action='append', help='check these modules (default: all)')
    ap.add_argument('--stamp', help='touched when the check passes')
    args = ap.parse_args(argv)
    try:
        modules, headers = read_manifest(args.manifest)
    except (OSError, ValueError) as e:
        print(f'check_layering: {e}', file=sys.stderr)
        return 2
    src = os.path.normpath(args.src)
    all_modules = {d for d in os.listdir(src) if os.path.isdir(os.path.join(src, d))}
    wanted = args.module or sorted(modules)
    problems = []
    for name in wanted:
        if name not in modules:
            print(f'check_layering: {name} is not in {args.manifest}', file=sys.stderr)
            return 2
        may_use, links = modules[name]
        problems += check_module(src, name, may_use, links, headers, all_modules)
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        return 1
    if args.stamp:
        os.makedirs(os.path.dirname(os.path.abspath(args.stamp)), exist_ok=True)
        with open(args.stamp, 'w', encoding='utf-8') as f:
            f.write('ok\n')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
