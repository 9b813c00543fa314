"""Trains one of the bench's reference models with PyTorch and prints samples/s as JSON.

Usage: python3 torch_reference.py MODEL WARMUP_BATCHES TIMED_BATCHES THREADS
MODEL is one of bench/backendComparison.ts's models (a..h); architectures, batch sizes, Adam (lr
1e-3) and softmax cross-entropy match it. THREADS pins torch's intra-op threads; the caller also
pins OpenBLAS and OpenMP through the environment, since torch.set_num_threads alone still lets
OpenBLAS start a thread per core.
"""
import json
import re
import sys
import time

import torch
from torch import nn


def conv(cin, cout, k, stride=1, padding=0):
    return nn.Conv2d(cin, cout, k, stride=stride, padding=padding)


def separable(cin, cout, k):
    # Keras SeparableConv2D: a depthwise k×k conv, then a pointwise 1×1 conv.
    return nn.Sequential(nn.Conv2d(cin, cin, k, padding=k // 2, groups=cin, bias=False), nn.Conv2d(cin, cout, 1))


class LastStep(nn.Module):
    """Keras LSTM(units) returns the last step's output: PyTorch's LSTM returns every step's."""

    def __init__(self, cin, units):
        super().__init__()
        self.lstm = nn.LSTM(cin, units, batch_first=True)

    def forward(self, x):
        return self.lstm(x)[0][:, -1]


class MeanOverTokens(nn.Module):
    def forward(self, x):
        return x.mean(dim=1)


MODELS = {
    "a": lambda: (nn.Sequential(conv(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), conv(16, 32, 3, 2, 1), nn.ReLU(), nn.Flatten(), nn.Linear(32 * 8 * 8, 10)), (3, 32, 32), 64),
    "b": lambda: (nn.Sequential(conv(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), conv(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(32 * 7 * 7, 64), nn.ReLU(), nn.Linear(64, 10)), (1, 28, 28), 64),
    "c": lambda: (nn.Sequential(conv(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), conv(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10)), (1, 28, 28), 64),
    "d": lambda: (nn.Sequential(conv(3, 16, 3, padding=1), nn.ReLU(), separable(16, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(32 * 16 * 16, 10)), (3, 32, 32), 64),
    "e": lambda: (nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10)), (784,), 128),
    "f": lambda: (nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 2)), (20,), 256),
    # Token models: (model, shape, batch, vocabulary); their inputs are integer ids.
    "g": lambda: (nn.Sequential(nn.Embedding(1000, 32), LastStep(32, 64), nn.Linear(64, 2)), (40,), 64, 1000),
    "h": lambda: (nn.Sequential(nn.Embedding(5000, 64), MeanOverTokens(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 4)), (50,), 128, 5000),
}


def blas():
    """The BLAS library this process actually loaded: Debian's torch links the generic libblas.so.3,
    which update-alternatives points at OpenBLAS, BLIS or the slow reference BLAS."""
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "blas" in line.lower() and "/" in line}
    except OSError:
        return "unknown"
    names = sorted({re.sub(r"\.so.*$", "", path.rsplit("/", 1)[-1]) + (" (" + path.rsplit("/", 2)[-2] + ")" if "/blas/" in path or "openblas" in path else "") for path in paths})
    return ", ".join(names) or "none loaded"


def main():
    name, warmup, timed, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model, shape, batch, *vocabulary = MODELS[name]()
    classes = model[-1].out_features
    x = torch.randint(0, vocabulary[0], (batch, *shape)) if vocabulary else torch.rand(batch, *shape)
    y = torch.randint(0, classes, (batch,))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()

    def step():
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        return loss.item()

    for _ in range(warmup):
        step()
    started = time.perf_counter()
    for _ in range(timed):
        step()
    seconds = time.perf_counter() - started
    print(json.dumps({"samplesPerSecond": timed * batch / seconds, "torch": torch.__version__, "threads": torch.get_num_threads(), "blas": blas()}))


main()
