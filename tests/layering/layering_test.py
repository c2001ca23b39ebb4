#!/usr/bin/env python3
"""The layering check (cmake/check_layering.py) against the build's own manifest: the real tree
passes; copies of it with one stray include fail, naming the file, the line and what the module
may use, or with a namespace-scope `using namespace` (unity build) fail. Also: one clock (only core/time.cpp reads the system clock) and one logger (only log/
writes a JSON log line). ctest runs it as `layering` (labels unit, layering)."""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

failures = []


def run(checker, src, manifest, *modules):
    cmd = [sys.executable, checker, '--src', src, '--manifest', manifest]
    for m in modules:
        cmd += ['--module', m]
    p = subprocess.run(cmd, capture_output=True, text=True)
    return p.returncode, p.stderr


def expect(name, ok, detail=''):
    print(('ok   ' if ok else 'FAIL ') + name)
    if not ok:
        failures.append(name)
        if detail:
            print('     ' + detail.replace('\n', '\n     '))


def module_line(manifest, module):
    with open(manifest, encoding='utf-8') as f:
        for line in f:
            parts = line.rstrip('\n').split('\t')
            if parts[0] == 'module' and parts[1] == module:
                return set(parts[2].split()), set(parts[3].split())
    raise SystemExit(f'{module} is not in {manifest}')


def with_stray(checker, real_src, manifest, module, file, text, expected_rc, expected_message):
    """Copies the tree, appends `text` to src/<module>/<file>, checks that module."""
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, 'src')
        shutil.copytree(real_src, src)
        path = os.path.join(src, module, file)
        with open(path, encoding='utf-8') as f:
            lines = f.read().split('\n')
        if lines and lines[-1] == '':
            lines.pop()
        lines.append(text)
        with open(path, 'w', encoding='utf-8') as f:
            f.write('\n'.join(lines) + '\n')
        rc, err = run(checker, src, manifest, module)
        where = f'src/{module}/{file}:{len(lines)}: '
        return rc == expected_rc and (expected_message is None or where + expected_message in err), err


def only_in(src, pattern, allowed):
    """The src/ lines matching `pattern` outside the files under `allowed` (paths under src/)."""
    found = []
    for folder, _, files in os.walk(src):
        for file in files:
            if not file.endswith(('.h', '.cpp')):
                continue
            path = os.path.join(folder, file)
            rel = os.path.relpath(path, src)
            if any(rel == a or rel.startswith(a.rstrip('/') + '/') for a in allowed):
                continue
            with open(path, encoding='utf-8', errors='replace') as f:
                for number, line in enumerate(f, 1):
                    if re.search(pattern, line):
                        found.append(f'src/{rel}:{number}: {line.strip()}')
    return found


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--checker', required=True)
    ap.add_argument('--src', required=True)
    ap.add_argument('--manifest', required=True)
    a = ap.parse_args()

    rc, err = run(a.checker, a.src, a.manifest)
    expect('the real tree keeps to its layers', rc == 0, err)

    uses, links = module_line(a.manifest, 'core')
    expect('core may use only itself', uses == {'core'}, str(uses))
    expect('core links no Poco, MySQL or SQLite',
           not any(l.startswith(('Poco::', 'MySQL::', 'SQLite::')) for l in links), str(links))
    uses, _ = module_line(a.manifest, 'http')
    expect('http may use app and, through it, store', {'app', 'store', 'report', 'core'} <= uses, str(uses))
    expect('the service never uses the demo generator',
           all('demo' not in module_line(a.manifest, m)[0] for m in ('app', 'http', 'report')))

    cases = [
        ('core reaching up to the store', 'core', 'time.cpp', '#include "store/store.h"', 1,
         'core may not include store/store.h (core may use: core)'),
        ('a relative include is checked where it lands', 'core', 'time.cpp', '#include "../store/store.h"', 1,
         'core may not include ../store/store.h'),
        ('report reading the Store', 'report', 'html.cpp', '#  include "store/store.h"', 1,
         'report may not include store/store.h (report may use: attribution, cohorts, core, milestones, '
         'recommend, report, segments)'),
        ('the core including SQLite', 'core', 'time.cpp', '#include <sqlite3.h>', 1,
         'core may not include <sqlite3.h> (SQLite: core links none of SQLite::SQLite3)'),
        ('app including the demo generator', 'app', 'config.cpp', '#include "demo/generate.h"', 1,
         'app may not include demo/generate.h'),
        ('http reaching past the logger to spdlog', 'http', 'api.cpp', '#include <spdlog/spdlog.h>', 1,
         'http may not include <spdlog/spdlog.h> (spdlog: http links none of spdlog::spdlog)'),
        ('a module including what it links', 'segments', 'loader.cpp', '#include "milestones/graph.h"', 0, None),
        ('an include in a comment is no include', 'core', 'time.cpp', '// #include "store/store.h"', 0, None),
        ('a using-directive at namespace scope (the unity build would carry it on)', 'milestones',
         'state_text.cpp', 'using namespace fast_json;', 1,
         '`using namespace fast_json` at namespace scope: the unity build would carry it into the next '
         'files of milestones'),
        ('a using-directive inside a function', 'core', 'time.cpp',
         'inline long layering_probe() {\n  using namespace std::chrono;\n  return 0;\n}', 0, None),
    ]
    for name, module, file, text, rc, message in cases:
        ok, err = with_stray(a.checker, a.src, a.manifest, module, file, text, rc, message)
        expect(name, ok, err)

    clocks = only_in(a.src, r'system_clock::now|steady_clock::now\(\)\.time_since_epoch|gettimeofday|clock_gettime',
                     ['core/time.cpp'])
    expect('one clock: only core/time.cpp reads "now" as a number', not clocks, '\n'.join(clocks))
    loggers = only_in(a.src, r'\\"level\\"|\\"msg\\"', ['log'])
    expect('one logger: only log/ writes a JSON log line\'s level and msg', not loggers, '\n'.join(loggers))

    rc, err = run(a.checker, a.src, a.manifest, 'nonesuch')
    expect('an unknown module is a usage error', rc == 2, err)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
