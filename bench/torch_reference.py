"""Trains the bench's reference models with PyTorch on one CPU thread and prints samples/s as JSON.

Usage: python3 torch_reference.py MODEL WARMUP_BATCHES TIMED_BATCHES   (MODEL: cnn | mlp)
The architectures, batch sizes and optimizer (Adam, lr 1e-3) match bench/backendComparison.ts.
"""
import json
import sys
import time

import torch
from torch import nn

torch.set_num_threads(1)
torch.manual_seed(0)


def cnn():
    # Input 32x32x3 (NCHW here): conv16 3x3 same -> maxpool 2 -> conv32 3x3 stride 2 same -> dense10.
    model = nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.ReLU(),
        nn.Flatten(), nn.Linear(32 * 8 * 8, 10),
    )
    return model, torch.rand(64, 3, 32, 32), torch.randint(0, 10, (64,))


def mlp():
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
    return model, torch.rand(128, 784), torch.randint(0, 10, (128,))


def main():
    name, warmup, timed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    model, x, y = {"cnn": cnn, "mlp": mlp}[name]()
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
    print(json.dumps({"samplesPerSecond": timed * x.shape[0] / seconds, "torch": torch.__version__, "threads": torch.get_num_threads()}))


main()
