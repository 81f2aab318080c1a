#!/usr/bin/python3
"""Native PyTorch rival for the issue #4 benchmark (run with Debian's /usr/bin/python3 + python3-torch).

Builds seed models A and B (see /work/shared/seed/README.md and
wasm-tests/fixtures/generate/generate-fixtures.mjs) with Keras semantics:
'same' padding (more on the bottom/right when the total is odd), BatchNormalization
eps 1e-3 and Keras momentum 0.99 (= torch momentum 0.01), SeparableConv2D as a
depthwise (groups=C) 3x3 conv followed by a 1x1 conv, channels-last memory format.
The augmentation layers of model B are identity at inference and are left out.
Trains with Adam (Keras defaults: lr 1e-3, eps 1e-7) on binary cross-entropy
(sigmoid + BCE == BCEWithLogits on the pre-sigmoid output) with random data.

Prints one JSON object per line, in the schema of train-step-bench.cpp:
  {"bench":"train-step","runtime":"pytorch-native","model":"A-32","input":"32x32x3","batch":32,
   "threads":1,"mode":"train","step_ms":...,"images_per_second":...,"gflops":...,"loss":...,
   "minflt_per_step":...,"malloc":...}
minflt_per_step is the process's minor page faults (getrusage ru_minflt) per timed step: ~0 when the
allocator keeps freed memory (see the runner's --torch-malloc), hundreds of thousands per B-180
training step with glibc's defaults on VMs where touching a fresh page is expensive.

  torch-bench.py [--models A-32,B-64,B-180] [--batch 32] [--threads 1,2]
                 [--min-steps 3] [--min-seconds 2] [--max-steps 50] [--modes train,infer] [--quick]
                 [--tag T] [--malloc NAME]
If torch cannot be imported, prints one {"bench":"train-step","runtime":"pytorch-native","error":...}
record and exits 0.
"""
import argparse
import json
import math
import os
import resource
import sys
import time


