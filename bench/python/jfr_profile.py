#!/usr/bin/env python3
"""Where a JFR recording's CPU went, by kernel family: aggregates jdk.CPUTimeSample (JDK 25, CPU-time sampling that
includes native frames such as OpenBLAS) or jdk.ExecutionSample stacks of the calling thread into GEMM, elementwise,
softmax, layer norm, reductions, copies and engine overhead (dispatch, graph, scopes: samples with no kernel frame),
then prints the top self frames and the deoptimizations (a method trapping over and over runs uncompiled).

Record (bench/README.md "Transformer steady state"):
  java ... -XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints \\
    -XX:StartFlightRecording:delay=40s,duration=40s,filename=t.jfr,settings=profile,jdk.CPUTimeSample#enabled=true,jdk.CPUTimeSample#throttle=2ms \\
    carnot.bench.engine.TransformerSteadyCpuTime 1 450 0
Usage: python3 bench/python/jfr_profile.py t.jfr [jdk.CPUTimeSample] [--split NAME,NAME...]
--split: prefix each family with the first NAME found in a sample's frames (e.g. Sharpness,Trainer: which phase of a
training run the sample belongs to), "[-]" when none.
"""
import collections
import json
import os
import subprocess
import sys

FAMILIES = [('geluDerivative', 'gelu derivative (one pass)'), ('softmax', 'softmax'), ('layerNorm', 'layer norm (row kernels)'),
            ('reduce', 'reductions (sum, sumKeep)'), ('copyStrided', 'permute / strided copies'),
            ('binary', 'elementwise binary (mul, add, sub; broadcast)'), ('unary', 'elementwise unary (gelu, tanh, ...)'),
            ('affine', 'affine (scalar mul / add)'), ('gemm', 'GEMM glue (Java side)'), ('gather', 'gather / scatter'),
            ('scatter', 'gather / scatter'), ('copy', 'copies'), ('fill', 'fill')]


def jfr(*args):
    exe = os.path.join(os.environ.get('JAVA_HOME', '/usr/lib/jvm/temurin-25-jdk-amd64'), 'bin', 'jfr')
    return json.loads(subprocess.run([exe, 'print', '--json', '--stack-depth', '64', *args], capture_output=True,
                                     text=True, check=True).stdout)['recording']['events']


def family(frames):
    if frames[0].startswith('org/bytedeco/openblas'):
        return 'GEMM (OpenBLAS)'
    if not any('Tensor.apply' in f or 'carnot/engine' in f for f in frames):
        return 'other threads / outside the pass'
    k = [f for f in frames if f.startswith('carnot/kernels/')]
    if not k:
        return 'engine: dispatch, graph, scopes (no kernel frame)'
    for key, name in FAMILIES:
        if any(key in f.split('.')[-1] for f in k):
            return name
    return 'kernels, other: ' + k[-1]


def main():
    args = sys.argv[1:]
    split = []
    if '--split' in args:
        i = args.index('--split')
        split = args[i + 1].split(',')
        del args[i:i + 2]
    rec = args[0]
    ev = args[1] if len(args) > 1 else 'jdk.CPUTimeSample'
    fam, top, n = collections.Counter(), collections.Counter(), 0
    for e in jfr('--events', ev, rec):
        st = e['values'].get('stackTrace')
        if not st or not st['frames']:
            continue
        frames = [f"{f['method']['type']['name']}.{f['method']['name']}" for f in st['frames']]
        n += 1
        phase = next((f'[{s}] ' for s in split if any(s in f for f in frames)), '[-] ' if split else '')
        fam[phase + family(frames)] += 1
        top[frames[0]] += 1
    print(f'{ev}: {n} samples')
    for k, c in fam.most_common():
        print(f'{c / n * 100:5.1f}%  {k}')
    print('top self frames:')
    for k, c in top.most_common(15):
        print(f'{c / n * 100:5.1f}%  {k}')
    deopt = collections.Counter()
    for e in jfr('--events', 'jdk.Deoptimization', rec):
        v = e['values']
        deopt[f"{v['method']['type']['name']}.{v['method']['name']} line {v.get('lineNumber')} {v.get('reason')}"] += 1
    print('deoptimizations (count, method, reason):')
    for k, c in deopt.most_common(8):
        print(f'{c:4d}  {k}')


if __name__ == '__main__':
    main()
