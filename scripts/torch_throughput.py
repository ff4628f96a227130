"""PyTorch's training speed on scbench's networks (src/nn/*.ts), for scripts/compare-with-pytorch.mjs and the GPU
check (scripts/gpu-check/run.ts).

The same layers, shapes, padding, batch-norm epsilon and training step as `scbench perf`: cross-entropy plus an
L2 penalty of 1e-5 on conv and dense kernels, SGD with momentum 0.9, on one fixed random batch; fp32 (TF32 off on
a GPU). Prints one JSON object: parameters (weights plus batch-norm moving statistics, as scbench counts them),
imagesPerSecond, threads, version, device.
"""
import argparse
import json
import math
import time

import torch
import torch.nn.functional as F
from torch import nn


class SameConv2d(nn.Conv2d):
    """TensorFlow's 'same' padding: (ceil(n / s) - 1) * s + k - n in all, the odd one after (the explicit
    ZeroPadding2D of Keras's MobileNetV2 is this too)."""

    def forward(self, x):
        pads = []
        for n, k, s in ((x.shape[3], self.kernel_size[1], self.stride[1]), (x.shape[2], self.kernel_size[0], self.stride[0])):
            total = max((math.ceil(n / s) - 1) * s + k - n, 0)
            pads += [total // 2, total - total // 2]
        if pads[0] == pads[1] and pads[2] == pads[3]:
            return F.conv2d(x, self.weight, self.bias, self.stride, (pads[2], pads[0]), 1, self.groups)
        return F.conv2d(F.pad(x, pads), self.weight, self.bias, self.stride, 0, 1, self.groups)


def batch_norm(channels, keras_momentum=0.99, eps=1e-3):
    # Keras's moving average keeps `momentum` of the old value; PyTorch's momentum is the weight of the new one.
    return nn.BatchNorm2d(channels, eps=eps, momentum=1 - keras_momentum)


def conv_bn_relu(cin, cout, bn_momentum=0.99):
    return [SameConv2d(cin, cout, 3), batch_norm(cout, bn_momentum), nn.ReLU()]


def head(channels, classes):
    return [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(channels, classes)]


def simple(channels, classes, widths=(32, 64, 128), bn_momentum=0.99):
    layers, cin = [], channels
    for width in widths:
        layers += conv_bn_relu(cin, width, bn_momentum) + [nn.MaxPool2d(2)]
        cin = width
    return nn.Sequential(*layers, *head(cin, classes))


VGG16 = [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M']


def vgg16bn(channels, classes):
    layers, cin = [], channels
    for width in VGG16:
        if width == 'M':
            layers.append(nn.MaxPool2d(2))
        else:
            layers += conv_bn_relu(cin, width)
            cin = width
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                         nn.Linear(cin, 512), nn.BatchNorm1d(512, eps=1e-3, momentum=0.01), nn.ReLU(), nn.Linear(512, classes))


def make_divisible(v, divisor=8):
    rounded = max(divisor, int(v + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * v else rounded


class InvertedResidual(nn.Module):
    def __init__(self, cin, expanded, cout, stride):
        super().__init__()
        bn = lambda c: batch_norm(c, 0.999)
        layers = []
        if expanded is not None:
            layers += [SameConv2d(cin, expanded, 1, bias=False), bn(expanded), nn.ReLU6()]
        width = expanded or cin
        layers += [SameConv2d(width, width, 3, stride, groups=width, bias=False), bn(width), nn.ReLU6(),
                   SameConv2d(width, cout, 1, bias=False), bn(cout)]
        self.body = nn.Sequential(*layers)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        return x + self.body(x) if self.residual else self.body(x)


BLOCKS = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]


def mobilenetv2(input_channels, classes):
    channels = make_divisible(32)
    layers = [SameConv2d(input_channels, channels, 3, 2, bias=False), batch_norm(channels, 0.999), nn.ReLU6()]
    first = True
    for expansion, filters, repeats, first_stride in BLOCKS:
        for r in range(repeats):
            out = make_divisible(filters)
            layers.append(InvertedResidual(channels, None if first else expansion * channels, out, first_stride if r == 0 else 1))
            first, channels = False, out
    return nn.Sequential(*layers, SameConv2d(channels, 1280, 1, bias=False), batch_norm(1280, 0.999), nn.ReLU6(), *head(1280, classes))


class BasicBlock(nn.Module):
    """Smith & Topin's CIFAR ResNet block: conv-BN-ReLU, conv-BN (Caffe batch norm: epsilon 1e-5, 0.999), plus the
    shortcut, then ReLU. Downsampling, the shortcut is a 3x3 stride-2 average pool in Caffe's ceil mode: without
    padding, PyTorch's ceil-mode windows past the edge also average only the pixels inside."""

    def __init__(self, filters, stride):
        super().__init__()
        bn = lambda: batch_norm(filters, 0.999, 1e-5)
        self.body = nn.Sequential(SameConv2d(filters, filters, 3, stride), bn(), nn.ReLU(), SameConv2d(filters, filters, 3), bn())
        self.shortcut = nn.AvgPool2d(3, 2, ceil_mode=True) if stride == 2 else nn.Identity()

    def forward(self, x):
        return F.relu(self.body(x) + self.shortcut(x))


class ZeroPadChannels(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.channels = channels

    def forward(self, x):
        return F.pad(x, (0, 0, 0, 0, 0, self.channels - x.shape[1]))


def resnet56(channels, classes, blocks=9):
    def stage(filters, downsample):
        first = nn.Sequential(BasicBlock(filters // 2, 2), ZeroPadChannels(filters)) if downsample else BasicBlock(filters, 1)
        return [first] + [BasicBlock(filters, 1) for _ in range(blocks - 1)]

    return nn.Sequential(SameConv2d(channels, 16, 3), batch_norm(16, 0.999, 1e-5), nn.ReLU(),
                         *stage(16, False), *stage(32, True), *stage(64, True), *head(64, classes))


NETWORKS = {
    'simple': simple,
    'simple-mnist': lambda channels, classes: simple(channels, classes, (16, 32, 64), 0.9),
    'vgg16bn': vgg16bn,
    'mobilenetv2': mobilenetv2,
    'resnet56': resnet56,
}


def parameter_count(model):
    """Weights plus batch-norm moving statistics, as scbench counts a network's parameters."""
    return sum(p.numel() for p in model.parameters()) + sum(
        b.numel() for name, b in model.named_buffers() if not name.endswith('num_batches_tracked'))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--network', choices=NETWORKS, required=True)
    parser.add_argument('--input', default='32x32x3')
    parser.add_argument('--classes', type=int, default=10)
    parser.add_argument('--batch', type=int, default=128)
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument('--iterations', type=int, default=10)
    parser.add_argument('--threads', type=int, help="CPU threads (default: PyTorch's)")
    parser.add_argument('--device', default='cpu', help='cpu, or cuda for the GPU')
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cudnn.benchmark = True
    torch.manual_seed(0)
    h, w, c = (int(d) for d in args.input.split('x'))
    model = NETWORKS[args.network](c, args.classes)
    parameters = parameter_count(model)
    model.to(device).train()
    kernels = [m.weight for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    # Keras's SGD (velocity = m * velocity - lr * grad) and PyTorch's differ only in where lr multiplies: the same
    # weights at a constant lr.
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = torch.randn(args.batch, c, h, w, device=device)
    labels = torch.randint(0, args.classes, (args.batch,), device=device)

    # The loss read back every step, as scbench's step does: on a GPU that also waits for the step to finish.
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
                      'threads': torch.get_num_threads(), 'version': torch.__version__,
                      'device': torch.cuda.get_device_name(device) if device.type == 'cuda' else 'cpu'}))


if __name__ == '__main__':
    main()
