"""PyTorch's training speed on scbench's networks (src/nn/*.ts), for scripts/compare-with-pytorch.mjs.

The same layers, shapes, batch-norm epsilon and training step as `scbench perf`: cross-entropy plus an
L2 penalty of 1e-5 on conv and dense kernels, SGD with momentum 0.9, on one fixed random batch.
Prints one JSON object: parameters (weights plus batch-norm moving statistics, as scbench counts them),
imagesPerSecond, threads.
"""
import argparse
import json
import time

import torch
from torch import nn


def conv_bn_relu(cin, cout):
    return [nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout, eps=1e-3), nn.ReLU()]


def simple(classes):
    layers, cin = [], 3
    for width in (32, 64, 128):
        layers += conv_bn_relu(cin, width) + [nn.MaxPool2d(2)]
        cin = width
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, classes))


VGG16 = [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M']


def vgg16bn(classes):
    layers, cin = [], 3
    for width in VGG16:
        if width == 'M':
            layers.append(nn.MaxPool2d(2))
        else:
            layers += conv_bn_relu(cin, width)
            cin = width
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                         nn.Linear(cin, 512), nn.BatchNorm1d(512, eps=1e-3), nn.ReLU(), nn.Linear(512, classes))


def make_divisible(v, divisor=8):
    rounded = max(divisor, int(v + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * v else rounded


class InvertedResidual(nn.Module):
    def __init__(self, cin, expanded, cout, stride):
        super().__init__()
        layers = []
        if expanded is not None:
            layers += [nn.Conv2d(cin, expanded, 1, bias=False), nn.BatchNorm2d(expanded, eps=1e-3), nn.ReLU6()]
        width = expanded or cin
        layers += [nn.Conv2d(width, width, 3, stride, 1, groups=width, bias=False), nn.BatchNorm2d(width, eps=1e-3), nn.ReLU6(),
                   nn.Conv2d(width, cout, 1, bias=False), nn.BatchNorm2d(cout, eps=1e-3)]
        self.body = nn.Sequential(*layers)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        return x + self.body(x) if self.residual else self.body(x)


BLOCKS = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]


def mobilenetv2(classes):
    channels = make_divisible(32)
    layers = [nn.Conv2d(3, channels, 3, 2, 1, bias=False), nn.BatchNorm2d(channels, eps=1e-3), nn.ReLU6()]
    first = True
    for expansion, filters, repeats, first_stride in BLOCKS:
        for r in range(repeats):
            out = make_divisible(filters)
            layers.append(InvertedResidual(channels, None if first else expansion * channels, out, first_stride if r == 0 else 1))
            first, channels = False, out
    return nn.Sequential(*layers, nn.Conv2d(channels, 1280, 1, bias=False), nn.BatchNorm2d(1280, eps=1e-3), nn.ReLU6(),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(1280, classes))


NETWORKS = {'simple': simple, 'vgg16bn': vgg16bn, 'mobilenetv2': mobilenetv2}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--network', choices=NETWORKS, required=True)
    parser.add_argument('--input', default='32x32x3')
    parser.add_argument('--classes', type=int, default=10)
    parser.add_argument('--batch', type=int, default=128)
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument('--iterations', type=int, default=10)
    parser.add_argument('--threads', type=int, required=True)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    h, w, c = (int(d) for d in args.input.split('x'))
    model = NETWORKS[args.network](args.classes)
    parameters = sum(p.numel() for p in model.parameters()) + sum(
        b.numel() for name, b in model.named_buffers() if not name.endswith('num_batches_tracked'))
    kernels = [m.weight for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = torch.randn(args.batch, c, h, w)
    labels = torch.randint(0, args.classes, (args.batch,))
    model.train()

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = nn.functional.cross_entropy(model(x), labels) + 1e-5 * sum((k * k).sum() for k in kernels)
        loss.backward()
        optimizer.step()
        return loss.item()

    for _ in range(args.warmup):
        step()
    started = time.perf_counter()
    for _ in range(args.iterations):
        step()
    seconds = time.perf_counter() - started
    print(json.dumps({'parameters': parameters, 'imagesPerSecond': args.batch * args.iterations / seconds,
                      'threads': torch.get_num_threads(), 'version': torch.__version__}))


if __name__ == '__main__':
    main()
