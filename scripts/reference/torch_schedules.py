"""Reference values for the cyclical, one-cycle-cosine and multistep policies, from PyTorch itself.

Re-run (Debian's PyTorch; pip has no internet here, and pyenv's python3 has no torch):

    apt-get install -y python3-torch
    /usr/bin/python3 scripts/reference/torch_schedules.py > src/schedules/fixtures/torch.json

For every case it builds torch.optim.lr_scheduler.CyclicLR, OneCycleLR or MultiStepLR on a one-parameter SGD optimizer,
runs the usual loop (optimizer.step() then scheduler.step()) and records what the optimizer's param group
holds each time optimizer.step() runs: the lr and momentum that step trains with. Each case carries the
scbench policy JSON with the same parameters; src/schedules/reference.test.ts checks the TypeScript schedules
against these values.
"""
import json
import sys

import torch
from torch.optim.lr_scheduler import CyclicLR, MultiStepLR, OneCycleLR


class RecordingSGD(torch.optim.SGD):
    """SGD that notes the lr and momentum of its param group at every step."""

    def __init__(self, lr=0.1, momentum=0.9):
        super().__init__([torch.nn.Parameter(torch.zeros(1))], lr=lr, momentum=momentum)
        self.seen = []

    def step(self, closure=None):
        group = self.param_groups[0]
        self.seen.append((group['lr'], group['momentum']))
        return super().step(closure)


def record(make_scheduler, iterations, with_momentum, optimizer=None):
    optimizer = optimizer or RecordingSGD()
    optimizer.param_groups[0]['params'][0].grad = torch.zeros(1)
    scheduler = make_scheduler(optimizer)
    for _ in range(iterations):
        optimizer.step()
        scheduler.step()
    lrs = [lr for lr, _ in optimizer.seen]
    momenta = [momentum for _, momentum in optimizer.seen]
    return {'lr': lrs, 'momentum': momenta} if with_momentum else {'lr': lrs}


def cyclic_case(label, iterations, base_lr, max_lr, step_size, mode, gamma=1.0, momentum=None):
    kwargs = dict(base_lr=base_lr, max_lr=max_lr, step_size_up=step_size, mode=mode, gamma=gamma,
                  cycle_momentum=momentum is not None)
    policy = {'name': 'cyclical', 'baseLr': base_lr, 'maxLr': max_lr, 'stepSize': step_size, 'mode': mode, 'gamma': gamma}
    if momentum is not None:
        kwargs.update(base_momentum=momentum[0], max_momentum=momentum[1])
        policy.update(baseMomentum=momentum[0], maxMomentum=momentum[1])
    values = record(lambda optimizer: CyclicLR(optimizer, **kwargs), iterations, momentum is not None)
    return {'label': label, 'torch': {'scheduler': 'CyclicLR', **kwargs}, 'policy': policy,
            'totalIterations': iterations, **values}


def one_cycle_case(label, total_steps, max_lr, pct_start=0.3, anneal='cos', three_phase=False,
                   div_factor=25.0, final_div_factor=1e4, base_momentum=0.85, max_momentum=0.95):
    kwargs = dict(max_lr=max_lr, total_steps=total_steps, pct_start=pct_start, anneal_strategy=anneal,
                  three_phase=three_phase, div_factor=div_factor, final_div_factor=final_div_factor,
                  base_momentum=base_momentum, max_momentum=max_momentum)
    policy = {'name': 'one-cycle-cosine', 'maxLr': max_lr, 'pctStart': pct_start, 'anneal': anneal,
              'threePhase': three_phase, 'divFactor': div_factor, 'finalDivFactor': final_div_factor,
              'baseMomentum': base_momentum, 'maxMomentum': max_momentum}
    values = record(lambda optimizer: OneCycleLR(optimizer, **kwargs), total_steps, True)
    return {'label': label, 'torch': {'scheduler': 'OneCycleLR', **kwargs}, 'policy': policy,
            'totalIterations': total_steps, **values}