def emit(record):
    print(json.dumps(record), flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--models', default='A-32,B-64,B-180')
    p.add_argument('--batch', type=int, default=32)
    p.add_argument('--threads', default='1,2')
    p.add_argument('--modes', default='train,infer')
    p.add_argument('--min-steps', type=int, default=3)
    p.add_argument('--min-seconds', type=float, default=2.0)
    p.add_argument('--max-steps', type=int, default=50)
    p.add_argument('--quick', action='store_true', help='model A at batch 2, one timed step')
    p.add_argument('--tag', default='', help='extra "tag" field on every record (e.g. competing)')
    p.add_argument('--malloc', default='', help='name of the allocator setting the runner gave this process '
                   '(the "malloc" field; default: LD_PRELOAD / GLIBC_TUNABLES as found)')
    args = p.parse_args()
    if args.quick:
        args.models, args.batch, args.min_steps, args.min_seconds, args.max_steps = 'A-32', 2, 1, 0.0, 1

    extra = {'tag': args.tag} if args.tag else {}
    # How this process allocates (set by the runner's --torch-malloc): LD_PRELOADed allocator or
    # glibc with its tunables ('glibc' alone = glibc's defaults, which return memory to the kernel).
    preload = os.environ.get('LD_PRELOAD', '')
    malloc = args.malloc or (os.path.basename(preload.split(':')[0]) if preload else 'glibc') + (
        f" {os.environ['GLIBC_TUNABLES']}" if not preload and os.environ.get('GLIBC_TUNABLES') else '')
    try:
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
    except Exception as e:  # noqa: BLE001 - any import failure means "not installed"
        emit({'bench': 'train-step', 'runtime': 'pytorch-native', 'error': f'torch not importable: {e}', **extra})
        return 0

    # ------------------------------------------------------------------ models

    def same_pad(size, k, s):
        """Keras 'same': output ceil(size/s); total pad split with the extra on the bottom/right."""
        out = -(-size // s)
        total = max((out - 1) * s + k - size, 0)
        return total // 2, total - total // 2

    class MaxPoolSame(nn.Module):
        """Keras 'same' max pooling through max_pool2d's own padding (no padded copy of the input).

        Keras puts the odd pixel of the total padding on the bottom/right: max_pool2d pads
        `top` on both sides, and ceil_mode adds the one extra window that needs the bottom pixel
        (for the seed models' 2x2/2 and 3x3/2 pools this is exactly Keras's window placement;
        the shape is checked)."""
        def __init__(self, k, s):
            super().__init__()
            self.k, self.s = k, s

        def forward(self, x):
            top, bottom = same_pad(x.shape[2], self.k, self.s)
            left, right = same_pad(x.shape[3], self.k, self.s)
            y = F.max_pool2d(x, self.k, self.s, padding=(top, left), ceil_mode=bottom > top or right > left)
            if y.shape[2] != -(-x.shape[2] // self.s) or y.shape[3] != -(-x.shape[3] // self.s):
                raise RuntimeError(f'max pool {self.k}/{self.s} of {tuple(x.shape)} gave {tuple(y.shape)}')
            return y

    def bn(c):
        return nn.BatchNorm2d(c, eps=1e-3, momentum=0.01)

    def glorot(m):
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(m.weight)
            if m.bias is not None:
                nn.init.zeros_(m.bias)

    class Pointwise2(nn.Conv2d):
        """1x1 conv, stride 2, 'same' (no padding needed), as a stride-1 conv of the even pixels.

        Debian's torch 1.13 (libdnnl2) corrupts the heap in the channels-last backward of a 1x1
        stride-2 conv with fewer than 8 input channels (model A's first residual, 3 -> 32: crashes
        with 'free(): invalid next size' or SIGSEGV); the strided view gives the same values."""
        def __init__(self, cin, cout, bias=True):
            super().__init__(cin, cout, 1, bias=bias)

        def forward(self, x):
            return super().forward(x[:, :, ::2, ::2])

    class ResidualBlockA(nn.Module):
        def __init__(self, cin, f, pooling):
            super().__init__()
            self.c1 = nn.Conv2d(cin, f, 3, padding=1)
            self.c2 = nn.Conv2d(f, f, 3, padding=1)
            self.pool = MaxPoolSame(2, 2) if pooling else None
            if pooling:
                self.res = Pointwise2(cin, f) if cin < 8 else nn.Conv2d(cin, f, 1, stride=2)
            elif cin != f:
                self.res = nn.Conv2d(cin, f, 1)
            else:
                self.res = None

        def forward(self, x):
            r = x
            x = F.relu(self.c1(x))
            x = F.relu(self.c2(x))
            if self.pool is not None:
                x = self.pool(x)
            if self.res is not None:
                r = self.res(r)
            return x + r

    class ModelA(nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = nn.Sequential(ResidualBlockA(3, 32, True), ResidualBlockA(32, 64, True),
                                        ResidualBlockA(64, 128, False))
            self.dense = nn.Linear(128, 1)

        def forward(self, x):
            x = self.blocks(x * (1.0 / 255.0))
            return self.dense(x.mean(dim=(2, 3)))   # logits; sigmoid lives in the loss

    class SeparableConv(nn.Module):
        def __init__(self, cin, cout):
            super().__init__()
            self.depthwise = nn.Conv2d(cin, cin, 3, padding=1, groups=cin, bias=False)
            self.pointwise = nn.Conv2d(cin, cout, 1, bias=False)

        def forward(self, x):
            return self.pointwise(self.depthwise(x))

    class BlockB(nn.Module):
        def __init__(self, cin, f):
            super().__init__()
            self.bn1, self.sep1 = bn(cin), SeparableConv(cin, f)
            self.bn2, self.sep2 = bn(f), SeparableConv(f, f)
            self.pool = MaxPoolSame(3, 2)
            self.res = nn.Conv2d(cin, f, 1, stride=2, bias=False)   # 1x1 stride 2 'same' needs no pad

        def forward(self, x):
            r = x
            x = self.sep1(F.relu(self.bn1(x)))
            x = self.sep2(F.relu(self.bn2(x)))
            return self.pool(x) + self.res(r)

    class ModelB(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Conv2d(3, 32, 5, bias=False)   # valid
            blocks, cin = [], 32
            for f in (32, 64, 128, 256, 512):
                blocks.append(BlockB(cin, f))
                cin = f
            self.blocks = nn.Sequential(*blocks)
            self.dropout = nn.Dropout(0.5)
            self.dense = nn.Linear(512, 1)

        def forward(self, x):
            x = self.blocks(self.stem(x * (1.0 / 255.0)))
            return self.dense(self.dropout(x.mean(dim=(2, 3))))

    specs = {'A-32': (ModelA, 32), 'A-16': (ModelA, 16), 'B-64': (ModelB, 64), 'B-180': (ModelB, 180)}
    expected_params = {'A': 297697, 'B': 721857}

    def forward_macs(model, size):
        """Conv and dense multiply-adds per sample (what the engine's forward_macs_per_sample counts)."""
        total = [0]

        def hook(m, inp, out):
            if isinstance(m, nn.Conv2d):
                kh, kw = m.kernel_size
                total[0] += out.numel() // out.shape[0] * kh * kw * (m.in_channels // m.groups)
            elif isinstance(m, nn.Linear):
                total[0] += m.in_features * m.out_features

        handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
        model.eval()
        with torch.no_grad():
            model(torch.zeros(1, 3, size, size).to(memory_format=torch.channels_last))
        for h in handles:
            h.remove()
        return total[0]

    def timed(fn, min_steps, min_seconds, max_steps):
        """Seconds per step, steps, and minor page faults per timed step (this process, all threads).

        On the VMs this bench runs on, a freshly touched 4 KiB page costs microseconds: an allocator
        that hands freed blocks back to the kernel after every step (glibc's default for large
        blocks) pays that again on every step, so the fault count is recorded beside the speed."""
        fn()   # warm-up (oneDNN primitive creation, allocator)
        faults0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        steps, t0 = 0, time.perf_counter()
        while steps < min_steps or (time.perf_counter() - t0 < min_seconds and steps < max_steps):
            fn()
            steps += 1
        s = (time.perf_counter() - t0) / steps
        return s, steps, (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults0) / steps

    emit({'bench': 'env', 'runtime': 'pytorch-native', 'torch': torch.__version__,
          'mkldnn': bool(torch.backends.mkldnn.is_available()),
          'cpu_capability': next((l.split(':', 1)[1].strip() for l in torch.__config__.show().splitlines()
                                  if 'CPU capability' in l), None),
          'interop_threads': torch.get_num_interop_threads(), 'default_threads': torch.get_num_threads(),
          'malloc': malloc, **extra})

    modes = [m for m in args.modes.split(',') if m]
    for name in [m for m in args.models.split(',') if m]:
        if name not in specs:
            emit({'bench': 'train-step', 'runtime': 'pytorch-native', 'model': name, 'error': 'unknown model', **extra})
            continue
        cls, size = specs[name]
        for threads in [int(t) for t in args.threads.split(',') if t]:
            base = {'bench': 'train-step', 'runtime': 'pytorch-native', 'model': name, 'input': f'{size}x{size}x3',
                    'batch': args.batch, 'threads': threads}
            try:
                torch.set_num_threads(threads)
                torch.manual_seed(0)
                model = cls()
                model.apply(glorot)
                params = sum(p.numel() for p in model.parameters()) + sum(b.numel() for b in model.buffers()
                                                                          if b.dtype.is_floating_point)
                if params != expected_params[name[0]]:
                    raise RuntimeError(f'{name}: {params} params, expected {expected_params[name[0]]}')
                model = model.to(memory_format=torch.channels_last)
                macs = forward_macs(model, size) * args.batch
                x = (torch.rand(args.batch, 3, size, size) * 255.0).contiguous(memory_format=torch.channels_last)
                y = (torch.arange(args.batch) % 2).float().unsqueeze(1)
                opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
                loss_fn = nn.BCEWithLogitsLoss()
                last = {}

                def train_step():
                    opt.zero_grad(set_to_none=True)
                    loss = loss_fn(model(x), y)
                    loss.backward()
                    opt.step()
                    last['loss'] = float(loss.detach())

                def infer_step():
                    with torch.no_grad():
                        model(x)

                for mode in modes:
                    if mode == 'train':
                        model.train()
                        s, steps, faults = timed(train_step, args.min_steps, args.min_seconds, args.max_steps)
                    else:
                        model.eval()
                        s, steps, faults = timed(infer_step, args.min_steps, args.min_seconds, args.max_steps)
                    flops = 2.0 * macs * (3.0 if mode == 'train' else 1.0)
                    rec = {**base, 'threads': torch.get_num_threads(), 'mode': mode, 'step_ms': round(s * 1e3, 3),
                           'images_per_second': round(args.batch / s, 2), 'gflops': round(flops / s * 1e-9, 2),
                           'steps': steps, 'minflt_per_step': round(faults, 1), 'malloc': malloc}
                    if mode == 'train':
                        rec['loss'] = round(last['loss'], 5)
                    emit({**rec, **extra})
            except Exception as e:  # noqa: BLE001 - report, keep going
                emit({**base, 'error': f'{type(e).__name__}: {e}', **extra})
    return 0


if __name__ == '__main__':
    sys.exit(main())
