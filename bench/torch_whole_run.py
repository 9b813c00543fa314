"""A whole training run in PyTorch, the peer of `jointrain run` in bench/wholeRun.ts.

Usage: python3 torch_whole_run.py IMAGES_DIR EPOCHS THREADS CHECKPOINT_DIR
IMAGES_DIR holds one subfolder per class of 28×28 greyscale PNGs. As jointrain's run does: every
image is decoded (PIL), scaled to [0, 1] and 20% of each class held out for validation (seeded);
each epoch shuffles the training split, trains the digits CNN of benchmark 4's model (b) in batches
of 64 with Adam (lr 1e-3) and softmax cross-entropy, evaluates the validation split and saves a
checkpoint (model and optimizer). Prints {"load_s", "train_s", "total_s", "val_accuracy",
"train_samples"} as JSON; times include everything from the first file read.
"""
import json
import os
import random
import sys
import time

start = time.perf_counter()
import numpy as np  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402
from torch import nn  # noqa: E402

images_dir, epochs, threads, checkpoint_dir = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
torch.set_num_threads(threads)
torch.manual_seed(7)
rng = random.Random(7)

classes = sorted(entry for entry in os.listdir(images_dir) if os.path.isdir(os.path.join(images_dir, entry)))
train_files, val_files = [], []
for label, name in enumerate(classes):
    files = sorted(os.listdir(os.path.join(images_dir, name)))
    rng.shuffle(files)
    held = round(len(files) * 0.2)
    val_files += [(os.path.join(images_dir, name, f), label) for f in files[:held]]
    train_files += [(os.path.join(images_dir, name, f), label) for f in files[held:]]


def load(pairs):
    pixels = np.stack([np.asarray(Image.open(path).convert("L").resize((28, 28)), dtype=np.float32) for path, _ in pairs]) / 255.0
    return torch.from_numpy(pixels).unsqueeze(1), torch.tensor([label for _, label in pairs])


x_train, y_train = load(train_files)
x_val, y_val = load(val_files)
loaded = time.perf_counter()

model = nn.Sequential(
    nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(), nn.Linear(32 * 7 * 7, 64), nn.ReLU(), nn.Linear(64, len(classes)),
)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
loss_fn = nn.CrossEntropyLoss()
accuracy = 0.0
for epoch in range(epochs):
    model.train()
    order = torch.randperm(len(x_train))
    for begin in range(0, len(order), 64):
        batch = order[begin:begin + 64]
        optimizer.zero_grad()
        loss_fn(model(x_train[batch]), y_train[batch]).backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        accuracy = (model(x_val).argmax(1) == y_val).float().mean().item()
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch + 1}, os.path.join(checkpoint_dir, f"epoch-{epoch + 1}.pt"))
done = time.perf_counter()
print(json.dumps({"load_s": loaded - start, "train_s": done - loaded, "total_s": done - start, "val_accuracy": accuracy, "train_samples": len(x_train) * epochs}))