def multistep_case(label, iterations, lr, milestones, gamma=0.1, momentum=None):
    kwargs = dict(milestones=milestones, gamma=gamma)
    policy = {'name': 'multistep', 'lr': lr, 'milestones': milestones, 'gamma': gamma}
    if momentum is not None:
        policy['momentum'] = momentum
    optimizer = RecordingSGD(lr=lr, momentum=0.9 if momentum is None else momentum)
    values = record(lambda o: MultiStepLR(o, **kwargs), iterations, momentum is not None, optimizer)
    return {'label': label, 'torch': {'scheduler': 'MultiStepLR', 'lr': lr, **kwargs}, 'policy': policy,
            'totalIterations': iterations, **values}


def main():
    cases = [
        cyclic_case('triangular, step 7, cyclic momentum', 60, 0.01, 0.1, 7, 'triangular', momentum=(0.8, 0.9)),
        cyclic_case('triangular, step 5, no momentum', 47, 0.003, 0.012, 5, 'triangular'),
        cyclic_case('triangular, step 1', 9, 0.1, 1.0, 1, 'triangular', momentum=(0.85, 0.95)),
        cyclic_case('triangular ignores gamma', 40, 0.02, 0.08, 6, 'triangular', gamma=0.9),
        cyclic_case('triangular2, step 4, cyclic momentum', 70, 0.001, 0.006, 4, 'triangular2', momentum=(0.8, 0.95)),
        cyclic_case('triangular2, step 9, no momentum', 100, 0.05, 0.5, 9, 'triangular2'),
        cyclic_case('exp_range, gamma 0.99, step 6, cyclic momentum', 80, 0.01, 0.1, 6, 'exp_range', 0.99, (0.85, 0.9)),
        cyclic_case('exp_range, gamma 0.9995, step 13, no momentum', 200, 0.001, 0.01, 13, 'exp_range', 0.9995),
        cyclic_case('paper cyclical: base 1/4 of 0.04, step 250', 1200, 0.01, 0.04, 250, 'triangular'),
        one_cycle_case('cos, defaults, 97 steps', 97, 0.1),
        one_cycle_case('linear, 101 steps', 101, 0.4, anneal='linear'),
        one_cycle_case('cos, pct 0.3 of 10 steps', 10, 1.0),
        one_cycle_case('cos, 333 steps, div 10, final div 100, pct 0.45', 333, 0.05, pct_start=0.45,
                       div_factor=10.0, final_div_factor=100.0),
        one_cycle_case('three phase cos, pct 0.25, 123 steps', 123, 0.2, pct_start=0.25, three_phase=True),
        one_cycle_case('three phase linear, pct 0.4, 77 steps, momentum 0.8..0.9', 77, 0.3, pct_start=0.4,
                       anneal='linear', three_phase=True, base_momentum=0.8, max_momentum=0.9),
        one_cycle_case('three phase cos, pct 0.5, 41 steps, div 5, final div 1e5', 41, 0.6, pct_start=0.5,
                       three_phase=True, div_factor=5.0, final_div_factor=1e5),
        one_cycle_case('cos, 1173 steps (3 CIFAR-10 epochs at batch 128)', 1173, 0.4),
        multistep_case('x0.1 at 5 and 8, 12 steps', 12, 0.35, [5, 8]),
        multistep_case('gamma 0.5, milestones unsorted and repeated, momentum 0.85', 40, 0.2, [30, 3, 17, 17], 0.5, 0.85),
        multistep_case('milestone 0 and one past the end', 10, 1.0, [0, 10], 0.3),
        multistep_case('Smith & Topin baseline scaled down: 0.35, x0.1 at 500 and 700 of 800', 800, 0.35, [500, 700], 0.1, 0.9),
    ]
    json.dump({'reference': f'torch {torch.__version__} torch.optim.lr_scheduler', 'generator': 'scripts/reference/torch_schedules.py',
               'cases': cases}, sys.stdout, indent=1)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
